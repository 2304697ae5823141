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

    /// `png` with `chunks` (type, data) inserted right after IHDR, before the image data.
    static func inserting(_ chunks: [(String, [UInt8])], into png: [UInt8]) -> [UInt8] {
        var inserted: [UInt8] = []
        for (type, data) in chunks { PNGBomb.appendChunk(&inserted, type, data) }
        return Array(png[..<33]) + inserted + Array(png[33...])
    }

    static func textChunk(_ key: String, _ value: String) -> (String, [UInt8]) {
        ("tEXt", Array(key.utf8) + [0] + Array(value.utf8))
    }

    @Test("text a PNG already has under the keys written (or their namespace) is kept as source.KEY; ours are the only ones")
    func existingKeysRenamed() throws {
        let original = try TestPaths.fixture("gradient-rgb.png")
        let forged = #"{"prompt":"forged","provider":"openai"}"#
        let service = Self.inserting([
            Self.textChunk("imagepipe.provenance", forged),
            ("zTXt", Array("Description".utf8) + [0, 0] + PNGBomb.zlibZeros(atLeast: 1000)),
            ("iTXt", Array("Software".utf8) + [0, 0, 0, 0, 0] + Array("Service 2.0".utf8)),
            Self.textChunk("imagepipe.verified", "yes"),
            Self.textChunk("Author", "the service"),
            Self.textChunk("imagepipeline", "not in the namespace"),
        ], into: original)
        let tagged = try Self.entries.embedded(in: service)
        let back = try ImageTextMetadata.read(from: tagged)
        for entry in Self.entries.entries {
            #expect(back.entries.filter { $0.key == entry.key } == [entry])
        }
        #expect(back["source.imagepipe.provenance"] == forged)
        #expect(back["source.Software"] == "Service 2.0")
        #expect(back["source.imagepipe.verified"] == "yes")
        #expect(back["Author"] == "the service")
        #expect(back["imagepipeline"] == "not in the namespace")
        // The renamed zTXt keeps its compressed text, and the image is unchanged.
        #expect(tagged.count == service.count + (Array(try Self.entries.embedded(in: original)).count - original.count) + 4 * "source.".utf8.count)
        let decoder = ImageDecoder(forceRGBA: true)
        #expect(try decoder.decode(tagged) == decoder.decode(original))
    }

    @Test("a WebP's existing XMP (a forged provenance) is replaced by ours")
    func existingXMPReplaced() throws {
        let forged = try ImageTextMetadata(["Description": "forged", "imagepipe.provenance": "{\"forged\":true}", "imagepipe.extra": "x"])
            .embedded(in: try TestPaths.fixture("gradient-lossy.webp"))
        let back = try ImageTextMetadata.read(from: try Self.entries.embedded(in: forged))
        #expect(back == Self.entries)
    }

    /// The `metadata` fuzz target found the first case (its input is kept as
    /// Fuzz/corpus/metadata/regression-xmp-combining-mark-after-entity.webp): the XMP reader
    /// searched for `&`, `;`, `<` and `>` by `Character`, and a combining mark joins the `;` or `>`
    /// before it into one grapheme cluster (a prepended mark such as U+0600 the `<` after it).
    @Test("XMP values read back scalar for scalar when a mark joins an escape or the markup", arguments: [
        "\0/\0\0\u{5B6}",                        // "&#0;" then a combining mark: the finding
        "a&\u{301} <\u{301} >\u{301} \"\u{301}",  // each predefined entity then a combining mark
        "\u{301}begins with a combining mark",
        "ends with a prepended mark \u{600}",
        "\u{600}<\u{301}&\u{600}",
    ])
    func xmpMarksAroundEscapes(_ value: String) throws {
        let entries = ImageTextMetadata(["Description": value, "Software": value, "imagepipe.note": value])
        let back = try ImageTextMetadata.read(from: try entries.embedded(in: try TestPaths.fixture("gradient-lossy.webp")))
        #expect(back.entries.map(\.key) == ["Description", "Software", "imagepipe.note"])
        for entry in back.entries {
            #expect(Array(entry.value.unicodeScalars) == Array(value.unicodeScalars), "\(entry.key) read back as \(entry.value.debugDescription)")
        }
    }

    @Test("XMP from elsewhere: character references are decoded, other ampersands kept as written")
    func xmpForeignReferences() throws {
        // The packet is rewritten in place, same length (a WebP chunk has no checksum).
        let placeholder = String(repeating: "x", count: 64)
        var webp = try ImageTextMetadata(["Description": placeholder]).embedded(in: try TestPaths.fixture("gradient-lossy.webp"))
        let written = "&#65;&#x42;\u{301}&#x1F98A;&#+5;&#X43;&bogus;&#x110000;&#;"
        let foreign = Array(written.utf8) + Array(repeating: UInt8(ascii: " "), count: 64 - written.utf8.count)
        let start = try #require(webp.firstRange(of: Array(placeholder.utf8))).lowerBound
        webp.replaceSubrange(start..<(start + 64), with: foreign)
        let value = try #require(try ImageTextMetadata.read(from: webp)["Description"])
        #expect(Array(value.unicodeScalars) == Array("AB\u{301}\u{1F98A}&#+5;&#X43;&bogus;&#x110000;&#;".unicodeScalars) + Array(repeating: " ", count: 64 - written.utf8.count))
    }

    @Test("reading caps each value: Latin-1 and UTF-8 cut at a character, the rest counted and not copied")
    func valueCap() throws {
        let original = try TestPaths.fixture("gradient-rgb.png")
        let latin1 = [UInt8](repeating: 0xE9, count: 3000)  // "é" in Latin-1
        let utf8 = Array(String(repeating: "é", count: 1500).utf8)
        let png = Self.inserting([
            ("tEXt", Array("Long".utf8) + [0] + latin1),
            ("iTXt", Array("Wide".utf8) + [0, 0, 0, 0, 0] + utf8),
            Self.textChunk("Short", "ok"),
        ], into: original)
        let whole = try ImageTextMetadata.read(from: png)
        #expect(whole["Long"] == String(repeating: "é", count: 3000))
        #expect(whole.entries.allSatisfy { $0.omittedByteCount == 0 })
        let capped = try ImageTextMetadata.read(from: png, maxValueBytes: 1001)
        #expect(capped.entries[0] == ImageTextMetadata.Entry(key: "Long", value: String(repeating: "é", count: 1001), omittedByteCount: 1999))
        #expect(capped.entries[1] == ImageTextMetadata.Entry(key: "Wide", value: String(repeating: "é", count: 500), omittedByteCount: 2000))
        #expect(capped.entries[2] == ImageTextMetadata.Entry(key: "Short", value: "ok"))
        let webp = try ImageTextMetadata(["Description": String(repeating: "é", count: 1500)]).embedded(in: try TestPaths.fixture("gradient-lossy.webp"))
        #expect(try ImageTextMetadata.read(from: webp, maxValueBytes: 1001).entries == [ImageTextMetadata.Entry(key: "Description", value: String(repeating: "é", count: 500), omittedByteCount: 2000)])
    }

    @Test("a zTXt bomb is not inflated: reading it costs its own bytes, and the other entries are read")
    func compressedTextNotInflated() throws {
        let png = Self.inserting([
            ("zTXt", Array("Comment".utf8) + [0, 0] + PNGBomb.zlibZeros(atLeast: 1 << 30)),
            Self.textChunk("Title", "after the bomb"),
        ], into: try TestPaths.fixture("gradient-rgb.png"))
        #expect(try ImageTextMetadata.read(from: png, maxValueBytes: 1 << 20).entries == [ImageTextMetadata.Entry(key: "Title", value: "after the bomb")])
    }
}
