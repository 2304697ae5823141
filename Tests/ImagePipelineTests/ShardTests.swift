import PipelineCore
import Testing

/// How a worker finds its shard, and how items are split among shards.
@Suite("shards")
struct ShardTests {
    static func shard(_ environment: [String: String], option: String? = nil) throws(Shard.Problem) -> Shard? {
        try Shard.resolve(option: option, environment: environment)
    }

    @Test("each engine's variables, first match wins; Slurm ids normalised from min and step")
    func environments() throws {
        let cases: [([String: String], Int, Int)] = [
            (["IMAGEPIPE_SHARD": "3/16"], 3, 16),
            (["JOB_COMPLETION_INDEX": "2", "IMAGEPIPE_SHARD_COUNT": "5"], 2, 5),
            (["AWS_BATCH_JOB_ARRAY_INDEX": "7", "AWS_BATCH_JOB_ARRAY_SIZE": "8"], 7, 8),
            (["CLOUD_RUN_TASK_INDEX": "0", "CLOUD_RUN_TASK_COUNT": "3"], 0, 3),
            (["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_COUNT": "4"], 3, 4),
            (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4"], 0, 4),
            (["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7", "SLURM_ARRAY_TASK_STEP": "2"], 2, 4),
            // First match wins: IMAGEPIPE_SHARD before an engine's own.
            (["IMAGEPIPE_SHARD": "1/2", "SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "9"], 1, 2),
        ]
        for (environment, index, count) in cases {
            let shard = try #require(try Self.shard(environment), "\(environment)")
            #expect(shard.index == index && shard.count == count, "\(environment) gave \(shard)")
        }
        #expect(try Self.shard([:]) == nil)
        #expect(try Self.shard(["IMAGEPIPE_SHARD": "2/4"], option: "2/4")?.origin == "--shard 2/4")
    }

    @Test("malformed or inconsistent values are refused, naming the variable", arguments: [
        (["IMAGEPIPE_SHARD": "4/4"], "index must be 0 to 3"),
        (["IMAGEPIPE_SHARD": "x"], "must be I/N"),
        (["JOB_COMPLETION_INDEX": "1"], "needs IMAGEPIPE_SHARD_COUNT"),
        (["AWS_BATCH_JOB_ARRAY_INDEX": "1", "AWS_BATCH_JOB_ARRAY_SIZE": "4", "IMAGEPIPE_SHARD_COUNT": "3"], "disagrees"),
        (["CLOUD_RUN_TASK_INDEX": "five", "CLOUD_RUN_TASK_COUNT": "6"], "CLOUD_RUN_TASK_INDEX must be an integer"),
        (["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"], "not on the array's grid"),
        (["SLURM_ARRAY_TASK_ID": "0"], "needs SLURM_ARRAY_TASK_COUNT"),
    ])
    func refusals(_ environment: [String: String], _ expected: String) {
        do {
            let shard = try Self.shard(environment)
            Issue.record("accepted \(String(describing: shard))")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test("--shard must agree with the environment")
    func optionAgainstEnvironment() {
        #expect(throws: Shard.Problem.self) { try Self.shard(["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4"], option: "2/4") }
    }

    @Test("every key in exactly one shard, the same every time, spread evenly enough")
    func partition() {
        let keys = (0..<10_000).map { "photos/\($0 / 100)/IMG_\($0).jpg" }
        for count in [1, 2, 4, 16] {
            var sizes = [Int](repeating: 0, count: count)
            for key in keys {
                let owners = (0..<count).filter { Shard(index: $0, count: count, origin: "test").contains(key) }
                #expect(owners.count == 1)
                sizes[owners[0]] += 1
            }
            let even = keys.count / count
            #expect(sizes.allSatisfy { abs($0 - even) < even / 10 + 10 }, "\(count) shards: \(sizes)")
        }
        // Stable across runs, machines and releases: pinned values (FNV-1a 64 + SplitMix64's
        // finaliser, also computed independently in Python when they were pinned). Changing the hash
        // would move every item of a half-done sharded run to another shard.
        let pinned = ["cats/tom.png": 4, "a.png": 6, "photos/IMG_0001.jpg": 2, "": 11, "1\ta red fox": 12]
        for (key, shard) in pinned { #expect(Shard.shard(of: key, count: 16) == shard, "\(key)") }
    }

    @Test("part names round-trip")
    func partNames() {
        let shard = Shard(index: 3, count: 16, origin: "test")
        #expect(shard.partName(extension: "json") == "part-00003-of-00016.json")
        #expect(Shard.parsePartName("part-00003-of-00016.json")! == (3, 16))
        #expect(Shard.parsePartName("part-00016-of-00016.json") == nil)
        #expect(Shard.parsePartName("manifest.json") == nil)
    }
}
