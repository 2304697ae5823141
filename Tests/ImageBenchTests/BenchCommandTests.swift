import Foundation
import Testing
import TestSupport

/// The built binary with tiny settings: what a user types.
@Suite("imagepipe bench generate | codecs")
struct BenchCommandTests {
    /// Runs the binary without the API token variables, so the sandbox answers.
    static func run(_ arguments: [String]) throws -> ImagepipeRun {
        try runImagepipe(arguments, removing: ["NSCALE_SERVICE_TOKEN", "NEBIUS_API_KEY", "OPENAI_API_KEY"])
    }

    @Test("bench generate on the in-process sandbox: a table, then --json with failures by class and an HTML page")
    func generate() throws {
        let folder = try makeScratchDirectory()
        let table = try Self.run(["bench", "generate", "--requests", "4", "--concurrency", "2", "-z", "64x64", "--thumbnail", "32"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stderr.contains("built-in sandbox") && table.stderr.contains("warming up"))
        #expect(table.stdout.contains("| total | 4 |") && table.stdout.contains("| thumbnail | 4 |") && table.stdout.contains("images/s"))

        let page = folder + "/report.html"
        let json = try Self.run(["bench", "generate", "--requests", "4", "--concurrency", "2", "-z", "64x64", "--thumbnail", "32",
                                 "--warmup", "0", "--retries", "0", "--sandbox-fail", "503:first=1", "--json", "--html", page])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let failures = try #require(object["failures"] as? [String: Any])
        #expect(failures.count == 1 && failures["generation.server"] as? Int == 1, "\(failures)")
        #expect(object["succeededRequests"] as? Int == 3)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg class=\"percentiles\""))
    }

    /// Deterministic: 1000 requests at two seconds each, two in flight, cannot end before the
    /// interrupt, which is sent once the run says it is measuring (its Ctrl-C handler set).
    @Test("bench generate: Ctrl-C stops the run, the report covers the requests that finished, exit 130", .timeLimit(.minutes(3)))
    func generateInterrupt() throws {
        let process = Process()
        process.executableURL = TestPaths.imagepipeBinary
        process.arguments = ["bench", "generate", "--requests", "1000", "-j", "2", "-z", "64x64", "--thumbnail", "none",
                             "--warmup", "0", "--sandbox-latency", "2s", "--json"]
        var environment = ProcessInfo.processInfo.environment
        for name in ["NSCALE_SERVICE_TOKEN", "NEBIUS_API_KEY", "OPENAI_API_KEY"] { environment[name] = nil }
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var said = ""
        while !said.contains("measuring") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        #expect(process.isRunning, "the run ended before the interrupt: \(said)")
        process.interrupt()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        said += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(said)")
        #expect(said.contains("interrupted: measured ") && said.contains(" of 1000 requests"), "\(said)")
        let report = try #require(try JSONSerialization.jsonObject(with: stdout) as? [String: Any], "\(said)")
        let measured = try #require(report["requests"] as? Int)
        #expect(measured < 1000 && report["succeededRequests"] as? Int == measured, "\(report)")
    }

    @Test("bench codecs on Fixtures, one round: a table; --json; refusals")
    func codecs() throws {
        let run = try Self.run(["bench", "codecs", "--corpus", TestPaths.fixtures.path, "--rounds", "1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [[String: Any]]
        #expect(rows.contains { ($0["stage"] as? String)?.hasPrefix("PNG decode") == true && $0["baseline"] != nil })
        let refused = try Self.run(["bench", "codecs", "--rounds", "0"])
        #expect(refused.status != 0 && refused.stderr.contains("--rounds"))
        let missing = try Self.run(["bench", "generate", "--requests", "0"])
        #expect(missing.status != 0 && missing.stderr.contains("--requests"))
    }
}
