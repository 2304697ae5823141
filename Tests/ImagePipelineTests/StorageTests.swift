import Foundation
import ImageCodecs
import ImageCore
@testable import ImagePipeline
import PipelineCore
import Synchronization
import Testing
import TestSupport

/// A storage in memory, as an object store behaves: whole objects, no folders, no links. It
/// records every write and read, so a test can show that a job went through the seam and nowhere
/// else.
final class MemoryStorage: Storage {
    private let objects = Mutex<[String: (bytes: [UInt8], modified: Int64)]>([:])
    private let log = Mutex<[String]>([])
    let location: String

    init(location: String, objects initial: [String: [UInt8]] = [:]) {
        self.location = location
        objects.withLock { objects in
            for (key, bytes) in initial { objects[key] = (bytes, 1) }
        }
    }

    var keys: [String] { objects.withLock { $0.keys.sorted() } }
    var operations: [String] { log.withLock { $0 } }
    func bytes(_ key: String) -> [UInt8]? { objects.withLock { $0[key]?.bytes } }

    func path(of key: String) -> String { "mem://" + location + "/" + key }

    func list(under prefix: String) async throws(PipelineError) -> StorageListing {
        log.withLock { $0.append("list \(prefix)") }
        let start = prefix.isEmpty ? "" : prefix + "/"
        let entries = objects.withLock { objects in
            objects.filter { $0.key.hasPrefix(start) && !StorageKey.name(of: $0.key).hasPrefix(".") }
                .map { StorageEntry(key: $0.key, size: $0.value.bytes.count, modifiedNanoseconds: $0.value.modified) }
        }
        return StorageListing(entries: entries.sorted { $0.key < $1.key })
    }

    func read(_ key: String, maxBytes: Int) async throws(PipelineError) -> [UInt8] {
        log.withLock { $0.append("read \(key)") }
        guard let bytes = bytes(key) else { throw PipelineError(.readFailed, path: path(of: key), "no such object") }
        guard bytes.count <= maxBytes else { throw PipelineError(.inputTooLarge, path: path(of: key), "too large") }
        return bytes
    }

    func readPrefix(_ key: String, count: Int) async throws(PipelineError) -> [UInt8] {
        guard let bytes = bytes(key) else { throw PipelineError(.readFailed, path: path(of: key), "no such object") }
        return Array(bytes.prefix(count))
    }

    func write(_ bytes: [UInt8], to key: String, mode: StorageWriteMode) async throws(PipelineError) {
        log.withLock { $0.append("write \(key)") }
        let written = objects.withLock { objects -> Bool in
            if mode == .createOnly, objects[key] != nil { return false }
            objects[key] = (bytes, 2)
            return true
        }
        guard written else { throw PipelineError(.outputExists, path: path(of: key), "exists already; not replaced") }
    }

    func entry(for key: String) async -> StorageEntry? {
        objects.withLock { objects in objects[key].map { StorageEntry(key: key, size: $0.bytes.count, modifiedNanoseconds: $0.modified) } }
    }

    func identity(of key: String) async -> StorageIdentity? {
        await entry(for: key) == nil ? nil : StorageIdentity(location + "/" + key)
    }

    func remove(_ key: String) async throws(PipelineError) {
        log.withLock { $0.append("remove \(key)") }
        _ = objects.withLock { $0.removeValue(forKey: key) }
    }

    func removeAbandonedWrites(under prefix: String) async -> Int { 0 }
}

