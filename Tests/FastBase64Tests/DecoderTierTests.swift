import FastBase64
import Foundation
import Testing
import TestSupport

/// Every tier this CPU runs, against Foundation and against each other.
@Suite struct DecoderTierTests {
    @Test func tierDetection() {
        #expect(Base64Tier.available.first == .portable)
        #expect(Base64Tier.available.last == .best)
        #expect(Base64Tier.available.allSatisfy { $0.isAvailable })
        #expect(Base64Decoder().tier == .best)
    }

    @Test(arguments: Base64Tier.available)
    func everyLengthUpTo300AgainstFoundation(tier: Base64Tier) throws {
        for length in 0...300 {
            let bytes = randomBytes(length, seed: UInt64(length))
            let text = foundationEncoded(bytes)
            #expect(foundationDecoded(text) == bytes)
            #expect(outcome(text, tier: tier) == .bytes(bytes), "length \(length)")
            // Exactly enough room: the kernels must fall back rather than write past the end.
            #expect(outcome(text, tier: tier, capacity: bytes.count) == .bytes(bytes), "length \(length), exact capacity")
        }
    }

    @Test(arguments: Base64Tier.available)
    func largeInputsAgainstFoundation(tier: Base64Tier) throws {
        for (length, seed) in [(1 << 20, 1), ((1 << 20) + 1, 2), (3 * (1 << 20) / 2 + 2, 3)] as [(Int, UInt64)] {
            let bytes = randomBytes(length, seed: seed)
            let text = foundationEncoded(bytes)
            let decoded = try Base64Decoder(tier: tier).decode(text)
            #expect(decoded == bytes)
            #expect(foundationDecoded(text) == decoded)
        }
    }

    @Test(arguments: Base64Tier.available)
    func urlSafeAlphabet(tier: Base64Tier) throws {
        let options = Base64DecodingOptions(alphabet: .urlSafe)
        for length in [0, 1, 2, 3, 47, 48, 100, 255, 1000, 4099] {
            let bytes = randomBytes(length, seed: 77 + UInt64(length))
            let standard = foundationEncoded(bytes)
            let urlSafe = standard.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }
            #expect(try Base64Decoder(options: options, tier: tier).decode(urlSafe) == bytes)
            // Each alphabet rejects the other's two characters, at their first occurrence.
            if let first = standard.firstIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") }) {
                #expect(outcome(standard, options, tier: tier)
                    == .error(Base64DecodingError(code: .invalidCharacter, offset: first, byte: standard[first])))
            }
            if let first = urlSafe.firstIndex(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) {
                #expect(outcome(urlSafe, tier: tier)
                    == .error(Base64DecodingError(code: .invalidCharacter, offset: first, byte: urlSafe[first])))
            }
        }
    }

    /// Every byte value at every position of a 64-character stretch: checks the kernels' lookup
    /// tables against the alphabet for all 256 values, and the stop position inside a block.
    @Test(arguments: Base64Tier.available)
    func everyByteValueAtEveryPosition(tier: Base64Tier) {
        for alphabet in [Base64Alphabet.standard, .urlSafe] {
            let characters = Set(Array(ascii: alphabet == .standard
                ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
            let options = Base64DecodingOptions(alphabet: alphabet)
            for value in 0...255 {
                let byte = UInt8(value)
                for position in [0, 1, 2, 3, 5, 31, 32, 33, 63, 64, 100, 127, 131] {
                    var text = [UInt8](repeating: UInt8(ascii: "Q"), count: 136)
                    text[position] = byte
                    let result = outcome(text, options, tier: tier)
                    if characters.contains(byte) {
                        // The values themselves are checked by everyAlphabetCharacterDecodesToItsValue.
                        guard case .bytes(let bytes) = result, bytes.count == 102 else {
                            Issue.record("byte \(value) at \(position): \(result)")
                            continue
                        }
                    } else {
                        let code: Base64DecodingError.Code = byte == UInt8(ascii: "=") ? .invalidPadding : .invalidCharacter
                        let expected = Base64DecodingError(code: code, offset: position, byte: byte)
                        if byte == UInt8(ascii: "=") && position % 4 >= 2 {
                            // A correct-looking pad then data after it: rejected at the data.
                            guard case .error(let error) = result, error.code == .invalidPadding else {
                                Issue.record("byte \(value) at \(position): \(result)")
                                continue
                            }
                        } else if result != .error(expected) {
                            Issue.record("byte \(value) at \(position): \(result), expected \(expected)")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Base64Tier.available)
    func everyAlphabetCharacterDecodesToItsValue(tier: Base64Tier) throws {
        // 64 characters in order, repeated so that the kernels see whole blocks of them.
        for alphabet in [Base64Alphabet.standard, .urlSafe] {
            let characters = Array(ascii: alphabet == .standard
                ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            let text = Array([[UInt8]](repeating: characters, count: 8).joined())
            var expected: [UInt8] = []
            for quantum in stride(from: 0, to: 64, by: 4) {
                let bits = UInt32(quantum) << 18 | UInt32(quantum + 1) << 12 | UInt32(quantum + 2) << 6 | UInt32(quantum + 3)
                expected += [UInt8(bits >> 16), UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits)]
            }
            let decoded = try Base64Decoder(options: .init(alphabet: alphabet), tier: tier).decode(text)
            #expect(decoded == Array([[UInt8]](repeating: expected, count: 8).joined()))
        }
    }

    @Test(arguments: Base64Tier.available)
    func outputTooSmallIsReportedAtTheQuantumThatDoesNotFit(tier: Base64Tier) {
        let bytes = randomBytes(300, seed: 9)
        let text = foundationEncoded(bytes)
        for capacity in [0, 1, 2, 3, 4, 47, 48, 100, 200, 298, 299] {
            // Quantum q (bytes 3q..<3q+3) is completed by character 4q+3.
            let firstMissing = capacity / 3
            let expected = Base64DecodingError(code: .outputTooSmall, offset: 4 * firstMissing + 3, byte: text[4 * firstMissing + 3])
            #expect(outcome(text, tier: tier, capacity: capacity) == .error(expected), "capacity \(capacity)")
        }
        #expect(outcome(text, tier: tier, capacity: 300) == .bytes(bytes))
    }

    /// The AVX-512 kernel can only run where the CPU has it; elsewhere this test is skipped, and
    /// the parameterised tests above simply do not list the tier.
    @Test(.enabled(if: Base64Tier.avx512VBMI.isAvailable, "this CPU has no AVX-512 VBMI: the avx512VBMI kernel was not run"))
    func avx512MatchesPortable() throws {
        for length in [0, 63, 64, 65, 127, 128, 129, 1000, 100_003] {
            let bytes = randomBytes(length, seed: 512 + UInt64(length))
            let text = foundationEncoded(bytes)
            #expect(try Base64Decoder(tier: .avx512VBMI).decode(text) == bytes)
        }
    }
}
