#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageOps
import PipelineCore

// The stages of GeneratedImageWriter: decode → verify → thumbnails → encode → write. Each is a
// small struct holding its settings; the values between them carry the image and what was
// learned about it.

/// A thumbnail encoded and waiting to be written.
public struct EncodedThumbnail: Sendable {
    /// The longest edge asked for.
    public var edge: Int
    /// Its actual size.
    public var size: ImageSize
    /// Its format.
    public var format: ImageFormat
    /// The encoded file.
    public var bytes: [UInt8]
}

/// A generated image decoded, with what the following stages add to it.
public struct DecodedGeneratedImage: Sendable {
    /// The image as the service returned it, with its provenance.
    public var file: GeneratedImageFile
    /// The format of ``file``'s bytes.
    public var sourceFormat: ImageFormat
    /// What its header said.
    public var info: ImageInfo
    /// The pixels (resized to the request after `--fix-size`).
    public var image: Image
    /// Whether ``image`` was resized, so the service's bytes can no longer be kept.
    public var wasResized = false
    /// Thumbnails made from ``image``.
    public var thumbnails: [EncodedThumbnail] = []
}

/// A generated image ready to be written: the file's bytes and its provenance record.
public struct EncodedGeneratedImage: Sendable {
    /// The decoded image and its thumbnails.
    public var decoded: DecodedGeneratedImage
    /// The bytes of the file to write.
    public var bytes: [UInt8]
    /// Their format.
    public var format: ImageFormat
    /// The provenance (timings and thumbnails are completed when writing).
    public var record: Provenance
    /// With `--keep-original`, the service's bytes to write beside a derivative.
    public var original: [UInt8]?
}

/// Recognises a generated image by its magic bytes and decodes every pixel (so truncated or
/// corrupt data never reaches disk).
public struct DecodeGeneratedImage: Stage {
    /// Limits and animation policy.
    public var decoder: ImageDecoder

    /// Creates the stage.
    public init(decoder: ImageDecoder = ImageDecoder()) {
        self.decoder = decoder
    }

    public var name: String { "decode" }

    public func process(_ file: GeneratedImageFile, context: inout StageContext) async throws -> DecodedGeneratedImage {
        guard let sourceFormat = ImageFormat.sniff(file.bytes) else {
            let first = file.bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
            throw PipelineError(.codec, path: context.label, "the service returned bytes that are not an image format imagepipe knows (first bytes: \(first))")
        }
        let decoded = try PipelineError.codec(path: context.label) {
            try file.bytes.withUnsafeBytes { try decoder.decodeWithInfo($0) }
        }
        return DecodedGeneratedImage(file: file, sourceFormat: sourceFormat, info: decoded.info, image: decoded.image)
    }
}

/// Checks the size against the request (warn, fail, or resize) and flags blank images (one flat
/// dark color, as content filters return), failing them when asked.
public struct VerifyGeneratedImage: Stage {
    /// What a size other than the requested one does.
    public var sizeCheck: GeneratedImageSizeCheck
    /// Fail blank images instead of warning.
    public var rejectBlank: Bool

    /// Creates the stage.
    public init(sizeCheck: GeneratedImageSizeCheck = .warn, rejectBlank: Bool = false) {
        self.sizeCheck = sizeCheck
        self.rejectBlank = rejectBlank
    }

    public var name: String { "verify" }

    public func process(_ item: DecodedGeneratedImage, context: inout StageContext) async throws -> DecodedGeneratedImage {
        var item = item
        if let requested = item.file.requestedSize, requested != item.info.displaySize {
            let text = "the service returned \(item.info.displaySize), not the \(requested) requested"
            switch sizeCheck {
            case .warn:
                context.warnings.append(text)
            case .strict:
                throw PipelineError(.sizeMismatch, path: context.label, text + " (--strict-size); nothing written")
            case .fix:
                item.image = ResizeGeometry(box: requested, fit: .cover, enlarge: true).apply(to: item.image)
                item.wasResized = true
                context.warnings.append(text + "; resized to \(requested) (--fix-size)")
            }
        }
        if item.image.isBlank() {
            let statistics = item.image.statistics()
            let color = statistics.mean.map { String(Int($0.rounded())) }.joined(separator: ",")
            let text = "the image is blank: one flat dark color (\(item.image.format) mean \(color)), as content filters return"
            if rejectBlank { throw PipelineError(.blankImage, path: context.label, text + " (--reject-blank); nothing written") }
            context.warnings.append(text)
        }
        return item
    }
}

