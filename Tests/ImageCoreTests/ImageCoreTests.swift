@testable import ImageCore
import Testing
import TestSupport

@Suite("ImageCore")
struct ImageCoreTests {
    @Test("ImageSize parses WxH and refuses nonsense", arguments: [
        ("1024x768", ImageSize(width: 1024, height: 768)), ("512X512", ImageSize(width: 512, height: 512)),
        ("3×2", ImageSize(width: 3, height: 2)), ("0x5", nil), ("-1x5", nil), ("12", nil), ("axb", nil), ("1x2x3", nil),
    ] as [(String, ImageSize?)])
    func parsesSizes(_ text: String, _ expected: ImageSize?) {
        #expect(ImageSize(parsing: text) == expected)
    }

    @Test("pixel count reports overflow as nil")
    func pixelCountOverflow() {
        #expect(ImageSize(width: Int.max, height: 2).pixelCount == nil)
        #expect(ImageSize(width: 100_000, height: 100_000).pixelCount == 10_000_000_000)
    }

    @Test("limits refuse large and invalid sizes before allocation")
    func limits() throws {
        let limits = DecodeLimits(maxPixels: 1000, maxInputBytes: 10)
        try limits.check(ImageSize(width: 10, height: 100))
        let tooMany = #expect(throws: ImageError.self) { try limits.check(ImageSize(width: 10, height: 101)) }
        #expect(tooMany?.code == .limitExceeded)
        #expect(tooMany?.message.contains("10x101") == true)
        let empty = #expect(throws: ImageError.self) { try limits.check(ImageSize(width: 0, height: 10)) }
        #expect(empty?.code == .invalidSize)
        #expect(throws: ImageError.self) { try limits.checkInput(byteCount: 11) }
        #expect(DecodeLimits.default.maxPixels == 134_217_728)
    }

    @Test("copies share storage until one is mutated")
    func copyOnWrite() throws {
        var first = try Image(size: ImageSize(width: 2, height: 2), format: .rgba8)
        let second = first
        first.withUnsafeMutableBytes { $0[0] = 7 }
        #expect(first.bytes[0] == 7)
        #expect(second.bytes[0] == 0, "the copy kept its own pixels")
        #expect(first != second)
    }

    @Test("byte counts overflow into an error, not a crash")
    func byteCountOverflow() {
        #expect(throws: ImageError.self) { try Image.byteCount(for: ImageSize(width: Int.max / 2, height: 3), format: .rgba8) }
    }

    @Test("format conversions keep samples and make alpha opaque")
    func conversions() throws {
        let rgba = try Image(size: ImageSize(width: 2, height: 1), format: .rgba8, copying: [10, 20, 30, 40, 50, 50, 50, 255])
        #expect(rgba.converted(to: .rgb8).bytes == [10, 20, 30, 50, 50, 50])
        #expect(rgba.converted(to: .gray8).bytes == [10, 50])
        #expect(rgba.converted(to: .grayAlpha8).bytes == [10, 40, 50, 255])
        let gray = try Image(size: ImageSize(width: 2, height: 1), format: .gray8, copying: [3, 4])
        #expect(gray.converted(to: .rgba8).bytes == [3, 3, 3, 255, 4, 4, 4, 255])
        #expect(!rgba.isOpaque)
        #expect(rgba.converted(to: .rgb8).converted(to: .rgba8).isOpaque)
        #expect(!rgba.isGrayscale)
        #expect(gray.converted(to: .rgb8).isGrayscale)
    }

    @Test("isOpaque finds a transparent pixel anywhere", arguments: [0, 1, 7, 8, 9, 63, 64, 99])
    func opaqueScan(_ transparentIndex: Int) throws {
        var image = try Image(size: ImageSize(width: 10, height: 10), format: .rgba8)
        image.withUnsafeMutableBytes { bytes in for index in stride(from: 3, to: bytes.count, by: 4) { bytes[index] = 255 } }
        #expect(image.isOpaque)
        image.withUnsafeMutableBytes { $0[transparentIndex * 4 + 3] = 254 }
        #expect(!image.isOpaque)
    }

