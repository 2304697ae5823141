import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// Round trips, encoder choices, limits and corrupt input on the project's own fixtures.
@Suite("Codecs on fixtures")
struct CodecTests {
    static let decoder = ImageDecoder()

    static func decode(_ name: String, rgba: Bool = false) throws -> Image {
        try ImageDecoder(forceRGBA: rgba).decode(TestPaths.fixture(name))
    }

    /// The PNG color type byte of IHDR.
    static func pngColorType(_ bytes: [UInt8]) -> UInt8 { bytes[25] }

    @Test("PNG round trip is lossless for every pixel format", arguments: PixelFormat.allCases)
    func pngRoundTrip(_ format: PixelFormat) throws {
        let image = try Self.decode("disc-rgba.png").converted(to: format)
        let encoded = try image.encoded(as: .png(PNGEncodeOptions()))
        let back = try ImageDecoder(forceRGBA: true).decode(encoded)
        #expect(back == image.converted(to: .rgba8))
    }

    @Test("PNG writes the smallest faithful color type", arguments: [
        ("disc-rgba.png", UInt8(6)), ("opaque-rgba.png", 2), ("gray-as-rgb.png", 0), ("gradient-rgb.png", 2), ("gray.png", 0),
    ])
    func pngColorTypeReduction(_ name: String, _ expected: UInt8) throws {
        let image = try Self.decode(name, rgba: true)
        let encoded = try image.encoded(as: .png(PNGEncodeOptions()))
        #expect(Self.pngColorType(encoded) == expected)
        #expect(try ImageDecoder(forceRGBA: true).decode(encoded) == image)
        let kept = try PNGCodec.encode(image, options: PNGEncodeOptions(reduceColorType: false))
        #expect(Self.pngColorType(kept) == 6)
    }

    @Test("PNG levels and filters change the size, never the pixels")
    func pngLevelsAndFilters() throws {
        let image = try Self.decode("gradient-rgb.png")
        var sizes: [Int] = []
        for level in [0, 1, 6, 9] {
            let encoded = try PNGCodec.encode(image, options: PNGEncodeOptions(compressionLevel: level))
            #expect(try Self.decoder.decode(encoded) == image)
            sizes.append(encoded.count)
        }
        #expect(sizes[0] > sizes[1] && sizes[1] >= sizes[3], "level 0 stores, higher levels compress: \(sizes)")
        #expect(sizes[0] >= image.byteCount)
        for filter in PNGEncodeOptions.Filter.allCases {
            let encoded = try PNGCodec.encode(image, options: PNGEncodeOptions(filter: filter))
            #expect(try Self.decoder.decode(encoded) == image, "\(filter)")
        }
        #expect(throws: ImageCodecError.self) { try PNGCodec.encode(image, options: PNGEncodeOptions(compressionLevel: 10)) }
    }