/// Makes thumbnails (longest edge, aspect kept) from the decoded pixels; an edge longer than the
/// image's is skipped, as it would only copy the image.
public struct MakeThumbnails: Stage {
    /// The longest edge of each thumbnail.
    public var edges: [Int]
    /// Their format.
    public var format: ImageFormat
    /// Their encoder settings.
    public var encoding: EncodingSettings
    /// The tool name written into each thumbnail with the prompt and IPTC's digital source type
    /// (AI-generated), as XMP; `nil` writes no metadata (`--strip`).
    public var software: String?

    /// Creates the stage.
    public init(edges: [Int], format: ImageFormat = .webp, encoding: EncodingSettings = EncodingSettings(), software: String? = "imagepipe") {
        self.edges = edges
        self.format = format
        self.encoding = encoding
        self.software = software
    }

    public var name: String { "thumbnail" }

    public func process(_ item: DecodedGeneratedImage, context: inout StageContext) async throws -> DecodedGeneratedImage {
        var item = item
        let longest = max(item.image.size.width, item.image.size.height)
        // An edge longer than the image's would only copy it (thumbnails never enlarge).
        for edge in edges where edge <= longest {
            let thumbnail = ResizeGeometry(box: ImageSize(width: edge, height: edge), fit: .contain).apply(to: item.image)
            let options = try encoding.options(for: format)
            let bytes = try PipelineError.codec(path: context.label) {
                let plain = try thumbnail.encoded(as: options)
                guard let software else { return plain }
                return try ImageTextMetadata(Provenance.marking(
                    description: item.file.revisedPrompt ?? item.file.prompt, software: software, edited: item.file.inputs != nil
                ))
                    .embedded(in: plain)
            }
            item.thumbnails.append(EncodedThumbnail(edge: edge, size: thumbnail.size, format: format, bytes: bytes))
        }
        return item
    }
}

/// Chooses the file's bytes: the service's own (`auto`, `keep`), or re-encoded (another format,
/// encoder settings, a resized image); then embeds the provenance unless stripped or kept, or
/// unless the service's bytes are kept and carry C2PA content credentials: a signed original is
/// written unaltered (its provenance in the sidecar), and a derivative of one says it lost them.
public struct EncodeGeneratedImage: Stage {
    /// The output format.
    public var format: GeneratedImageFormat
    /// Encoder settings for re-encoded images.
    public var encoding: EncodingSettings
    /// Embed the provenance in the file (PNG `iTXt`, WebP XMP).
    public var embedProvenance: Bool
    /// The tool name recorded.
    public var software: String
    /// Keep the service's bytes beside a derivative (`--keep-original`).
    public var keepOriginal: Bool

    /// Creates the stage.
    public init(
        format: GeneratedImageFormat = .auto, encoding: EncodingSettings = EncodingSettings(), embedProvenance: Bool = true,
        software: String = "imagepipe", keepOriginal: Bool = false
    ) {
        self.format = format
        self.encoding = encoding
        self.embedProvenance = embedProvenance
        self.software = software
        self.keepOriginal = keepOriginal
    }

    public var name: String { "encode" }