    @Test("formats are sniffed from magic bytes", arguments: [
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], ImageFormat.png),
        (Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8), .webp), (Array("P7\nWIDTH 1\n".utf8), .pam),
        ([0xFF, 0xD8, 0xFF, 0xE0], .jpeg), ([0xFF, 0xD8, 0xFF], .jpeg), ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A], nil), (Array("GIF89a".utf8), .gif), (Array("GIF87a".utf8), .gif),
        ([0x49, 0x49, 0x2A, 0x00, 0, 0, 0, 0], .tiff), (Array("\u{0}\u{0}\u{0}\u{1C}ftypavif".utf8), .avif),
        (Array("{\"data\":[]}".utf8), nil), ([], nil), (Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8), nil),
    ] as [([UInt8], ImageFormat?)])
    func sniffing(_ bytes: [UInt8], _ expected: ImageFormat?) {
        #expect(ImageFormat.sniff(bytes) == expected)
    }

    @Test("digests used by the conformance tests match known vectors")
    func digests() {
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(md5Hex(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(md5Hex(Array(repeating: UInt8(ascii: "a"), count: 1000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    /// Digests from Python's hashlib of bytes `(i * 31 + 7) & 0xFF`, at lengths around the
    /// padding boundaries (55/56, 63/64/65, 119/120) and larger.
    @Test("matches hashlib at every padding boundary", arguments: [
        (55, "8aa994584139d128848eeebc4e815639ba5ab6e6e39574195a63ac4f14f7c43b"),
        (56, "ad574708f75c044c9b85de64cb568ee7711ff4f36448c6242f053ba8f6cc2b63"),
        (63, "280ed3e8ff1df845b2e7dfe6ac6cee817bef20e783cc65abc41b818b4d2fe076"),
        (64, "c6ab9724ade5b6a7a1edfffb12f3aa9181351355af8fd08c919952ad211339dd"),
        (65, "788367c73c7ddf4c53f65e68cc0d943e6227ab55b0e78ba63ace822b1c6301c0"),
        (119, "3d610547d68216dedf7435a4fb6260353911f6b3fd3f18805ddb8be285d726fe"),
        (120, "1f80156a804cb7862ad113e8200e9d74499723e7c7854d5f48776d3148e09656"),
        (128, "cc548ca2dec1f6fe4f58b2e27aa9c7521607df1130d140b55a4dad0665302356"),
        (1000, "5097e7d587352f5097062ae679f37bda5802d9f875aba14c8cb4d1a188ada179"),
        (100003, "2a1683cff214df29e77df156a515258190a1bc11526d41cd2b34e72a23b6b7d6"),
    ])
    func boundaries(_ length: Int, _ expected: String) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(SHA256.hex(of: bytes) == expected)
        #expect(SHA256.portableHex(of: bytes) == expected)  // the portable code too, where SHA-NI runs the other
    }

    @Test("the SHA extensions and the portable code agree on random inputs of every length 0–300")
    func tiersAgree() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(SHA256.hex(of: bytes) == SHA256.portableHex(of: bytes), "length \(length)")
        }
    }

    @Test("fed in pieces of every size 1–130 (block edges and the 56-byte padding boundary), the digest is the one-shot digest")
    func pieces() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let expected = SHA256.hex(of: bytes)
        for piece in 1...130 {
            var hasher = SHA256.Hasher()
            bytes.withUnsafeBytes { buffer in
                for start in stride(from: 0, to: buffer.count, by: piece) {
                    hasher.update(UnsafeRawBufferPointer(rebasing: buffer[start..<min(start + piece, buffer.count)]))
                }
            }
            #expect(hasher.finalize() == expected, "pieces of \(piece)")
        }
        for length in [0, 55, 56, 63, 64, 119, 120] {
            var hasher = SHA256.Hasher()
            Array(bytes.prefix(length)).withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalize() == SHA256.hex(of: Array(bytes.prefix(length))), "length \(length)")
        }
    }

    @Test("FIPS 180-2 vector: one million 'a'")
    func million() {
        #expect(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
