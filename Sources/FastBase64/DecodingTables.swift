/// Lookup tables for the portable kernel and the byte-at-a-time slow path, one set per alphabet.
///
/// Built once per process and never freed: 4 KiB of `UInt32` per alphabet, read through raw
/// pointers so the hot loop has no bounds checks or retain/release.
internal final class DecodingTables: @unchecked Sendable {
    // @unchecked: the memory is written only in `init` and read-only afterwards.

    static let standard = DecodingTables(alphabet: Base64Alphabet.standardCharacters)
    static let urlSafe = DecodingTables(alphabet: Base64Alphabet.urlSafeCharacters)

    static func forAlphabet(_ alphabet: Base64Alphabet) -> DecodingTables {
        alphabet.kind == .standard ? standard : urlSafe
    }

    /// Set in every `quanta` entry of a byte that is not in the alphabet; valid entries use only
    /// bits 0-23, so or-ing four lookups keeps this bit if any of them was invalid.
    static let invalidBit: UInt32 = 0x0100_0000

    /// Four tables of 256 entries: entry `c` of table `k` is the sextet of `c` already shifted
    /// to where character `k` of a quantum lands in the 3 output bytes, read as a little-endian
    /// `UInt32`. So a quantum decodes as `t0[c0] | t1[c1] | t2[c2] | t3[c3]`.
    let quanta: UnsafeMutablePointer<UInt32>

    /// Sextet of each byte, or `invalidSextet`.
    let sextets: UnsafeMutablePointer<UInt8>
    static let invalidSextet: UInt8 = 0xFF

    private init(alphabet: [UInt8]) {
        precondition(alphabet.count == 64)
        quanta = .allocate(capacity: 4 * 256)
        quanta.initialize(repeating: 0x01FF_FFFF, count: 4 * 256)
        sextets = .allocate(capacity: 256)
        sextets.initialize(repeating: Self.invalidSextet, count: 256)
        for (value, character) in alphabet.enumerated() {
            let v = UInt32(value)
            let c = Int(character)
            sextets[c] = UInt8(value)
            quanta[c] = v << 2
            quanta[256 + c] = (v >> 4) | ((v & 0x0F) << 12)
            quanta[512 + c] = ((v >> 2) << 8) | ((v & 0x03) << 22)
            quanta[768 + c] = v << 16
        }
    }
}

extension Base64Alphabet {
    static let standardCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let urlSafeCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    var characters: [UInt8] { kind == .standard ? Self.standardCharacters : Self.urlSafeCharacters }
}