@Suite("Storage: the seam jobs read and write through")
struct StorageTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        try readBytes(TestPaths.fixtures.appendingPathComponent(name))
    }

    @Test("LocalStorage: keys under the root, folders made on write, write-once refuses, listing sorted without hidden names")
    func local() async throws {
        let root = try makeScratchDirectory() + "/store"
        let storage: any Storage = LocalStorage(root: root)
        try await storage.write([1, 2, 3], to: "a/b/c.bin")
        try await storage.write([4], to: "a/.hidden")
        try await storage.write([5, 6], to: "top.bin")
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/a/b/c.bin")) == Data([1, 2, 3]))
        #expect(try await storage.list(under: "").entries.map(\.key) == ["a/b/c.bin", "top.bin"])
        #expect(try await storage.list(under: "a").entries.map(\.key) == ["a/b/c.bin"])
        #expect(try await storage.list(under: "missing").entries.isEmpty)

        let refused = await #expect(throws: PipelineError.self) { try await storage.write([9], to: "top.bin", mode: .createOnly) }
        #expect(refused?.code == .outputExists)
        #expect(try await storage.read("top.bin", maxBytes: 10) == [5, 6], "write-once left the object alone")
        try await storage.write([7], to: "top.bin")
        #expect(try await storage.read("top.bin", maxBytes: 10) == [7], "replace replaces")
        let tooLarge = await #expect(throws: PipelineError.self) { try await storage.read("a/b/c.bin", maxBytes: 2) }
        #expect(tooLarge?.code == .inputTooLarge && tooLarge?.path == root + "/a/b/c.bin")

        #expect(await storage.entry(for: "a/b/c.bin")?.size == 3)
        #expect(await storage.identity(of: "a/b/c.bin") == LocalStorage(root: root + "/a").identity(of: "b/c.bin"), "one file, two names")
        #expect(await storage.identity(of: "a/b/c.bin") != storage.identity(of: "top.bin"))
        try await storage.remove("a/b/c.bin")
        try await storage.remove("a/b/c.bin")  // already gone: not an error
        #expect(await storage.entry(for: "a/b/c.bin") == nil)
        #expect(LocalStorage.paths.path(of: "x/y.png") == "x/y.png")
        #expect(LocalStorage(root: "site/").path(of: "index.html") == "site/index.html")
    }

    @Test("a gallery whose sources and output are in another storage reads and writes only through it")
    func galleryThroughTheSeam() async throws {
        let png = try Self.fixture("gradient-rgb.png")
        let sources = MemoryStorage(location: "photos", objects: [
            "a/gradient.png": png, "disc.webp": try Self.fixture("disc-lossy-alpha.webp"),
            "runs/resp.json": try Self.fixture("response-nscale.json"), "notes.txt": Array("not an image".utf8),
        ])
        let outputs = MemoryStorage(location: "site")
        let unused = try makeScratchDirectory()
        var job = try GalleryJob(source: unused, output: unused + "/site", concurrency: 2)
        job.sources = sources
        job.outputs = outputs
        let summary = try await job.run()
        #expect(summary.failed == 0 && summary.new == 4 && summary.ignored == 1, "\(summary) \(summary.failures)")
        #expect(!FileManager.default.fileExists(atPath: unused + "/site"), "nothing written outside the storage")

        let manifest = try GalleryManifest(parsing: try #require(outputs.bytes(GalleryJob.manifestKey)))
        #expect(manifest.entries.map(\.source) == ["a/gradient.png", "disc.webp", "runs/resp.json#0", "runs/resp.json#1"])
        #expect(manifest.sourceRoot == "photos")
        for thumbnail in manifest.entries.flatMap(\.thumbnails) {
            let bytes = try #require(outputs.bytes(thumbnail.path), "\(thumbnail.path) named but not written")
            #expect(try ImageDecoder().probe(bytes).size == ImageSize(width: thumbnail.width, height: thumbnail.height))
        }
        #expect(outputs.keys.contains(GalleryJob.indexKey))
        #expect(outputs.keys.filter { $0.hasPrefix("thumbs/") }.count == manifest.entries.flatMap(\.thumbnails).count)
        #expect(summary.failures.isEmpty)

        // A second run reads the manifest and lists, and writes only the manifest and the page.
        let before = outputs.operations.count
        let again = try await job.run()
        #expect(again.unchanged == 4 && again.new == 0, "\(again)")
        let writes = outputs.operations.dropFirst(before).filter { $0.hasPrefix("write") }
        #expect(writes == ["write manifest.json", "write index.html"], "\(writes)")

        // A source removed, with prune: its thumbnails go through the storage too.
        _ = try await sources.remove("disc.webp")
        job.prune = true
        let pruned = try await job.run()
        #expect(pruned.pruned == 1)
        #expect(!outputs.keys.contains { $0.hasPrefix("thumbs/disc.webp") }, "\(outputs.keys)")
    }

    @Test("convert reads and writes through its storage; an output that is an input is refused by identity")
    func convertThroughTheSeam() async throws {
        let storage = MemoryStorage(location: "bucket", objects: ["in/a.png": try Self.fixture("gradient-rgb.png")])
        var job = try ConvertJob(inputs: ["in/a.png"], output: "out/a.webp", concurrency: 1)
        job.storage = storage
        let results = await job.run()
        let file = try results[0].outcome.get()
        #expect(file.output == "out/a.webp" && storage.keys == ["in/a.png", "out/a.webp"])
        #expect(try ImageDecoder().probe(try #require(storage.bytes("out/a.webp"))).format == .webp)

        var inPlace = try ConvertJob(inputs: ["in/a.png"], output: "in/a.png", concurrency: 1)
        inPlace.storage = storage
        inPlace.encoding.pngFilter = .paeth
        let refused = await inPlace.run()
        #expect(throws: PipelineError.self) { try refused[0].outcome.get() }
        #expect((try? refused[0].outcome.get()) == nil)
        if case .failure(let error) = refused[0].outcome { #expect(error.code == .wouldOverwriteInput, "\(error)") }
    }
}
