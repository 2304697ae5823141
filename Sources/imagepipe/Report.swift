import ImageCodecs
import ImagePipeline

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How results and failures are printed: results to stdout, one line per failure to stderr.
enum Report {
    static func line(for file: ConvertedFile) -> String {
        let action = file.wasCopied ? "verified, copied" : "\(file.outputFormat)"
        return "\(file.input) -> \(file.output) (\(action), \(file.source.size), \(file.inputBytes) -> \(file.outputBytes) bytes)"
    }

    static func error(_ error: PipelineError, verbose: Bool) {
        var text = "error: \(error.description)"
        if verbose {
            if let underlying = error.underlying {
                text += " [\(underlying.code)" + (underlying.byteOffset.map { " at byte \($0)" } ?? "") + "]"
            } else {
                text += " [\(error.code)]"
            }
        }
        standardError(text)
    }

    static func warn(_ text: String) { standardError("warning: \(text)") }

    static func note(_ text: String) { standardError(text) }

    static func standardError(_ text: String) {
        let line = Array((text + "\n").utf8)
        // write(2) to descriptor 2 directly: the C `stderr` global is not concurrency-safe in Swift 6.
        line.withUnsafeBytes { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }
}
