/// How a ``Base64Encoder`` writes its output.
public struct Base64EncodingOptions: Hashable, Sendable {
    /// The alphabet to write.
    public var alphabet: Base64Alphabet

    /// Whether the final quantum is padded with `=` to 4 characters (RFC 4648 default).
    public var includesPadding: Bool

    /// Creates options; the defaults are the standard alphabet with padding.
    public init(alphabet: Base64Alphabet = .standard, includesPadding: Bool = true) {
        self.alphabet = alphabet
        self.includesPadding = includesPadding
    }
}

/// Encodes bytes as base64, with a table-driven scalar loop (8 characters per step).
///
/// ```swift
/// let text = Base64Encoder().encodeToString(Array("imagepipe".utf8))  // "aW1hZ2VwaXBl"
/// ```
///
/// The output has no line breaks.
public struct Base64Encoder: Hashable, Sendable {
    /// How the output is written.
    public var options: Base64EncodingOptions

    /// Creates an encoder.
    public init(options: Base64EncodingOptions = Base64EncodingOptions()) {
        self.options = options
    }

    /// The exact number of characters that encoding `byteCount` bytes produces with these options.
    ///
    /// - Complexity: O(1).
    public func encodedLength(forByteCount byteCount: Int) -> Int {
        precondition(byteCount >= 0, "negative length")
        let (quanta, tail) = byteCount.quotientAndRemainder(dividingBy: 3)
        let (length, overflow) = quanta.multipliedReportingOverflow(by: 4)
        precondition(!overflow, "base64 length of \(byteCount) bytes overflows Int")
        if tail == 0 { return length }
        return length + (options.includesPadding ? 4 : tail + 1)
    }

    /// Encodes `input` into `output` and returns the number of characters written.
    ///
    /// - Parameters:
    ///   - input: The bytes to encode.
    ///   - output: Where to write; must hold at least ``encodedLength(forByteCount:)`` bytes
    ///     (a precondition: sizing the buffer is the caller's job, not a property of the input).
    /// - Returns: The number of bytes written, always ``encodedLength(forByteCount:)``.
    /// - Complexity: O(n), no allocation.
    public func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        let length = encodedLength(forByteCount: input.count)
        precondition(output.count >= length, "base64 output buffer holds \(output.count) bytes, needs \(length)")
        guard length > 0, let source = input.baseAddress, let destination = output.baseAddress else { return 0 }
        let tables = EncodingTables.forAlphabet(options.alphabet)
        let pairs = UnsafePointer(tables.pairs)
        let characters = UnsafePointer(tables.characters)
        let end = input.count
        var index = 0
        var written = 0

        // 6 bytes in, 8 characters out per step; the 8-byte load reads 2 bytes it does not use,
        // so stop 2 bytes early.
        while end - index >= 8 {
            let word = UInt64(bigEndian: source.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let a = UInt64(pairs[Int((word >> 52) & 0xFFF)])
            let b = UInt64(pairs[Int((word >> 40) & 0xFFF)])
            let c = UInt64(pairs[Int((word >> 28) & 0xFFF)])
            let d = UInt64(pairs[Int((word >> 16) & 0xFFF)])
            destination.storeBytes(of: (a | b << 16 | c << 32 | d << 48).littleEndian, toByteOffset: written, as: UInt64.self)
            index += 6
            written += 8
        }
        while end - index >= 3 {
            let triple = UInt32(source.load(fromByteOffset: index, as: UInt8.self)) << 16
                | UInt32(source.load(fromByteOffset: index + 1, as: UInt8.self)) << 8
                | UInt32(source.load(fromByteOffset: index + 2, as: UInt8.self))
            let high = pairs[Int(triple >> 12)]
            let low = pairs[Int(triple & 0xFFF)]
            destination.storeBytes(of: high.littleEndian, toByteOffset: written, as: UInt16.self)
            destination.storeBytes(of: low.littleEndian, toByteOffset: written + 2, as: UInt16.self)
            index += 3
            written += 4
        }
        let tail = end - index
        if tail > 0 {
            let first = UInt32(source.load(fromByteOffset: index, as: UInt8.self))
            let second = tail == 2 ? UInt32(source.load(fromByteOffset: index + 1, as: UInt8.self)) : 0
            let bits = first << 16 | second << 8
            destination.storeBytes(of: characters[Int(bits >> 18)], toByteOffset: written, as: UInt8.self)
            destination.storeBytes(of: characters[Int((bits >> 12) & 63)], toByteOffset: written + 1, as: UInt8.self)
            written += 2
            if tail == 2 {
                destination.storeBytes(of: characters[Int((bits >> 6) & 63)], toByteOffset: written, as: UInt8.self)
                written += 1
            }
            if options.includesPadding {
                while written < length {
                    destination.storeBytes(of: UInt8(ascii: "="), toByteOffset: written, as: UInt8.self)
                    written += 1
                }
            }
        }
        assert(written == length)
        return written
    }

    /// Encodes `input` into a new array, allocated once.
    ///
    /// - Parameter input: The bytes to encode: an array, a slice, `Data`…
    /// - Returns: The base64 text as ASCII bytes.
    /// - Complexity: O(n).
    public func encode<Bytes: Sequence<UInt8>>(_ input: Bytes) -> [UInt8] {
        input.withContiguousStorageIfAvailable { encodeToArray(UnsafeRawBufferPointer($0)) }
            ?? Array(input).withUnsafeBytes { encodeToArray($0) }
    }

    /// Encodes `input` into a new string.
    ///
    /// - Parameter input: The bytes to encode.
    /// - Returns: The base64 text.
    /// - Complexity: O(n).
    public func encodeToString<Bytes: Sequence<UInt8>>(_ input: Bytes) -> String {
        let characters = encode(input)
        return String(unsafeUninitializedCapacity: characters.count) { buffer in
            _ = buffer.initialize(from: characters)
            return characters.count
        }
    }

    private func encodeToArray(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let length = encodedLength(forByteCount: input.count)
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            count = encode(input, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }
}

/// Encoding tables, one set per alphabet, built once per process and never freed.
internal final class EncodingTables: @unchecked Sendable {
    // @unchecked: the memory is written only in `init` and read-only afterwards.

    static let standard = EncodingTables(alphabet: Base64Alphabet.standardCharacters)
    static let urlSafe = EncodingTables(alphabet: Base64Alphabet.urlSafeCharacters)

    static func forAlphabet(_ alphabet: Base64Alphabet) -> EncodingTables {
        alphabet.kind == .standard ? standard : urlSafe
    }

    /// The two characters of every 12-bit value, first character in the low byte (8 KiB): two
    /// lookups per 3 input bytes instead of four.
    let pairs: UnsafeMutablePointer<UInt16>
    let characters: UnsafeMutablePointer<UInt8>

    private init(alphabet: [UInt8]) {
        characters = .allocate(capacity: 64)
        characters.initialize(from: alphabet, count: 64)
        pairs = .allocate(capacity: 4096)
        for value in 0..<4096 {
            pairs[value] = UInt16(alphabet[value >> 6]) | UInt16(alphabet[value & 63]) << 8
        }
    }
}
