import Foundation
import ObjectStorage
import PipelineCore
import Testing

/// ``S3Storage`` against a real S3 server on loopback: SeaweedFS, started by `scripts/test.sh`
/// (`scripts/seaweedfs.sh`), which sets `IMAGEPIPE_S3_TEST_ENDPOINT` and the test identity's
/// keys. Without it the tests say they skipped.
@Suite("S3 storage against SeaweedFS")
struct S3StorageTests {
    struct Server {
        var endpoint: String
        var accessKey: String
        var secret: String

        func configuration(secret: String? = nil, anonymous: Bool = false) -> S3Configuration {
            S3Configuration(
                credentials: anonymous ? nil : S3Credentials(accessKeyID: accessKey, secretAccessKey: secret ?? self.secret),
                region: "us-east-1", endpoint: endpoint
            )
        }
    }

    static var server: Server? {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["IMAGEPIPE_S3_TEST_ENDPOINT"], let key = environment["IMAGEPIPE_S3_TEST_ACCESS_KEY"],
              let secret = environment["IMAGEPIPE_S3_TEST_SECRET_KEY"] else {
            print("skipped: no S3 server (scripts/test.sh starts SeaweedFS and sets IMAGEPIPE_S3_TEST_ENDPOINT)")
            return nil
        }
        return Server(endpoint: endpoint, accessKey: key, secret: secret)
    }

    /// A storage on a fresh bucket.
    static func storage(_ server: Server, prefix: String = "root") async throws -> S3Storage {
        let bucket = "imagepipe-test-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
        let storage = S3Storage(location: S3Location("s3://\(bucket)/\(prefix)")!, configuration: server.configuration())
        try await storage.createBucket()
        return storage
    }

    @Test("write, read, a prefix, an entry, a listing over several pages, remove; keys with spaces, + and unicode")
    func roundTrip() async throws {
        guard let server = Self.server else { return }
        var storage = try await Self.storage(server)
        storage.listPageSize = 2
        let keys = ["a.png", "folder/b c.webp", "folder/plus+sign.jpg", "ünïcødé/ß.png", "folder/.hidden"]
        for (index, key) in keys.enumerated() {
            try await storage.write(Array(repeating: UInt8(index), count: 100 + index), to: key)
        }
        #expect(try await storage.read("folder/b c.webp", maxBytes: 1000) == Array(repeating: 1, count: 101))
        #expect(try await storage.readPrefix("folder/plus+sign.jpg", count: 10) == Array(repeating: 2, count: 10))
        let listing = try await storage.list(under: "")
        #expect(listing.entries.map(\.key) == ["a.png", "folder/b c.webp", "folder/plus+sign.jpg", "ünïcødé/ß.png"])
        #expect(listing.entries.map(\.size) == [100, 101, 102, 103])
        #expect(try await storage.list(under: "folder").entries.map(\.key) == ["folder/b c.webp", "folder/plus+sign.jpg"])
        let entry = await storage.entry(for: "ünïcødé/ß.png")
        #expect(entry?.size == 103 && (entry?.modifiedNanoseconds ?? 0) > 1_700_000_000_000_000_000)
        await #expect(throws: PipelineError.self) { try await storage.read("a.png", maxBytes: 50) }
        try await storage.remove("a.png")
        #expect(await storage.entry(for: "a.png") == nil)
        try await storage.remove("a.png")  // gone already: not an error
        await #expect(throws: PipelineError.self) { try await storage.read("missing.png", maxBytes: 10) }
    }

    @Test("createOnly is write-once: a second write of the key is refused and the first object stays")
    func writeOnce() async throws {
        guard let server = Self.server else { return }
        let storage = try await Self.storage(server)
        try await storage.write([1, 2, 3], to: "once.bin", mode: .createOnly)
        do {
            try await storage.write([4, 5, 6], to: "once.bin", mode: .createOnly)
            Issue.record("the second write-once write succeeded")
        } catch {
            #expect(error.code == .outputExists, "\(error)")
        }
        #expect(try await storage.read("once.bin", maxBytes: 10) == [1, 2, 3])
    }

    @Test("an object past the threshold goes up in parts and reads back whole")
    func multipart() async throws {
        guard let server = Self.server else { return }
        var configuration = server.configuration()
        configuration.multipartThreshold = 1 << 20
        configuration.partSize = 5 << 20
        let bucket = try await Self.storage(server)
        let storage = S3Storage(location: bucket.bucketLocation, configuration: configuration)
        let bytes = (0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        try await storage.write(bytes, to: "big.bin")
        #expect(try await storage.read("big.bin", maxBytes: 16 << 20) == bytes)
    }

    @Test("a wrong secret is refused (SignatureDoesNotMatch), an anonymous request too; neither message shows a secret")
    func refusals() async throws {
        guard let server = Self.server else { return }
        let storage = try await Self.storage(server)
        try await storage.write([1], to: "x.bin")
        let wrong = S3Storage(location: storage.bucketLocation, configuration: server.configuration(secret: "not-the-secret-value"))
        do {
            _ = try await wrong.read("x.bin", maxBytes: 10)
            Issue.record("a wrong secret was accepted")
        } catch {
            #expect(error.message.contains("SignatureDoesNotMatch"), "\(error)")
            #expect(!error.description.contains("not-the-secret-value") && !error.description.contains(server.secret))
        }
        let anonymous = S3Storage(location: storage.bucketLocation, configuration: server.configuration(anonymous: true))
        do {
            _ = try await anonymous.read("x.bin", maxBytes: 10)
            Issue.record("an anonymous request was accepted")
        } catch {
            #expect(error.message.contains("AccessDenied") || error.message.contains("403"), "\(error)")
        }
    }
}
