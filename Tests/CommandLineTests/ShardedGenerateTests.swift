import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `generate --prompt-file` split across workers against one sandbox: every prompt generated
/// once, a killed shard run again without remaking what it finished, the parts merged.
@Suite("imagepipe generate, sharded")
struct ShardedGenerateTests {
    /// `imagepipe serve` with `arguments`; its URL.
    static func serve(_ arguments: [String]) throws -> (Process, String) {
        let serve = Process()
        serve.executableURL = CommandLineTests.binary
        serve.arguments = ["serve", "--port", "0"] + arguments
        let output = Pipe()
        serve.standardOutput = output
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        let url = GenerateCommandTests.readLine(output).split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init)
        guard let url else {
            serve.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        return (serve, url)
    }

    static func shard(_ index: Int, _ prompts: String, _ out: String, url: String, extra: [String] = []) -> Process {
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["generate", "--prompt-file", prompts, "--provider", "sandbox", "--base-url", url, "-z", "64x64", "-j", "2", "-o", out] + extra
        var environment = ProcessInfo.processInfo.environment
        for name in GenerateCommandTests.tokenVariables { environment[name] = nil }
        environment["AWS_BATCH_JOB_ARRAY_INDEX"] = String(index)
        environment["AWS_BATCH_JOB_ARRAY_SIZE"] = "4"
        process.environment = environment
        return process
    }

    @Test("200 prompts in 4 shards: each generated once, named by line; a shard killed mid-run and run again remakes nothing it finished; merge gives one line per prompt", .timeLimit(.minutes(10)))
    func twoHundredPrompts() throws {
        let folder = try makeScratchDirectory()
        let prompts = folder + "/prompts.txt"
        let lines = (1...200).map { "a lighthouse, study \($0)" } + ["# a comment", ""]
        try lines.joined(separator: "\n").write(toFile: prompts, atomically: true, encoding: .utf8)
        let out = folder + "/out"

        // Shard 3 first, against a sandbox that answers 5 requests and holds the rest: it saves 5
        // images and waits; it is killed there.
        let (holding, heldURL) = try Self.serve(["--answer-first", "5"])
        let first = Self.shard(3, prompts, out, url: heldURL, extra: ["-j", "1"])
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        func sidecars() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".json") } }
        while sidecars().count < 5 && first.isRunning { usleep(5_000) }
        #expect(first.isRunning, "shard 3 ended before it was killed")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        holding.terminate()
        holding.waitUntilExit()
        let finishedBefore = Set(sidecars())
        #expect(finishedBefore.count == 5)
        let before = try Dictionary(uniqueKeysWithValues: finishedBefore.map { ($0, try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0))) })

        // All four at once (shard 3 again: the engine's retry).
        let (serve, url) = try Self.serve([])
        defer { serve.terminate(); serve.waitUntilExit() }
        let processes = (0..<4).map { Self.shard($0, prompts, out, url: url) }
        let errors = processes.map { process -> Pipe in
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            return pipe
        }
        for process in processes { try process.run() }
        let stderr = errors.map { String(decoding: $0.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 }, "\(stderr)")
        #expect(stderr[3].hasPrefix("shard 3 of 4 (from AWS_BATCH_JOB_ARRAY_INDEX=3 of AWS_BATCH_JOB_ARRAY_SIZE=4)"), "\(stderr[3])")
        #expect(stderr[3].contains("(5 made by an earlier run of this shard)"), "\(stderr[3])")
        for (name, bytes) in before {
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/" + name)) == bytes, "\(name) was made again")
        }

        let merge = try CommandLineTests.run(["merge", out])
        #expect(merge.status == 0, "\(merge.stderr)")
        let results = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(results.count == 200)
        let objects = try results.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["line"] as? Int } == (1...200).map { $0 }, "one line per prompt, in file order")
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files.filter { $0.hasSuffix(".png") }.count == 200)
        #expect(!files.contains { $0.hasSuffix("-1-2.png") || $0.hasPrefix(".") }, "nothing made twice, nothing partial")
        #expect(files.contains("00042-a-lighthouse-study-42-1.png"))
        // Merging again is idempotent.
        let again = try CommandLineTests.run(["merge", out])
        #expect(again.status == 0)
        #expect(try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n") == results)
    }

    @Test("a shard of a single prompt is refused")
    func refusals() throws {
        let single = try CommandLineTests.run(["generate", "a fox", "--shard", "0/2"], removing: GenerateCommandTests.tokenVariables)
        #expect(single.status == 64 && single.stderr.contains("splits a --prompt-file batch"), "\(single.stderr)")
    }
}
