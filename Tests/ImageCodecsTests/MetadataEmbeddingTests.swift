import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// EXIF and XMP replaced or removed in PNG, WebP and JPEG without touching the compressed
/// pixels, and IPTC's digital source type written and read back in all three.
@Suite("Metadata embedding: EXIF, XMP, digital source type")
struct MetadataEmbeddingTests {
    /// The fixtures made by `Fixtures/make-metadata-fixtures.sh` (exiftool): EXIF with GPS, XMP,
    /// and for the JPEG a Display P3 profile and Orientation 6.
    static let photos = ["metadata/gps.png", "metadata/gps.webp", "metadata/gps-rotated-p3.jpg"]

    static let generated = ImageTextMetadata([
        ImageTextMetadata.Entry(key: "Description", value: "a red fox <in> the snow & more"),
        ImageTextMetadata.Entry(key: "Software", value: "imagepipe 0.1.0"),
        ImageTextMetadata.Entry(key: ImageTextMetadata.digitalSourceTypeKey, value: ImageTextMetadata.aiGeneratedSourceType),
        ImageTextMetadata.Entry(key: "imagepipe.provenance", value: #"{"prompt":"a red fox"}"#),
    ])

    /// A JPEG made by the encoder from a fixture (no metadata of its own).
    static func plainJPEG() throws -> [UInt8] {
        try ImageDecoder().decode(try TestPaths.fixture("gradient-rgb.png")).encoded(as: .jpeg(JPEGEncodeOptions()))
    }

    static func pixels(_ bytes: [UInt8]) throws -> Image {
        var decoder = ImageDecoder(forceRGBA: true)
        decoder.autoOrient = false
        decoder.color = .keepProfile
        return try decoder.decode(bytes)
    }

    @Test("the fixtures carry what the tests rely on: EXIF with a GPS position, XMP; the JPEG Orientation 6 and an ICC profile")
    func fixtures() throws {
        for name in Self.photos {
            let metadata = EmbeddedMetadata.read(from: try TestPaths.fixture(name))
            let exif = try #require(metadata.exif, "\(name)")
            #expect(ExifReader.hasGPSPosition(in: exif), "\(name)")
            #expect(String(decoding: try #require(metadata.xmp, "\(name)"), as: UTF8.self).contains("metadata fixture"))
            #expect((metadata.iccProfile != nil) == name.hasSuffix(".jpg"))
            #expect(metadata.orientation == (name.hasSuffix(".jpg") ? .rotate90 : .up))
        }
        #expect(!ExifReader.hasGPSPosition(in: Array("MM\0*\0\0\0\u{8}\0\0".utf8)))
    }

    @Test("DigitalSourceType, prompt and tool round-trip in PNG, WebP and JPEG; the pixels are untouched", arguments: ["png", "webp", "jpg"])
    func digitalSourceTypeRoundTrip(_ format: String) throws {
        let original = format == "jpg" ? try Self.plainJPEG() : try TestPaths.fixture(format == "png" ? "gradient-rgb.png" : "gradient-lossy.webp")
        let tagged = try Self.generated.embedded(in: original)
        let back = try ImageTextMetadata.read(from: tagged)
        for entry in Self.generated.entries {
            #expect(back[entry.key] == entry.value, "\(format) \(entry.key): \(back.entries)")
        }
        #expect(try Self.pixels(tagged) == Self.pixels(original))
        // Where other tools look: the XMP packet names IPTC's property in its namespace.
        let packet = String(decoding: try #require(EmbeddedMetadata.read(from: tagged).xmp, "\(format) has no XMP packet"), as: UTF8.self)
        #expect(packet.contains("xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\""))
        #expect(packet.contains("<Iptc4xmpExt:DigitalSourceType>\(ImageTextMetadata.aiGeneratedSourceType)</Iptc4xmpExt:DigitalSourceType>"))
    }

    @Test("PNG: the text chunks stay as before and the XMP packet carries only standard properties; an existing packet is kept renamed")
    func pngLayout() throws {
        let original = try TestPaths.fixture("metadata/gps.png")
        let tagged = try Self.generated.embedded(in: original)
        let back = try ImageTextMetadata.read(from: tagged)
        #expect(back.entries.map(\.key).prefix(3) == ["source.XML:com.adobe.xmp", "Description", "Software"], "\(back.entries.map(\.key))")
        let packet = String(decoding: try #require(EmbeddedMetadata.read(from: tagged).xmp), as: UTF8.self)
        #expect(!packet.contains("provenance"))
        #expect(EmbeddedMetadata.read(from: tagged).exif == EmbeddedMetadata.read(from: original).exif)
        // Without a source type, no XMP packet is written (the text chunks are enough).
        let plain = try ImageTextMetadata(["Description": "x"]).embedded(in: try TestPaths.fixture("gradient-rgb.png"))
        #expect(EmbeddedMetadata.read(from: plain).xmp == nil)
    }

    @Test("JPEG: the XMP segment follows JFIF and EXIF, replaces an existing packet, and keeps EXIF and the ICC profile byte for byte")
    func jpegLayout() throws {
        let photo = try TestPaths.fixture("metadata/gps-rotated-p3.jpg")
        let before = EmbeddedMetadata.read(from: photo)
        let once = try Self.generated.embedded(in: photo)
        let twice = try Self.generated.embedded(in: once)
        #expect(twice == once, "embedding again replaces the packet instead of adding one")
        let after = EmbeddedMetadata.read(from: once)
        #expect(after.exif == before.exif)
        #expect(after.iccProfile == before.iccProfile)
        #expect(try Self.pixels(once) == Self.pixels(photo))
        let xmpHeader = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
        #expect(segments(of: once).filter { $0.marker == 0xE1 && $0.payload.starts(with: xmpHeader) }.count == 1)
        // Too long for one APP1 segment: refused, not cut.
        let huge = ImageTextMetadata(["Description": String(repeating: "x", count: MetadataEmbedding.maxJPEGXMPBytes)])
        let error = #expect(throws: ImageCodecError.self) { try huge.embedded(in: photo) }
        #expect(error?.code == .invalidOptions)
    }

    @Test("rewriting: EXIF and XMP removed or replaced, the ICC profile and compressed pixels untouched", arguments: MetadataEmbeddingTests.photos)
    func rewriting(_ name: String) throws {
        let photo = try TestPaths.fixture(name)
        let before = EmbeddedMetadata.read(from: photo)
        let stripped = try MetadataEmbedding.rewriting(photo, exif: .remove, xmp: .remove)
        let bare = EmbeddedMetadata.read(from: stripped)
        #expect(bare.exif == nil && bare.xmp == nil)
        #expect(bare.iccProfile == before.iccProfile)
        #expect(stripped.count < photo.count)
        #expect(try Self.pixels(stripped) == Self.pixels(photo))
        // Put back: the same blocks, byte for byte.
        let restored = try MetadataEmbedding.rewriting(stripped, exif: .set(before.exif!), xmp: .set(before.xmp!))
        let back = EmbeddedMetadata.read(from: restored)
        #expect(back.exif == before.exif)
        #expect(back.xmp == before.xmp)
        #expect(back.iccProfile == before.iccProfile)
        #expect(try Self.pixels(restored) == Self.pixels(photo))
        // .keep leaves the file as it is.
        #expect(try MetadataEmbedding.rewriting(photo) == photo)
    }

    @Test("JPEG limits: EXIF or XMP larger than one APP1 segment is refused with a message")
    func jpegSegmentLimits() throws {
        let jpeg = try Self.plainJPEG()
        let exif = #expect(throws: ImageCodecError.self) {
            try MetadataEmbedding.rewriting(jpeg, exif: .set([UInt8](repeating: 0, count: MetadataEmbedding.maxJPEGEXIFBytes + 1)))
        }
        #expect(exif?.message.contains("APP1") == true)
        let xmp = #expect(throws: ImageCodecError.self) {
            try MetadataEmbedding.rewriting(jpeg, xmp: .set([UInt8](repeating: 0x20, count: MetadataEmbedding.maxJPEGXMPBytes + 1)))
        }
        #expect(xmp?.code == .invalidOptions)
        #expect(try MetadataEmbedding.rewriting(jpeg, exif: .set([UInt8](repeating: 0, count: MetadataEmbedding.maxJPEGEXIFBytes))).count
            == jpeg.count + MetadataEmbedding.maxJPEGEXIFBytes + 10)
        #expect(throws: ImageCodecError.self) { try MetadataEmbedding.rewriting(Array(jpeg.prefix(0)) + [1, 2, 3], exif: .remove) }
    }

