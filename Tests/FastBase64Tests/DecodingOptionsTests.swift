import FastBase64
import Foundation
import Testing
import TestSupport

/// Whitespace, JSON escapes, data URLs and padding, on every tier this CPU runs.
@Suite struct DecodingOptionsTests {
    static let forgiving = Base64DecodingOptions.jsonPayload
    static let lengths = [0, 1, 2, 3, 4, 5, 56, 57, 58, 100, 1000, 4097, 100_000]

    @Test(arguments: Base64Tier.available)
    func mimeLineBreaksEvery76Characters(tier: Base64Tier) throws {
        let whitespace = Base64DecodingOptions(skipsWhitespace: true)
        for length in Self.lengths {
            let bytes = randomBytes(length, seed: 1000 + UInt64(length))
            let encoded = foundationEncoded(bytes)
            let mime = Array(Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]).utf8)
            #expect(mime == wrapped(encoded, every: 76, with: Array(ascii: "\r\n")))
            #expect(try Base64Decoder(options: whitespace, tier: tier).decode(mime) == bytes)
            #expect(try Base64Decoder(options: whitespace, tier: tier).decode(wrapped(encoded, every: 64, with: [0x0A])) == bytes)
            // Whitespace inside quanta, around padding and at both ends.
            let scattered = [0x20] + wrapped(encoded, every: 7, with: Array(ascii: " \t")) + Array(ascii: "\n\u{0C}")
            #expect(try Base64Decoder(options: whitespace, tier: tier).decode(scattered) == bytes)
            if length > 57 {
                // Without the option the first line break is an invalid character.
                #expect(outcome(mime, tier: tier) == .error(Base64DecodingError(code: .invalidCharacter, offset: 76, byte: 0x0D)))
            }
        }
    }

    @Test(arguments: Base64Tier.available)
    func jsonEscapedSlashes(tier: Base64Tier) throws {
        let escapes = Base64DecodingOptions(decodesJSONEscapes: true)
        for length in Self.lengths {
            let bytes = randomBytes(length, seed: 2000 + UInt64(length))
            let encoded = foundationEncoded(bytes)
            let slashes = encoded.flatMap { $0 == UInt8(ascii: "/") ? Array(ascii: "\\/") : [$0] }
            #expect(try Base64Decoder(options: escapes, tier: tier).decode(slashes) == bytes)
            let unicode = encoded.flatMap { $0 == UInt8(ascii: "/") ? Array(ascii: "\\u002F") : $0 == UInt8(ascii: "+") ? Array(ascii: "\\u002b") : [$0] }
            #expect(try Base64Decoder(options: escapes, tier: tier).decode(unicode) == bytes)
            // JSON line breaks (`\n`, `\r\n` escapes) need whitespace skipping as well.
            let jsonLines = wrapped(encoded, every: 76, with: Array(ascii: "\\r\\n"))
            #expect(try Base64Decoder(options: Self.forgiving, tier: tier).decode(jsonLines) == bytes)
            if length > 57 {
                #expect(outcome(jsonLines, escapes, tier: tier) == .error(Base64DecodingError(code: .invalidCharacter, offset: 76, byte: 0x5C)))
            }
            if let slash = slashes.firstIndex(of: UInt8(ascii: "\\")) {
                // Without the option the backslash itself is rejected.
                #expect(outcome(slashes, tier: tier) == .error(Base64DecodingError(code: .invalidCharacter, offset: slash, byte: 0x5C)))
            }
        }
    }

    @Test(arguments: Base64Tier.available)
    func escapedSlashAboutEvery64Characters(tier: Base64Tier) throws {
        // In base64 of random bytes one character in 64 is '/': escaping them all is the shape
        // some gateways send, with escapes at every phase within a quantum.
        let bytes = randomBytes(30_000, seed: 64)
        let text = foundationEncoded(bytes).flatMap { $0 == UInt8(ascii: "/") ? Array(ascii: "\\/") : [$0] }
        #expect(text.count > 40_000 + 500)
        #expect(try Base64Decoder(options: Self.forgiving, tier: tier).decode(text) == bytes)
    }

    @Test(arguments: Base64Tier.available, [
        // (input, error code or nil for "decodes to ABCA", offset)
        ("QUJD\\", Base64DecodingError.Code?.some(.invalidEscape), 4),
        ("QUJD\\\"", .invalidEscape, 4),
        ("QUJD\\\\", .invalidEscape, 4),
        ("QUJD\\b", .invalidEscape, 4),
        ("QUJD\\f", .invalidEscape, 4),
        ("QUJD\\u004", .invalidEscape, 4),
        ("QUJD\\u0141QUJD", .invalidEscape, 4),
        ("QUJD\\u00G1QUJD", .invalidEscape, 4),
        ("QU\\u00e9JD", .invalidCharacter, 2),   // é: decoded, then not in the alphabet
        ("QU\\u005CJD", .invalidCharacter, 2),   // an escaped backslash is no escape
        ("QUJD\\u0041QUJD", .truncated, 14),       // \u0041 is 'A': 9 characters in all
        ("QUJDQQ\\u003d\\u003D", nil, 0),
        ("QUJDQQ\\u003d=", nil, 0),
    ] as [(String, Base64DecodingError.Code?, Int)])
    func escapes(tier: Base64Tier, testCase: (String, Base64DecodingError.Code?, Int)) {
        let (input, code, offset) = testCase
        let result = outcome(Array(input.utf8), Self.forgiving, tier: tier)
        guard let code else {
            #expect(result == .bytes(Array("ABCA".utf8)))
            return
        }
        guard case .error(let error) = result else {
            Issue.record("\(input): expected \(code) at \(offset), got \(result)")
            return
        }
        #expect(error.code == code && error.offset == offset, "\(input): \(error)")
    }

    @Test(arguments: Base64Tier.available)
    func urlSafeEscapedSlashIsRejected(tier: Base64Tier) {
        var options = Self.forgiving
        options.alphabet = .urlSafe
        #expect(outcome(Array(ascii: "QUJD\\/QUJD"), options, tier: tier)
            == .error(Base64DecodingError(code: .invalidCharacter, offset: 4, byte: 0x5C)))
    }

    @Test(arguments: Base64Tier.available)
    func dataURLPrefix(tier: Base64Tier) throws {
        let bytes = randomBytes(5000, seed: 3)
        let encoded = foundationEncoded(bytes)
        let decoder = Base64Decoder(options: Self.forgiving, tier: tier)
        for prefix in ["data:image/png;base64,", "DATA:image/webp;base64,", "data:image/png;name=cat.png;base64,", "data:image\\/jpeg;base64,", ""] {
            #expect(try decoder.decode(Array(prefix.utf8) + encoded) == bytes, "\(prefix)")
        }
        // Without the option, the colon is the first invalid character.
        #expect(outcome(Array(ascii: "data:image/png;base64,") + encoded, tier: tier)
            == .error(Base64DecodingError(code: .invalidCharacter, offset: 4, byte: UInt8(ascii: ":"))))
        for (prefix, offset) in [
            ("data:text/plain;base64,", 5), ("data:image/png,", 14), ("data:image/png;base64", 21),
            ("data:image/p ng;base64,", 12), ("data:image/png;base32,", 21), ("data:", 5),
        ] {
            let text = Array(prefix.utf8) + (prefix.hasSuffix(",") ? encoded : [])
            guard case .error(let error) = outcome(text, Self.forgiving, tier: tier) else {
                Issue.record("\(prefix) accepted")
                continue
            }
            #expect(error.code == .invalidDataURL && error.offset == offset, "\(prefix): \(error)")
        }
    }

    @Test(arguments: Base64Tier.available)
    func paddingOptional(tier: Base64Tier) throws {
        let optional = Base64DecodingOptions(padding: .optional)
        for length in Self.lengths {
            let bytes = randomBytes(length, seed: 4000 + UInt64(length))
            let padded = foundationEncoded(bytes)
            let unpadded = Array(padded.prefix { $0 != UInt8(ascii: "=") })
            #expect(try Base64Decoder(options: optional, tier: tier).decode(unpadded) == bytes)
            #expect(try Base64Decoder(options: optional, tier: tier).decode(padded) == bytes)
            if unpadded.count != padded.count {
                #expect(outcome(unpadded, tier: tier) == .error(Base64DecodingError(code: .invalidPadding, offset: unpadded.count)))
            }
        }
    }

    @Test(arguments: Base64Tier.available, [
        ("QUJDRA=", Base64DecodingError.Code.invalidPadding, 7),   // one '=' where two are needed
        ("QUJDRA===", .invalidPadding, 8),                         // one too many
        ("QUJDR===", .invalidPadding, 5),                          // pad after 1 character
        ("QUJD====", .invalidPadding, 4),                          // pad at a quantum start
        ("=QUJD", .invalidPadding, 0),
        ("QUI=QUJD", .invalidPadding, 4),                          // data after padding
        ("QQ==QQ==", .invalidPadding, 4),
        ("QUJDR", .truncated, 5),
        ("QUJDRA", .invalidPadding, 6),                            // missing padding when strict
        ("QUJ*", .invalidCharacter, 3),
        ("QUI=*", .invalidCharacter, 4),
    ] as [(String, Base64DecodingError.Code, Int)])
    func strictPaddingErrors(tier: Base64Tier, testCase: (String, Base64DecodingError.Code, Int)) {
        let (input, code, offset) = testCase
        guard case .error(let error) = outcome(Array(input.utf8), tier: tier) else {
            Issue.record("\(input) accepted")
            return
        }
        #expect(error.code == code, "\(input): \(error)")
        #expect(error.offset == offset, "\(input): \(error)")
    }

    /// An invalid byte planted at a random position gives that exact position on every tier, with
    /// and without the forgiving options.
    @Test(arguments: Base64Tier.available)
    func plantedErrorsAtRandomPositions(tier: Base64Tier) {
        var generator = SplitMix64(seed: 42)
        let invalid: [UInt8] = [0x00, 0x21, 0x2A, 0x2E, 0x3A, 0x40, 0x5B, 0x7B, 0x7F, 0x80, 0xC3, 0xFF, 0x22, 0x2D, 0x5F]
        for round in 0..<600 {
            let length = round < 300 ? round + 1 : Int.random(in: 1...40_000, using: &generator)
            let bytes = randomBytes(length, seed: UInt64(round) &* 31)
            var text = foundationEncoded(bytes)
            let dataEnd = text.firstIndex(of: UInt8(ascii: "=")) ?? text.count
            guard dataEnd > 0 else { continue }
            let position = Int.random(in: 0..<dataEnd, using: &generator)
            let byte = invalid.randomElement(using: &generator)!
            text[position] = byte
            let expected = Outcome.error(Base64DecodingError(code: .invalidCharacter, offset: position, byte: byte))
            #expect(outcome(text, tier: tier) == expected, "round \(round), length \(length), position \(position)")
            #expect(outcome(text, Self.forgiving, tier: tier) == expected, "round \(round), forgiving")
            #expect(outcome(text, tier: tier) == outcome(text, tier: .portable))
        }
    }
}
