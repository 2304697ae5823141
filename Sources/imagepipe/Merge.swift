import ArgumentParser
import ImagePipeline
import PipelineCore

extension Imagepipe {
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Join a sharded run's parts in OUT: results.d/ into results.jsonl, manifest.d/ into manifest.json and index.html.",
            discussion: """
            Each shard of `generate --prompt-file`, `convert` or `gallery` run with --shard (or an engine's \
            variables) writes its own part; this writes the whole from them, idempotently. Every part of the \
            split must be there: a missing one is named and nothing is written (exit status 1).
            """
        )

        @Argument(help: "The output folder the shards wrote into.")
        var output: String

        @Option(help: "The gallery page's title (default: the source folder's name).")
        var title: String?

        @Flag(help: "Print only errors.")
        var quiet = false

        func run() async throws {
            let storage = try StorageArgument.open(output)
            var merged = false
            do throws(PipelineError) {
                if try await !storage.list(under: ResultParts.prefix).entries.isEmpty {
                    let (parts, lines) = try await ResultParts.merge(in: storage)
                    if !quiet { Report.note("merge: \(parts) parts, \(lines) lines -> \(storage.path(of: ResultParts.mergedKey))") }
                    merged = true
                }
                if try await !storage.list(under: GalleryJob.partsPrefix).entries.isEmpty {
                    let summary = try await GalleryJob.merge(outputs: storage, title: title)
                    if !quiet { Report.note("merge: \(summary.parts) parts, \(summary.entries) entries -> \(summary.manifestPath), \(summary.indexPath)") }
                    merged = true
                }
                guard merged else {
                    throw PipelineError(.invalidOptions, path: output, "no parts to merge (results.d/ or manifest.d/): run the shards first")
                }
            } catch {
                Report.error(error, verbose: false)
                throw ExitCode.failure
            }
        }
    }
}
