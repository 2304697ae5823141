#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageResponses
import PipelineCore

/// What `imagepipe info` reports for a saved images API response: the response's own fields and,
/// for each entry of `data`, what the embedded image's header says, or its link.
///
/// The body is read by `ImagesResponse`, which scans the bytes once and decodes each `b64_json`
/// straight into the image's buffer. Each image is then probed (or, when verifying, decoded
/// whole) under the decoder's limits, as an image file would be, and is called `FILE data[INDEX]`
/// in its errors. A link is shown without its query and credentials (``RedactedURL``) and is not
/// downloaded.
///
/// ```swift
/// let info = try ResponseInfo(path: "response.json", body: bytes)
/// print(info.summary)                                  // response.json: images API response, 2 images, …
/// for image in info.images { print("  " + image.summary) }
/// for failure in info.failures { print("error: \(failure)") }
/// ```
///
/// Encoded (`info --json`), it is one object: `kind` (`"response"`, which tells it from an image
/// file's object), `path`, `bytes` (the body's size), `created` and `id` when the response has
/// them, `providerError` when the provider's error came beside images, and `images`: one object
/// per entry (see ``ResponseImageInfo``).
public struct ResponseInfo: Sendable, Encodable {
    /// The path as given.
    public var path: String
    /// The body's size in bytes.
    public var bytes: Int
    /// `created`, Unix seconds, when present.
    public var created: Int?
    /// `id`, when present (Nebius).
    public var id: String?
    /// One entry per element of `data`, in order.
    public var images: [ResponseImageInfo]
    /// The provider's error, when the response carries one beside its images (a response with
    /// only an error is not described: reading it throws).
    public var providerError: ProviderErrorBody?

    /// Reads a saved response's body and describes each of its images.
    ///
    /// An image that cannot be read does not fail the others: its entry carries the error
    /// (``ResponseImageInfo/failure``), and ``failures`` lists them all.
    ///
    /// - Parameters:
    ///   - path: the file's path, for reports and errors.
    ///   - body: the file's bytes.
    ///   - decoder: probes (or decodes) each embedded image, under its limits: an image over
    ///     ``DecodeLimits/maxInputBytes`` is refused, and when verifying, one over
    ///     ``DecodeLimits/maxPixels`` too.
    ///   - verifying: decode every pixel of each image, as `info --verify` does for a file.
    ///   - readingMetadata: also read the text metadata embedded in each image.
    /// - Throws: ``PipelineError`` with `.invalidResponse` when the body is not an images API
    ///   response (malformed JSON, named by its byte offset), or `.providerError` when it holds
    ///   the provider's error and no images.
    public init(path: String, body: [UInt8], decoder: ImageDecoder = ImageDecoder(), verifying: Bool = false, readingMetadata: Bool = false) throws(PipelineError) {
        let response: ImagesResponse
        do {
            response = try ImagesResponse(parsing: body)
        } catch {
            throw PipelineError(.invalidResponse, path: path, error.message, byteOffset: error.byteOffset)
        }
        if response.images.isEmpty, let providerError = response.error {
            throw Self.providerFailure(providerError, path: path)
        }
        self.path = path
        bytes = body.count
        created = response.created
        id = response.id
        providerError = response.error
        images = response.images.map { entry in
            ResponseImageInfo(path: path, entry: entry, decoder: decoder, verifying: verifying, readingMetadata: readingMetadata)
        }
    }

    /// Every problem to report, one error each: the provider's error beside the images, then
    /// each image that could not be read. Empty when every image was described.
    public var failures: [PipelineError] {
        (providerError.map { [Self.providerFailure($0, path: path)] } ?? []) + images.compactMap(\.failure)
    }

    private static func providerFailure(_ body: ProviderErrorBody, path: String) -> PipelineError {
        PipelineError(.providerError, path: path, "the response holds an error from the provider: \(body)")
    }

    /// One line for people:
    /// `response.json: images API response, 2 images, created 2023-11-14T22:13:20Z, 1671 bytes`.
    public var summary: String {
        var parts = ["images API response", images.count == 1 ? "1 image" : "\(images.count) images"]
        if let created { parts.append("created \(Self.timestamp(created))") }
        if let id { parts.append("id \(ResponseImageInfo.oneLine(id, maximumLength: 80))") }
        parts.append("\(bytes) bytes")
        return "\(path): " + parts.joined(separator: ", ")
    }

    /// ISO 8601 in UTC, or the number itself when it is no plausible date (before 1970 or after
    /// the year 9999).
    static func timestamp(_ seconds: Int) -> String {
        guard (0...253_402_300_799).contains(seconds) else { return "\(seconds)" }
        return Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }

    private enum CodingKeys: String, CodingKey {
        case kind, path, bytes, created, id, images, providerError
    }

    /// Encodes the object described above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("response", forKey: .kind)
        try container.encode(path, forKey: .path)
        try container.encode(bytes, forKey: .bytes)
        try container.encodeIfPresent(created, forKey: .created)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(images, forKey: .images)
        try container.encodeIfPresent(providerError?.description, forKey: .providerError)
    }
}

