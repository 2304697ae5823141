import Foundation
import Testing
import TestSupport

/// `imagepipe generate`, the built binary, against a scripted service on loopback: what a hostile
/// or failing service cannot make it do.
@Suite("imagepipe generate against a scripted service")
struct GenerateCommandLoopbackTests {
    static let token = GenerationClientTests.token

    /// Runs `imagepipe generate` as the openai-compatible provider at `server`, with the token.
    static func generate(_ server: StubServer, _ arguments: [String]) throws -> ImagepipeRun {
        try runImagepipe(
            ["generate", "--provider", "openai-compatible", "--base-url", server.baseURL, "-t", token] + arguments,
            removing: ["NSCALE_SERVICE_TOKEN", "NEBIUS_API_KEY", "OPENAI_API_KEY"]
        )
    }

    /// Every regular file under `folder`, recursively.
    static func files(in folder: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder))
        return enumerator.compactMap { $0 as? String }.map { folder + "/" + $0 }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    @Test("a token echoed in revised_prompt, id and a URL path reaches no file, no --json line and no message")
    func echoedToken() async throws {
        let token = Self.token
        let png = try TestPaths.fixture("disc-rgba.png")
        let server = try await StubServer.start { request, _, port in
            switch request.path {
            case "/v1/images/generations" where request.bodyText.contains("gone"):
                return .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/files/\#(token)/gone.png","revised_prompt":"\#(token)"}]}"#)
            case "/v1/images/generations":
                return .json(200, """
                    {"id":"gen-\(token)","created":1700000000,"data":[
                      {"b64_json":"\(png.base64Text)","revised_prompt":"a fox, asked by \(token)"},
                      {"url":"http://127.0.0.1:\(port)/files/\(token)/a.png?sig=1","revised_prompt":"\(token)"}]}
                    """)
            case "/files/\(token)/a.png?sig=1": return StubResponse(status: 200, body: png)
            default: return .json(404, #"{"error":{"message":"no such file: \#(token)"}}"#)
            }
        }
        let folder = try makeScratchDirectory()
        var runs: [ImagepipeRun] = []
        for format in ["auto", "webp"] {
            runs.append(try Self.generate(server, ["a fox", "-n", "2", "--format", format, "--thumbnail", "16", "--json", "-o", "\(folder)/\(format)"]))
        }
        let failed = try Self.generate(server, ["gone", "--json", "-o", "\(folder)/failed"])
        try await server.stop()
        for run in runs + [failed] {
            #expect(!run.stdout.contains(token) && !run.stderr.contains(token), "\(run.stdout)\n\(run.stderr)")
        }
        for run in runs {
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("a fox, asked by ***") && run.stdout.contains("/files/***/a.png?…"), "\(run.stdout)")
        }
        // The download fails: its URL is in the error line on stderr and in the --json error object.
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("/files/***/gone.png") && failed.stdout.contains("/files/***/gone.png"), "\(failed.stderr)")
        let written = try Self.files(in: folder)
        #expect(written.filter { $0.hasSuffix(".json") }.count == 4)
        #expect(written.filter { $0.hasSuffix(".png") }.count == 2)
        #expect(written.filter { $0.hasSuffix(".webp") }.count == 6)
        for path in written {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data(token.utf8)) == nil, "\(path) holds the token")
        }
    }

    @Test("--download-timeout, and --timeout without it, bound a URL download that never answers")
    func downloadTimeout() async throws {
        // The file is never served within the test's run, so only the download timeout can end it.
        let server = try await StubServer.start { request, _, port in
            if request.path == "/v1/images/generations" {
                return .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/files/slow.png"}]}"#)
            }
            return StubResponse(status: 200, body: [], delay: .seconds(3600))
        }
        let folder = try makeScratchDirectory()
        let own = try Self.generate(server, ["a fox", "--download-timeout", "0.3", "-o", folder])
        let shared = try Self.generate(server, ["a fox", "--timeout", "2", "-o", folder])
        try await server.stop()
        #expect(own.status == 1)
        #expect(own.stderr.contains("data[0].url http://127.0.0.1:\(server.port)/files/slow.png: not downloaded within 0.3 s"), "\(own.stderr)")
        #expect(shared.status == 1)
        #expect(shared.stderr.contains("not downloaded within 2 s"), "\(shared.stderr)")
    }

    @Test("a connection closed after the request was read: an error saying it may have been processed; --retry-unanswered retries it")
    func unanswered() async throws {
        let answer = StubResponse.json(200, #"{"data":[{"b64_json":"\#(try TestPaths.fixture("gray.png").base64Text)"}]}"#)
        let folder = try makeScratchDirectory()

        let server = try await StubServer.start(script: [.closeWithoutAnswer, answer])
        let stopped = try Self.generate(server, ["a fox", "-o", folder + "/first"])
        try await server.stop()
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("may have processed it") && stopped.stderr.contains("--retry-unanswered"), "\(stopped.stderr)")
        #expect(server.requests.count == 1)

        let retrying = try await StubServer.start(script: [.closeWithoutAnswer, answer])
        let retried = try Self.generate(retrying, ["a fox", "--retry-unanswered", "-o", folder + "/second"])
        try await retrying.stop()
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retrying.requests.count == 2)
    }
}
