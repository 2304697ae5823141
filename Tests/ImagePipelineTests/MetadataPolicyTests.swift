import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// What `convert` and `gallery` keep of a photo's metadata, run through the release binary on
/// photos carrying what a phone writes (`Fixtures/metadata`: EXIF with a GPS position and serial
/// number, XMP; the JPEG turned by Orientation 6 and in Display P3).
@Suite("Metadata kept, dropped and stripped by convert and gallery (the built binary)")
struct MetadataPolicyTests {
    static let rotatedP3 = TestPaths.fixtures.appendingPathComponent("metadata/gps-rotated-p3.jpg").path

    static func metadata(_ path: String) throws -> EmbeddedMetadata {
        EmbeddedMetadata.read(from: try readBytes(URL(fileURLWithPath: path)))
    }

    static func size(_ path: String) throws -> ImageSize {
        try ImageDecoder().probe(try readBytes(URL(fileURLWithPath: path))).size
    }

    @Test("by default a conversion or resize drops EXIF (the GPS position) and XMP, turns the photo upright and converts it to sRGB, untagged",
          arguments: ["webp", "png", "jpg"])
    func defaultDrops(_ format: String) throws {
        let output = try makeScratchDirectory() + "/out.\(format)"
        let run = try runImagepipe(["convert", "-v", Self.rotatedP3, "-o", output])
        #expect(run.status == 0, "\(run.stderr)")
        let written = try Self.metadata(output)
        #expect(written.exif == nil && written.xmp == nil && written.iccProfile == nil, "\(written)")
        #expect(try Self.size(output) == ImageSize(width: 48, height: 64))
        #expect(run.stderr.contains("metadata dropped ICC profile (736 bytes; pixels converted to sRGB), EXIF (with a GPS position), XMP"), "\(run.stderr)")
        // A thumbnail too (resize): no GPS position reaches a published file.
        let thumbnail = try makeScratchDirectory() + "/thumb.\(format)"
        #expect(try runImagepipe(["convert", Self.rotatedP3, "-o", thumbnail, "--resize", "24x24"]).status == 0)
        #expect(try Self.metadata(thumbnail).exif == nil)
    }

    @Test("--keep-metadata keeps EXIF (Orientation reset to 1, the rest byte for byte), XMP and the ICC profile byte for byte, pixels in P3",
          arguments: ["webp", "png", "jpg"])
    func keep(_ format: String) throws {
        let source = try Self.metadata(Self.rotatedP3)
        let output = try makeScratchDirectory() + "/out.\(format)"
        let run = try runImagepipe(["convert", "-v", "--keep-metadata", Self.rotatedP3, "-o", output])
        #expect(run.status == 0, "\(run.stderr)")
        let written = try Self.metadata(output)
        let sourceEXIF = try #require(source.exif)
        let expectedEXIF = try #require(ExifReader.settingOrientation(.up, in: sourceEXIF))
        #expect(written.exif == expectedEXIF)
        #expect(written.exif?.count == source.exif?.count)
        #expect(written.orientation == .up)
        #expect(written.xmp == source.xmp)
        #expect(written.iccProfile == source.iccProfile)
        #expect(try Self.size(output) == ImageSize(width: 48, height: 64))
        #expect(run.stderr.contains("metadata kept ICC profile, EXIF (with a GPS position; Orientation reset to 1), XMP"), "\(run.stderr)")
        // With --no-auto-orient the stored pixels and the Orientation tag stay as they were.
        let stored = try makeScratchDirectory() + "/stored.\(format)"
        #expect(try runImagepipe(["convert", "--keep-metadata", "--no-auto-orient", Self.rotatedP3, "-o", stored]).status == 0)
        #expect(try Self.metadata(stored).exif == source.exif)
        #expect(try Self.size(stored) == ImageSize(width: 64, height: 48))
    }

