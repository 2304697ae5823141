#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import ImageCodecs
import ImageCore

/// Converts image files to another format (or re-encodes them), one file or a batch into a folder.
///
/// Every output is written atomically; an input is never overwritten; one bad input is reported
/// and the others are still converted. Files are converted in parallel, one per core by default.
///
/// ```swift
/// let job = try ConvertJob(inputs: ["a.png", "b.png"], output: "out/", format: .webp)
/// let results = await job.run { result in print(result) }
/// ```
public struct ConvertJob: Sendable {
    /// Where outputs go.
    public enum Destination: Hashable, Sendable {
        /// One output file, in this format.
        case file(String, ImageFormat)
        /// A folder; each input keeps its base name with the output format's extension.
        case directory(String)
    }

    /// The input files.
    public let inputs: [String]
    /// Where outputs go, as planned from the output argument.
    public let destination: Destination
    /// The output format; `nil` in a folder means "the input's own format".
    public let format: ImageFormat?
    /// Encoder settings; when empty and the output format equals the input's, the verified input
    /// bytes are written unchanged.
    public var encoding: EncodingSettings
    /// How inputs are decoded (limits, animation policy).
    public var decoder: ImageDecoder
    /// How many files are converted at once (default: the number of cores).
    public var concurrency: Int
    /// `fsync` each output before renaming it into place.
    public var durable: Bool = false

    /// Plans a conversion and checks its arguments.
    ///
    /// - Parameters:
    ///   - output: a file name (its extension gives the format unless `format` is set), or a folder
    ///     (an existing directory, a path ending in `/`, or any path when there are several inputs).
    /// - Throws: ``PipelineError`` when the output format cannot be known, the options contradict
    ///   the format, or several inputs are given with an output that is an existing file.
    public init(
        inputs: [String], output: String, format: ImageFormat? = nil, encoding: EncodingSettings = EncodingSettings(),
        decoder: ImageDecoder = ImageDecoder(), concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws {
        guard !inputs.isEmpty else { throw PipelineError(.invalidOptions, "no input files") }
        if let format, !format.canEncode {
            throw PipelineError(.unsupportedOutputFormat, "\(format) output is not supported yet (imagepipe writes PNG, WebP and PAM)")
        }
        try encoding.validateRanges()
        let isFolder = inputs.count > 1 || output.hasSuffix("/") || FileIO.isDirectory(output)
        if isFolder {
            if !FileIO.isDirectory(output), FileIO.fileIdentity(output) != nil {
                throw PipelineError(.invalidOptions, path: output, "several inputs need an output directory, but this is an existing file")
            }
            if let format { try encoding.validate(for: format) }
            destination = .directory(output.count > 1 && output.hasSuffix("/") ? String(output.dropLast()) : output)
        } else {
            let named = Self.formatNamed(by: output)
            if let format, let named, named != format {
                throw PipelineError(.invalidOptions, path: output, "the output name says \(named) but --format says \(format)")
            }
            guard let resolved = format ?? named else {
                throw PipelineError(.unknownOutputFormat, path: output, "cannot tell the output format from the name: use a .png, .webp or .pam extension, or --format")
            }
            guard resolved.canEncode else {
                throw PipelineError(.unsupportedOutputFormat, path: output, "\(resolved) output is not supported yet (imagepipe writes PNG, WebP and PAM)")
            }
            try encoding.validate(for: resolved)
            destination = .file(output, resolved)
        }
        self.inputs = inputs
        self.format = format
        self.encoding = encoding
        self.decoder = decoder
        self.concurrency = max(1, concurrency)
    }

    static func formatNamed(by path: String) -> ImageFormat? {
        let name = FileIO.split(path).1
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return ImageFormat(fileExtension: name[name.index(after: dot)...])
    }

    /// One file's conversion, planned before any pixel work.
    struct Item: Sendable {
        var index: Int
        var input: String
        var output: String
        var format: ImageFormat?
        var conflict: String?
    }

    /// Works out every output path (sniffing inputs whose format decides the extension) and
    /// finds outputs claimed by two inputs.
    func planItems() -> [Item] {
        var items: [Item] = []
        var claimed: [String: String] = [:]
        for (index, input) in inputs.enumerated() {
            switch destination {
            case .file(let path, let format):
                items.append(Item(index: index, input: input, output: path, format: format))
            case .directory(let folder):
                let sniffed = (try? FileIO.readPrefix(input, count: ImageFormat.sniffLength)).flatMap { ImageFormat.sniff($0) }
                let itemFormat = format ?? sniffed
                let base = Self.baseName(of: input)
                let output = folder + "/" + base + "." + (itemFormat?.fileExtension ?? "out")
                var item = Item(index: index, input: input, output: output, format: itemFormat)
                if let first = claimed[output] {
                    item.conflict = first
                } else {
                    claimed[output] = input
                }
                items.append(item)
            }
        }
        return items
    }

    static func baseName(of path: String) -> String {
        let name = FileIO.split(path).1
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// Converts every input, calling `onResult` (on the caller's task, in completion order) as
    /// each one finishes.
    ///
    /// - Returns: one result per input, in input order.
    public func run(onResult: (ConversionResult) -> Void = { _ in }) async -> [ConversionResult] {
        if case .directory(let folder) = destination {
            do { try FileIO.createDirectory(folder) } catch let error as PipelineError {
                return inputs.map { ConversionResult(input: $0, outcome: .failure(error)) }
            } catch { preconditionFailure("FileIO throws PipelineError only") }
        }
        let items = planItems()
        let inputIdentities = Set(inputs.compactMap(FileIO.fileIdentity))
        var results = [ConversionResult?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, ConversionResult).self) { group in
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let item = items[next]
                next += 1
                group.addTask { [self] in (item.index, convert(item, inputIdentities: inputIdentities)) }
            }
            for _ in 0..<min(concurrency, items.count) { startNext() }
            while let (index, result) = await group.next() {
                results[index] = result
                onResult(result)
                startNext()
            }
        }
        return results.map { $0! }
    }

