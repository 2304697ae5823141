import ImageCodecs
import ImageCore
import ImageGeneration
import PipelineCore

extension EditImageFile {
    /// Reads the file at `path` once to learn what an edit checks before sending: its format
    /// (magic bytes), length, stored dimensions, alpha channel and SHA-256. The bytes are not
    /// kept; the request reads the file again as it is sent.
    ///
    /// - Throws: ``PipelineError`` naming the file: missing or unreadable, 50 MB or larger, not a
    ///   PNG, JPEG or WebP image, or a header that does not parse.
    public static func open(_ path: String, decoder: ImageDecoder = ImageDecoder()) throws(PipelineError) -> EditImageFile {
        let length = try FileIO.fileSize(path)
        guard length < ImageEditRequest.maximumImageBytes else {
            throw PipelineError(.inputTooLarge, path: path, "\(length) bytes; edits take images under \(ImageEditRequest.maximumImageBytes >> 20) MB")
        }
        let bytes = try FileIO.readFile(path, maxBytes: ImageEditRequest.maximumImageBytes)
        guard let format = ImageFormat.sniff(bytes), [.png, .jpeg, .webp].contains(format) else {
            let what = ImageFormat.sniff(bytes).map { "a \($0.fileExtension.uppercased()) file" } ?? "not an image imagepipe knows"
            throw PipelineError(.codec, path: path, "\(what); edits take PNG, JPEG or WebP images")
        }
        let info: ImageInfo
        do {
            info = try decoder.probe(bytes)
        } catch {
            throw PipelineError(.codec, path: path, "the \(format.fileExtension.uppercased()) header does not parse: \(error)")
        }
        return EditImageFile(
            path: path, format: format, byteCount: bytes.count, size: info.size, hasAlpha: info.hasAlpha, sha256: SHA256.hex(of: bytes)
        )
    }
}
