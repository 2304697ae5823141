import FastBase64
import Foundation

/// One fuzz input, checked every way: every tier against every other (same bytes or the same
/// error at the same offset), Foundation on the inputs it understands, and encoder round trips.
/// Any disagreement is a crash, which is what libFuzzer records.
func checkFuzzInput(_ data: UnsafeRawBufferPointer) {
    guard let selector = data.first else { return }
    let text = UnsafeRawBufferPointer(rebasing: data.dropFirst())
    let options = Base64DecodingOptions(
        alphabet: selector & 1 == 0 ? .standard : .urlSafe,
        padding: selector & 2 == 0 ? .required : .optional,
        skipsWhitespace: selector & 4 != 0,
        decodesJSONEscapes: selector & 8 != 0,
        allowsDataURLPrefix: selector & 16 != 0
    )
    // Sometimes decode into a buffer smaller than the maximum, to exercise outputTooSmall.
    let maximum = Base64Decoder.maximumDecodedLength(forEncodedLength: text.count)
    let capacity = selector & 32 != 0 ? maximum / 2 + Int(selector >> 6) : maximum

    let outcomes = Base64Tier.available.map { tier in (tier, decode(text, options, tier, capacity)) }
    let reference = outcomes[0].1
    for (tier, outcome) in outcomes.dropFirst() where outcome != reference {
        fatalError("tier \(tier) disagrees with portable: \(outcome) vs \(reference), options \(options)")
    }

    if options == Base64DecodingOptions(), capacity == maximum {
        // Whatever we accept, Foundation must decode to the same bytes. The converse holds only for
        // inputs of RFC 4648's shape: Foundation also accepts some malformed padding, such as
        // `j9=9==`, which we reject on purpose.
        let foundation = Data(base64Encoded: Data(text)).map { [UInt8]($0) }
        switch reference {
        case .success(let bytes) where foundation != bytes:
            fatalError("Foundation decodes \(String(describing: foundation?.count)) bytes, we decode \(bytes.count)")
        case .failure(let error) where foundation != nil && hasCanonicalShape(text):
            fatalError("Foundation accepts input that we reject: \(error)")
        default:
            break
        }
    }

    // The raw input as data to encode: our encoding must match Foundation's and decode back on
    // every tier, also with MIME line breaks and JSON-escaped slashes.
    let bytes = [UInt8](text)
    let encoded = Base64Encoder().encode(bytes)
    guard encoded == Array(Data(bytes).base64EncodedString().utf8) else {
        fatalError("encoding differs from Foundation for \(bytes.count) bytes")
    }
    let forgiving = Base64DecodingOptions.jsonPayload
    let wrapped = lineWrapped(encoded, width: 76)
    let escaped = encoded.flatMap { $0 == UInt8(ascii: "/") ? [UInt8(ascii: "\\"), $0] : [$0] }
    let unpadded = Base64Encoder(options: .init(alphabet: .urlSafe, includesPadding: false)).encode(bytes)
    for tier in Base64Tier.available {
        for (variant, variantOptions) in [
            (encoded, Base64DecodingOptions()), (wrapped, forgiving), (escaped, forgiving),
            (unpadded, Base64DecodingOptions(alphabet: .urlSafe, padding: .optional)),
        ] {
            let decoded = variant.withUnsafeBytes { decode($0, variantOptions, tier, maximumLength(variant.count)) }
            guard case .success(let result) = decoded, result == bytes else {
                fatalError("round trip failed on tier \(tier): \(decoded)")
            }
        }
    }
}

/// A multiple of 4 characters of the standard alphabet, the last one or two of which may be `=`.
private func hasCanonicalShape(_ text: UnsafeRawBufferPointer) -> Bool {
    guard text.count % 4 == 0 else { return false }
    let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var padding = 0
    while padding < 2, padding < text.count, text[text.count - 1 - padding] == UInt8(ascii: "=") {
        padding += 1
    }
    return text.dropLast(padding).allSatisfy { alphabet.contains($0) }
}

private func maximumLength(_ count: Int) -> Int { Base64Decoder.maximumDecodedLength(forEncodedLength: count) }

private func decode(
    _ text: UnsafeRawBufferPointer, _ options: Base64DecodingOptions, _ tier: Base64Tier, _ capacity: Int
) -> Result<[UInt8], Base64DecodingError> {
    var output = [UInt8](repeating: 0, count: capacity)
    let result = output.withUnsafeMutableBytes { buffer in
        Result { () throws(Base64DecodingError) in
            try Base64Decoder(options: options, tier: tier).decode(text, into: buffer)
        }
    }
    return result.map { Array(output[0..<$0]) }
}

private func lineWrapped(_ text: [UInt8], width: Int) -> [UInt8] {
    var result: [UInt8] = []
    for (index, byte) in text.enumerated() {
        if index > 0 && index % width == 0 { result += [0x0D, 0x0A] }
        result.append(byte)
    }
    return result
}