    func convert(_ item: Item, inputIdentities: Set<FileIdentity>) -> ConversionResult {
        do {
            if let first = item.conflict {
                throw PipelineError(.outputConflict, path: item.input, "its output \(item.output) is already the output of \(first); rename one of them")
            }
            let bytes = try FileIO.readFile(item.input, maxBytes: decoder.limits.maxInputBytes)
            let (info, image) = try bytes.withUnsafeBytes { buffer in
                do {
                    return (try decoder.probe(buffer), try decoder.decode(buffer))
                } catch let error as ImageCodecError {
                    throw PipelineError(path: item.input, codecError: error)
                }
            }
            let outputFormat = item.format ?? info.format
            let passThrough = outputFormat == info.format && !encoding.applies(to: outputFormat)
            let encoded: [UInt8]
            if passThrough {
                encoded = bytes
            } else {
                try encoding.validate(for: outputFormat)
                do {
                    encoded = try image.encoded(as: try encoding.options(for: outputFormat))
                } catch let error as ImageCodecError {
                    throw PipelineError(path: item.output, codecError: error)
                }
            }
            if let identity = FileIO.fileIdentity(item.output), inputIdentities.contains(identity) {
                throw PipelineError(.wouldOverwriteInput, path: item.output, "refusing to overwrite an input file; choose another output")
            }
            try FileIO.writeAtomically(encoded, to: item.output, durable: durable)
            return ConversionResult(input: item.input, outcome: .success(ConvertedFile(
                input: item.input, output: item.output, source: info, outputFormat: outputFormat,
                inputBytes: bytes.count, outputBytes: encoded.count, wasCopied: passThrough
            )))
        } catch let error as PipelineError {
            return ConversionResult(input: item.input, outcome: .failure(error))
        } catch {
            return ConversionResult(input: item.input, outcome: .failure(PipelineError(.codec, path: item.input, "\(error)")))
        }
    }
}

/// The outcome of converting one input.
public struct ConversionResult: Sendable {
    /// The input path.
    public var input: String
    /// What was written, or why nothing was.
    public var outcome: Result<ConvertedFile, PipelineError>
}

/// A file written by ``ConvertJob``.
public struct ConvertedFile: Sendable, Hashable {
    /// The input path.
    public var input: String
    /// The output path.
    public var output: String
    /// What the input's header said.
    public var source: ImageInfo
    /// The format written.
    public var outputFormat: ImageFormat
    /// Input size in bytes.
    public var inputBytes: Int
    /// Output size in bytes.
    public var outputBytes: Int
    /// Whether the verified input bytes were written unchanged (same format, no encoder settings).
    public var wasCopied: Bool
    /// For animated inputs, how many frames were dropped (only the first is converted).
    public var droppedFrames: Int? {
        guard source.isAnimated else { return nil }
        return source.frameCount.map { $0 - 1 }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
