// Fixed-width integer fields of file headers, read at a byte offset. Callers check bounds first;
// the loads are unaligned-safe.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func uint32BigEndian(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func uint32LittleEndian(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func uint24LittleEndian(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
    }

    @inline(__always)
    func uint16LittleEndian(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    /// The four bytes at `offset` as text, for chunk and FourCC names (`"IHDR"`, `"VP8X"`).
    func fourCC(at offset: Int) -> String {
        String(decoding: self[offset..<offset + 4], as: UTF8.self)
    }

    /// Whether the bytes at `offset` equal the ASCII string `tag`.
    func matches(_ tag: StaticString, at offset: Int) -> Bool {
        let count = tag.utf8CodeUnitCount
        guard offset >= 0, offset + count <= self.count else { return false }
        let pointer = tag.utf8Start
        for index in 0..<count where self[offset + index] != pointer[index] { return false }
        return true
    }
}

// Numbers and bytes as shown in error messages.

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: false)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

func hex8(_ value: UInt8) -> String {
    let digits = String(value, radix: 16, uppercase: false)
    return "0x" + (digits.count == 1 ? "0" : "") + digits
}

/// Chunk or FourCC names shown in messages, with non-printable bytes escaped.
func printable(_ bytes: UnsafeRawBufferPointer, _ offset: Int, count: Int = 4) -> String {
    guard offset + count <= bytes.count else { return "(end of data)" }
    let characters = (offset..<offset + count).map { index -> String in
        let byte = bytes[index]
        return (0x20...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(hex8(byte).dropFirst(2))
    }
    return "\"" + characters.joined() + "\""
}
