import FastBase64
import Foundation
import Testing
import TestSupport

@Suite struct EncoderTests {
    @Test func rfc4648TestVectors() throws {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64Encoder().encodeToString(Array(plain.utf8)) == encoded)
            #expect(Base64Encoder(options: .init(includesPadding: false)).encodeToString(Array(plain.utf8))
                == encoded.replacingOccurrences(of: "=", with: ""))
            #expect(try Base64Decoder().decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func everyLengthUpTo300MatchesFoundationAndRoundTrips() throws {
        for length in Array(0...300) + [1 << 20, (1 << 20) + 2] {
            let bytes = randomBytes(length, seed: 5000 + UInt64(length))
            let encoded = Base64Encoder().encode(bytes)
            #expect(encoded == foundationEncoded(bytes), "length \(length)")
            #expect(encoded.count == Base64Encoder().encodedLength(forByteCount: length))
            for tier in Base64Tier.available {
                #expect(try Base64Decoder(tier: tier).decode(encoded) == bytes)
            }

            let urlSafe = Base64Encoder(options: .init(alphabet: .urlSafe, includesPadding: false))
            let urlEncoded = urlSafe.encode(bytes)
            let expected = encoded.compactMap { byte -> UInt8? in
                switch byte {
                case UInt8(ascii: "+"): UInt8(ascii: "-")
                case UInt8(ascii: "/"): UInt8(ascii: "_")
                case UInt8(ascii: "="): nil
                default: byte
                }
            }
            #expect(urlEncoded == expected)
            #expect(urlEncoded.count == urlSafe.encodedLength(forByteCount: length))
            #expect(try Base64Decoder(options: .init(alphabet: .urlSafe, padding: .optional)).decode(urlEncoded) == bytes)
        }
    }

    @Test func encodesIntoACallerBuffer() {
        let bytes = Array("imagepipe".utf8)
        var output = [UInt8](repeating: 0, count: 16)
        let count = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { Base64Encoder().encode($0, into: out) }
        }
        #expect(count == 12)
        #expect(Array(output[0..<count]) == Array("aW1hZ2VwaXBl".utf8))
    }

    @Test func maximumDecodedLength() {
        #expect(Base64Decoder.maximumDecodedLength(forEncodedLength: 0) == 0)
        #expect(Base64Decoder.maximumDecodedLength(forEncodedLength: 1) == 0)
        #expect(Base64Decoder.maximumDecodedLength(forEncodedLength: 2) == 1)
        #expect(Base64Decoder.maximumDecodedLength(forEncodedLength: 3) == 2)
        #expect(Base64Decoder.maximumDecodedLength(forEncodedLength: 4) == 3)
        #expect(Base64Decoder.maximumDecodedLength(forEncodedLength: 1_000_003) == 750_002)
    }

    @Test func errorDescriptionNamesKindAndPlace() {
        #expect("\(Base64DecodingError(code: .invalidCharacter, offset: 4, byte: 0x2A))" == "invalid character 0x2A at byte 4")
        #expect("\(Base64DecodingError(code: .truncated, offset: 9))" == "truncated input at byte 9")
    }
}
