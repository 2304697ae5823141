import ImageCodecs
import PipelineCore

extension PipelineError {
    /// Wraps a codec error for one file: code `.codec`, the codec's message and byte offset.
    public init(path: String, codecError: ImageCodecError) {
        self.init(.codec, path: path, codecError.message, underlying: codecError, byteOffset: codecError.byteOffset)
    }

    /// The codec error behind a `.codec` failure, with its own code and byte offset.
    public var codecError: ImageCodecError? { underlying as? ImageCodecError }
}

extension PipelineError {
    /// Runs codec work for one file and gives any failure as a ``PipelineError`` naming it: a
    /// codec error as `.codec` (its code and byte offset kept in ``codecError``), a
    /// ``PipelineError`` (from reading the file again) as it is.
    ///
    /// The one place where the codecs' untyped errors become the pipeline's typed ones.
    public static func codec<T>(path: String, _ work: () throws -> T) throws(PipelineError) -> T {
        do {
            return try work()
        } catch {
            if let codecError = error as? ImageCodecError { throw PipelineError(path: path, codecError: codecError) }
            if let pipelineError = error as? PipelineError { throw pipelineError }
            throw PipelineError(.codec, path: path, "\(error)")
        }
    }
}
