#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCodecs
import PipelineCore

/// Where a generated image came from and what was checked: written as a JSON sidecar beside the
/// image and, unless stripped, embedded in the file (PNG `iTXt` and XMP, WebP and JPEG XMP).
///
/// Never holds a token or a signed URL's query.
public struct Provenance: Codable, Hashable, Sendable {
    /// A thumbnail written beside the image.
    public struct Thumbnail: Codable, Hashable, Sendable {
        /// Its path.
        public var path: String
        /// Its width in pixels.
        public var width: Int
        /// Its height in pixels.
        public var height: Int
        /// Its format (`png`, `webp`).
        public var format: String
        /// Its size in bytes.
        public var bytes: Int

        /// Creates a record.
        public init(path: String, width: Int, height: Int, format: String, bytes: Int) {
            self.path = path
            self.width = width
            self.height = height
            self.format = format
            self.bytes = bytes
        }
    }

    /// The tokens a request used, as the service counted them (`usage`, OpenAI).
    public struct Usage: Codable, Hashable, Sendable {
        /// `input_tokens`.
        public var inputTokens: Int?
        /// `output_tokens`.
        public var outputTokens: Int?
        /// `total_tokens`.
        public var totalTokens: Int?

        /// Creates a record.
        public init(inputTokens: Int? = nil, outputTokens: Int? = nil, totalTokens: Int? = nil) {
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.totalTokens = totalTokens
        }

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens", outputTokens = "output_tokens", totalTokens = "total_tokens"
        }
    }

    /// What the service's rate-limit headers said with the answer: per quantity (`requests`,
    /// `tokens`, `images`), the limit, what was left, and the seconds until the reset.
    public struct RateLimit: Codable, Hashable, Sendable {
        /// The limit per window.
        public var limit: Int?
        /// What was left.
        public var remaining: Int?
        /// Seconds until the window reset.
        public var resetSeconds: Double?

        /// Creates a record.
        public init(limit: Int? = nil, remaining: Int? = nil, resetSeconds: Double? = nil) {
            self.limit = limit
            self.remaining = remaining
            self.resetSeconds = resetSeconds
        }

        enum CodingKeys: String, CodingKey {
            case limit, remaining, resetSeconds = "reset_s"
        }
    }

    /// The prompt as sent.
    public var prompt: String
    /// The files an edit sent (`imagepipe edit`), in order, the mask last; `nil` for a generation.
    public var inputs: [Input]?
    /// The prompt the service says it used instead, when it rewrote it.
    public var revisedPrompt: String?
    /// The provider profile's name (`nscale`, `nebius`, `openai`, `sandbox`, …).
    public var provider: String
    /// The model id, when one was sent.
    public var model: String?
    /// The seed sent, when one was.
    public var seed: Int?
    /// The requested size as `WxH`, when one was sent.
    public var requestedSize: String?
    /// The size of the image returned, `WxH`.
    public var actualSize: String
    /// The size of the file written, `WxH` (differs from ``actualSize`` after `--fix-size`).
    public var outputSize: String
    /// The format of the bytes the service returned.
    public var sourceFormat: String
    /// The format of the file written.
    public var format: String
    /// The size in bytes of the file written.
    public var bytes: Int
    /// The SHA-256 of the file's pixels-and-container as the service returned them (before any
    /// metadata was embedded or the image re-encoded): the same image gives the same digest.
    public var sourceSHA256: String
    /// The index of the image in the response's `data` array.
    public var index: Int
    /// `b64_json`, or the URL it was downloaded from with its query hidden.
    public var source: String
    /// The response's `created` (Unix seconds), when present.
    public var created: Int?
    /// The response's `id`, when present.
    public var responseID: String?
    /// Milliseconds spent per step (`request`, `decode`, `encode`, …).
    public var timingsMilliseconds: [String: Double]
    /// What the checks found (size mismatch, blank image), in words.
    public var warnings: [String]
    /// Thumbnails written beside the image.
    public var thumbnails: [Thumbnail]
    /// The C2PA content credentials the service's image carried (never verified). When present
    /// and the file is the service's bytes, they were written unaltered, without embedded
    /// metadata; a derivative (another format, a fixed size) no longer carries them, and
    /// ``sourceSHA256`` names the signed original.
    public var contentCredentials: ContentCredentials?
    /// The keys embedded in the file (``embeddedMetadata``'s, less any a JPEG segment could not
    /// hold); `nil` when nothing was (`--strip`, `--format keep`, a signed original).
    public var embedded: [String]?
    /// With `--keep-original`, the service's bytes kept beside a derivative (`NAME.original.png`).
    public var original: String?
    /// The request's token usage, when the service reported it (shared by the images of one request).
    public var usage: Usage?
    /// A streamed request's partial images written beside the image (`--save-partials`).
    public var partialImages: [String]?
    /// The rate-limit headers of the answer, by quantity (`requests`, `tokens`, `images`).
    public var rateLimits: [String: RateLimit]?
    /// The tool that wrote the file (`imagepipe 0.1.0`).
    public var software: String
    /// When the file was written, ISO 8601 in UTC.
    public var writtenAt: String

    /// One file an edit sent.
    public struct Input: Codable, Hashable, Sendable {
        /// The file's path as given.
        public var path: String
        /// `image` (the first one edited, the others references) or `mask`.
        public var role: String
        /// Its format (`png`, `jpg`, `webp`).
        public var format: String
        /// Its stored dimensions, `WxH`.
        public var size: String
        /// Its length in bytes.
        public var bytes: Int
        /// The SHA-256 of its bytes.
        public var sha256: String

        /// Creates an entry.
        public init(path: String, role: String, format: String, size: String, bytes: Int, sha256: String) {
            self.path = path
            self.role = role
            self.format = format
            self.size = size
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// Creates a record.
    public init(
        prompt: String, revisedPrompt: String? = nil, provider: String, model: String? = nil, seed: Int? = nil,
        requestedSize: String? = nil, actualSize: String, outputSize: String, sourceFormat: String, format: String,
        bytes: Int, sourceSHA256: String, index: Int, source: String, created: Int? = nil, responseID: String? = nil,
        timingsMilliseconds: [String: Double] = [:], warnings: [String] = [], thumbnails: [Thumbnail] = [],
        software: String, writtenAt: String
    ) {
        self.prompt = prompt
        self.revisedPrompt = revisedPrompt
        self.provider = provider
        self.model = model
        self.seed = seed
        self.requestedSize = requestedSize
        self.actualSize = actualSize
        self.outputSize = outputSize
        self.sourceFormat = sourceFormat
        self.format = format
        self.bytes = bytes
        self.sourceSHA256 = sourceSHA256
        self.index = index
        self.source = source
        self.created = created
        self.responseID = responseID
        self.timingsMilliseconds = timingsMilliseconds
        self.warnings = warnings
        self.thumbnails = thumbnails
        self.software = software
        self.writtenAt = writtenAt
    }

    enum CodingKeys: String, CodingKey {
        case prompt, inputs, revisedPrompt = "revised_prompt", provider, model, seed, requestedSize = "requested_size",
             actualSize = "actual_size", outputSize = "output_size", sourceFormat = "source_format", format, bytes,
             sourceSHA256 = "source_sha256", index, source, created, responseID = "response_id",
             timingsMilliseconds = "timings_ms", warnings, thumbnails, contentCredentials = "content_credentials", embedded, original, usage, rateLimits = "rate_limits", partialImages = "partial_images", software,
             writtenAt = "written_at"
    }

    /// The record as JSON: pretty-printed with sorted keys for sidecars, or on one line.
    public func json(pretty: Bool) -> [UInt8] {
        // Encoding a struct of strings and numbers cannot fail.
        return try! StableJSON.encode(self, pretty: pretty)
    }

    /// The entries embedded in the image file: `Description` (the prompt), `Software`, IPTC's
    /// `DigitalSourceType` (`trainedAlgorithmicMedia`: made by a generative model), and
    /// `imagepipe.provenance` (this record on one line, without the thumbnails and file facts
    /// that describe the file itself).
    ///
    /// They are authoritative: text the service's file already had under these keys, or anywhere
    /// in the `imagepipe.` namespace, is kept only renamed to `source.KEY` (PNG), and a WebP's
    /// XMP packet is replaced (``ImageTextMetadata/embedded(in:)``), so a service cannot pass
    /// off its own provenance as ours.
    public var embeddedMetadata: ImageTextMetadata {
        let json = String(decoding: embeddableJSON(), as: UTF8.self)
        return ImageTextMetadata(Self.marking(description: revisedPrompt ?? prompt, software: software, edited: inputs != nil) + [
            ImageTextMetadata.Entry(key: "imagepipe.provenance", value: json),
        ])
    }

    /// What every file made from a generated image carries (thumbnails included): the prompt,
    /// the tool, and IPTC's digital source type: AI-generated media, or for an edit of given
    /// images (`edited`), a composite with AI-generated media.
    static func marking(description: String, software: String, edited: Bool = false) -> [ImageTextMetadata.Entry] {
        [
            ImageTextMetadata.Entry(key: "Description", value: description),
            ImageTextMetadata.Entry(key: "Software", value: software),
            ImageTextMetadata.Entry(
                key: ImageTextMetadata.digitalSourceTypeKey,
                value: edited ? ImageTextMetadata.compositeAISourceType : ImageTextMetadata.aiGeneratedSourceType
            ),
        ]
    }

    private func embeddableJSON() -> [UInt8] {
        struct Embedded: Encodable {
            var record: Provenance
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(record.prompt, forKey: .prompt)
                try container.encodeIfPresent(record.inputs, forKey: .inputs)
                try container.encodeIfPresent(record.revisedPrompt, forKey: .revisedPrompt)
                try container.encode(record.provider, forKey: .provider)
                try container.encodeIfPresent(record.model, forKey: .model)
                try container.encodeIfPresent(record.seed, forKey: .seed)
                try container.encodeIfPresent(record.requestedSize, forKey: .requestedSize)
                try container.encode(record.actualSize, forKey: .actualSize)
                try container.encode(record.sourceSHA256, forKey: .sourceSHA256)
                try container.encode(record.index, forKey: .index)
                try container.encodeIfPresent(record.created, forKey: .created)
                try container.encodeIfPresent(record.responseID, forKey: .responseID)
                try container.encode(record.warnings, forKey: .warnings)
                try container.encode(record.software, forKey: .software)
                try container.encode(record.writtenAt, forKey: .writtenAt)
            }
        }
        return try! StableJSON.encode(Embedded(record: self))
    }
}

extension Provenance {
    /// Now, as ISO 8601 in UTC (`written_at`).
    static func timestamp() -> String {
        Date.now.formatted(.iso8601)
    }
}
