import ImageCodecs
import ImageCore
import ImageResponses
import PipelineCore

/// What `imagepipe info` finds in one file: an image, a saved images API response, or a sidecar
/// that `generate` wrote.
///
/// They are told apart by content, as `convert` tells them: bytes that no image format claims
/// and that start (after whitespace) with `{` are read as a response (or, when they are no
/// response, as a sidecar); anything else as an image.
///
/// ```swift
/// switch try InputInfo.read(path: "out/response.json") {
/// case .image(let file): print(file.summary)
/// case .response(let response): print(response.summary)
/// case .sidecar(let sidecar): print(sidecar.summary)
/// }
/// ```
public enum InputInfo: Sendable {
    /// An image file: what its header says.
    case image(FileInfo)
    /// A saved images API response: its fields and each embedded image's header.
    case response(ResponseInfo)
    /// A JSON sidecar written by `generate`: the provenance it records.
    case sidecar(SidecarInfo)

    /// Reads a file's header, or for a saved response its body and each embedded image's header.
    ///
    /// An image file is read as ``FileInfo/probe(path:decoder:readingMetadata:)`` (or
    /// ``FileInfo/verify(path:decoder:readingMetadata:)``) reads it; a response is read whole,
    /// within ``DecodeLimits/maxInputBytes``.
    ///
    /// - Parameters:
    ///   - decoder: probes or decodes the images, under its limits.
    ///   - verifying: decode every pixel, to find damage past the header.
    ///   - readingMetadata: also read the text metadata embedded in the image(s).
    /// - Throws: ``PipelineError`` naming the file: it cannot be read, is no supported image, or
    ///   is a response that is malformed (with the byte offset) or holds only the provider's
    ///   error. Failures of single images in a response are in its entries instead.
    public static func read(path: String, decoder: ImageDecoder = ImageDecoder(), verifying: Bool = false, readingMetadata: Bool = false) throws(PipelineError) -> InputInfo {
        if verifying {
            let bytes = try FileIO.readFile(path, maxBytes: decoder.limits.maxInputBytes)
            if isResponse(bytes) {
                return try readJSON(path: path, body: bytes, decoder: decoder, verifying: true, readingMetadata: readingMetadata)
            }
            return .image(try FileInfo.verify(path: path, bytes: bytes, decoder: decoder, readingMetadata: readingMetadata))
        }
        let size = try FileIO.fileSize(path)
        let prefix = try FileIO.readPrefix(path, count: FileInfo.headerReadLength)
        if isResponse(prefix) {
            let body = try FileIO.readFile(path, maxBytes: decoder.limits.maxInputBytes)
            return try readJSON(path: path, body: body, decoder: decoder, verifying: false, readingMetadata: readingMetadata)
        }
        return .image(try FileInfo.probe(path: path, size: size, prefix: prefix, decoder: decoder, readingMetadata: readingMetadata))
    }

    /// A JSON object: a saved response, else one of `generate`'s sidecars; when it is neither,
    /// the response reader's error (which names what the object holds instead).
    private static func readJSON(path: String, body: [UInt8], decoder: ImageDecoder, verifying: Bool, readingMetadata: Bool) throws(PipelineError) -> InputInfo {
        do throws(PipelineError) {
            return .response(try ResponseInfo(path: path, body: body, decoder: decoder, verifying: verifying, readingMetadata: readingMetadata))
        } catch {
            if error.code == .invalidResponse, let sidecar = SidecarInfo(path: path, body: body) { return .sidecar(sidecar) }
            throw error
        }
    }

    /// Whether a file's bytes (or its first bytes) are read as a saved response rather than an
    /// image: no image format's magic bytes, and a JSON object. `convert` applies the same test.
    static func isResponse(_ bytes: [UInt8]) -> Bool {
        ImageFormat.sniff(bytes) == nil && ImagesResponse.looksLikeJSON(bytes)
    }
}
