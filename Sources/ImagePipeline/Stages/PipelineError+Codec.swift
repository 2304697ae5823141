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
