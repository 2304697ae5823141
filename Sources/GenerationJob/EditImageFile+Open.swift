import ImageCodecs
import ImageCore
import ImageGeneration
import PipelineCore

extension EditImageFile {
    /// Reads the file at `path` once, in 1 MiB chunks, to learn what an edit checks before
    /// sending: its SHA-256 and length from every chunk, its format (magic bytes), stored
    /// dimensions and alpha channel from the header in the first chunk (the whole file is read
    /// again only when a JPEG's frame header lies past it). The file is never held whole; the
    /// request reads it again as it is sent.
    ///
    /// - Throws: ``PipelineError`` naming the file: missing or unreadable, 50 MB or larger, not a
    ///   PNG, JPEG or WebP image, or a header that does not parse.
    public static func open(_ path: String, decoder: ImageDecoder = ImageDecoder()) throws(PipelineError) -> EditImageFile {
        let length = try FileIO.fileSize(path)
        guard length < ImageEditRequest.maximumImageBytes else {
            throw PipelineError(.inputTooLarge, path: path, "\(length) bytes; edits take images under \(ImageEditRequest.maximumImageBytes >> 20) MB")
        }
        var hasher = SHA256.Hasher()
        var head: [UInt8]?
        let byteCount = try FileIO.forEachChunk(of: path) { chunk in
            if head == nil { head = Array(chunk) }
            hasher.update(chunk)
        }
        let prefix = head ?? []
        guard let format = ImageFormat.sniff(prefix), [.png, .jpeg, .webp].contains(format) else {
            let what = ImageFormat.sniff(prefix).map { "a \($0.fileExtension.uppercased()) file" } ?? "not an image imagepipe knows"
            throw PipelineError(.codec, path: path, "\(what); edits take PNG, JPEG or WebP images")
        }
        let info: ImageInfo
        do {
            info = try (try? decoder.probe(prefix)) ?? decoder.probe(prefix.count < byteCount ? FileIO.readFile(path, maxBytes: byteCount) : prefix)
        } catch {
            throw PipelineError(.codec, path: path, "the \(format.fileExtension.uppercased()) header does not parse: \(error)")
        }
        return EditImageFile(
            path: path, format: format, byteCount: byteCount, size: info.size, hasAlpha: info.hasAlpha, sha256: hasher.finalize()
        )
    }
}
