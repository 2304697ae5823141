/// Decodes base64 from bytes, fast: a vector kernel over clean stretches, Swift for the rest.
///
/// ```swift
/// let decoder = Base64Decoder(options: .jsonPayload)
/// let png: [UInt8] = try decoder.decode(body[valueRange])
/// ```
///
/// To decode into memory you own (no allocation at all), size it with
/// ``maximumDecodedLength(forEncodedLength:)`` and call ``decode(_:into:)``.
///
/// A decoder is a small value: make one per set of options and keep it; the tier is chosen once
/// per process.
public struct Base64Decoder: Hashable, Sendable {
    /// What the decoder accepts.
    public var options: Base64DecodingOptions

    /// The kernel that decodes clean stretches of input.
    public let tier: Base64Tier

    /// Creates a decoder.
    ///
    /// - Parameters:
    ///   - options: What to accept; strict RFC 4648 by default.
    ///   - tier: The kernel to use; ``Base64Tier/best`` by default. Forcing a tier is for tests and
    ///     benchmarks. It must be available on this CPU (``Base64Tier/isAvailable``): running an
    ///     unavailable kernel would crash with an illegal instruction, so this traps instead.
    public init(options: Base64DecodingOptions = Base64DecodingOptions(), tier: Base64Tier = .best) {
        precondition(tier.isAvailable, "base64 tier \(tier) is not available on this CPU (best: \(Base64Tier.best))")
        self.options = options
        self.tier = tier
    }

    /// The largest number of bytes that `encodedLength` bytes of base64 can decode to, whatever
    /// the options; a buffer this big never makes ``decode(_:into:)`` throw
    /// ``Base64DecodingError/Code-swift.struct/outputTooSmall``.
    ///
    /// - Complexity: O(1).
    @inlinable
    public static func maximumDecodedLength(forEncodedLength encodedLength: Int) -> Int {
        precondition(encodedLength >= 0, "negative length")
        // A trailing 1 character decodes to nothing, 2 to one byte, 3 to two.
        let tail = encodedLength & 3
        return (encodedLength >> 2) * 3 + (tail == 0 ? 0 : tail - 1)
    }

    /// Decodes `input` into `output` and returns the number of bytes written.
    ///
    /// Bytes of `output` past the returned count may have been overwritten; on error, the content
    /// of `output` is unspecified.
    ///
    /// - Parameters:
    ///   - input: The base64 text as bytes (ASCII).
    ///   - output: Where to write; ``maximumDecodedLength(forEncodedLength:)`` bytes always suffice.
    /// - Returns: The number of bytes decoded into the start of `output`.
    /// - Throws: ``Base64DecodingError`` with the kind of problem and its byte offset in `input`.
    /// - Complexity: O(n) in the input length, with no allocation.
    public func decode(
        _ input: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(Base64DecodingError) -> Int {
        try decodeBuffer(input, into: output)
    }

    /// Decodes `input` into a new array, allocated once.
    ///
    /// ```swift
    /// let bytes = try Base64Decoder().decode(Array("aW1hZ2VwaXBl".utf8))  // "imagepipe"
    /// ```
    ///
    /// - Parameter input: The base64 text as bytes: an array, a slice, `String.UTF8View`, `Data`…
    /// - Returns: The decoded bytes.
    /// - Throws: ``Base64DecodingError`` with the kind of problem and its byte offset in `input`.
    /// - Complexity: O(n) in the input length.
    public func decode<Bytes: Sequence<UInt8>>(_ input: Bytes) throws(Base64DecodingError) -> [UInt8] {
        let result = input.withContiguousStorageIfAvailable { buffer in
            decodeToArray(UnsafeRawBufferPointer(buffer))
        }
        switch result ?? Array(input).withUnsafeBytes({ decodeToArray($0) }) {
        case .success(let bytes): return bytes
        case .failure(let error): throw error
        }
    }

    /// Decodes a base64 string into a new array, allocated once.
    ///
    /// - Parameter string: The base64 text.
    /// - Returns: The decoded bytes.
    /// - Throws: ``Base64DecodingError`` with the kind of problem and its offset in `string.utf8`.
    public func decode(_ string: String) throws(Base64DecodingError) -> [UInt8] {
        var string = string
        switch string.withUTF8({ decodeToArray(UnsafeRawBufferPointer($0)) }) {
        case .success(let bytes): return bytes
        case .failure(let error): throw error
        }
    }

    private func decodeToArray(_ input: UnsafeRawBufferPointer) -> Result<[UInt8], Base64DecodingError> {
        var failure: Base64DecodingError?
        let capacity = Self.maximumDecodedLength(forEncodedLength: input.count)
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            do throws(Base64DecodingError) {
                count = try decodeBuffer(input, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { return .failure(failure) }
        return .success(bytes)
    }
}
