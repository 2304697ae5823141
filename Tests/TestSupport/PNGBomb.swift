/// PNG zlib bombs built in memory (a 4 MB file that inflates to hundreds of megabytes is not
/// committed): a valid image of zero bytes whose IDAT stream goes on producing zeros.
///
/// The stream is one fixed-Huffman deflate block: a literal zero, then (length 258, distance 1)
/// matches, 13 bits each, so the compressed body repeats a 13-byte pattern that inflates to
/// 2064 bytes (about 160:1; zlib's own output reaches 1032:1, but needs a dynamic block).
public enum PNGBomb {
    /// A PNG of `width`x`height` (8-bit, IHDR `colorType`) whose image data inflates to at
    /// least `inflatedBytes` zero bytes, in IDAT chunks of at most `chunkSize` bytes.
    public static func png(width: Int, height: Int, colorType: UInt8, inflatedBytes: Int, chunkSize: Int = Int.max) -> [UInt8] {
        let stream = zlibZeros(atLeast: inflatedBytes)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        appendChunk(&out, "IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, colorType, 0, 0, 0])
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + chunkSize)
            appendChunk(&out, "IDAT", Array(stream[offset..<end]))
            offset = end
        }
        appendChunk(&out, "IEND", [])
        return out
    }

    /// A zlib stream of at least `count` zero bytes (exactly 259 + 2064·k).
    public static func zlibZeros(atLeast count: Int) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)  // final block
        bits.write(1, count: 2)  // fixed Huffman codes
        bits.writeCode(0x30, length: 8)  // literal 0
        func match() {
            bits.writeCode(0xC5, length: 8)  // length 258 (symbol 285)
            bits.writeCode(0, length: 5)  // distance 1
        }
        match()  // 3 + 8 + 13 bits: byte-aligned from here
        var pattern = BitWriter()
        swap(&bits, &pattern)
        for _ in 0..<8 { match() }
        swap(&bits, &pattern)
        let groups = max(0, (count - 259 + 2063) / 2064)
        bits.bytes.reserveCapacity(bits.bytes.count + groups * 13 + 8)
        for _ in 0..<groups { bits.bytes += pattern.bytes }
        bits.writeCode(0, length: 7)  // end of block
        bits.flush()
        let total = 259 + 2064 * groups
        // Adler-32 of zeros: a stays 1, b adds 1 a byte.
        let adler = UInt32(total % 65_521) << 16 | 1
        return [0x78, 0x01] + bits.bytes + bigEndian(adler)
    }

    /// Appends a chunk with its length and CRC.
    public static func appendChunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        let typed = Array(type.utf8) + data
        out += bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    public static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    /// The PNG chunk CRC (CRC-32) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    /// Deflate's bit order: values least significant bit first, Huffman codes most significant first.
    private struct BitWriter {
        var bytes: [UInt8] = []
        var pending: UInt32 = 0
        var pendingCount = 0

        mutating func write(_ value: UInt32, count: Int) {
            for bit in 0..<count { push(value >> bit & 1) }
        }

        mutating func writeCode(_ code: UInt32, length: Int) {
            for bit in stride(from: length - 1, through: 0, by: -1) { push(code >> bit & 1) }
        }

        mutating func flush() {
            if pendingCount > 0 { bytes.append(UInt8(pending)) }
            pending = 0
            pendingCount = 0
        }

        private mutating func push(_ bit: UInt32) {
            pending |= bit << pendingCount
            pendingCount += 1
            if pendingCount == 8 { flush() }
        }
    }
}
