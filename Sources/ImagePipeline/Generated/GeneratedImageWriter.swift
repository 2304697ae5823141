#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageOps
import PipelineCore

/// One image as a generation service returned it, with what is known about how it was made.
public struct GeneratedImageFile: Sendable {
    /// The encoded bytes as returned (decoded from `b64_json`, or downloaded).
    public var bytes: [UInt8]
    /// The index in the response's `data` array.
    public var index: Int
    /// The prompt sent.
    public var prompt: String
    /// The service's rewritten prompt, when it returned one.
    public var revisedPrompt: String?
    /// The provider profile's name.
    public var provider: String
    /// The model id sent.
    public var model: String?
    /// The seed sent.
    public var seed: Int?
    /// The size requested, when one was.
    public var requestedSize: ImageSize?
    /// `b64_json`, or the download URL with its query hidden.
    public var source: String
    /// The response's `created`.
    public var created: Int?
    /// The response's `id`.
    public var responseID: String?
    /// Milliseconds spent before the writer got the bytes (`request`, `download`, …).
    public var timingsMilliseconds: [String: Double]
    /// The request's token usage, when the service reported it.
    public var usage: Provenance.Usage?
    /// The answer's rate-limit headers, by quantity.
    public var rateLimits: [String: Provenance.RateLimit]?
    /// The files an edit sent (`nil` for a generation): recorded in the sidecar, and the image
    /// marked as a composite with AI-generated media.
    public var inputs: [Provenance.Input]?
    /// The name's stem in a folder instead of the prompt's slug (an edit: the first image's name
    /// and the prompt, `photo-add-a-hat`); the image number follows it.
    public var nameStem: String?
    /// A streamed request's partial images, in order, to be written beside the image
    /// (`NAME.partial-0.png`, …).
    public var partialImages: [(bytes: [UInt8], format: ImageFormat)] = []

    /// Creates a description of one generated image.
    public init(
        bytes: [UInt8], index: Int, prompt: String, revisedPrompt: String? = nil, provider: String, model: String? = nil,
        seed: Int? = nil, requestedSize: ImageSize? = nil, source: String = "b64_json", created: Int? = nil,
        responseID: String? = nil, timingsMilliseconds: [String: Double] = [:]
    ) {
        self.bytes = bytes
        self.index = index
        self.prompt = prompt
        self.revisedPrompt = revisedPrompt
        self.provider = provider
        self.model = model
        self.seed = seed
        self.requestedSize = requestedSize
        self.source = source
        self.created = created
        self.responseID = responseID
        self.timingsMilliseconds = timingsMilliseconds
    }
}

/// What was written for one generated image.
public struct SavedImage: Sendable {
    /// The image file.
    public var path: String
    /// The JSON sidecar, unless sidecars are off.
    public var sidecarPath: String?
    /// The record written to the sidecar (and embedded in the file unless stripped).
    public var provenance: Provenance
    /// A terminal rendering of the image, when ``GeneratedImageWriter/previewColumns`` is set.
    public var preview: String?

    /// Describes files written (by this run or, read back from a sidecar, by an earlier one).
    public init(path: String, sidecarPath: String?, provenance: Provenance, preview: String? = nil) {
        self.path = path
        self.sidecarPath = sidecarPath
        self.provenance = provenance
        self.preview = preview
    }
}

/// Verifies a generated image and writes it with its thumbnails and provenance: the last stage of
/// `imagepipe generate`.
///
/// The checks: the bytes decode (a full decode, so truncated or corrupt data never reaches disk);
/// the size equals the one requested (warn, fail, or resize to it); the image is not one flat dark
/// color (warn or fail). Files are never replaced: a name that exists gets `-2`, `-3`, … and every
/// file is written atomically. The sidecar is written last, so its presence means the set is
/// complete.
///
/// ```swift
/// var writer = GeneratedImageWriter(destination: .directory("out"))
/// writer.thumbnailEdges = [256]
/// let saved = try await writer.save(GeneratedImageFile(bytes: png, index: 0, prompt: "a red fox", provider: "sandbox"))
/// ```
public struct GeneratedImageWriter: Sendable {
    /// Where files go.
    public typealias Destination = GeneratedImageDestination
    /// The format of the file written.
    public typealias OutputFormat = GeneratedImageFormat
    /// What to do when the returned size is not the requested one.
    public typealias SizeCheck = GeneratedImageSizeCheck

