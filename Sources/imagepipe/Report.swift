import ImageCodecs
import ImagePipeline

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PipelineCore

/// How results and failures are printed: results to stdout, one line per failure to stderr.
enum Report {
    static func line(for file: ConvertedFile) -> String {
        // A copy that lost its EXIF or XMP kept its compressed image data, not every byte.
        let copied = file.metadata.dropped.isEmpty ? "bytes kept" : "image data kept, metadata dropped"
        let action = file.wasCopied ? "verified, \(file.outputFormat) \(copied)" : "\(file.outputFormat)"
        let size = file.outputSize.map { $0 == file.source.size ? "\($0)" : "\(file.source.size) -> \($0)" } ?? "\(file.source.size)"
        return "\(file.input) -> \(file.output) (\(action), \(size), \(file.inputBytes) -> \(file.outputBytes) bytes)"
    }

    static func error(_ error: PipelineError, verbose: Bool) {
        var text = "error: \(error.description)"
        if verbose {
            let code = error.codecError.map { "\($0.code)" } ?? "\(error.code)"
            text += " [\(code)" + (error.byteOffset.map { " at byte \($0)" } ?? "") + "]"
        }
        standardError(text)
    }

    static func warn(_ text: String) { standardError("warning: \(text)") }

    /// A result line on stdout, written at once so that it interleaves with stderr in order.
    static func output(_ text: String) { write(line: text, to: 1) }

    static func note(_ text: String) { standardError(text) }

    static func standardError(_ text: String) { write(line: text, to: 2) }

    /// With `IMAGEPIPE_REPORT_RESOURCES=1` in the environment, one line on stderr with this
    /// process's peak resident memory (`VmHWM` of /proc/self/status: this process's own, unlike
    /// a parent's `rusage`, which folds in the memory of whatever spawned it).
    static func resourcesIfRequested() {
        guard let flag = getenv("IMAGEPIPE_REPORT_RESOURCES"), String(cString: flag) == "1" else { return }
        let descriptor = open("/proc/self/status", O_RDONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return }
        let status = String(decoding: buffer[..<count], as: UTF8.self)
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
            let kibibytes = line.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
            standardError("resources: peak resident \(kibibytes) KiB")
        }
    }

    /// Writes one whole line with write(2): unbuffered, so stdout and stderr lines keep their
    /// order in a shared pipe, and free of the C `stdout`/`stderr` globals, which are not
    /// concurrency-safe in Swift 6.
    private static func write(line text: String, to descriptor: Int32) {
        write(text + "\n", to: descriptor)
    }

    /// Writes all of `text` with write(2), resuming after a partial write or a signal; gives up
    /// quietly when the descriptor is closed (a reader that went away).
    static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                offset += count
            }
        }
    }
}
