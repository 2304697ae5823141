import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A gallery split across workers: shards run at once, one killed and run again, then merged,
/// against the same gallery made in one run.
@Suite("imagepipe gallery, sharded")
struct ShardedGalleryTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineTests.Run {
        try CommandLineTests.run(arguments, environment: environment)
    }

    /// About 200 sources: PNG, WebP and JPEG fixtures copied under different names and folders,
    /// and one broken file.
    static func sources() throws -> (folder: String, count: Int) {
        let folder = try makeScratchDirectory() + "/src"
        let fixtures = ["gradient-rgb.png", "gradient-lossy.webp", "disc-rgba.png", "gray.png", "metadata/gps-rotated-p3.jpg", "opaque-rgba.png"]
        var count = 0
        for index in 0..<198 {
            let fixture = fixtures[index % fixtures.count]
            let subfolder = folder + "/set-\(index % 7)"
            try FileManager.default.createDirectory(atPath: subfolder, withIntermediateDirectories: true)
            let name = "image \(index).\(URL(fileURLWithPath: fixture).pathExtension)"
            try FileManager.default.copyItem(atPath: CommandLineTests.fixture(fixture), toPath: subfolder + "/" + name)
            count += 1
        }
        try FileManager.default.copyItem(atPath: CommandLineTests.fixture("truncated.png"), toPath: folder + "/broken.png")
        return (folder, count + 1)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// The thumbnails' names and bytes.
    static func thumbnails(_ output: String) throws -> [String: Data] {
        let names = try FileManager.default.contentsOfDirectory(atPath: output + "/thumbs")
        return try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: output + "/thumbs/" + $0))) })
    }

    static let sizes = ["--sizes", "64,32"]

    @Test("4 shards at once + merge = one unsharded run: the same thumbnails byte for byte, the same manifest and page; every source in exactly one part; a shard killed mid-run and run again changes nothing", .timeLimit(.minutes(10)))
    func shardsEqualOneRun() throws {
        let (source, count) = try Self.sources()
        let whole = try makeScratchDirectory() + "/whole"
        let single = try Self.run(["gallery", source, "-o", whole] + Self.sizes)
        #expect(single.status == 1, "the broken file fails: \(single.stderr)")

        let sharded = try makeScratchDirectory() + "/sharded"
        // Shard 1 first, killed mid-run: --verbose writes a line per source to a one-page pipe the
        // test does not read, so the run blocks part-way, after its part was checkpointed.
        let held = try CommandLineTests.HeldRun(
            ["gallery", source, "-o", sharded, "--shard", "1/4", "--jobs", "2", "--manifest-interval", "0", "--verbose"] + Self.sizes,
            holding: .standardError
        )
        let part1 = sharded + "/manifest.d/part-00001-of-00004.json"
        while !FileManager.default.fileExists(atPath: part1) && held.process.isRunning { usleep(5_000) }
        if held.process.isRunning {
            kill(held.process.processIdentifier, SIGKILL)
            _ = held.finish()
        } else {
            _ = held.finish()
            Issue.record("shard 1 ended before it could be killed")
        }

        // The four shards at once, from the environment as engines set it (shard 1 again: a retry).
        let processes = try (0..<4).map { index -> Process in
            let process = Process()
            process.executableURL = CommandLineTests.binary
            process.arguments = ["gallery", source, "-o", sharded, "--quiet"] + Self.sizes
            var environment = ProcessInfo.processInfo.environment
            environment["SLURM_ARRAY_TASK_ID"] = String(index + 1)
            environment["SLURM_ARRAY_TASK_MIN"] = "1"
            environment["SLURM_ARRAY_TASK_MAX"] = "4"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.map(\.terminationStatus).reduce(0, +) == 1, "exactly the shard with the broken file fails")

        let merge = try Self.run(["gallery", "merge", sharded])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stderr.contains("4 parts, \(count - 1) entries"), "\(merge.stderr)")

        var seen: [String: Int] = [:]
        for index in 0..<4 {
            let part = try Self.json(sharded + "/manifest.d/part-0000\(index)-of-00004.json")
            for entry in part["sources"] as? [[String: Any]] ?? [] { seen[entry["source"] as? String ?? "", default: 0] += 1 }
        }
        #expect(seen.count == count - 1 && seen.values.allSatisfy { $0 == 1 }, "every source in exactly one part")

        let (one, merged) = (try Self.json(whole + "/manifest.json"), try Self.json(sharded + "/manifest.json"))
        #expect(NSDictionary(dictionary: one).isEqual(to: merged), "the merged manifest is the unsharded one")
        #expect(try Self.thumbnails(whole) == Self.thumbnails(sharded), "the same thumbnails, byte for byte, none stray or partial")
        #expect(try String(contentsOfFile: whole + "/index.html", encoding: .utf8) == String(contentsOfFile: sharded + "/index.html", encoding: .utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: sharded).filter { $0.hasPrefix(".") }
            + FileManager.default.contentsOfDirectory(atPath: sharded + "/manifest.d").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        // Merging again is idempotent.
        let again = try Self.run(["gallery", "merge", sharded])
        #expect(again.status == 0)
        #expect(NSDictionary(dictionary: try Self.json(sharded + "/manifest.json")).isEqual(to: merged))
    }

    @Test("gallery plan lists once and writes a work list per shard; workers with --plan make what one run makes; a plan of another count is refused")
    func plannedShards() throws {
        let (source, _) = try Self.sources()
        let scratch = try makeScratchDirectory()
        let whole = scratch + "/whole", planned = scratch + "/planned", plan = scratch + "/plan"
        _ = try Self.run(["gallery", source, "-o", whole] + Self.sizes)
        let planning = try Self.run(["gallery", "plan", source, "--shards", "3", "-o", plan])
        #expect(planning.status == 0 && planning.stderr.contains("199 sources in 3 work lists"), "\(planning.stderr)")
        // The work lists are what the workers read: the source may change meanwhile without
        // moving a source between shards.
        for index in 0..<3 {
            _ = try Self.run(["gallery", source, "-o", planned, "--plan", plan, "--shard", "\(index)/3"] + Self.sizes)
        }
        #expect(try Self.run(["gallery", "merge", planned]).status == 0)
        #expect(NSDictionary(dictionary: try Self.json(whole + "/manifest.json")).isEqual(to: try Self.json(planned + "/manifest.json")))
        #expect(try Self.thumbnails(whole) == Self.thumbnails(planned))
        let wrongCount = try Self.run(["gallery", source, "-o", planned, "--plan", plan, "--shard", "0/4"] + Self.sizes)
        #expect(wrongCount.status == 64 && wrongCount.stderr.contains("work lists for 3 shards, not shard 0 of 4"), "\(wrongCount.stderr)")
    }

    @Test("convert in 3 shards writes exactly what one run writes, the duplicate name resolved the same way in every shard; merge gives one line per input")
    func convertShards() throws {
        let (source, _) = try Self.sources()
        let inputs = try FileManager.default.subpathsOfDirectory(atPath: source).filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") || $0.hasSuffix(".webp") }
            .sorted().map { source + "/" + $0 }
        let whole = try makeScratchDirectory() + "/whole/"
        let single = try Self.run(["convert"] + inputs + ["-o", whole, "--format", "webp", "-q", "70"])
        let sharded = try makeScratchDirectory() + "/sharded/"
        var failures = 0
        for index in 0..<3 {
            let run = try Self.run(["convert"] + inputs + ["-o", sharded, "--format", "webp", "-q", "70", "--shard", "\(index)/3"])
            failures += run.stderr.components(separatedBy: "error: ").count - 1
        }
        #expect(failures == single.stderr.components(separatedBy: "error: ").count - 1, "the same inputs fail (the broken file, names claimed twice)")
        let listing = { (folder: String) throws -> [String: Data] in
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".webp") }
            return try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: folder + $0))) })
        }
        #expect(try listing(whole) == listing(sharded))
        let merge = try Self.run(["merge", sharded])
        #expect(merge.status == 0, "\(merge.stderr)")
        let lines = try String(contentsOfFile: sharded + "results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == inputs.count)
    }

    @Test("an output inside its source: the merged page is titled with the source folder's name, as one run's")
    func outputInsideSource() throws {
        let source = try makeScratchDirectory() + "/holiday"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        for fixture in ["gradient-rgb.png", "gray.png", "disc-rgba.png"] {
            try FileManager.default.copyItem(atPath: CommandLineTests.fixture(fixture), toPath: source + "/" + fixture)
        }
        let output = source + "/site"
        func title() throws -> String? {
            let page = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
            return page.range(of: "<title>").flatMap { open in page.range(of: "</title>").map { String(page[open.upperBound..<$0.lowerBound]) } }
        }
        #expect(try Self.run(["gallery", source, "-o", output] + Self.sizes).status == 0)
        let whole = try title()
        #expect(whole == "holiday")
        try FileManager.default.removeItem(atPath: output)
        for shard in ["0/2", "1/2"] {
            #expect(try Self.run(["gallery", source, "-o", output, "--shard", shard] + Self.sizes).status == 0)
        }
        #expect(try Self.run(["gallery", "merge", output]).status == 0)
        #expect(try title() == whole)
    }

    @Test("the shard is named on the first line; merge refuses a missing part, and a shard the environment contradicts")
    func refusals() throws {
        let (source, _) = try Self.sources()
        let output = try makeScratchDirectory() + "/out"
        let first = try Self.run(["gallery", source, "-o", output, "--shard", "0/3"] + Self.sizes)
        #expect(first.stderr.hasPrefix("shard 0 of 3 (from --shard 0/3)\n"), "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output + "/manifest.json") && !FileManager.default.fileExists(atPath: output + "/index.html"))
        let merge = try Self.run(["gallery", "merge", output])
        #expect(merge.status == 1)
        #expect(merge.stderr.contains("2 of 3 parts missing (shards 1, 2)"), "\(merge.stderr)")
        let contradicted = try Self.run(["gallery", source, "-o", output, "--shard", "1/3"], environment: ["IMAGEPIPE_SHARD": "2/3"])
        #expect(contradicted.status == 64 && contradicted.stderr.contains("disagrees"), "\(contradicted.stderr)")
        let kubernetes = try Self.run(["gallery", source, "-o", output], environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(kubernetes.status == 64 && kubernetes.stderr.contains("needs IMAGEPIPE_SHARD_COUNT"), "\(kubernetes.stderr)")
    }
}