    @Test("an XMP tiff:Orientation, as attribute or element, is set to 1 in place; none, 1 already, or not a digit 2-8: nil")
    func xmpOrientation() {
        func patched(_ text: String) -> String? {
            XMPOrientation.settingUp(in: Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(patched(#"<rdf:Description tiff:Orientation="6" tiff:Make="x"/>"#) == #"<rdf:Description tiff:Orientation="1" tiff:Make="x"/>"#)
        #expect(patched("<tiff:Orientation>8</tiff:Orientation>") == "<tiff:Orientation>1</tiff:Orientation>")
        #expect(patched("tiff:Orientation='3'") == "tiff:Orientation='1'")
        #expect(patched(#"tiff:Orientation="1""#) == nil)
        #expect(patched(#"tiff:Orientation="12""#) == nil)
        #expect(patched("<dc:title>tiff:Orientation</dc:title>") == nil)
        #expect(patched("tiff:Orientation=\"6") == nil, "cut short")
    }

    @Test("XMP readers are bounded: a compressed iTXt packet inflating past the limit is skipped, not kept")
    func xmpBomb() throws {
        // 8 MiB of zeros, deflated to about 64 KiB, in a compressed XML:com.adobe.xmp iTXt chunk.
        var png = try TestPaths.fixture("gradient-rgb.png")
        var chunk: [UInt8] = []
        PNGBomb.appendChunk(&chunk, "iTXt", Array("XML:com.adobe.xmp".utf8) + [0, 1, 0, 0, 0] + PNGBomb.zlibZeros(atLeast: 8 << 20))
        png.insert(contentsOf: chunk, at: 33)
        let metadata = EmbeddedMetadata.read(from: png)
        #expect(metadata.xmp == nil)
        #expect(metadata.skipped.contains { $0.hasPrefix("XMP (more than") }, "\(metadata.skipped)")
        var small = EmbeddedMetadata.Limits()
        small.maxXMPBytes = 64
        let webp = try MetadataEmbedding.rewriting(try TestPaths.fixture("gradient-lossy.webp"), xmp: .set([UInt8](repeating: 0x20, count: 65)))
        #expect(EmbeddedMetadata.read(from: webp, limits: small).xmp == nil)
        #expect(EmbeddedMetadata.read(from: webp).xmp?.count == 65)
    }

    @Test("exiftool, when installed, reads the digital source type imagepipe writes in all three formats")
    func exiftoolReadsIt() throws {
        guard let exiftool = ["/usr/bin/exiftool", "/usr/local/bin/exiftool"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            print("skipped: exiftool is not installed (Debian: apt-get install libimage-exiftool-perl; scripts/test.sh installs it)")
            return
        }
        let folder = try makeScratchDirectory()
        var paths: [String] = []
        for (format, original) in [("png", try TestPaths.fixture("gradient-rgb.png")), ("webp", try TestPaths.fixture("gradient-lossy.webp")), ("jpg", try Self.plainJPEG())] {
            let path = "\(folder)/tagged.\(format)"
            try Data(try Self.generated.embedded(in: original)).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exiftool)
        process.arguments = ["-j", "-XMP-iptcExt:DigitalSourceType", "-XMP-dc:Description"] + paths
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let objects = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        #expect(objects.count == 3)
        for object in objects {
            #expect(object["DigitalSourceType"] as? String == ImageTextMetadata.aiGeneratedSourceType, "\(object)")
            #expect(object["Description"] as? String == "a red fox <in> the snow & more", "\(object)")
        }
    }

    /// A JPEG's marker segments before the scan.
    func segments(of jpeg: [UInt8]) -> [(marker: UInt8, payload: ArraySlice<UInt8>)] {
        var found: [(UInt8, ArraySlice<UInt8>)] = []
        var offset = 2
        while offset + 4 <= jpeg.count, jpeg[offset] == 0xFF, jpeg[offset + 1] != 0xDA {
            let length = Int(jpeg[offset + 2]) << 8 | Int(jpeg[offset + 3])
            found.append((jpeg[offset + 1], jpeg[(offset + 4)..<(offset + 2 + length)]))
            offset += 2 + length
        }
        return found
    }
}