    @Test("--keep-metadata resets an XMP tiff:Orientation with EXIF's when the pixels were turned, every other byte kept")
    func xmpOrientationFollows() throws {
        let folder = try makeScratchDirectory()
        let source = try Self.metadata(Self.rotatedP3)
        var packet = String(decoding: try #require(source.xmp), as: UTF8.self)
        let anchor = try #require(packet.range(of: "<rdf:Description"))
        packet.replaceSubrange(anchor, with: #"<rdf:Description tiff:Orientation="6""#)
        let photo = try MetadataEmbedding.rewriting(try readBytes(URL(fileURLWithPath: Self.rotatedP3)), xmp: .set(Array(packet.utf8)))
        try Data(photo).write(to: URL(fileURLWithPath: folder + "/photo.jpg"))
        let run = try runImagepipe(["convert", "-v", "--keep-metadata", folder + "/photo.jpg", "-o", folder + "/out.webp"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("XMP (tiff:Orientation reset to 1)"), "\(run.stderr)")
        let expected = Array(packet.replacingOccurrences(of: #"tiff:Orientation="6""#, with: #"tiff:Orientation="1""#).utf8)
        #expect(try Self.metadata(folder + "/out.webp").xmp == expected)
    }

    @Test("--strip writes nothing but pixels (no EXIF, XMP or ICC profile), and re-encodes a same-format file rather than copying it")
    func strip() throws {
        let folder = try makeScratchDirectory()
        for (input, output) in [(Self.rotatedP3, "a.jpg"), (TestPaths.fixtures.appendingPathComponent("metadata/gps.png").path, "b.png")] {
            let run = try runImagepipe(["convert", "--strip", input, "-o", "\(folder)/\(output)"])
            #expect(run.status == 0, "\(run.stderr)")
            let written = try Self.metadata("\(folder)/\(output)")
            #expect(written.exif == nil && written.xmp == nil && written.iccProfile == nil)
            #expect(!run.stdout.contains("kept"), "\(run.stdout)")
        }
        for contradiction in [["--strip", "--keep-metadata"], ["--strip", "--keep-icc"], ["--keep-metadata", "--intent", "perceptual"]] {
            let run = try runImagepipe(["convert", Self.rotatedP3, "-o", "\(folder)/x.webp"] + contradiction)
            #expect(run.status == 64, "\(contradiction): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(folder)/x.webp"))
        }
    }

    @Test("a same-format copy drops EXIF and XMP without re-encoding: the image data is the source's", arguments: ["png", "webp"])
    func copyDropsWithoutReencoding(_ format: String) throws {
        let input = TestPaths.fixtures.appendingPathComponent("metadata/gps.\(format)").path
        let output = try makeScratchDirectory() + "/copy.\(format)"
        let run = try runImagepipe(["convert", input, "-o", output])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("verified, \(format == "png" ? "PNG" : "WebP") image data kept, metadata dropped"), "\(run.stdout)")
        let bytes = try readBytes(URL(fileURLWithPath: output))
        let source = try readBytes(URL(fileURLWithPath: input))
        #expect(EmbeddedMetadata.read(from: bytes).exif == nil && EmbeddedMetadata.read(from: bytes).xmp == nil)
        // The source less its metadata blocks, nothing re-encoded.
        #expect(bytes == (try MetadataEmbedding.rewriting(source, exif: .remove, xmp: .remove)))
        let kept = try makeScratchDirectory() + "/kept.\(format)"
        #expect(try runImagepipe(["convert", "--keep-metadata", input, "-o", kept]).status == 0)
        #expect(try readBytes(URL(fileURLWithPath: kept)) == source)
    }

    @Test("an image marked AI-generated stays marked through a conversion or copy (its source type alone); --strip removes the mark too",
          arguments: ["webp", "jpg", "png"])
    func aiMarkingSurvives(_ format: String) throws {
        let folder = try makeScratchDirectory()
        let generated = try ImageTextMetadata([
            ImageTextMetadata.Entry(key: "Description", value: "a red fox"),
            ImageTextMetadata.Entry(key: ImageTextMetadata.digitalSourceTypeKey, value: ImageTextMetadata.aiGeneratedSourceType),
        ]).embedded(in: try TestPaths.fixture("gradient-rgb.png"))
        try Data(generated).write(to: URL(fileURLWithPath: "\(folder)/fox.png"))
        let run = try runImagepipe(["convert", "-v", "\(folder)/fox.png", "-o", "\(folder)/out.\(format)"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("kept XMP DigitalSourceType (trainedAlgorithmicMedia)"), "\(run.stderr)")
        let xmp = try #require(try Self.metadata("\(folder)/out.\(format)").xmp)
        #expect(ImageTextMetadata.digitalSourceType(inXMP: xmp) == ImageTextMetadata.aiGeneratedSourceType)
        #expect(!String(decoding: xmp, as: UTF8.self).contains("a red fox"), "only the marking is carried")
        let stripped = try runImagepipe(["convert", "--strip", "\(folder)/fox.png", "-o", "\(folder)/stripped.\(format)"])
        #expect(stripped.status == 0)
        #expect(try Self.metadata("\(folder)/stripped.\(format)").xmp == nil)
    }

    @Test("gallery: thumbnails carry no EXIF by default and the manifest says what was dropped; --keep-metadata keeps it in every size")
    func gallery() throws {
        let source = try makeScratchDirectory() + "/src"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.rotatedP3, toPath: source + "/photo.jpg")
        for (flags, keeps) in [([String](), false), (["--keep-metadata"], true)] {
            let output = try makeScratchDirectory() + "/site"
            let run = try runImagepipe(["gallery", "-v", source, "-o", output, "--sizes", "32,16"] + flags)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("photo.jpg: new (metadata \(keeps ? "kept" : "dropped") ICC profile"), "\(run.stderr)")
            let manifest = try GalleryManifestFile(output)
            let entry = try #require(manifest.entries.first)
            #expect(entry.thumbnails.count == 2)
            for thumbnail in entry.thumbnails {
                let written = try Self.metadata(output + "/" + thumbnail.path)
                #expect((written.exif != nil) == keeps, "\(thumbnail.path)")
                #expect((written.xmp != nil) == keeps)
                #expect((written.iccProfile != nil) == keeps)
                if keeps { #expect(written.orientation == .up) }
            }
            let metadata = try #require(entry.metadata)
            if keeps {
                #expect(metadata.kept.contains("EXIF (with a GPS position; Orientation reset to 1)"), "\(metadata)")
            } else {
                #expect(metadata.dropped.contains("EXIF (with a GPS position)"), "\(metadata)")
                #expect(metadata.kept.isEmpty)
            }
        }
    }
}

/// The parts of a gallery manifest these tests read.
private struct GalleryManifestFile {
    struct Entry: Decodable {
        struct Thumbnail: Decodable { var path: String }
        struct Metadata: Decodable { var kept: [String]; var dropped: [String] }
        var thumbnails: [Thumbnail]
        var metadata: Metadata?
    }
    private struct File: Decodable { var sources: [Entry] }
    var entries: [Entry]

    init(_ output: String) throws {
        entries = try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: output + "/manifest.json"))).sources
    }
}
