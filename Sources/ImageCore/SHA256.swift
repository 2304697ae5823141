internal import CDigestKernels

/// SHA-256 (FIPS 180-4) of bytes in memory, for the content digests in sidecars and manifests.
///
/// Dependency-free and allocation-free per block: the digest of an 8 MB image takes a few tens of
/// milliseconds, small beside encoding it.
///
/// ```swift
/// let digest = SHA256.hex(of: bytes)   // "e3b0c442…" for no bytes
/// ```
public enum SHA256 {
    /// The digest of `bytes` as 64 lowercase hex digits.
    public static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        hex(digest(bytes))
    }

    private static func hex(_ state: [UInt32]) -> String {
        var text = ""
        text.reserveCapacity(64)
        for word in state {
            let digits = String(word, radix: 16)
            text += String(repeating: "0", count: 8 - digits.count) + digits
        }
        return text
    }

    /// The digest of a byte array as 64 lowercase hex digits.
    public static func hex(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex(of: $0) }
    }

    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// Whether the SHA extensions run the compression (x86-64 since Zen and Ice Lake: about ten
    /// times the portable code's speed).
    public static let usesHardware = ipd_sha256_hardware_available() == 1

    private static func digest(_ bytes: UnsafeRawBufferPointer, hardware: Bool = usesHardware) -> [UInt32] {
        if hardware { return hardwareDigest(bytes) }
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
        let wholeBlocks = bytes.count / 64
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for block in 0..<wholeBlocks {
                    compress(UnsafeRawBufferPointer(rebasing: bytes[block * 64..<block * 64 + 64]), &state, k, w)
                }
                // The tail: the remaining bytes, 0x80, zeros, and the bit length, in one or two blocks.
                var tail = [UInt8](repeating: 0, count: 128)
                let remaining = bytes.count - wholeBlocks * 64
                for index in 0..<remaining { tail[index] = bytes[wholeBlocks * 64 + index] }
                tail[remaining] = 0x80
                let tailBlocks = remaining < 56 ? 1 : 2
                let bitLength = UInt64(bytes.count) &* 8
                for index in 0..<8 { tail[tailBlocks * 64 - 1 - index] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(index))) }
                tail.withUnsafeBytes { tail in
                    for block in 0..<tailBlocks {
                        compress(UnsafeRawBufferPointer(rebasing: tail[block * 64..<block * 64 + 64]), &state, k, w)
                    }
                }
            }
        }
        return [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
    }

    private static func hardwareDigest(_ bytes: UnsafeRawBufferPointer) -> [UInt32] {
        var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        let wholeBlocks = bytes.count / 64
        var tail = [UInt8](repeating: 0, count: 128)
        let remaining = bytes.count - wholeBlocks * 64
        for index in 0..<remaining { tail[index] = bytes[wholeBlocks * 64 + index] }
        tail[remaining] = 0x80
        let tailBlocks = remaining < 56 ? 1 : 2
        let bitLength = UInt64(bytes.count) &* 8
        for index in 0..<8 { tail[tailBlocks * 64 - 1 - index] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(index))) }
        state.withUnsafeMutableBufferPointer { state in
            if wholeBlocks > 0 {
                ipd_sha256_compress_hardware(state.baseAddress, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), wholeBlocks)
            }
            tail.withUnsafeBufferPointer { ipd_sha256_compress_hardware(state.baseAddress, $0.baseAddress, tailBlocks) }
        }
        return state
    }

    /// The digest by the portable Swift code even where the SHA extensions exist (the baseline
    /// of `imagepipe bench codecs`, and a cross-check in tests).
    public static func portableHex(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex(digest($0, hardware: false)) }
    }

    @inline(__always)
    private static func compress(
        _ block: UnsafeRawBufferPointer,
        _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
        _ k: UnsafeBufferPointer<UInt32>,
        _ w: UnsafeMutableBufferPointer<UInt32>
    ) {
        @inline(__always) func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }
        for i in 0..<16 {
            w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
        for i in 16..<64 {
            let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state
        for i in 0..<64 {
            let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ choice &+ k[i] &+ w[i]
            let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ majority
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
    }
}
