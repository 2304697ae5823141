import Foundation
import ObjectStorage
import PipelineCore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `imagepipe gallery s3://… -o s3://…` in shards against SeaweedFS on loopback (started by
/// `scripts/test.sh`; skipped, saying so, without it), against the same gallery made on disk.
@Suite("imagepipe on object storage")
struct ObjectStorageGalleryTests {
    static func server() -> (configuration: S3Configuration, environment: [String: String])? {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["IMAGEPIPE_S3_TEST_ENDPOINT"], let key = environment["IMAGEPIPE_S3_TEST_ACCESS_KEY"],
              let secret = environment["IMAGEPIPE_S3_TEST_SECRET_KEY"] else {
            print("skipped: no S3 server (scripts/test.sh starts SeaweedFS and sets IMAGEPIPE_S3_TEST_ENDPOINT)")
            return nil
        }
        let configuration = S3Configuration(credentials: S3Credentials(accessKeyID: key, secretAccessKey: secret), region: "us-east-1", endpoint: endpoint)
        return (configuration, ["AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_ENDPOINT_URL_S3": endpoint, "AWS_REGION": "us-east-1"])
    }

    @Test("a gallery of a bucket is incremental by ETag and size: the same bytes uploaded again are skipped unread, changed bytes remade")
    func incrementalByETag() async throws {
        guard let (configuration, s3Environment) = Self.server() else { return }
        let bucket = "imagepipe-etag-" + UUID().uuidString.lowercased().prefix(8)
        let sources = S3Storage(location: S3Location("s3://\(bucket)/src")!, configuration: configuration)
        try await sources.createBucket()
        for (index, fixture) in ["gradient-rgb.png", "disc-rgba.png", "gradient-lossy.webp"].enumerated() {
            try await sources.write(try TestPaths.fixture(fixture), to: "image \(index).png")
        }
        func run() throws -> [String: Any] {
            let run = try CommandLineTests.run(["gallery", "s3://\(bucket)/src", "-o", "s3://\(bucket)/site", "--sizes", "32", "--json"], environment: s3Environment)
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }
        #expect(try run()["new"] as? Int == 3)
        // Uploaded again: the same ETag, and (once the store's clock has ticked: its times are in
        // whole seconds) a new LastModified, which alone would send the source to be read again.
        let before = await sources.entry(for: "image 0.png")?.modifiedNanoseconds
        var after = before
        for _ in 0..<30 where after == before {
            try await Task.sleep(for: .milliseconds(200))
            try await sources.write(try TestPaths.fixture("gradient-rgb.png"), to: "image 0.png")
            after = await sources.entry(for: "image 0.png")?.modifiedNanoseconds
        }
        try #require(after != before, "the store kept the old LastModified")
        let again = try run()
        #expect(again["unchanged"] as? Int == 3 && again["unchangedUnread"] as? Int == 3 && again["updated"] as? Int == 0, "\(again)")
        try await sources.write(try TestPaths.fixture("gray.png"), to: "image 1.png")
        let changed = try run()
        #expect(changed["unchanged"] as? Int == 2 && changed["unchangedUnread"] as? Int == 2 && changed["updated"] as? Int == 1, "\(changed)")
    }

    @Test("convert from a bucket into a bucket (in 2 shards), from a bucket to disk, and from disk into a bucket: the same WebP bytes every way")
    func convertBuckets() async throws {
        guard let (configuration, s3Environment) = Self.server() else { return }
        let bucket = "imagepipe-convert-" + UUID().uuidString.lowercased().prefix(8)
        let input = S3Storage(location: S3Location("s3://\(bucket)/in")!, configuration: configuration)
        try await input.createBucket()
        let local = try makeScratchDirectory() + "/in"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        for (index, fixture) in ["gradient-rgb.png", "disc-rgba.png", "gradient-lossy.webp", "metadata/gps-rotated-p3.jpg"].enumerated() {
            let bytes = try TestPaths.fixture(fixture)
            let name = "image \(index)." + URL(fileURLWithPath: fixture).pathExtension
            try await input.write(bytes, to: name)
            try Data(bytes).write(to: URL(fileURLWithPath: local + "/" + name))
        }
        let diskOut = try makeScratchDirectory() + "/out/"
        let localFiles = try FileManager.default.contentsOfDirectory(atPath: local).sorted().map { local + "/" + $0 }
        let fromDisk = try CommandLineTests.run(["convert"] + localFiles + ["-o", diskOut, "--format", "webp"])
        #expect(fromDisk.status == 0, "\(fromDisk.stderr)")
        for index in 0..<2 {
            let run = try CommandLineTests.run(["convert", "s3://\(bucket)/in", "-o", "s3://\(bucket)/out/", "--format", "webp", "--shard", "\(index)/2"], environment: s3Environment)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let fromBucketToDisk = try makeScratchDirectory() + "/copy/"
        let toDisk = try CommandLineTests.run(["convert", "s3://\(bucket)/in", "-o", fromBucketToDisk, "--format", "webp"], environment: s3Environment)
        #expect(toDisk.status == 0, "\(toDisk.stderr)")
        let toBucket = try CommandLineTests.run(["convert", local + "/image 0.png", local + "/image 1.png", "-o", "s3://\(bucket)/up/", "--format", "webp"], environment: s3Environment)
        #expect(toBucket.status == 0, "\(toBucket.stderr)")
        let output = S3Storage(location: S3Location("s3://\(bucket)")!, configuration: configuration)
        for index in 0..<4 {
            let expected = try readBytes(URL(fileURLWithPath: diskOut + "image \(index).webp"))
            #expect(try await output.read("out/image \(index).webp", maxBytes: 1 << 20) == expected)
            #expect(try readBytes(URL(fileURLWithPath: fromBucketToDisk + "image \(index).webp")) == expected)
            if index < 2 { #expect(try await output.read("up/image \(index).webp", maxBytes: 1 << 20) == expected) }
        }
        let merge = try CommandLineTests.run(["merge", "s3://\(bucket)/out"], environment: s3Environment)
        #expect(merge.status == 0, "\(merge.stderr)")
    }

    @Test("generate --prompt-file in 2 shards into a bucket: each prompt's image, sidecar and results line once; merge in the bucket; a shard run again finds its images", .timeLimit(.minutes(10)))
    func shardedGenerateIntoBucket() async throws {
        guard let (configuration, s3Environment) = Self.server() else { return }
        let bucket = "imagepipe-generate-" + UUID().uuidString.lowercased().prefix(8)
        let output = S3Storage(location: S3Location("s3://\(bucket)/batch")!, configuration: configuration)
        try await output.createBucket()
        let prompts = try makeScratchDirectory() + "/prompts.txt"
        try (1...20).map { "a kite, sketch \($0)" }.joined(separator: "\n").write(toFile: prompts, atomically: true, encoding: .utf8)
        var environment = s3Environment
        for name in GenerateCommandTests.tokenVariables { environment[name] = "" }
        for index in 0..<2 {
            let run = try CommandLineTests.run(
                ["generate", "--prompt-file", prompts, "-z", "64x64", "-o", "s3://\(bucket)/batch", "--shard", "\(index)/2"],
                environment: environment, removing: GenerateCommandTests.tokenVariables
            )
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("s3://\(bucket)/batch/"), "\(run.stdout)")
        }
        let again = try CommandLineTests.run(
            ["generate", "--prompt-file", prompts, "-z", "64x64", "-o", "s3://\(bucket)/batch", "--shard", "1/2"],
            environment: environment, removing: GenerateCommandTests.tokenVariables
        )
        #expect(again.stderr.contains("made by an earlier run of this shard"), "\(again.stderr)")
        let merge = try CommandLineTests.run(["merge", "s3://\(bucket)/batch"], environment: s3Environment)
        #expect(merge.status == 0, "\(merge.stderr)")
        let results = String(decoding: try await output.read("results.jsonl", maxBytes: 1 << 24), as: UTF8.self).split(separator: "\n")
        #expect(results.count == 20)
        let keys = try await output.list(under: "").entries.map(\.key)
        #expect(keys.filter { $0.hasSuffix(".png") }.count == 20)
        #expect(keys.filter { $0.hasSuffix(".json") }.count == 20)
        #expect(keys.contains("00007-a-kite-sketch-7-1.png"), "\(keys)")
    }

    @Test("~200 sources in a bucket, 4 shards into a bucket (one killed mid-run and run again) + merge: the same sources, thumbnails byte for byte, as one run on disk, nothing stray; a wrong secret fails clearly without showing it", .timeLimit(.minutes(10)))
    func shardedBucketGallery() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["IMAGEPIPE_S3_TEST_ENDPOINT"], let key = environment["IMAGEPIPE_S3_TEST_ACCESS_KEY"],
              let secret = environment["IMAGEPIPE_S3_TEST_SECRET_KEY"] else {
            print("skipped: no S3 server (scripts/test.sh starts SeaweedFS and sets IMAGEPIPE_S3_TEST_ENDPOINT)")
            return
        }
        let configuration = S3Configuration(credentials: S3Credentials(accessKeyID: key, secretAccessKey: secret), region: "us-east-1", endpoint: endpoint)
        let bucket = "imagepipe-gallery-" + UUID().uuidString.lowercased().prefix(8)
        let sources = S3Storage(location: S3Location("s3://\(bucket)/photos")!, configuration: configuration)
        try await sources.createBucket()

        // The same files on disk and in the bucket, names with spaces and unicode among them, one broken.
        let local = try makeScratchDirectory() + "/photos"
        try FileManager.default.createDirectory(atPath: local + "/set ü", withIntermediateDirectories: true)
        let fixtures = ["gradient-rgb.png", "gradient-lossy.webp", "disc-rgba.png", "metadata/gps-rotated-p3.jpg", "gray.png"]
        for index in 0..<200 {
            let fixture = index == 199 ? "truncated.png" : fixtures[index % fixtures.count]
            let name = (index % 2 == 0 ? "set ü/" : "") + "photo \(index)." + URL(fileURLWithPath: fixture).pathExtension
            let bytes = try TestPaths.fixture(fixture)
            try Data(bytes).write(to: URL(fileURLWithPath: local + "/" + name))
            try await sources.write(bytes, to: name)
        }
        let s3Environment = ["AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_ENDPOINT_URL_S3": endpoint, "AWS_REGION": "us-east-1"]
        let site = "s3://\(bucket)/site"
        let output = S3Storage(location: S3Location(site)!, configuration: configuration)

        // Shard 2 first, killed mid-run: --verbose writes a line per source to a one-page pipe the
        // test does not read, so it blocks part-way, after its part was checkpointed.
        let held = try CommandLineTests.HeldRun(
            ["gallery", "s3://\(bucket)/photos", "-o", site, "--sizes", "64,32", "--shard", "2/4", "--jobs", "1", "--manifest-interval", "0", "--verbose"],
            holding: .standardError, environment: s3Environment
        )
        while await !output.exists("manifest.d/part-00002-of-00004.json") && held.process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(held.process.isRunning, "shard 2 ended before it was killed")
        kill(held.process.processIdentifier, SIGKILL)
        _ = held.finish()

        var failedShards = 0
        for index in 0..<4 {
            let run = try CommandLineTests.run(["gallery", "s3://\(bucket)/photos", "-o", site, "--sizes", "64,32", "--shard", "\(index)/4"], environment: s3Environment)
            if run.status != 0 { failedShards += 1 }
            #expect(run.stderr.contains("shard \(index) of 4"), "\(run.stderr)")
        }
        #expect(failedShards == 1, "the broken file fails in its shard")
        let merge = try CommandLineTests.run(["gallery", "merge", site], environment: s3Environment)
        #expect(merge.status == 0, "\(merge.stderr)")

        let onDisk = try makeScratchDirectory() + "/site"
        _ = try CommandLineTests.run(["gallery", local, "-o", onDisk, "--sizes", "64,32"])

        let manifest = try JSONSerialization.jsonObject(with: Data(try await output.read("manifest.json", maxBytes: 1 << 24))) as? [String: Any]
        let diskManifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: onDisk + "/manifest.json"))) as? [String: Any]
        func summary(_ manifest: [String: Any]?) -> [String] {
            (manifest?["sources"] as? [[String: Any]] ?? []).map { entry in
                let thumbnails = (entry["thumbnails"] as? [[String: Any]] ?? []).map { "\($0["path"] ?? "") \($0["bytes"] ?? "")" }
                return "\(entry["source"] ?? "") \(entry["sha256"] ?? "") " + thumbnails.joined(separator: ", ")
            }
        }
        #expect(summary(manifest) == summary(diskManifest))
        #expect(summary(manifest).count == 199)
        let thumbnails = try await output.list(under: "thumbs").entries
        let diskThumbnails = try FileManager.default.contentsOfDirectory(atPath: onDisk + "/thumbs")
        #expect(thumbnails.count == diskThumbnails.count, "no stray or partial thumbnails")
        for entry in thumbnails {
            let remote = try await output.read(entry.key, maxBytes: 1 << 20)
            let onDiskBytes = try readBytes(URL(fileURLWithPath: onDisk + "/" + entry.key))
            #expect(remote == onDiskBytes, "\(entry.key)")
        }
        #expect(try await output.read("index.html", maxBytes: 1 << 24).count > 1000)

        var wrong = s3Environment
        wrong["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-value-123"
        let refused = try CommandLineTests.run(["gallery", "s3://\(bucket)/photos", "-o", site + "2", "--sizes", "64"], environment: wrong)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("SignatureDoesNotMatch"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("wrong-secret-value-123") && !refused.stderr.contains(secret))
    }
}
