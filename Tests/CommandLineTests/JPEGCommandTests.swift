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
}
