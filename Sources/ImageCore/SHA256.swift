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

    fileprivate static func hex(_ state: [UInt32]) -> String {
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

    /// Whether the SHA extensions run the compression (x86-64 since Zen and Ice Lake: about ten
    /// times the portable code's speed).
    public static let usesHardware = ipd_sha256_hardware_available() == 1

    /// Pads and compresses `bytes`: whole blocks straight from the input, then the tail (the
    /// remaining bytes, 0x80, zeros and the bit length, in one or two blocks), by the SHA
    /// extensions or the portable code.
    private static func digest(_ bytes: UnsafeRawBufferPointer, hardware: Bool = usesHardware) -> [UInt32] {
        var hasher = Hasher(hardware: hardware)
        hasher.update(bytes)
        return hasher.finalState()
    }

    /// A digest fed in pieces (a file read in chunks): the same digest as of the pieces joined.
    ///
    /// ```swift
    /// var hasher = SHA256.Hasher()
    /// for chunk in chunks { chunk.withUnsafeBytes { hasher.update($0) } }
    /// let digest = hasher.finalize()
    /// ```
    public struct Hasher: Sendable {
        private var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        /// Bytes of an incomplete block, waiting for the next piece.
        private var pending: [UInt8] = []
        private var count: UInt64 = 0
        private let hardware: Bool

        /// A hasher with no bytes yet.
        public init() {
            self.init(hardware: SHA256.usesHardware)
        }

        init(hardware: Bool) {
            self.hardware = hardware
            pending.reserveCapacity(64)
        }

        /// Adds `bytes`: whole blocks are compressed straight from them.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            count &+= UInt64(bytes.count)
            var start = 0
            if !pending.isEmpty {
                let taken = min(64 - pending.count, bytes.count)
                pending += bytes[0..<taken]
                start = taken
                guard pending.count == 64 else { return }
                let block = pending
                block.withUnsafeBytes { compress($0) }
                pending.removeAll(keepingCapacity: true)
            }
            let whole = (bytes.count - start) / 64 * 64
            compress(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + whole)]))
            pending += bytes[(start + whole)...]
        }

        /// The digest of everything added, as 64 lowercase hex digits.
        public consuming func finalize() -> String {
            SHA256.hex(finalState())
        }

        /// Pads the pending bytes with 0x80, zeros and the bit length, and compresses them.
        mutating func finalState() -> [UInt32] {
            var tail = [UInt8](repeating: 0, count: 128)
            for (index, byte) in pending.enumerated() { tail[index] = byte }
            tail[pending.count] = 0x80
            let tailBytes = pending.count < 56 ? 64 : 128
            let bitLength = count &* 8
            for index in 0..<8 { tail[tailBytes - 1 - index] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(index))) }
            tail.withUnsafeBytes { compress(UnsafeRawBufferPointer(rebasing: $0[..<tailBytes])) }
            return state
        }

        private mutating func compress(_ blocks: UnsafeRawBufferPointer) {
            guard !blocks.isEmpty else { return }
            let hardware = self.hardware
            state.withUnsafeMutableBufferPointer { state in
                if hardware {
                    ipd_sha256_compress_hardware(state.baseAddress, blocks.baseAddress!.assumingMemoryBound(to: UInt8.self), blocks.count / 64)
                } else {
                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                        SHA256.compressPortably(blocks, state, schedule)
                    }
                }
            }
        }
    }

    /// The digest by the portable Swift code even where the SHA extensions exist (the baseline
    /// of `imagepipe bench codecs`, and a cross-check in tests).
    public static func portableHex(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex(digest($0, hardware: false)) }
    }

    /// The portable compression of whole 64-byte blocks into `state`.
    fileprivate static func compressPortably(
        _ blocks: UnsafeRawBufferPointer, _ stateWords: UnsafeMutableBufferPointer<UInt32>,
        _ w: UnsafeMutableBufferPointer<UInt32>
    ) {
        var state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3], stateWords[4], stateWords[5], stateWords[6], stateWords[7])
        withUnsafePointer(to: ipd_sha256_round_constants) {
            $0.withMemoryRebound(to: UInt32.self, capacity: 64) { constants in
                let k = UnsafeBufferPointer(start: constants, count: 64)
                for start in stride(from: 0, to: blocks.count, by: 64) {
                    compress(UnsafeRawBufferPointer(rebasing: blocks[start..<start + 64]), &state, k, w)
                }
            }
        }
        (stateWords[0], stateWords[1], stateWords[2], stateWords[3], stateWords[4], stateWords[5], stateWords[6], stateWords[7]) = state
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
