import Foundation
import ObjectStorage
import PipelineCore
import Synchronization
import Testing

/// The S3 client's retries against a scripted server (the rest of its behaviour is tested against
/// SeaweedFS): what is retried, with what waits, and what is final.
@Suite("S3 retries")
struct S3RetryTests {
    static func storage(_ server: StubServer, waits: GenerationClientTests.Sleeps) -> S3Storage {
        let configuration = S3Configuration(
            credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "secret-that-must-not-show"),
            region: "us-east-1", endpoint: "http://127.0.0.1:\(server.port)"
        )
        let client = S3Client(configuration: configuration) { wait in waits.waits.withLock { $0.append(wait) } }
        return S3Storage(location: S3Location("s3://bucket/prefix")!, client: client)
    }

    static func error(_ status: Int, _ code: String) -> StubResponse {
        StubResponse(status: status, headers: [("Content-Type", "application/xml")], body: Array("<Error><Code>\(code)</Code><Message>m</Message></Error>".utf8))
    }

    @Test("503 SlowDown and 500 are retried with doubling waits, then the object is read; the request is signed each time")
    func retried() async throws {
        let server = try await StubServer.start(script: [Self.error(503, "SlowDown"), Self.error(500, "InternalError"), StubResponse(status: 200, body: [1, 2, 3])])
        let waits = GenerationClientTests.Sleeps()
        let bytes = try await Self.storage(server, waits: waits).read("a b+ü.png", maxBytes: 10)
        try await server.stop()
        #expect(bytes == [1, 2, 3])
        #expect(waits.all == [.milliseconds(100), .milliseconds(200)])
        #expect(server.requests.count == 3)
        #expect(server.requests.allSatisfy { $0.path == "/bucket/prefix/a%20b%2B%C3%BC.png" })
        #expect(server.requests.allSatisfy { $0.header("Authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/") == true })
    }

    @Test("a 403 is final: one request, an error naming the object and S3's code, never the secret")
    func final() async throws {
        let server = try await StubServer.start(script: [Self.error(403, "SignatureDoesNotMatch")])
        let waits = GenerationClientTests.Sleeps()
        do {
            _ = try await Self.storage(server, waits: waits).read("x.png", maxBytes: 10)
            Issue.record("read")
        } catch {
            #expect(error.description.contains("s3://bucket/prefix/x.png") && error.description.contains("SignatureDoesNotMatch"), "\(error)")
            #expect(!error.description.contains("secret-that-must-not-show"))
        }
        try await server.stop()
        #expect(server.requests.count == 1 && waits.all.isEmpty)
    }

    @Test("five failures in a row: the last answer's error, after four waits")
    func givesUp() async throws {
        let server = try await StubServer.start(script: Array(repeating: Self.error(503, "SlowDown"), count: 5))
        let waits = GenerationClientTests.Sleeps()
        await #expect(throws: PipelineError.self) { try await Self.storage(server, waits: waits).read("x.png", maxBytes: 10) }
        try await server.stop()
        #expect(server.requests.count == 5)
        #expect(waits.all == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
    }
}
