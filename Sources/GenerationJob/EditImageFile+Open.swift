import ImageCodecs
import ImageCore
import ImageGeneration
import PipelineCore

extension EditImageFile {
    /// Reads the file at `path` to learn what an edit checks before sending: its format (magic
    /// bytes), length, stored dimensions and alpha channel (from the header, in the first
    /// 256 KiB; the whole file only when the header lies further in) and SHA-256 (read in 1 MiB
    /// chunks). The file is never held whole; the request reads it again as it is sent.
    ///
    /// - Throws: ``PipelineError`` naming the file: missing or unreadable, 50 MB or larger, not a
    ///   PNG, JPEG or WebP image, or a header that does not parse.
    public static func open(_ path: String, decoder: ImageDecoder = ImageDecoder()) throws(PipelineError) -> EditImageFile {
        let length = try FileIO.fileSize(path)
        guard length < ImageEditRequest.maximumImageBytes else {
            throw PipelineError(.inputTooLarge, path: path, "\(length) bytes; edits take images under \(ImageEditRequest.maximumImageBytes >> 20) MB")
        }
        let prefix = try FileIO.readPrefix(path, count: 256 << 10)
        guard let format = ImageFormat.sniff(prefix), [.png, .jpeg, .webp].contains(format) else {
            let what = ImageFormat.sniff(prefix).map { "a \($0.fileExtension.uppercased()) file" } ?? "not an image imagepipe knows"
            throw PipelineError(.codec, path: path, "\(what); edits take PNG, JPEG or WebP images")
        }
        let info: ImageInfo
        do {
            // A JPEG's frame header can follow large APP segments: then the whole file is read.
            info = try (try? decoder.probe(prefix)) ?? decoder.probe(prefix.count < length ? FileIO.readFile(path, maxBytes: length) : prefix)
        } catch {
            throw PipelineError(.codec, path: path, "the \(format.fileExtension.uppercased()) header does not parse: \(error)")
        }
        var hasher = SHA256.Hasher()
        let byteCount = try FileIO.forEachChunk(of: path) { hasher.update($0) }
        return EditImageFile(
            path: path, format: format, byteCount: byteCount, size: info.size, hasAlpha: info.hasAlpha, sha256: hasher.finalize()
        )
    }
}
