import ImageCore

/// An error from decoding, probing or encoding an image: what is wrong and, where known, at which byte.
///
/// Messages name the problem in a user's terms (`"IDAT chunk CRC mismatch at byte 4157"`); the caller
/// that knows the file name prefixes it (`"error: cat.png: …"`).
public struct ImageCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String {
            case empty, unrecognizedFormat, unsupportedFormat, invalidSignature, invalidHeader,
                 truncated, checksumMismatch, corruptData, limitExceeded, animationRefused,
                 invalidOptions, encodingFailed, outOfMemory
        }
        fileprivate let value: Value

        /// The input has no bytes.
        public static let empty = Code(value: .empty)
        /// The first bytes match no image format imagepipe knows.
        public static let unrecognizedFormat = Code(value: .unrecognizedFormat)
        /// A format imagepipe recognises but cannot decode (JPEG, GIF, …) or encode.
        public static let unsupportedFormat = Code(value: .unsupportedFormat)
        /// The file starts almost like a known format, but its signature is damaged.
        public static let invalidSignature = Code(value: .invalidSignature)
        /// A header field has an impossible value (bit depth, color type, dimensions, …).
        public static let invalidHeader = Code(value: .invalidHeader)
        /// The input ends before the image does.
        public static let truncated = Code(value: .truncated)
        /// A checksum (PNG chunk CRC, zlib Adler-32) does not match the data.
        public static let checksumMismatch = Code(value: .checksumMismatch)
        /// The compressed data is invalid.
        public static let corruptData = Code(value: .corruptData)
        /// A ``DecodeLimits`` limit was exceeded; nothing was allocated for the pixels.
        public static let limitExceeded = Code(value: .limitExceeded)
        /// The image is animated and the decoder was asked to refuse animations.
        public static let animationRefused = Code(value: .animationRefused)
        /// Encoder or decoder options out of range.
        public static let invalidOptions = Code(value: .invalidOptions)
        /// The encoder failed.
        public static let encodingFailed = Code(value: .encodingFailed)
        /// A codec library could not allocate memory.
        public static let outOfMemory = Code(value: .outOfMemory)

        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence that says what is wrong and where.
    public var message: String
    /// The byte offset in the input where the problem was found, when known.
    public var byteOffset: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, at byteOffset: Int? = nil) {
        self.code = code
        self.message = message
        self.byteOffset = byteOffset
    }

    public var description: String { message }
}

extension ImageCodecError {
    /// Converts a core limit error into a codec error with the same meaning.
    init(_ error: ImageError) {
        self.init(error.code == .limitExceeded ? .limitExceeded : .invalidHeader, error.message)
    }
}
