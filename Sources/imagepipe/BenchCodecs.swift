import ArgumentParser
import ImageBench
import ImagePipeline
import PipelineCore

extension Imagepipe.Bench {
    struct Codecs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "codecs",
            abstract: "Per-stage throughput on a corpus (base64, PNG/WebP/JPEG decode, resize, PNG/WebP/JPEG encode), each beside its baseline in the same run.",
            discussion: """
            Baselines: JSONDecoder + Data(base64Encoded:) for response bodies; the system libpng, libwebp and \
            libjpeg-turbo called straight from C for decode and encode. The corpus (default ../shared/corpus beside the \
            package, else Fixtures/) is read by content: PNG, WebP, JPEG and images API responses (JSON), in the \
            folder or one level down. Rounds run interleaved; figures are medians, and × baseline is the \
            median of the per-round ratios.
            """
        )

        @Option(help: "Corpus folder (default: ../shared/corpus beside the package, else Fixtures/).")
        var corpus: String?

        @Option(help: "Interleaved rounds per stage.")
        var rounds = 5

        @Flag(help: "Print the rows as JSON instead of a table.")
        var json = false

        @Option(help: "Also write a self-contained HTML page (inline SVG bar chart) to this file.")
        var html: String?

        func validate() throws {
            guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        }

        func run() async throws {
            let folder = corpus ?? CodecBenchmark.defaultCorpus
            let benchmark = CodecBenchmark(corpus: folder, rounds: rounds)
            // Ctrl-C: the measurement under way finishes, and the rows measured are shown.
            let (outcome, interrupted) = await Interruption.cancellingOnSignals { () -> Result<[CodecBenchmark.Row], PipelineError> in
                do throws(PipelineError) {
                    return .success(try benchmark.run { Report.note("measuring \($0)…") })
                } catch {
                    return .failure(error)
                }
            }
            let rows: [CodecBenchmark.Row]
            switch outcome {
            case .success(let measured): rows = measured
            case .failure(let error): throw ValidationError(error.description)
            }
            if json {
                Report.output(try BenchOutput.json(rows))
            } else {
                Report.output("corpus \(folder), \(rounds) interleaved rounds, medians")
                Report.output(CodecBenchmark.table(rows))
            }
            if let html {
                try BenchOutput.write(HTMLReport.page(for: rows, corpus: folder, rounds: rounds), to: html)
            }
            try BenchOutput.stopIfInterrupted(interrupted, measured: "\(rows.count) row\(rows.count == 1 ? "" : "s")")
        }
    }
}