    /// Where files go.
    public var destination: Destination
    /// The output format.
    public var format: OutputFormat = .auto
    /// Encoder settings for re-encoded images.
    public var encoding = EncodingSettings()
    /// The longest edge of each thumbnail to write beside the image (none by default).
    public var thumbnailEdges: [Int] = []
    /// The thumbnails' format.
    public var thumbnailFormat: ImageFormat = .webp
    /// The thumbnails' encoder settings (WebP quality 80 by default).
    public var thumbnailEncoding: EncodingSettings = {
        var settings = EncodingSettings()
        settings.quality = 80
        return settings
    }()
    /// The size check.
    public var sizeCheck: SizeCheck = .warn
    /// Fail blank (one flat dark color) images instead of warning.
    public var rejectBlank = false
    /// Do not embed provenance in the image file (nor the source type in thumbnails).
    public var strip = false
    /// Keep the service's bytes (`NAME.original.EXT`) beside a derivative: another format, a
    /// fixed size, re-encoded with settings. For a signed image, the file that still carries its
    /// content credentials.
    public var keepOriginal = false
    /// Write a JSON sidecar per image.
    public var writeSidecar = true
    /// `fsync` each file before renaming it into place.
    public var durable = false
    /// Where files are written: paths on this machine by default.
    public var storage: any Storage = LocalStorage.paths
    /// How images are decoded (limits).
    public var decoder = ImageDecoder()
    /// Render a terminal preview this many columns wide.
    public var previewColumns: Int?
    /// Preview with 24-bit color (`false`: plain ASCII shades).
    public var previewInColor = true
    /// The tool name recorded in provenance.
    public var software = "imagepipe"

    /// Creates a writer with default settings.
    public init(destination: Destination) {
        self.destination = destination
    }

    /// Checks the settings before any request is made.
    ///
    /// - Throws: ``PipelineError`` with `.invalidOptions`.
    public func validate() throws(PipelineError) {
        try encoding.validateRanges()
        try thumbnailEncoding.validateRanges()
        if format == .keep && !encoding.isEmpty {
            throw PipelineError(.invalidOptions, "encoder settings do not apply with --format keep (the service's bytes are written untouched)")
        }
        if format == .keep && sizeCheck == .fix {
            throw PipelineError(.invalidOptions, "--fix-size re-encodes the image, which --format keep forbids")
        }
        if let bad = thumbnailEdges.first(where: { $0 < 1 || $0 > 16384 }) {
            throw PipelineError(.invalidOptions, "thumbnail size \(bad) is out of range 1…16384")
        }
        guard thumbnailFormat.canEncode else {
            throw PipelineError(.unsupportedOutputFormat, "\(thumbnailFormat) thumbnails are not supported")
        }
        try thumbnailEncoding.validate(for: thumbnailFormat)
        switch format {
        case .png: try encoding.validate(for: .png)
        case .webp: try encoding.validate(for: .webp)
        case .jpeg: try encoding.validate(for: .jpeg)
        case .auto, .keep: break
        }
    }

    /// Verifies and writes one generated image; see the type's description.
    ///
    /// Runs ``stages(several:)``: decode, verify, thumbnails, encode, write.
    ///
    /// - Parameter several: whether the request produced several images (names then carry the
    ///   image number even for a `.file` destination).
    /// - Throws: ``PipelineError``: `.codec` when the bytes do not decode, `.sizeMismatch`,
    ///   `.blankImage`, `.writeFailed`. Nothing is left on disk for a failed image.
    public func save(_ generated: GeneratedImageFile, several: Bool = true) async throws -> SavedImage {
        var context = StageContext(label: "\(generated.provider) data[\(generated.index)]")
        return try await stages(several: several).process(generated, context: &context)
    }

    /// The writer's work as a pipeline of stages, to run on each image of a response (or to
    /// extend with stages of one's own).
    public func stages(several: Bool) -> some Stage<GeneratedImageFile, SavedImage> {
        Pipeline {
            DecodeGeneratedImage(decoder: decoder)
            VerifyGeneratedImage(sizeCheck: sizeCheck, rejectBlank: rejectBlank)
            MakeThumbnails(edges: thumbnailEdges, format: thumbnailFormat, encoding: thumbnailEncoding, software: strip ? nil : software)
            EncodeGeneratedImage(format: format, encoding: encoding, embedProvenance: !strip, software: software, keepOriginal: keepOriginal)
            WriteGeneratedImage(
                destination: destination, several: several, storage: storage.makingWritesDurable(durable),
                previewColumns: previewColumns, previewInColor: previewInColor
            )
            if writeSidecar { WriteSidecar(storage: storage.makingWritesDurable(durable)) }
        }
    }


}
