import ImageCore

/// Netpbm PAM (`P7`): uncompressed samples behind a text header, imagepipe's raw interchange format.
///
/// The encoder writes RGBA with exactly the header `dwebp -pam` writes
/// (`P7\nWIDTH w\nHEIGHT h\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n`), so its output can
/// be compared byte for byte with libwebp's reference md5s. The decoder reads depths 1–4 with any
/// MAXVAL up to 65535 (scaled to 8 bits with rounding).
public enum PAMCodec {
    /// The header fields of a PAM file.
    struct Header {
        var size: ImageSize
        var depth: Int
        var maxValue: Int
        var tupleType: String
        var dataOffset: Int
    }

    /// Reads the PAM header.
    public static func probe(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        info(try readHeader(bytes))
    }

    private static func info(_ header: Header) -> ImageInfo {
        let colorModel: ImageInfo.ColorModel = [.gray, .grayAlpha, .rgb, .rgba][header.depth - 1]
        return ImageInfo(
            format: .pam, size: header.size, colorModel: colorModel, hasAlpha: header.depth == 2 || header.depth == 4,
            bitDepth: header.maxValue < 256 ? bitsNeeded(header.maxValue) : 16, compression: .none
        )
    }

    private static func bitsNeeded(_ maxValue: Int) -> Int {
        var bits = 1
        while (1 << bits) - 1 < maxValue { bits += 1 }
        return bits
    }

    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws -> Header {
        guard bytes.matches("P7\n", at: 0) else {
            throw ImageCodecError(.invalidSignature, "not a PAM file: it does not start with \"P7\\n\"", at: 0)
        }
        var fields: [String: String] = [:]
        var offset = 3
        let headerLimit = min(bytes.count, 4096)
        while true {
            guard let newline = (offset..<headerLimit).first(where: { bytes[$0] == 0x0A }) else {
                throw ImageCodecError(bytes.count < 4096 ? .truncated : .invalidHeader, "PAM header has no ENDHDR line within its first \(headerLimit) bytes", at: offset)
            }
            let line = String(decoding: bytes[offset..<newline], as: UTF8.self).trimmingWhitespace()
            let lineStart = offset
            offset = newline + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line == "ENDHDR" { break }
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else {
                throw ImageCodecError(.invalidHeader, "PAM header line \"\(line)\" at byte \(lineStart) has no value", at: lineStart)
            }
            fields[String(parts[0]), default: ""] += (fields[String(parts[0])] == nil ? "" : " ") + parts[1].trimmingWhitespace()
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = fields[name] else {
                throw ImageCodecError(.invalidHeader, "PAM header has no \(name) field")
            }
            guard let value = Int(text), range.contains(value) else {
                throw ImageCodecError(.invalidHeader, "PAM \(name) \"\(text)\" is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return value
        }
        let width = try integer("WIDTH", 1...0x7FFF_FFFF)
        let height = try integer("HEIGHT", 1...0x7FFF_FFFF)
        let depth = try integer("DEPTH", 1...4)
        let maxValue = try integer("MAXVAL", 1...65535)
        return Header(size: ImageSize(width: width, height: height), depth: depth, maxValue: maxValue,
                      tupleType: fields["TUPLTYPE"] ?? "", dataOffset: offset)
    }

    /// Decodes a PAM file.
    ///
    /// - Parameter forceRGBA: expand to RGBA8 whatever the depth.
    /// - Returns: Gray8, GrayAlpha8, RGB8 or RGBA8 from DEPTH 1–4.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits = .default, forceRGBA: Bool = false) throws -> Image {
        try decodeWithInfo(bytes, limits: limits, forceRGBA: forceRGBA).image
    }

    /// ``decode(_:limits:forceRGBA:)`` that also returns the header's findings.
    static func decodeWithInfo(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits, forceRGBA: Bool) throws -> DecodedImage {
        try limits.enforceInput(byteCount: bytes.count)
        let header = try readHeader(bytes)
        try limits.enforce(header.size)
        let format: PixelFormat = [.gray8, .grayAlpha8, .rgb8, .rgba8][header.depth - 1]
        let bytesPerSample = header.maxValue < 256 ? 1 : 2
        let sampleCount = header.size.width * header.size.height * header.depth
        let needed = sampleCount * bytesPerSample
        guard bytes.count - header.dataOffset >= needed else {
            throw ImageCodecError(.truncated, "PAM pixel data ends at byte \(bytes.count), \(needed - (bytes.count - header.dataOffset)) bytes short of \(header.size) x \(header.depth) samples", at: bytes.count)
        }
        let maxValue = header.maxValue
        let image = Image(size: header.size, format: format) { (output: UnsafeMutableRawBufferPointer) in
            let data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset..<header.dataOffset + needed])
            if bytesPerSample == 1 && maxValue == 255 {
                output.copyMemory(from: data)
                return
            }
            for index in 0..<sampleCount {
                let value = bytesPerSample == 1 ? Int(data[index]) : Int(data[2 * index]) << 8 | Int(data[2 * index + 1])
                output[index] = UInt8(clamping: (min(value, maxValue) * 255 + maxValue / 2) / maxValue)
            }
        }
        return DecodedImage(info: info(header), image: forceRGBA ? image.converted(to: .rgba8) : image)
    }

    /// Encodes an image as a PAM with the `dwebp -pam` header (always RGBA, MAXVAL 255).
    public static func encode(_ image: Image) -> [UInt8] {
        let rgba = image.converted(to: .rgba8)
        let header = "P7\nWIDTH \(image.size.width)\nHEIGHT \(image.size.height)\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n"
        var output = [UInt8]()
        output.reserveCapacity(header.utf8.count + rgba.byteCount)
        output.append(contentsOf: header.utf8)
        rgba.withUnsafeBytes { output.append(contentsOf: $0) }
        return output
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
