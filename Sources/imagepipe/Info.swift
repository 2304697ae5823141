import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import ImageCodecs
import ImagePipeline
import PipelineCore

extension Imagepipe {
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Show what the header of each image says, without decoding its pixels (or with --verify, decoding them all).",
            discussion: """
                Formats are recognised by their first bytes. A saved images API response (JSON, as convert reads it) is described image by image: the real format and header of each embedded image, or its link with the query hidden (not downloaded). With --json, one JSON object per line (JSON Lines); a file that cannot be read gives an object with an "error" field, a response an object with "kind": "response" and an "images" array, a sidecar written by generate an object with "kind": "sidecar" and its "provenance". Exit status 1 if any file or embedded image failed, or a response holds the provider's error.
                """
        )

        @Argument(help: "Image files, or saved API responses (recognised by their bytes, not their names).")
        var files: [String]

        @Flag(help: "One JSON object per file, one per line.")
        var json = false

        @Flag(help: "Decode every pixel too, to find truncation and corruption past the header.")
        var verify = false

        @Flag(help: "Also print the text metadata embedded in the file, or in each image of a response (PNG text chunks, WebP XMP): the provenance that generate records.")
        var metadata = false

        @OptionGroup(title: "Decoding")
        var decoding: DecodingOptions

        @Flag(name: .shortAndLong, help: "Add error codes and byte offsets to error lines.")
        var verbose = false

        func run() async throws {
            defer { Report.resourcesIfRequested() }
            let decoder = decoding.decoder()
            func jsonLine(_ value: some Encodable) throws -> String {
                try StableJSON.line(value)
            }
            var failed = 0
            for path in files {
                let input: InputInfo
                do throws(PipelineError) {
                    input = try InputInfo.read(path: path, decoder: decoder, verifying: verify, readingMetadata: metadata)
                } catch {
                    failed += 1
                    if json { Report.output(try jsonLine(FailedFile(path: path, error: error))) }
                    Report.error(error, verbose: verbose)
                    continue
                }
                switch input {
                case .image(let info):
                    Report.output(json ? try jsonLine(info) : info.summary)
                    if !json { printMetadata(of: info, indent: "  ") }
                case .response(let response):
                    if json {
                        Report.output(try jsonLine(response))
                    } else {
                        Report.output(response.summary)
                        for image in response.images {
                            Report.output("  " + image.summary)
                            if let image = image.image { printMetadata(of: image, indent: "    ") }
                        }
                    }
                    let failures = response.failures
                    for failure in failures { Report.error(failure, verbose: verbose) }
                    if !failures.isEmpty { failed += 1 }
                case .sidecar(let sidecar):
                    Report.output(json ? try jsonLine(sidecar) : sidecar.summary)
                    if !json {
                        for warning in sidecar.provenance.warnings { Report.output("  warning: \(warning)") }
                    }
                }
            }
            if failed > 0 { throw ExitCode.failure }
        }

        private func printMetadata(of info: FileInfo, indent: String) {
            for line in info.metadataLines { Report.output(indent + line) }
        }
    }

    /// The JSON object of a file that could not be described: `path`, `error` (the message),
    /// `code` (the codec's when a codec refused it), and `byteOffset` when known.
    private struct FailedFile: Encodable {
        var path: String
        var error: String
        var code: String
        var byteOffset: Int?

        init(path: String, error: PipelineError) {
            self.path = path
            self.error = error.message
            code = error.codecError?.code.description ?? error.code.description
            byteOffset = error.byteOffset
        }
    }
}
