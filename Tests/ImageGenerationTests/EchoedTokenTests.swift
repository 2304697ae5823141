import Foundation
import ImageCore
import ImageGeneration
import Testing
import TestSupport

/// A service that echoes the request, token included, into what it returns: the token must not
/// reach any field of the result nor any message.
@Suite("A token echoed by the service")
struct EchoedTokenTests {
    static let token = GenerationClientTests.token

    @Test("in revised_prompt, a URL path, id and usage: scrubbed from the result; the download still uses the URL as sent")
    func success() async throws {
        let token = Self.token
        let png = try TestPaths.fixture("disc-rgba.png")
        let server = try await StubServer.start { request, _, port in
            switch request.path {
            case "/v1/images/generations":
                return .json(200, """
                    {"id":"gen-\(token)","data":[
                      {"b64_json":"\(png.base64Text)","revised_prompt":"a fox, asked by \(token)"},
                      {"url":"http://127.0.0.1:\(port)/files/\(token)/a.png?sig=1","revised_prompt":"\(token)"}],
                     "usage":{"total_tokens":3,"input_tokens_details":{"note":"\(token)"}}}
                    """)
            case "/files/\(token)/a.png?sig=1": return StubResponse(status: 200, body: png)
            default: return .json(404, "{}")
            }
        }
        let port = server.port
        let result = try await GenerationClientTests.withClient(server, profile: .openAI) { client in
            try await client.generate(GenerationRequest(prompt: "a fox", count: 2))
        }
        #expect(result.images.map(\.bytes) == [png, png])
        #expect(result.images.map(\.revisedPrompt) == ["a fox, asked by ***", "***"])
        #expect(result.images[1].source.description == "http://127.0.0.1:\(port)/files/***/a.png?…")
        #expect(result.id == "gen-***")
        #expect(result.usage?.totalTokens == 3)
        #expect(result.usage?.json.contains(token) == false)
        #expect(result.usage?.json.contains("***") == true)
        #expect(server.requests.contains { $0.path == "/files/\(token)/a.png?sig=1" })
    }

    @Test("in a URL path, a redirect's Location and the error body of a failed download: no message shows it")
    func failedDownloads() async throws {
        let token = Self.token
        let server = try await StubServer.start { request, _, port in
            switch request.path {
            case "/v1/images/generations":
                return .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/files/\#(token)/gone.png"}]}"#)
            default:
                return .json(404, #"{"error":{"message":"no file \#(token)","type":"\#(token)"}}"#)
            }
        }
        let redirecting = try await StubServer.start { request, _, port in
            switch request.path {
            case "/v1/images/generations":
                return .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/files/\#(token)"}]}"#)
            default:
                return StubResponse(status: 302, headers: [("Location", "ftp://files.example/\(token)/a.png")])
            }
        }
        for stub in [server, redirecting] {
            let error = try await GenerationClientTests.withClient(stub, profile: .nebius) { await GenerationClientTests.failure($0) }
            #expect(error?.code == .download)
            let text = error?.description ?? ""
            #expect(!text.contains(token) && text.contains("***"), "\(text)")
        }
    }

    @Test("the percent-encoded token is scrubbed too, in either case of hex digits")
    func percentEncoded() {
        let token = "tok+SECRET/42="
        #expect(GenerationError.scrub("a tok+SECRET/42= b", token: token) == "a *** b")
        #expect(GenerationError.scrub("/files/tok%2BSECRET%2F42%3D/x", token: token) == "/files/***/x")
        #expect(GenerationError.scrub("/files/tok%2bSECRET%2f42%3d/x", token: token) == "/files/***/x")
        #expect(GenerationError.scrub("nothing here", token: token) == "nothing here")
    }
}

extension [UInt8] {
    var base64Text: String { Data(self).base64EncodedString() }
}
