import ImageCore

// SHA-256 and MD5 for comparing decoded pixels with answer keys (PngSuite's sha256, libwebp's md5).
// SHA-256 is ImageCore's (also used for provenance); MD5 (RFC 1321) lives only here. Both are
// checked against known vectors in ImageCoreTests.

/// The SHA-256 digest of `bytes` as lowercase hex (ImageCore's ``SHA256``).
public func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
    SHA256.hex(of: Array(bytes))
}

/// The MD5 digest of `bytes` as lowercase hex.
public func md5Hex(_ bytes: some Collection<UInt8>) -> String {
    let s: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                       5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                       4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                       6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    let k: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4294967296.0)) }
    var a0: UInt32 = 0x67452301, b0: UInt32 = 0xefcdab89, c0: UInt32 = 0x98badcfe, d0: UInt32 = 0x10325476
    var message = Array(bytes)
    let bitLength = UInt64(message.count) * 8
    message.append(0x80)
    while message.count % 64 != 56 { message.append(0) }
    for shift in stride(from: 0, to: 64, by: 8) { message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
    var m = [UInt32](repeating: 0, count: 16)
    for block in stride(from: 0, to: message.count, by: 64) {
        for i in 0..<16 {
            m[i] = UInt32(message[block + 4 * i]) | UInt32(message[block + 4 * i + 1]) << 8
                | UInt32(message[block + 4 * i + 2]) << 16 | UInt32(message[block + 4 * i + 3]) << 24
        }
        var (a, b, c, d) = (a0, b0, c0, d0)
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ k[i] &+ m[g]
            a = d; d = c; c = b
            b = b &+ ((f << s[i]) | (f >> (32 - s[i])))
        }
        a0 &+= a; b0 &+= b; c0 &+= c; d0 &+= d
    }
    return [a0, b0, c0, d0].map { word in
        (0..<4).map { index -> String in
            let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt32(index)))
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }.joined()
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
