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
        entries(in: bytes).map(\.prompt)
    }

    /// The prompts of the file at `path` with their line numbers (from 1): what identifies a
    /// prompt in a sharded run (its key is `LINE<tab>PROMPT`).
    ///
    /// - Throws: as ``read(_:)``.
    public static func entries(_ path: String) throws(PipelineError) -> [(line: Int, prompt: String)] {
        let entries = entries(in: try FileIO.readFile(path, maxBytes: maxBytes))
        guard !entries.isEmpty else { throw PipelineError(.invalidOptions, path: path, "no prompts (one per line)") }
        return entries
    }

    /// The prompts in a prompt file's bytes, each with its line number (from 1; `\n`, `\r\n` and
    /// `\r` each end a line).
    public static func entries(in bytes: [UInt8]) -> [(line: Int, prompt: String)] {
        String(decoding: bytes, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .enumerated()
            .map { number, line in
                let start = line.firstIndex { !$0.isWhitespace } ?? line.endIndex
                let end = line.lastIndex { !$0.isWhitespace }.map(line.index(after:)) ?? start
                return (number + 1, String(line[start..<max(start, end)]))
            }
            .filter { !$0.1.isEmpty && !$0.1.hasPrefix("#") }
    }
}
