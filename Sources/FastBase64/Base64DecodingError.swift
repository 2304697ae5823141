/// Why a base64 input was rejected, and the byte offset where that became clear.
///
/// The offset is the same whichever ``Base64Tier`` decoded the input: the vector kernels never
/// judge a byte, they stop in front of it.
///
/// ```swift
/// do {
///     _ = try Base64Decoder().decode(Array("QUJD*A==".utf8))
/// } catch {
///     print(error)  // invalid character 0x2A at byte 4
/// }
/// ```
public struct Base64DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem. A struct rather than an enum so that kinds can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        internal enum Kind: Hashable, Sendable {
            case invalidCharacter
            case invalidPadding
            case truncated
            case invalidEscape
            case invalidDataURL
            case outputTooSmall
        }

        internal let kind: Kind

        /// A byte that is neither in the alphabet nor allowed by the options. The offset is that
        /// byte's, or the backslash's when an escape stands for it.
        public static let invalidCharacter = Code(kind: .invalidCharacter)

        /// Padding where none may be (`=` after fewer than 2 characters of a quantum, data after
        /// padding, too many `=`), or padding missing: missing padding is reported at the end of
        /// the input (offset == input count).
        public static let invalidPadding = Code(kind: .invalidPadding)

        /// The input ends with a single character of a quantum, which cannot encode a byte.
        /// Reported at the end of the input (offset == input count).
        public static let truncated = Code(kind: .truncated)

        /// A backslash escape that is not one of the JSON escapes accepted
        /// (`\/`, `\n`, `\r`, `\t`, `\u00XX`); the offset is the backslash's.
        public static let invalidEscape = Code(kind: .invalidEscape)

        /// Input starting with `data:` that is not `data:image/…;base64,`.
        public static let invalidDataURL = Code(kind: .invalidDataURL)

        /// The output buffer cannot hold the decoded bytes. The offset is that of the input byte
        /// that completes the first quantum that does not fit.
        public static let outputTooSmall = Code(kind: .outputTooSmall)

        /// A short name, such as `invalid character`.
        public var description: String {
            switch kind {
            case .invalidCharacter: "invalid character"
            case .invalidPadding: "invalid padding"
            case .truncated: "truncated input"
            case .invalidEscape: "invalid escape"
            case .invalidDataURL: "invalid data URL prefix"
            case .outputTooSmall: "output buffer too small"
            }
        }
    }

    /// The kind of problem.
    public let code: Code

    /// The offset, in the input bytes, of the byte that made the input invalid.
    public let offset: Int

    /// The offending byte, when there is one (`nil` at the end of the input).
    public let byte: UInt8?

    /// Creates an error.
    public init(code: Code, offset: Int, byte: UInt8? = nil) {
        self.code = code
        self.offset = offset
        self.byte = byte
    }

    /// One line naming the problem and the place, such as `invalid character 0x2A at byte 4`.
    public var description: String {
        if let byte {
            let hex = String(byte, radix: 16, uppercase: true)
            return "\(code) 0x\(hex.count < 2 ? "0" + hex : hex) at byte \(offset)"
        }
        return "\(code) at byte \(offset)"
    }
}
