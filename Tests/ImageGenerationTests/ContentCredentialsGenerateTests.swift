import Foundation
import Testing
import TestSupport

/// `imagepipe generate`, the built binary, against a scripted service whose images are signed
/// with C2PA content credentials (`Fixtures/c2pa`, made by c2pa-python): the signed original is
/// saved byte for byte, and a derivative says it lost the credentials.
@Suite("imagepipe generate keeps a signed original unaltered")
struct ContentCredentialsGenerateTests {
    /// A service that answers every generation with `fixture` as `b64_json`.
    static func service(answering fixture: [UInt8]) async throws -> StubServer {
        try await StubServer.start { request, _, _ in
            request.path == "/v1/images/generations"
                ? .json(200, #"{"created":1700000000,"data":[{"b64_json":"\#(fixture.base64Text)"}]}"#)
                : .json(404, #"{"error":{"message":"no such path"}}"#)
        }
    }

    static func sidecar(in folder: String) throws -> [String: Any] {
        let path = try #require(try GenerateCommandLoopbackTests.files(in: folder).first { $0.hasSuffix(".json") })
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test("PNG, JPEG and WebP: the saved file is the service's bytes exactly (no provenance embedded); the sidecar records the credentials",
          arguments: ["png", "jpg", "webp"])
    func unaltered(_ extension: String) async throws {
        let signed = try TestPaths.fixture("c2pa/signed.\(`extension`)")
        let server = try await Self.service(answering: signed)
        let folder = try makeScratchDirectory()
        let run = try GenerateCommandLoopbackTests.generate(server, ["a fox", "-o", "\(folder)/fox"])
        try await server.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let image = try #require(try GenerateCommandLoopbackTests.files(in: folder).first { !$0.hasSuffix(".json") && !$0.contains("thumb") })
        #expect(try readBytes(URL(fileURLWithPath: image)) == signed, "\(image) differs from the signed original")
        #expect(!run.stderr.contains("no longer carries"), "\(run.stderr)")
        let credentials = try #require(try Self.sidecar(in: folder)["content_credentials"] as? [String: Any])
        #expect(credentials["claimGenerator"] as? String == "imagepipe-test-fixtures 1.0")
        #expect(credentials["signatureVerified"] as? Bool == false)
    }

    @Test("a derivative (--format webp of a signed PNG, --format png of a signed JPEG) says once that it no longer carries them; the sidecar names the original's SHA-256",
          arguments: [("png", "webp"), ("jpg", "png")])
    func derivative(_ source: String, _ format: String) async throws {
        let signed = try TestPaths.fixture("c2pa/signed.\(source)")
        let server = try await Self.service(answering: signed)
        let folder = try makeScratchDirectory()
        let run = try GenerateCommandLoopbackTests.generate(server, ["a fox", "--format", format, "-o", "\(folder)/fox"])
        try await server.stop()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "no longer carries").count == 2, "\(run.stderr)")
        let sidecar = try Self.sidecar(in: folder)
        #expect(sidecar["content_credentials"] != nil)
        #expect(sidecar["source_sha256"] as? String == sha256Hex(signed))
    }

    @Test("--keep-original keeps the signed bytes beside the derivative, byte for byte, named in the sidecar; without a derivative nothing extra is written")
    func keepOriginal() async throws {
        let signed = try TestPaths.fixture("c2pa/signed.png")
        let server = try await Self.service(answering: signed)
        let folder = try makeScratchDirectory()
        let run = try GenerateCommandLoopbackTests.generate(server, ["a fox", "--format", "webp", "--keep-original", "-o", "\(folder)/fox.webp"])
        let same = try makeScratchDirectory()
        let plain = try GenerateCommandLoopbackTests.generate(server, ["a fox", "--keep-original", "-o", "\(same)/fox.png"])
        try await server.stop()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try GenerateCommandLoopbackTests.files(in: folder).map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
            == ["fox.json", "fox.original.png", "fox.webp"])
        #expect(try readBytes(URL(fileURLWithPath: "\(folder)/fox.original.png")) == signed)
        #expect(try Self.sidecar(in: folder)["original"] as? String == "\(folder)/fox.original.png")
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try GenerateCommandLoopbackTests.files(in: same).map { URL(fileURLWithPath: $0).lastPathComponent }.sorted() == ["fox.json", "fox.png"])
    }
}
