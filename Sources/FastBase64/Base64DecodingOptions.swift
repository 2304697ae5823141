/// The two base64 alphabets of RFC 4648.
public struct Base64Alphabet: Hashable, Sendable, CustomStringConvertible {
    internal enum Kind: Hashable, Sendable {
        case standard
        case urlSafe
    }

    internal let kind: Kind

    /// The standard alphabet (RFC 4648 §4): `A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`.
    public static let standard = Base64Alphabet(kind: .standard)

    /// The URL- and filename-safe alphabet (RFC 4648 §5): `A`–`Z`, `a`–`z`, `0`–`9`, `-`, `_`.
    public static let urlSafe = Base64Alphabet(kind: .urlSafe)

    /// `standard` or `urlSafe`.
    public var description: String {
        switch kind {
        case .standard: "standard"
        case .urlSafe: "urlSafe"
        }
    }
}

/// What a ``Base64Decoder`` accepts besides the bare alphabet.
///
/// The default is strict RFC 4648: the standard alphabet, `=` padding required, nothing else.
/// Payloads taken straight from JSON responses usually want the forgiving options:
///
/// ```swift
/// var options = Base64DecodingOptions()
/// options.skipsWhitespace = true
/// options.decodesJSONEscapes = true   // `\/` as written by some gateways
/// options.allowsDataURLPrefix = true  // `data:image/png;base64,…`
/// let decoder = Base64Decoder(options: options)
/// ```
///
/// Anything these options do not allow is an error with its byte offset.
public struct Base64DecodingOptions: Hashable, Sendable {
    /// Whether the final quantum must be padded with `=`.
    public struct Padding: Hashable, Sendable, CustomStringConvertible {
        internal let isRequired: Bool

        /// The input length, without ignored bytes, must be a multiple of 4, padded with `=`.
        public static let required = Padding(isRequired: true)

        /// The final quantum may be padded or not; padding that is there must be complete.
        public static let optional = Padding(isRequired: false)

        /// `required` or `optional`.
        public var description: String { isRequired ? "required" : "optional" }
    }

    /// The alphabet to decode. Characters of the other alphabet are invalid.
    public var alphabet: Base64Alphabet

    /// Whether padding is required (the default) or optional.
    public var padding: Padding

    /// Whether ASCII whitespace (space, tab, line feed, form feed, carriage return) is skipped
    /// wherever it appears, as in MIME bodies with a line break every 76 characters.
    public var skipsWhitespace: Bool

    /// Whether the input is the inside of a JSON string and its escapes are decoded.
    ///
    /// The escapes `\/`, `\n`, `\r`, `\t` and `\u00XX` are decoded first; the byte they stand for
    /// is then judged as if it stood there literally, at the offset of the backslash. So `\n` is
    /// accepted only together with ``skipsWhitespace``, and `\/` only with the standard alphabet.
    /// Any other escape (`\"`, `\\`, `\b`, `\f`, `\u` above `00FF`, a cut-off escape) throws
    /// ``Base64DecodingError/Code-swift.struct/invalidEscape``.
    public var decodesJSONEscapes: Bool

    /// Whether a leading `data:image/…;base64,` (a data URL) is accepted and skipped.
    ///
    /// The prefix is optional even when this is on. With ``decodesJSONEscapes`` its slashes may be
    /// written `\/`.
    public var allowsDataURLPrefix: Bool

    /// Creates options; the defaults are strict RFC 4648.
    public init(
        alphabet: Base64Alphabet = .standard,
        padding: Padding = .required,
        skipsWhitespace: Bool = false,
        decodesJSONEscapes: Bool = false,
        allowsDataURLPrefix: Bool = false
    ) {
        self.alphabet = alphabet
        self.padding = padding
        self.skipsWhitespace = skipsWhitespace
        self.decodesJSONEscapes = decodesJSONEscapes
        self.allowsDataURLPrefix = allowsDataURLPrefix
    }

    /// Everything a base64 image inside an API's JSON response may carry: whitespace, JSON escapes,
    /// a data-URL prefix, optional padding; standard alphabet.
    public static let jsonPayload = Base64DecodingOptions(
        padding: .optional,
        skipsWhitespace: true,
        decodesJSONEscapes: true,
        allowsDataURLPrefix: true
    )
}
