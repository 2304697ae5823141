/// An error raised by the core image types: a size or a byte count that cannot be honoured.
///
/// Like every error type in imagepipe it is a struct over a code, so new codes can be added
/// without breaking callers that switch over the ones they know.
public struct ImageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String { case limitExceeded, invalidSize }
        fileprivate let value: Value

        /// A pixel or byte limit of ``DecodeLimits`` was exceeded.
        public static let limitExceeded = Code(value: .limitExceeded)
        /// A width, height or row length that is zero, negative or overflows.
        public static let invalidSize = Code(value: .invalidSize)

        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence a user can act on, naming the value and the limit.
    public var message: String

    /// Creates an error from a code and a message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
