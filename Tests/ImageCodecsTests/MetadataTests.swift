import CLibWebP
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// Text metadata written into PNG and WebP containers without touching the pixels.
@Suite("Embedded text metadata")
struct MetadataTests {
    static let entries = ImageTextMetadata([
        "Description": "a red fox in the snow — «überall» & <tags> \"quoted\"\nsecond line",
        "Software": "imagepipe 0.1.0",
        "imagepipe.provenance": #"{"prompt":"a red fox","seed":42}"#,
    ])

    @Test("entries round-trip and the pixels are unchanged", arguments: [
        "gradient-rgb.png", "disc-rgba.png", "gray.png", "animated.png",
        "gradient-lossy.webp", "disc-lossless.webp", "disc-lossy-alpha.webp", "animated.webp",
    ])
    func roundTrip(_ name: String) throws {
        let original = try TestPaths.fixture(name)
        let tagged = try Self.entries.embedded(in: original)
        #expect(tagged != original)
        let back = try ImageTextMetadata.read(from: tagged)
        #expect(back == Self.entries, "read back: \(back.entries)")
        let decoder = ImageDecoder(forceRGBA: true)
        #expect(try decoder.decode(tagged) == decoder.decode(original))
        #expect(try decoder.probe(tagged) == decoder.probe(original))
    }

    @Test("PNG text chunks go before IEND with valid CRCs, and libpng-written tEXt is read")
    func pngLayout() throws {
        let original = try TestPaths.fixture("gradient-rgb.png")
        let tagged = try ImageTextMetadata(["Comment": "hello"]).embedded(in: original)
        #expect(Array(tagged.prefix(original.count - 12)) == Array(original.prefix(original.count - 12)))
        #expect(Array(tagged.suffix(12)) == Array(original.suffix(12)))
        let chunk = Array(tagged[(original.count - 12)..<(tagged.count - 12)])
        #expect(Array(chunk[4..<8]) == Array("iTXt".utf8))
        // A corrupt CRC in a text chunk is found with its offset.
        var damaged = tagged
        damaged[tagged.count - 13] ^= 0xFF
        let error = #expect(throws: ImageCodecError.self) { try ImageTextMetadata.read(from: damaged) }
        #expect(error?.code == .checksumMismatch)
        #expect(error?.byteOffset == original.count - 12)
    }

    @Test("WebP gains a VP8X header with the XMP flag, and the packet is well-formed XMP")
    func webpLayout() throws {
        let tagged = try Self.entries.embedded(in: try TestPaths.fixture("gradient-lossy.webp"))
        #expect(Array(tagged[12..<16]) == Array("VP8X".utf8))
        #expect(tagged[20] & 0x04 != 0)  // XMP flag
        let text = String(decoding: tagged, as: UTF8.self)
        #expect(text.contains("<x:xmpmeta"))
        #expect(text.contains("&lt;tags&gt; &quot;quoted&quot;"))
        // libwebp still decodes it, and the features are unchanged.
        var features = WebPBitstreamFeatures()
        let status = tagged.withUnsafeBufferPointer { WebPGetFeatures($0.baseAddress, $0.count, &features) }
        #expect(status == VP8_STATUS_OK)
        #expect(features.width == 64 && features.height == 48)
    }

    @Test("bad keys and formats without metadata support are refused")
    func refusals() throws {
        let png = try TestPaths.fixture("gradient-rgb.png")
        for key in ["", "1abc", "has space", String(repeating: "k", count: 80), "naïve"] {
            let error = #expect(throws: ImageCodecError.self) { try ImageTextMetadata([ImageTextMetadata.Entry(key: key, value: "v")]).embedded(in: png) }
            #expect(error?.code == .invalidOptions)
        }
        let gif = #expect(throws: ImageCodecError.self) { try Self.entries.embedded(in: try TestPaths.fixture("tiny.gif")) }
        #expect(gif?.code == .unsupportedFormat)
        let truncated = #expect(throws: ImageCodecError.self) { try Self.entries.embedded(in: Array(png.prefix(png.count - 20))) }
        #expect(truncated?.code == .truncated)
        #expect(try ImageTextMetadata().embedded(in: png) == png)
        #expect(try ImageTextMetadata.read(from: png).isEmpty)
    }
}