/// What `imagepipe info` reports for one entry of a saved response's `data`: the embedded image's
/// header (or its link), or why it could not be read.
///
/// Encoded, it is one object: `index`; for an image read from `b64_json`, the fields of a file's
/// object (``FileInfo``: `format`, `width`, `height`, `colorModel`, … `bytes` being the decoded
/// size) without `path`; `url` (redacted) for a link; `revisedPrompt` when present; and for a
/// failure `error` (the message), `code` and, when known, `byteOffset` (in the body for an
/// invalid payload, in the image for a codec error).
public struct ResponseImageInfo: Sendable, Encodable {
    /// Its index in `data`.
    public var index: Int
    /// What the embedded image's header says; its ``FileInfo/path`` is `FILE data[INDEX]` and its
    /// ``FileInfo/bytes`` the decoded size. `nil` for a link, or when the image could not be read.
    public var image: FileInfo?
    /// The link, for an entry that carries a `url` instead of bytes: shown redacted, never
    /// downloaded (such links expire within minutes).
    public var url: RedactedURL?
    /// `revised_prompt` (OpenAI's rewrite of the prompt), when present.
    public var revisedPrompt: String?
    /// Why the image could not be described: an invalid `b64_json` (with its byte offset in the
    /// body), bytes that are no supported image, a limit, damage found by a verifying decode, or
    /// an entry with neither `b64_json` nor `url`.
    public var failure: PipelineError?

    init(path: String, entry: GeneratedImage, decoder: ImageDecoder, verifying: Bool, readingMetadata: Bool) {
        index = entry.index
        revisedPrompt = entry.revisedPrompt
        url = entry.url.map(RedactedURL.init)
        let label = "\(path) data[\(entry.index)]"
        switch entry.payload {
        case .invalid(let payloadError):
            // The scanner's message names data[INDEX] and the offset in the body already.
            failure = PipelineError(.invalidResponse, path: path, payloadError.message, byteOffset: payloadError.byteOffset)
        case .bytes(let bytes, _):
            do throws(PipelineError) {
                guard bytes.count <= decoder.limits.maxInputBytes else {
                    throw PipelineError(.inputTooLarge, path: label, "image is \(bytes.count) bytes, over the input limit of \(decoder.limits.maxInputBytes) bytes")
                }
                image = verifying
                    ? try FileInfo.verify(path: label, bytes: bytes, decoder: decoder, readingMetadata: readingMetadata)
                    : try FileInfo.probe(path: label, bytes: bytes, decoder: decoder, readingMetadata: readingMetadata)
            } catch {
                failure = error
            }
        case .url:
            break  // shown as a link; info does not download
        case .missing:
            failure = PipelineError(.invalidResponse, path: label, GeneratedImage.missingMessage)
        }
    }

    /// One line for people, without the file:
    /// `data[0]: PNG 1024x1024 rgb 8-bit deflate, 1057622 bytes, revised prompt “A red fox…”`,
    /// `data[0]: https://cdn.example/img/1.png?… (not downloaded)`, or `data[1]: failed: …`.
    public var summary: String {
        var parts: [String] = []
        if let image { parts.append(image.details) }
        if let failure { parts.append("failed: \(failure.message)") }
        if let url { parts.append(image == nil && failure == nil ? "\(url) (not downloaded)" : "link \(url) (not downloaded)") }
        if let revisedPrompt { parts.append("revised prompt “\(Self.oneLine(revisedPrompt, maximumLength: 60))”") }
        return "data[\(index)]: " + parts.joined(separator: ", ")
    }

    /// Text a provider chose, made safe for one line of a terminal: control characters (line
    /// breaks, escape sequences) become spaces, and anything past `maximumLength` characters
    /// becomes `…`.
    static func oneLine(_ text: String, maximumLength: Int) -> String {
        var line = String(text.map { character in
            character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? " " : character
        })
        if line.count > maximumLength { line = String(line.prefix(maximumLength - 1)) + "…" }
        return line
    }

    private enum CodingKeys: String, CodingKey {
        case index, url, revisedPrompt, error, code, byteOffset
        // FileInfo's own, but `path`.
        case format, width, height, colorModel, hasAlpha, bitDepth, interlaced, animated, frameCount, compression, bytes, verified, metadata
    }

    /// Encodes the object described above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        if let image {
            try container.encode(image.format, forKey: .format)
            try container.encode(image.width, forKey: .width)
            try container.encode(image.height, forKey: .height)
            try container.encode(image.colorModel, forKey: .colorModel)
            try container.encode(image.hasAlpha, forKey: .hasAlpha)
            try container.encode(image.bitDepth, forKey: .bitDepth)
            try container.encode(image.interlaced, forKey: .interlaced)
            try container.encode(image.animated, forKey: .animated)
            try container.encodeIfPresent(image.frameCount, forKey: .frameCount)
            try container.encode(image.compression, forKey: .compression)
            try container.encode(image.bytes, forKey: .bytes)
            try container.encodeIfPresent(image.verified, forKey: .verified)
            try container.encodeIfPresent(image.metadata, forKey: .metadata)
        }
        try container.encodeIfPresent(url?.text, forKey: .url)
        try container.encodeIfPresent(revisedPrompt, forKey: .revisedPrompt)
        if let failure {
            try container.encode(failure.message, forKey: .error)
            try container.encode(failure.codecError?.code.description ?? failure.code.description, forKey: .code)
            try container.encodeIfPresent(failure.byteOffset, forKey: .byteOffset)
        }
    }
}
