import ImagePipeline
import PipelineCore

/// A prompt file, as `generate --prompt-file` and `bench generate --prompt-file` read it: one
/// prompt per line, surrounding spaces trimmed, blank lines and lines starting with `#` skipped.
public enum PromptFile {
    /// The largest prompt file read (16 MiB: about 100,000 long prompts).
    public static let maxBytes = 16 << 20

    /// The prompts of the file at `path`.
    ///
    /// - Throws: ``PipelineError``: the file cannot be read, is over ``maxBytes``, or holds no
    ///   prompt (`.invalidOptions`, naming the file).
    public static func read(_ path: String) throws(PipelineError) -> [String] {
        let prompts = prompts(in: try FileIO.readFile(path, maxBytes: maxBytes))
        guard !prompts.isEmpty else { throw PipelineError(.invalidOptions, path: path, "no prompts (one per line)") }
        return prompts
    }

    /// The prompts in a prompt file's bytes (invalid UTF-8 replaced, as everywhere in text we show).
    public static func prompts(in bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { line in
                let start = line.firstIndex { !$0.isWhitespace } ?? line.endIndex
                let end = line.lastIndex { !$0.isWhitespace }.map(line.index(after:)) ?? start
                return String(line[start..<max(start, end)])
            }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
