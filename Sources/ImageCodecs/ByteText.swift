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