    public func process(_ item: DecodedGeneratedImage, context: inout StageContext) async throws -> EncodedGeneratedImage {
        let outputFormat: ImageFormat = switch format {
        case .auto, .keep: item.sourceFormat
        case .png: .png
        case .webp: .webp
        case .jpeg: .jpeg
        }
        guard outputFormat.canEncode || (!item.wasResized && outputFormat == item.sourceFormat) else {
            throw PipelineError(.unsupportedOutputFormat, path: context.label, "the service returned \(item.sourceFormat), which imagepipe cannot re-encode; use --format png, webp or jpeg")
        }
        let reencode = item.wasResized || outputFormat != item.sourceFormat
            || (format != .auto && format != .keep && encoding.applies(to: outputFormat))
        var bytes: [UInt8]
        if reencode {
            let options = try encoding.options(for: outputFormat)
            bytes = try PipelineError.codec(path: context.label) { try item.image.encoded(as: options) }
        } else {
            bytes = item.file.bytes
        }
        let file = item.file
        var record = Provenance(
            prompt: file.prompt, revisedPrompt: file.revisedPrompt, provider: file.provider,
            model: file.model, seed: file.seed, requestedSize: file.requestedSize?.description,
            actualSize: item.info.displaySize.description, outputSize: item.image.size.description,
            sourceFormat: item.sourceFormat.fileExtension, format: outputFormat.fileExtension, bytes: 0,
            sourceSHA256: SHA256.hex(of: file.bytes), index: file.index, source: file.source,
            created: file.created, responseID: file.responseID, warnings: context.warnings,
            software: software, writtenAt: Provenance.timestamp()
        )
        record.contentCredentials = item.info.contentCredentials
        record.inputs = file.inputs
        record.usage = file.usage
        record.rateLimits = file.rateLimits
        if let credentials = item.info.contentCredentials, reencode {
            context.warnings.append(
                "the service's image carries C2PA content credentials (\(credentials.container.rawValue)), which this \(outputFormat) derivative no longer carries; the sidecar records the signed original's SHA-256"
            )
            record.warnings = context.warnings
        }
        if item.info.contentCredentials != nil && !reencode {
            // A signed original is never altered: embedded metadata would break its signature
            // (C2PA's hash covers the file's bytes). The provenance goes to the sidecar only.
        } else if format != .keep && embedProvenance {
            bytes = try embedding(&record, in: bytes, format: outputFormat, context: &context)
        }
        record.bytes = bytes.count
        let original = keepOriginal && reencode ? file.bytes : nil
        return EncodedGeneratedImage(decoded: item, bytes: bytes, format: outputFormat, record: record, original: original)
    }

    /// `bytes` with the record's metadata embedded (``Provenance/embeddedMetadata``), and the
    /// keys that went in recorded. A JPEG's XMP segment holds 64 KB: a provenance record too long
    /// for it (a prompt of tens of thousands of characters) is left to the sidecar, with a warning.
    private func embedding(_ record: inout Provenance, in bytes: [UInt8], format: ImageFormat, context: inout StageContext) throws(PipelineError) -> [UInt8] {
        var metadata = record.embeddedMetadata
        do throws(ImageCodecError) {
            if format == .jpeg, metadata.xmpPacket().utf8.count > MetadataEmbedding.maxJPEGXMPBytes {
                metadata.entries.removeAll { $0.key.hasPrefix("imagepipe.") }
                context.warnings.append("the provenance record is too long for a JPEG's XMP segment (64 KB): the file carries the prompt and source type, the sidecar the rest")
                record.warnings = context.warnings
                if metadata.xmpPacket().utf8.count > MetadataEmbedding.maxJPEGXMPBytes {
                    metadata.entries.removeAll { $0.key == "Description" }
                }
            }
            let tagged = try metadata.embedded(in: bytes)
            record.embedded = metadata.entries.map(\.key)
            return tagged
        } catch {
            throw PipelineError(path: context.label, codecError: error)
        }
    }
}

/// Writes the image and its thumbnails under a name that replaces no file (the sidecar follows,
/// from ``WriteSidecar``).
///
/// The image decides the name (written first, hard-linked into place so that a name that exists,
/// or is taken meanwhile by another writer, moves it on to `-2`, `-3`, …, and whose sidecar name
/// must be free too); thumbnails follow it. A failure removes the files of the set already
/// written.
public struct WriteGeneratedImage: Stage {
    /// Where files go.
    public var destination: GeneratedImageDestination
    /// Whether the request produced several images (names carry the image number).
    public var several: Bool
    /// Where the files are written (keys are paths for ``LocalStorage/paths``).
    public var storage: any Storage
    /// Render a terminal preview this many columns wide.
    public var previewColumns: Int?
    /// Preview in 24-bit color.
    public var previewInColor: Bool

