import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import ImageCodecs
import ImagePipeline

extension Imagepipe {
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the header of each image says, without decoding its pixels (or with --verify, decoding them all).",
            discussion: "Formats are recognised by their first bytes. With --json, one JSON object per line (JSON Lines); a file that cannot be read gives an object with an \"error\" field. Exit status 1 if any file failed."
        )

        @Argument(help: "Image files.")
        var files: [String]

        @Flag(help: "One JSON object per file, one per line.")
        var json = false

        @Flag(help: "Decode every pixel too, to find truncation and corruption past the header.")
        var verify = false

        @Flag(help: "Also print the text metadata embedded in the file (PNG text chunks, WebP XMP): the provenance that generate records.")
        var metadata = false

        @OptionGroup(title: "Limits")
        var limits: LimitOptions

        @Flag(name: .shortAndLong, help: "Add error codes and byte offsets to error lines.")
        var verbose = false

        func run() async throws {
            let decoder = ImageDecoder(limits: limits.limits)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var failed = 0
            for path in files {
                do {
                    let info = try verify
                        ? FileInfo.verify(path: path, decoder: decoder, readingMetadata: metadata)
                        : FileInfo.probe(path: path, decoder: decoder, readingMetadata: metadata)
                    Report.output(json ? String(decoding: try encoder.encode(info), as: UTF8.self) : info.summary)
                    if !json, let entries = info.metadata {
                        for key in entries.keys.sorted() { Report.output("  \(key): \(entries[key]!)") }
                    }
                } catch let error as PipelineError {
                    failed += 1
                    if json {
                        let object = ["path": path, "error": error.message, "code": error.underlying?.code.description ?? error.code.description]
                        Report.output(String(decoding: try encoder.encode(object), as: UTF8.self))
                    }
                    Report.error(error, verbose: verbose)
                }
            }
            if failed > 0 { throw ExitCode.failure }
        }
    }
}
