import ArgumentParser
import FastBase64
import ImageBench
import ImagePipeline

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PipelineCore

extension Imagepipe {
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Measure imagepipe against its baselines, in the same run.",
            subcommands: [Base64.self, GenerateBench.self, Codecs.self]
        )
    }
}

extension Imagepipe.Bench {
    struct Base64: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "base64",
            abstract: "Base64 decoding: every SIMD tier beside Foundation, and response bodies beside JSONDecoder.",
            discussion: "Inputs are 1 MB and 8 MB of base64 (clean, with line breaks every 76 characters, and with every '/' escaped as '\\/'), decoded into a reused buffer, and a response body holding such a payload. Cases run interleaved; figures are medians over rounds, with the speed-up over Foundation measured in the same round."
        )

        @Option(help: "Sizes of base64 text in MB, comma-separated.")
        var sizes: String = "1,8"

        @Option(help: "Interleaved rounds per case.")
        var rounds: Int = 9

        @Option(help: "Only these tiers (portable, AVX2, AVX-512 VBMI), comma-separated; default: all this CPU runs.")
        var tiers: String?

        @Flag(help: "JSON instead of a table.")
        var json = false

        func run() async throws {
            let megabytes = sizes.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !megabytes.isEmpty, megabytes.allSatisfy({ $0 > 0 && $0 <= 512 }) else {
                throw ValidationError("--sizes takes sizes in MB between 0 and 512, such as 1,8")
            }
            var selected = Base64Tier.available
            if let tiers {
                let names = tiers.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                selected = Base64Tier.available.filter { names.contains($0.description.lowercased()) }
                guard !selected.isEmpty else {
                    throw ValidationError("no available tier among \(tiers); this CPU runs: \(Base64Tier.available.map(\.description).joined(separator: ", "))")
                }
            }
            let benchmark = Base64Benchmark(sizes: megabytes.map { Int($0 * 1_000_000) }, rounds: rounds, tiers: selected)
            // Ctrl-C: the case under way finishes, and the rows measured are shown.
            let (rows, interrupted) = await Interruption.cancellingOnSignals {
                benchmark.run { Report.note("measuring \($0)…") }
            }
            if json {
                Report.output(try StableJSON.line(rows))
            } else {
                Report.output("best tier on this CPU: \(Base64Tier.best)")
                Report.output(Base64Benchmark.table(rows))
            }
            try BenchOutput.stopIfInterrupted(interrupted, measured: "\(rows.count) row\(rows.count == 1 ? "" : "s")")
        }
    }
}
