/// 64-bit FNV-1a: a hash that is the same in every process, unlike `Hasher`, which is seeded
/// randomly per process. Seeds the procedural images, so one request gives one image everywhere.
struct StableHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
    }

    /// Adds `number` as 8 little-endian bytes.
    mutating func combine(_ number: UInt64) {
        var rest = number
        for _ in 0..<8 {
            value ^= rest & 0xff
            value &*= 0x0000_0100_0000_01b3
            rest >>= 8
        }
    }
}

/// SplitMix64: a small, fast generator whose sequence depends only on its seed.
///
/// The helpers below (``unit()``, ``below(_:)``) are written out instead of using the standard
/// library's `random(in:using:)`, whose mapping from bits to values is not promised to stay the same.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform value in `0 ..< 1` with 53 bits of precision.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform `Float` in `range`.
    mutating func float(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + Float(unit()) * (range.upperBound - range.lowerBound)
    }

    /// A value in `0 ..< bound` (with negligible modulo bias for the small bounds used here).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }
}
