import Foundation
import ImageCore
import ImagePipeSandbox
import Testing
import TestSupport

/// `imagepipe serve` run as a user would: the built binary on a free port, stopped with SIGINT.
@Suite("imagepipe serve")
struct ServeCommandTests {
    /// The binary built beside this test bundle.
    static let binary = TestPaths.imagepipeBinary

    @Test("serve prints its URL, answers with the configured fault then images, and stops on SIGINT", .timeLimit(.minutes(5)))
    func serveAnswersAndStops() async throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "0", "--fail", "503:first=1", "--retry-after", "0", "--format", "webp"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line on stdout names the bound port.
        var printed = ""
        while !printed.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed += String(decoding: chunk, as: UTF8.self)
        }
        let prefix = "imagepipe sandbox listening on "
        #expect(printed.hasPrefix(prefix), "\(printed)")
        #expect(printed.contains("(OpenAI images API; Ctrl-C stops)"))
        let baseURL = try #require(printed.dropFirst(prefix.count).split(separator: " ").first.map(String.init))
        #expect(baseURL.hasPrefix("http://127.0.0.1:") && baseURL.hasSuffix("/v1"))

        let request: [String: Any] = ["prompt": "a fox", "size": "64x64"]
        let first = try await HTTPProbe.post(url: baseURL + "/images/generations", request)
        #expect(first.status == 503)
        #expect(first.header("retry-after") == "0")
        let second = try await HTTPProbe.post(url: baseURL + "/images/generations", request)
        #expect(second.status == 200)
        #expect(ImageFormat.sniff(try #require(second.images.first)) == .webp)

        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("stopped after 2 generation requests"), "\(stderr)")
    }

    @Test("serve refuses a malformed --fail with a usage error")
    func badFault() throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "0", "--fail", "503:often"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("503:often"), "\(stderr)")
    }
}
