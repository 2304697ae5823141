// Fixed-width integer fields of file headers, read at a byte offset, for the parsers of every
// module of the package (codecs, colour profiles). Callers check bounds first; the loads are
// unaligned-safe.
extension UnsafeRawBufferPointer {
    @inline(__always)
    package func uint32BigEndian(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    package func uint16BigEndian(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    @inline(__always)
    package func uint32LittleEndian(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    package func uint24LittleEndian(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
    }

    @inline(__always)
    package func uint16LittleEndian(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    /// The four bytes at `offset` as text, for chunk and FourCC names (`"IHDR"`, `"VP8X"`).
    package func fourCC(at offset: Int) -> String {
        String(decoding: self[offset..<offset + 4], as: UTF8.self)
    }

    /// Whether the bytes at `offset` equal the ASCII string `tag`.
    package func matches(_ tag: StaticString, at offset: Int) -> Bool {
        let count = tag.utf8CodeUnitCount
        guard offset >= 0, offset + count <= self.count else { return false }
        let pointer = tag.utf8Start
        for index in 0..<count where self[offset + index] != pointer[index] { return false }
        return true
    }
}
