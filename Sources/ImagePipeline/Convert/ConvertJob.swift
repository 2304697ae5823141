#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageOps
import ImageResponses
import Synchronization
import PipelineCore

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
    /// Where outputs go, as planned from the output argument (a folder of ``outputs`` may be
    /// set afterwards: `.directory("")` for the root of a bucket prefix).
    public var destination: Destination
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
    /// Where inputs are read and outputs written; keys are the paths given (default: this
    /// machine's files).
    public var storage: any Storage = LocalStorage.paths
    /// Where outputs are written, when not ``storage`` (local inputs into a bucket, or the
    /// other way round).
    public var outputs: (any Storage)?
    /// Resize (and crop) every image on the way; `nil` keeps sizes.
    public var geometry: ResizeGeometry?
    /// The resampling filter for ``geometry``.
    public var filter: ResamplingFilter = .lanczos3
    /// Resampling options (linear light, threads) for ``geometry``.
    public var resizeOptions = ResizeOptions(threads: 1)
    /// What outputs keep of their sources' metadata (``MetadataPolicy``; by default colour
    /// meaning only: EXIF and XMP dropped). With ``MetadataPolicy/keep``, set the decoder's
    /// ``ImageDecoder/color`` to `.keepProfile` so that the kept profile describes the pixels.
    public var metadata: MetadataPolicy = .colorOnly

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
    ) throws(PipelineError) {
        guard !inputs.isEmpty else { throw PipelineError(.invalidOptions, "no input files") }
        if let format, !format.canEncode {
            throw PipelineError(.unsupportedOutputFormat, "\(format) output is not supported (imagepipe writes PNG, WebP, JPEG and PAM)")
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
            let named = FileName.format(namedBy: output)
            if let format, let named, named != format {
                throw PipelineError(.invalidOptions, path: output, "the output name says \(named) but --format says \(format)")
            }
            guard let resolved = format ?? named else {
                throw PipelineError(.unknownOutputFormat, path: output, "cannot tell the output format from the name: use a .png, .webp or .pam extension, or --format")
            }
            guard resolved.canEncode else {
                throw PipelineError(.unsupportedOutputFormat, path: output, "\(resolved) output is not supported (imagepipe writes PNG, WebP, JPEG and PAM)")
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

    /// One file's conversion, planned before any pixel work.
    struct Item: Sendable {
        var index: Int
        var input: String
        var output: String
        var format: ImageFormat?
        var conflict: String?
    }

    /// This run's share of the inputs when the batch is split across workers (``Shard/whole`` by
    /// default): every input is planned, so outputs claimed twice are found across the whole
    /// batch (the first input keeps the name in every shard), and only the shard's are converted.
    public var shard: Shard = .whole

    /// Works out every output path (sniffing inputs whose format decides the extension) and
    /// finds outputs claimed by two inputs.
    func planItems() async -> [Item] {
        var items: [Item] = []
        var claimed: [String: String] = [:]
        for (index, input) in inputs.enumerated() {
            switch destination {
            case .file(let path, let format):
                items.append(Item(index: index, input: input, output: path, format: format))
            case .directory(let folder):
                let sniffed = (try? await storage.readPrefix(input, count: ImageFormat.sniffLength)).flatMap { ImageFormat.sniff($0) }
                let itemFormat = format ?? sniffed
                let base = FileName.base(of: input)
                let output = StorageKey.join(folder, base + "." + (itemFormat?.fileExtension ?? "image"))
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

    /// Converts every input, calling `onResult` (on the caller's task, in completion order) as
    /// each one finishes.
    ///
    /// Runs on ``PipelineRunner``: each planned input is read (a saved API response yields one
    /// image per `data` entry, decoded from the body), then every image is verified, resized and
    /// encoded and written; ``concurrency`` inputs at once. Cancelling the calling task stops
    /// the run at the next stage boundary; what was written stays.
    ///
    /// - Returns: one result per input, in input order (one per image for an API response).
    public func run(onResult: (ConversionResult) -> Void = { _ in }) async -> [ConversionResult] {
        let items = await planItems().filter { shard.contains($0.input) }
        var inputIdentities = Set<StorageIdentity>()
        for input in inputs {
            if let identity = await storage.identity(of: input) { inputIdentities.insert(identity) }
        }
        var job = self
        job.storage = storage.makingWritesDurable(durable)
        job.outputs = outputs?.makingWritesDurable(durable)
        let stages = Pipeline {
            ReadConvertInput(job: job)
            ForEachElement { ConvertImage(job: job, inputIdentities: inputIdentities) }
        }
        let runner = PipelineRunner(stages, concurrency: concurrency) { item, _ in item.input }
        func results(_ item: PipelineItem<[Result<ConvertedFile, any Error>]>) -> [ConversionResult] {
            let input = items[item.index].input
            switch item.result {
            case .success(let files):
                return files.map { ConversionResult(input: input, outcome: $0.mapError { Self.pipelineError($0, path: input) }) }
            case .failure(let error):
                return [ConversionResult(input: input, outcome: .failure(Self.pipelineError(error, path: input)))]
            }
        }
        var finished = [[ConversionResult]](repeating: [], count: items.count)
        await runner.run(items) { item in
            finished[item.index] = results(item)
            finished[item.index].forEach(onResult)
        }
        return finished.flatMap { $0 }
    }

    static func pipelineError(_ error: any Error, path: String) -> PipelineError {
        PipelineError(stageFailure: error, path: path, code: .codec, cancelledMessage: "not converted: the run was interrupted")
    }

    /// One image to convert: a file's bytes, or one entry of a saved response (possibly an
    /// entry that failed to decode, reported when its turn comes).
    struct PendingImage: Sendable {
        var label: String
        var output: String
        var format: ImageFormat?
        var bytes: Result<EncodedBytes, PipelineError>
        var imageIndex: Int?
        var replaceExtension = false
        /// The file the bytes were read from, to read again in the rare case the decoder needs
        /// the bytes it has released (``ImageDecoder/decodeWithInfo(releasing:reload:minimumSize:)``);
        /// `nil` for an image out of a saved response.
        var file: String?
    }

    /// An image's encoded bytes, handed from the read stage to the convert stage once.
    ///
    /// The pipeline keeps a batch entry's images until the entry is done, so the convert stage
    /// takes the bytes out: as their only owner it lets the decoder release a PNG file's pages as
    /// it inflates them, and lets the rest go before resizing, when the output is not a copy of
    /// them (a 2048x2048 PNG is 8.8 MiB beside a 12 MiB image).
    final class EncodedBytes: Sendable {
        private let bytes: Mutex<[UInt8]?>

        init(_ bytes: consuming [UInt8]) {
            self.bytes = Mutex(bytes)
        }

        /// The bytes the first time; `nil` after.
        func take() -> [UInt8]? {
            bytes.withLock { $0.take() }
        }
    }

    /// Reads one planned input; a saved API response becomes one image per `data` entry.
    struct ReadConvertInput: Stage {
        let job: ConvertJob
        var name: String { "read" }

        func process(_ item: Item, context: inout StageContext) async throws -> [PendingImage] {
            if let first = item.conflict {
                throw PipelineError(.outputConflict, path: item.input, "its output \(item.output) is already the output of \(first); rename one of them")
            }
            let bytes = try await job.storage.read(item.input, maxBytes: job.decoder.limits.maxInputBytes)
            if InputInfo.isResponse(bytes) {
                return try ConvertJob.responseImages(item, body: bytes)
            }
            return [PendingImage(label: item.input, output: item.output, format: item.format, bytes: .success(EncodedBytes(bytes)), file: item.input)]
        }
    }

    /// Verifies, resizes, encodes and writes one image.
    struct ConvertImage: Stage {
        let job: ConvertJob
        let inputIdentities: Set<StorageIdentity>
        var name: String { "convert" }

        func process(_ image: PendingImage, context: inout StageContext) async throws -> ConvertedFile {
            guard let bytes = try image.bytes.get().take() else { preconditionFailure("an image is converted once") }
            return try await job.produce(
                encodedImage: bytes, source: image.label, file: image.file, output: image.output, format: image.format,
                inputIdentities: inputIdentities, imageIndex: image.imageIndex, replaceExtension: image.replaceExtension
            )
        }
    }

    /// Verifies one encoded image (a full decode), then writes it unchanged or re-encoded.
    ///
    /// - Parameters:
    ///   - source: what to call the input in messages (a path, or `response.json data[2]`).
    ///   - file: the file the bytes were read from (`nil` for an image out of a response): its
    ///     bytes may then be released as they are decoded, and read again if the decoder needs them.
    ///   - output: the output path; with `format == nil` its extension is replaced by the real
    ///     format's when `replaceExtension` is set.
    func produce(
        encodedImage bytes: consuming [UInt8], source: String, file: String? = nil, output: String, format: ImageFormat?,
        inputIdentities: Set<StorageIdentity>, imageIndex: Int? = nil, replaceExtension: Bool = false
    ) async throws(PipelineError) -> ConvertedFile {
        // The resize plan depends on the header's size, so it is made inside the decode (one
        // header read): WebP then decodes no larger than the resize needs.
        func resizePlan(for size: ImageSize) -> ResizeGeometry.Plan? {
            guard let plan = geometry?.plan(for: size), plan.outputSize != size || plan.crop != nil else { return nil }
            return plan
        }
        func isPassThrough(_ info: ImageInfo) -> Bool {
            resizePlan(for: decoder.outputSize(for: info)) == nil && (format ?? info.format) == info.format && !encoding.applies(to: format ?? info.format)
                && !decoder.changesPixels(of: info) && metadata != .strip
        }
        func minimumSize(_ info: ImageInfo) -> ImageSize? {
            guard let geometry, let plan = resizePlan(for: decoder.outputSize(for: info)) else { return nil }
            return geometry.minimumDecodeSize(for: plan, options: resizeOptions)
        }
        let inputByteCount = bytes.count
        let decoded: DecodedImage
        // A file whose output is not a copy of it lets the decoder release its pages as it goes
        // (the decoder asks, with the header it has read), when the file can be read again
        // cheaply if the decoder needs it (a local file); the bytes of a copy, and of an image
        // out of a response, are kept.
        if let file, let local = storage as? LocalStorage {
            let maxBytes = decoder.limits.maxInputBytes
            decoded = try PipelineError.codec(path: source) {
                try bytes.withUnsafeMutableBytes { buffer in
                    try decoder.decodeWithInfo(
                        releasing: buffer, when: { !isPassThrough($0) }, reload: { try local.read(file, maxBytes: maxBytes) },
                        minimumSize: minimumSize
                    )
                }
            }
        } else {
            decoded = try PipelineError.codec(path: source) {
                try bytes.withUnsafeBytes { try decoder.decodeWithInfo($0, minimumSize: minimumSize) }
            }
        }
        let info = decoded.info
        var image = decoded.image
        let plan = resizePlan(for: decoder.outputSize(for: info))
        let outputFormat = format ?? info.format
        let outputPath = replaceExtension ? FileName.replacingExtension(of: output, with: outputFormat.fileExtension) : output
        let passThrough = isPassThrough(info)
        if !passThrough {
            bytes = []  // not needed any more: freed before the resize and the encoder allocate
        }
        if let geometry, let plan {
            image = geometry.apply(plan, to: image, filter: filter, options: resizeOptions)
        }
        let encoded: [UInt8]
        let metadataOutcome: MetadataOutcome
        if passThrough {
            (encoded, metadataOutcome) = try PipelineError.codec(path: source) { try metadata.copying(bytes, metadata: decoded.metadata) }
        } else {
            try encoding.validate(for: outputFormat)
            let options = try encoding.options(for: outputFormat)
            // Pixels kept in their own colour space carry its profile (--keep-icc), and the
            // policy's blocks are written in.
            (encoded, metadataOutcome) = try PipelineError.codec(path: outputPath) {
                try metadata.embedding(in: image.encoded(as: options), from: decoded)
            }
        }
        let outputStorage = outputs ?? storage
        if let identity = await outputStorage.identity(of: outputPath), inputIdentities.contains(identity) {
            throw PipelineError(.wouldOverwriteInput, path: outputStorage.path(of: outputPath), "refusing to overwrite an input file; choose another output")
        }
        try await outputStorage.write(encoded, to: outputPath)
        return ConvertedFile(
            input: source, output: outputPath, source: info, outputFormat: outputFormat,
            inputBytes: inputByteCount, outputBytes: encoded.count, wasCopied: passThrough, imageIndex: imageIndex,
            outputSize: image.size, acceptedDamage: decoded.acceptedDamage,
            colorOutcome: passThrough ? .untagged : decoded.colorOutcome, appliedOrientation: passThrough ? .up : decoded.appliedOrientation,
            metadata: metadataOutcome
        )
    }

    /// The images of a saved images API response: one per `data` entry, each decoded straight
    /// from the body (an entry that fails carries its error, with the byte offset).
    ///
    /// Names: the planned output for a single image; `NAME-INDEX.EXT` beside it for several. The
    /// extension follows the real format of each image's bytes unless a format was asked for.
    static func responseImages(_ item: Item, body: [UInt8]) throws -> [PendingImage] {
        let response: ImagesResponse
        do {
            response = try ImagesResponse(parsing: body)
        } catch {
            throw PipelineError(.invalidResponse, path: item.input, error.message, byteOffset: error.byteOffset)
        }
        if response.images.isEmpty {
            if let providerError = response.error {
                throw PipelineError(.providerError, path: item.input, "the response holds an error from the provider: \(providerError)")
            }
            throw PipelineError(.invalidResponse, path: item.input, "the response holds no images (\"data\" is empty)")
        }
        let several = response.images.count > 1
        return response.images.map { entry in
            let label = "\(item.input) data[\(entry.index)]"
            let bytes: Result<EncodedBytes, PipelineError>
            switch entry.payload {
            case .invalid(let payloadError):
                bytes = .failure(PipelineError(.invalidResponse, path: item.input, payloadError.message + "; nothing written for this image", byteOffset: payloadError.byteOffset))
            case .bytes(let decoded, _):
                bytes = .success(EncodedBytes(decoded))
            case .url:
                bytes = .failure(PipelineError(.invalidResponse, path: label, "the image is a URL (\(RedactedURL(entry.url ?? ""))), not bytes; convert does not download (such URLs expire within minutes)"))
            case .missing:
                bytes = .failure(PipelineError(.invalidResponse, path: label, GeneratedImage.missingMessage))
            }
            // Into a folder without --format, the name takes the real format's extension.
            return PendingImage(
                label: label, output: several ? FileName.appending("-\(entry.index)", to: item.output) : item.output,
                format: item.format, bytes: bytes, imageIndex: entry.index, replaceExtension: item.format == nil
            )
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
    /// For an image from an API response, its index in `data`.
    public var imageIndex: Int? = nil
    /// The size written (differs from the source's when resized).
    public var outputSize: ImageSize? = nil
    /// Damage the lenient decoder accepted (libjpeg's warnings); 0 for a clean input.
    public var acceptedDamage = 0
    /// What the decoder did about the input's colour space (converted to sRGB, kept, ...).
    public var colorOutcome: ColorOutcome = .untagged
    /// The EXIF orientation applied to the pixels (`.up` for none).
    public var appliedOrientation: ImageOrientation = .up
    /// What the output kept of the source's metadata and what it dropped.
    public var metadata = MetadataOutcome()
    /// For animated inputs that were re-encoded, how many frames were dropped (only the first is
    /// converted); `nil` for still images and for animations copied unchanged, which keep every
    /// frame.
    public var droppedFrames: Int? {
        guard source.isAnimated, !wasCopied else { return nil }
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