    /// Creates the stage.
    public init(
        destination: GeneratedImageDestination, several: Bool = true, storage: any Storage = LocalStorage.paths,
        previewColumns: Int? = nil, previewInColor: Bool = true
    ) {
        self.destination = destination
        self.several = several
        self.storage = storage
        self.previewColumns = previewColumns
        self.previewInColor = previewInColor
    }

    public var name: String { "write" }

    public func process(_ item: EncodedGeneratedImage, context: inout StageContext) async throws -> SavedImage {
        let start = ContinuousClock.now
        let thumbnails = item.decoded.thumbnails
        let base = destination.stem(for: item.decoded.file, several: several)
        var attempt = 1
        var stem: String
        while true {
            stem = attempt == 1 ? base : base + "-\(attempt)"
            attempt += 1
            var companions = thumbnails.map { GeneratedImageDestination.thumbnailPath(stem, $0.edge, $0.format) } + [stem + ".json"]
            companions += item.decoded.file.partialImages.enumerated().map { Self.partialPath(stem, $0.offset, $0.element.format) }
            if item.original != nil { companions.append(Self.originalPath(stem, item.decoded.sourceFormat)) }
            if await anyExists(companions) { continue }
            do throws(PipelineError) {
                try await storage.write(item.bytes, to: stem + "." + item.format.fileExtension, mode: .createOnly)
                break
            } catch {
                // Taken by another writer since the check above: the next name. (Not
                // `catch let error as PipelineError where …`: docs/compiler-workarounds.md.)
                if error.code == .outputExists { continue }
                throw error
            }
        }
        let path = stem + "." + item.format.fileExtension
        var record = item.record
        var written = [path]
        do {
            for (number, partial) in item.decoded.file.partialImages.enumerated() {
                let partialPath = Self.partialPath(stem, number, partial.format)
                try await storage.write(partial.bytes, to: partialPath, mode: .createOnly)
                written.append(partialPath)
                record.partialImages = (record.partialImages ?? []) + [partialPath]
            }
            if let original = item.original {
                let originalPath = Self.originalPath(stem, item.decoded.sourceFormat)
                try await storage.write(original, to: originalPath, mode: .createOnly)
                written.append(originalPath)
                record.original = originalPath
            }
            for thumbnail in thumbnails {
                let thumbnailPath = GeneratedImageDestination.thumbnailPath(stem, thumbnail.edge, thumbnail.format)
                try await storage.write(thumbnail.bytes, to: thumbnailPath, mode: .createOnly)
                written.append(thumbnailPath)
                record.thumbnails.append(Provenance.Thumbnail(
                    path: thumbnailPath, width: thumbnail.size.width, height: thumbnail.size.height,
                    format: thumbnail.format.fileExtension, bytes: thumbnail.bytes.count
                ))
            }
            // The record holds the timings up to here, this stage's included.
            var timings = item.decoded.file.timingsMilliseconds
            for (stage, milliseconds) in context.timingsMilliseconds { timings[stage, default: 0] += milliseconds }
            timings["write", default: 0] += (ContinuousClock.now - start).inMilliseconds
            record.timingsMilliseconds = timings
            record.warnings = context.warnings
            let preview = previewColumns.map { TerminalPreview(columns: $0, color: previewInColor).render(item.decoded.image) }
            return SavedImage(path: path, sidecarPath: nil, provenance: record, preview: preview)
        } catch {
            for file in written { try? await storage.remove(file) }
            throw error
        }
    }

    /// Where `--save-partials` puts a streamed request's partial image: `STEM.partial-N.EXT`.
    static func partialPath(_ stem: String, _ number: Int, _ format: ImageFormat) -> String {
        stem + ".partial-\(number)." + format.fileExtension
    }

    /// Where `--keep-original` puts the service's bytes: `STEM.original.EXT`.
    static func originalPath(_ stem: String, _ format: ImageFormat) -> String {
        stem + ".original." + format.fileExtension
    }

    private func anyExists(_ keys: [String]) async -> Bool {
        for key in keys where await storage.exists(key) { return true }
        return false
    }
}
