import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// JPEG through the built binary: convert, info and gallery read it; damage is refused, or
/// accepted with --lenient and a warning; the scan bomb is refused.
@Suite("JPEG through the CLI")
struct JPEGCommandTests {
    static func conformance(_ name: String) throws -> String {
        try #require(TestPaths.jpegConformance).appendingPathComponent(name).path
    }
    static let present = TestPaths.jpegConformance != nil

    @Test("convert JPEG -> PNG keeps djpeg's pixels; info reports the JPEG", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func convertAndInfo() throws {
        let folder = try makeScratchDirectory()
        // ladybird-640x480-q75.jpg's row of jpeg-key.tsv.
        let expected = "8a48dfe7dadd6a3e35fca2b68c2be0a77c71e8177332348c7d512e9dbc52afbc"
        let run = try runImagepipe(["convert", Self.conformance("ladybird-640x480-q75.jpg"), "-o", folder + "/out.png"])
        #expect(run.status == 0, "\(run.stderr)")
        let image = try ImageDecoder().decode(readBytes(URL(fileURLWithPath: folder + "/out.png")))
        #expect(image.withUnsafeBytes { SHA256.hex(of: Array($0)) } == expected)

        let info = try runImagepipe(["info", Self.conformance("ladybird-640x480-progressive.jpg")])
        #expect(info.status == 0 && info.stdout.contains("jpeg") && info.stdout.contains("640x480"), "\(info.stdout) \(info.stderr)")
    }

    @Test("a cut-short JPEG is refused naming the file; --lenient converts it with a warning; the scan bomb is refused", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func damage() throws {
        let folder = try makeScratchDirectory()
        let truncated = try Self.conformance("corrupt-truncated-50.jpg")
        let strict = try runImagepipe(["convert", truncated, "-o", folder + "/strict.png"])
        #expect(strict.status == 1 && strict.stderr.contains("corrupt-truncated-50.jpg") && strict.stderr.contains("cut short"), "\(strict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/strict.png"))
        let lenient = try runImagepipe(["convert", truncated, "-o", folder + "/lenient.png", "--lenient"])
        #expect(lenient.status == 0 && lenient.stderr.contains("warning") && lenient.stderr.contains("--lenient"), "\(lenient.stderr)")
        #expect(try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/lenient.png"))).size == ImageSize(width: 640, height: 480))

        let bomb = try runImagepipe(["convert", Self.conformance("bomb-progressive-1000-scans.jpg"), "-o", folder + "/bomb.png"])
        #expect(bomb.status == 1 && bomb.stderr.contains("scans"), "\(bomb.stderr)")
    }

    /// The release binary, not only the debug test build: an optimised build of the shim once
    /// looped on a JPEG without an image (a branch after setjmp read the libjpeg object).
    @Test("every error row of the conformance set, and a JPEG with no image, fail cleanly through the binary (info and convert)", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func errorRowsThroughTheBinary() throws {
        let folder = try makeScratchDirectory()
        let key = try String(contentsOfFile: Self.conformance("jpeg-key.tsv"), encoding: .utf8)
        let errors = key.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count >= 6 && fields[5].hasPrefix("error") ? String(fields[0]) : nil
        }
        #expect(errors.count == 8)
        for name in errors + ["../../../main/Fixtures/photo.jpg"] {
            let path = name.hasPrefix("..") ? TestPaths.fixtures.appendingPathComponent("photo.jpg").path : try Self.conformance(name)
            let file = URL(fileURLWithPath: path).lastPathComponent
            let info = try runImagepipe(["info", "--verify", path])
            #expect(info.status == 1 && info.stderr.contains("error: ") && info.stderr.contains(file), "\(name): \(info.status) \(info.stderr)")
            let convert = try runImagepipe(["convert", path, "-o", folder + "/out.png"])
            #expect(convert.status == 1 && convert.stderr.contains(file), "\(name): \(convert.status) \(convert.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.png"))
    }

    @Test("gallery takes JPEG sources, decoded at a reduced size", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func gallery() throws {
        let folder = try makeScratchDirectory()
        try FileManager.default.createDirectory(atPath: folder + "/src", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.conformance("ladybird-640x480-q95.jpg"), toPath: folder + "/src/bug.jpg")
        let run = try runImagepipe(["gallery", folder + "/src", "-o", folder + "/site", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let manifest = try String(contentsOfFile: folder + "/site/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"format\" : \"jpg\"") && manifest.contains("bug.jpg"), "\(manifest.prefix(600))")
    }

    @Test("EXIF orientation: convert and gallery turn photos upright, --no-auto-orient keeps the stored pixels, info gives both sizes", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func orientation() throws {
        let folder = try makeScratchDirectory()
        let source = try Self.conformance("orientation-6.jpg")  // stored 40x60, shown 60x40
        let upright = try runImagepipe(["convert", source, "-o", folder + "/upright.png", "-v"])
        #expect(upright.status == 0 && upright.stderr.contains("EXIF orientation 6"), "\(upright.stderr)")
        #expect(try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/upright.png"))).size == ImageSize(width: 60, height: 40))
        let storedRun = try runImagepipe(["convert", source, "-o", folder + "/stored.png", "--no-auto-orient"])
        #expect(storedRun.status == 0)
        #expect(try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/stored.png"))).size == ImageSize(width: 40, height: 60))

        let info = try runImagepipe(["info", source])
        #expect(info.stdout.contains("40x60") && info.stdout.contains("EXIF orientation 6 (rotated 90 CW): shown 60x40"), "\(info.stdout)")
        let json = try runImagepipe(["info", "--json", source])
        #expect(json.stdout.contains("\"orientation\":6") && json.stdout.contains("\"displayWidth\":60"), "\(json.stdout)")

        try FileManager.default.createDirectory(atPath: folder + "/src", withIntermediateDirectories: true)
        for name in ["orientation-6.jpg", "orientation-8.jpg", "orientation-6.png", "orientation-6.webp"] {
            try FileManager.default.copyItem(atPath: Self.conformance(name), toPath: folder + "/src/" + name)
        }
        let gallery = try runImagepipe(["gallery", folder + "/src", "-o", folder + "/site", "--sizes", "32"])
        #expect(gallery.status == 0, "\(gallery.stderr)")
        for thumbnail in try FileManager.default.contentsOfDirectory(atPath: folder + "/site/thumbs") {
            let size = try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/site/thumbs/" + thumbnail))).size
            #expect(size.width > size.height, "\(thumbnail): \(size) is not upright")
        }
        // Another orientation setting redoes every source, as other sizes would.
        let stored = try runImagepipe(["gallery", folder + "/src", "-o", folder + "/site", "--sizes", "32", "--no-auto-orient"])
        #expect(stored.status == 0, "\(stored.stderr)")
        for thumbnail in try FileManager.default.contentsOfDirectory(atPath: folder + "/site/thumbs") {
            let size = try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/site/thumbs/" + thumbnail))).size
            #expect(size.width < size.height, "\(thumbnail): \(size) is not as stored")
        }
    }

    @Test("JPEG output: -q, --progressive, --subsampling; a JPEG setting with PNG output is refused", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func jpegOutput() throws {
        let folder = try makeScratchDirectory()
        let source = try Self.conformance("ladybird-640x480-q95.jpg")
        let run = try runImagepipe(["convert", source, "-o", folder + "/out.jpg", "-q", "85", "--progressive", "--subsampling", "444", "--thumbnail", "320"])
        #expect(run.status == 0, "\(run.stderr)")
        let info = try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/out.jpg")))
        #expect(info.format == .jpeg && info.compression == .progressiveDCT && info.size == ImageSize(width: 320, height: 240))
        let misfit = try runImagepipe(["convert", source, "-o", folder + "/out.png", "--subsampling", "420"])
        #expect(misfit.status != 0 && misfit.stderr.contains("--subsampling"), "\(misfit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.png"))
        let transparent = try runImagepipe(["convert", Self.conformance("orientation-upright.png"), "-o", folder + "/flat.jpg"])
        #expect(transparent.status == 0, "\(transparent.stderr)")
    }

    @Test("colour: a Display P3 photo is converted to sRGB and written untagged; --keep-icc keeps pixels and profile; --intent is checked", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func colour() throws {
        let folder = try makeScratchDirectory()
        let source = try Self.conformance("icc-displayp3.png")
        let converted = try runImagepipe(["convert", source, "-o", folder + "/srgb.png", "-v"])
        #expect(converted.status == 0 && converted.stderr.contains("converted from sP3C to sRGB"), "\(converted.stderr)")
        let srgb = try readBytes(URL(fileURLWithPath: folder + "/srgb.png"))
        #expect(EmbeddedMetadata.read(from: srgb).iccProfile == nil, "sRGB output is untagged")
        let expected = try ImageDecoder().decode(readBytes(URL(fileURLWithPath: Self.conformance("icc-displayp3-lossless.srgb-relative.png")))).converted(to: .rgb8)
        #expect(maxAbsoluteDifference(try ImageDecoder().decode(srgb).converted(to: .rgb8), expected) <= 2)

        for format in ["png", "webp", "jpg"] {
            let kept = try runImagepipe(["convert", source, "-o", folder + "/kept." + format, "--keep-icc"])
            #expect(kept.status == 0, "\(kept.stderr)")
            let bytes = try readBytes(URL(fileURLWithPath: folder + "/kept." + format))
            #expect(EmbeddedMetadata.read(from: bytes).iccProfile == EmbeddedMetadata.read(from: try readBytes(URL(fileURLWithPath: source))).iccProfile, "\(format)")
        }
        let info = try runImagepipe(["info", source])
        #expect(info.stdout.contains("ICC profile \"sP3C\" (736 bytes)"), "\(info.stdout)")
        let both = try runImagepipe(["convert", source, "-o", folder + "/x.png", "--keep-icc", "--intent", "perceptual"])
        #expect(both.status != 0 && both.stderr.contains("--keep-icc"))
        let perceptual = try runImagepipe(["convert", Self.conformance("icc-cmyk-multichunk.jpg"), "-o", folder + "/cmyk.png", "--intent", "perceptual"])
        #expect(perceptual.status == 0, "\(perceptual.stderr)")
    }

    @Test("generate: the sandbox answers JPEG when asked; the image is verified, thumbnailed and written with its sidecar")
    func generateJPEG() throws {
        let folder = try makeScratchDirectory()
        let run = try GenerateCommandTests.generate(["a red kite", "-z", "128x96", "--service-format", "jpg", "--thumbnail", "48", "-o", folder + "/"])
        #expect(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["a-red-kite-1.48.webp", "a-red-kite-1.jpg", "a-red-kite-1.json"], "\(names)")
        let info = try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/a-red-kite-1.jpg")))
        #expect(info.format == .jpeg && info.size == ImageSize(width: 128, height: 96))
        let sidecar = try String(contentsOfFile: folder + "/a-red-kite-1.json", encoding: .utf8)
        #expect(sidecar.contains("\"format\" : \"jpg\""), "\(sidecar.prefix(800))")
        let converted = try GenerateCommandTests.generate(["a red kite", "-z", "64x64", "--format", "jpeg", "-q", "70", "-o", folder + "/k.jpg"])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(try ImageDecoder().probe(readBytes(URL(fileURLWithPath: folder + "/k.jpg"))).format == .jpeg)
    }
}
