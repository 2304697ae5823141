/// An error from the pipeline: reading an input, writing an output, or a stage's failure for one
/// item (a codec error, a provider's refusal).
///
/// The message names the file; ``underlying`` keeps the error behind it (the codec's, for
/// `.codec`) for callers that want its code or byte offset.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String {
            case readFailed, writeFailed, notAFile, inputTooLarge, wouldOverwriteInput, outputConflict,
                 unknownOutputFormat, unsupportedOutputFormat, invalidOptions, codec, invalidResponse, providerError,
                 outputExists, sizeMismatch, blankImage, generationFailed, cancelled
        }
        fileprivate let value: Value

        /// The input could not be opened or read.
        public static let readFailed = Code(value: .readFailed)
        /// The output could not be written.
        public static let writeFailed = Code(value: .writeFailed)
        /// The path is a directory or a special file.
        public static let notAFile = Code(value: .notAFile)
        /// The input is larger than the byte limit; it was not read.
        public static let inputTooLarge = Code(value: .inputTooLarge)
        /// The output path is one of the inputs; nothing was written.
        public static let wouldOverwriteInput = Code(value: .wouldOverwriteInput)
        /// Two inputs of one batch map to the same output file.
        public static let outputConflict = Code(value: .outputConflict)
        /// The output format cannot be told from the output name and none was given.
        public static let unknownOutputFormat = Code(value: .unknownOutputFormat)
        /// The output format is recognised but cannot be written.
        public static let unsupportedOutputFormat = Code(value: .unsupportedOutputFormat)
        /// Options that contradict each other or the output format.
        public static let invalidOptions = Code(value: .invalidOptions)
        /// The codec refused the input or failed to encode; see ``PipelineError/underlying``.
        public static let codec = Code(value: .codec)
        /// A saved API response that is malformed, holds no images, or an invalid payload.
        public static let invalidResponse = Code(value: .invalidResponse)
        /// An API response that holds the provider's error instead of images.
        public static let providerError = Code(value: .providerError)

        /// The output exists and the operation does not replace files.
        public static let outputExists = Code(value: .outputExists)
        /// A generated image's size differs from the size requested (with strict size checks).
        public static let sizeMismatch = Code(value: .sizeMismatch)
        /// A generated image is one flat dark color, as content filters return (when refused).
        public static let blankImage = Code(value: .blankImage)
        /// The generation service failed; the message holds the provider's error.
        public static let generationFailed = Code(value: .generationFailed)
        /// The run was cancelled (Ctrl-C) before this item was done; nothing was written for it.
        public static let cancelled = Code(value: .cancelled)

        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The file concerned (an input or an output), when there is one.
    public var path: String?
    /// What is wrong, without the path.
    public var message: String
    /// The error behind this one: the codec's error behind a `.codec` failure.
    public var underlying: (any Error & Sendable)?
    /// The byte offset in the input where the problem is, when known.
    public var byteOffset: Int?

    /// Creates an error.
    public init(_ code: Code, path: String? = nil, _ message: String, underlying: (any Error & Sendable)? = nil, byteOffset: Int? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.underlying = underlying
        self.byteOffset = byteOffset
    }

    /// `"path: message"`.
    public var description: String { path.map { "\($0): \(message)" } ?? message }
}

extension PipelineError {
    /// A stage's failure as the runner reports it (stages may throw anything) as a pipeline error:
    /// a ``PipelineError`` as it is, a `CancellationError` as `.cancelled` with
    /// `cancelledMessage`, anything else as `code` with its description.
    public init(stageFailure error: any Error, path: String, code: Code, cancelledMessage: String = "not done: the run was interrupted") {
        if let error = error as? PipelineError {
            self = error
        } else if error is CancellationError {
            self.init(.cancelled, path: path, cancelledMessage)
        } else {
            self.init(code, path: path, "\(error)", underlying: error)
        }
    }
}