    @Test("PNG text chunks are written as tEXt or iTXt")
    func pngText() throws {
        let image = try Self.decode("one-pixel.png")
        let encoded = try PNGCodec.encode(image, options: PNGEncodeOptions(textChunks: [
            .init(key: "Software", value: "imagepipe"), .init(key: "Description", value: "un café ☕"),
        ]))
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("tEXtSoftware\u{0}imagepipe"))
        #expect(text.contains("iTXtDescription"))
        #expect(text.contains("un café ☕"))
        #expect(try Self.decoder.decode(encoded) == image)
    }

    @Test("WebP lossless with exact colors round-trips every pixel")
    func webpLosslessRoundTrip() throws {
        let image = try Self.decode("disc-rgba.png")
        let encoded = try WebPCodec.encode(image, options: WebPEncodeOptions(lossless: true, exact: true))
        let back = try Self.decoder.decode(encoded)
        #expect(back == image)
        let info = try Self.decoder.probe(encoded)
        #expect(info.compression == .lossless && info.hasAlpha)
    }

    @Test("WebP defaults follow cwebp: lossy quality 80, lossless effort 75, method 4")
    func webpDefaults() {
        #expect(WebPEncodeOptions().quality == 80)
        #expect(WebPEncodeOptions(lossless: true).quality == 75)
        #expect(WebPEncodeOptions(lossless: true, quality: 100).quality == 100)
        #expect(WebPEncodeOptions().method == 4)
    }

    @Test("WebP lossy stays close to the source and grows with quality")
    func webpLossy() throws {
        let image = try Self.decode("gradient-rgb.png")
        let low = try WebPCodec.encode(image, options: WebPEncodeOptions(quality: 20))
        let high = try WebPCodec.encode(image, options: WebPEncodeOptions(quality: 95, method: 6))
        #expect(low.count < high.count)
        let back = try Self.decoder.decode(high)
        #expect(back.format == .rgb8 && back.size == image.size)
        #expect(psnr(back, image) > 35, "PSNR \(psnr(back, image))")
        #expect(throws: ImageCodecError.self) { try WebPCodec.encode(image, options: WebPEncodeOptions(quality: 101)) }
        #expect(throws: ImageCodecError.self) { try WebPCodec.encode(image, options: WebPEncodeOptions(method: 7)) }
    }

    @Test("WebP keeps alpha through lossy encoding and gray input is expanded")
    func webpAlphaAndGray() throws {
        let disc = try Self.decode("disc-rgba.png")
        let back = try Self.decoder.decode(WebPCodec.encode(disc, options: WebPEncodeOptions(quality: 90)))
        #expect(back.format == .rgba8)
        // Fully transparent corners stay fully transparent; the opaque centre stays opaque.
        #expect(back.bytes[3] == 0)
        let centre = (24 * 48 + 24) * 4 + 3
        #expect(back.bytes[centre] == 255)
        let gray = try Self.decode("gray.png").converted(to: .gray8)
        let grayBack = try Self.decoder.decode(WebPCodec.encode(gray, options: WebPEncodeOptions(lossless: true)))
        #expect(grayBack == gray.converted(to: .rgb8))
    }

    @Test("PAM header is exactly dwebp's and round-trips")
    func pam() throws {
        let image = try Self.decode("one-pixel.png")
        let encoded = PAMCodec.encode(image)
        let header = "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n"
        #expect(encoded == Array(header.utf8) + [10, 20, 30, 128])
        #expect(try Self.decoder.decode(encoded) == image)
        let sixteenBit = Array("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 65535\n# comment\nTUPLTYPE GRAYSCALE\nENDHDR\n".utf8) + [0x80, 0x00]
        #expect(try Self.decoder.decode(sixteenBit).bytes == [128])
        #expect(throws: ImageCodecError.self) { try Self.decoder.decode(Array("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n".utf8) + [1, 2, 3]) }
    }

    @Test("animated files: first frame decoded, or refused on request")
    func animation() throws {
        let bytes = try TestPaths.fixture("animated.webp")
        let info = try Self.decoder.probe(bytes)
        #expect(info.isAnimated && info.frameCount == 3)
        let frame = try Self.decoder.decode(bytes)
        #expect(frame.size == ImageSize(width: 24, height: 16))
        #expect(frame.bytes[0...2] == [0, 0, 0])  // first frame: red (x*10 + 0) at x=0, green y*16 at y=0, blue 0
        let refused = #expect(throws: ImageCodecError.self) { try ImageDecoder(animation: .reject).decode(bytes) }
        #expect(refused?.code == .animationRefused)
        #expect(refused?.message.contains("3 frames") == true)
        let apng = try Self.decoder.probe(TestPaths.fixture("animated.png"))
        #expect(apng.isAnimated && apng.frameCount == 3)
    }

    @Test("bad inputs are refused with the right code", arguments: [
        ("empty.png", ImageCodecError.Code.empty), ("not-an-image.png", .unrecognizedFormat),
        ("photo.jpg", .truncated), ("tiny.gif", .unsupportedFormat), ("truncated.png", .truncated),
        ("bad-crc.png", .checksumMismatch), ("huge-dimensions.png", .limitExceeded), ("truncated.webp", .truncated),
        ("garbage.webp", .corruptData),
    ])
    func refusesBadInput(_ name: String, _ code: ImageCodecError.Code) throws {
        let error = #expect(throws: ImageCodecError.self) { try Self.decoder.decode(TestPaths.fixture(name)) }
        #expect(error?.code == code, "\(name): \(String(describing: error))")
    }

    @Test("GIF says 'not supported yet'")
    func unsupportedMessage() throws {
        for name in ["tiny.gif"] {
            let error = #expect(throws: ImageCodecError.self) { try Self.decoder.decode(TestPaths.fixture(name)) }
            #expect(error?.message.contains("not supported yet") == true)
        }
    }

    @Test("a 100000x100000 header is refused from the header, and limits are configurable")
    func limits() throws {
        let huge = try TestPaths.fixture("huge-dimensions.png")
        let error = #expect(throws: ImageCodecError.self) { try Self.decoder.decode(huge) }
        #expect(error?.message.contains("100000x100000") == true)
        let small = ImageDecoder(limits: DecodeLimits(maxPixels: 64 * 47, maxInputBytes: 1 << 20))
        #expect(throws: ImageCodecError.self) { try small.decode(TestPaths.fixture("gradient-rgb.png")) }
        #expect(throws: ImageCodecError.self) { try small.decode(TestPaths.fixture("gradient-lossy.webp")) }
        let tinyInput = ImageDecoder(limits: DecodeLimits(maxPixels: 1 << 20, maxInputBytes: 100))
        let tooBig = #expect(throws: ImageCodecError.self) { try tinyInput.decode(TestPaths.fixture("gradient-rgb.png")) }
        #expect(tooBig?.code == .limitExceeded)
    }

    @Test("every truncation of a valid file is refused, never decoded in part", arguments: ["gradient-rgb.png", "disc-rgba.png", "gradient-lossy.webp", "disc-lossless.webp", "animated.webp"])
    func everyPrefixFails(_ name: String) throws {
        let bytes = try TestPaths.fixture(name)
        #expect(try Self.decoder.decode(bytes).byteCount > 0)
        for length in 0..<bytes.count {
            #expect(throws: ImageCodecError.self, "\(name) cut to \(length) bytes") { try Self.decoder.decode(Array(bytes[..<length])) }
        }
    }

    @Test("flipping any byte of a PNG never crashes and never goes unnoticed in the pixel data")
    func bitFlips() throws {
        let bytes = try TestPaths.fixture("disc-rgba.png")
        let original = try Self.decoder.decode(bytes)
        for index in stride(from: 0, to: bytes.count, by: 3) {
            var damaged = bytes
            damaged[index] ^= 0x40
            // Either refused, or (a flip inside an ignorable spot) the very same pixels: CRCs cover the rest.
            if let image = try? Self.decoder.decode(damaged) { #expect(image == original, "flip at \(index)") }
        }
    }

    @Test("decodeWithInfo returns the probe's findings with the same pixels as decode", arguments: [
        "gradient-rgb.png", "disc-rgba.png", "gray.png", "animated.png", "gradient-lossy.webp", "disc-lossless.webp", "animated.webp",
    ])
    func decodeWithInfo(_ name: String) throws {
        let bytes = try TestPaths.fixture(name)
        let decoded = try bytes.withUnsafeBytes { try Self.decoder.decodeWithInfo($0) }
        #expect(decoded.info == (try Self.decoder.probe(bytes)))
        #expect(decoded.image == (try Self.decoder.decode(bytes)))
        let pam = PAMCodec.encode(decoded.image)
        #expect(try pam.withUnsafeBytes { try Self.decoder.decodeWithInfo($0) }.info == (try Self.decoder.probe(pam)))
    }

    @Test("probe reads dimensions from the first 33 bytes of a PNG")
    func probePrefix() throws {
        let bytes = try TestPaths.fixture("gradient-rgb.png")
        let info = try Self.decoder.probe(Array(bytes[..<33]))
        #expect(info.size == ImageSize(width: 64, height: 48))
        #expect(info.frameCount == nil, "frames unknown until the walk reaches the image data")
        #expect(throws: ImageCodecError.self) { try Self.decoder.probe(Array(bytes[..<30])) }
    }
}

