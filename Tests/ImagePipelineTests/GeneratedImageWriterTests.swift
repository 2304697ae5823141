import Foundation
import ImageCodecs
import ImageCore
@testable import ImagePipeline
import PipelineCore
import Testing
import TestSupport

@Suite("Writing generated images: names, checks, thumbnails, provenance")
struct GeneratedImageWriterTests {
    static func generated(_ fixture: String, prompt: String = "A red fox, in the snow!", index: Int = 0, size: ImageSize? = nil) throws -> GeneratedImageFile {
        GeneratedImageFile(
            bytes: try TestPaths.fixture(fixture), index: index, prompt: prompt, provider: "sandbox",
            model: "sandbox/model", seed: 7, requestedSize: size, timingsMilliseconds: ["request": 12.5]
        )
    }

    static func listing(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    static func black(_ size: ImageSize) throws -> [UInt8] {
        try Image(size: size, format: .rgb8, copying: [UInt8](repeating: 0, count: size.width * size.height * 3)).encoded(as: .png(PNGEncodeOptions()))
    }

    @Test("slugs", arguments: [
        ("A red fox, in the snow!", "a-red-fox-in-the-snow"), ("   ", "image"), ("日本の猫", "image"),
        ("Über cats 2", "ber-cats-2"),
        ("one two three four five six seven eight nine ten eleven twelve", "one-two-three-four-five-six-seven-eight-nine-ten"),
        (String(repeating: "x", count: 60), String(repeating: "x", count: 48)),
    ])
    func slug(_ prompt: String, _ expected: String) {
        #expect(FileName.slug(prompt) == expected)
    }

    @Test("a folder gets the image, its thumbnail and a sidecar; a second image of the same prompt gets -2")
    func namesAndSidecar() async throws {
        let folder = try makeScratchDirectory()
        var writer = GeneratedImageWriter(destination: .directory(folder))
        writer.thumbnailEdges = [32]
        let first = try await writer.save(try Self.generated("gradient-rgb.png"))
        let second = try await writer.save(try Self.generated("gradient-rgb.png"))
        #expect(first.path == folder + "/a-red-fox-in-the-snow-1.png")
        #expect(second.path == folder + "/a-red-fox-in-the-snow-1-2.png")
        #expect(try Self.listing(folder) == [
            "a-red-fox-in-the-snow-1-2.32.webp", "a-red-fox-in-the-snow-1-2.json", "a-red-fox-in-the-snow-1-2.png",
            "a-red-fox-in-the-snow-1.32.webp", "a-red-fox-in-the-snow-1.json", "a-red-fox-in-the-snow-1.png",
        ])
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first.sidecarPath!))) as! [String: Any]
        #expect(sidecar["prompt"] as? String == "A red fox, in the snow!")
        #expect(sidecar["provider"] as? String == "sandbox")
        #expect(sidecar["seed"] as? Int == 7)
        #expect(sidecar["source_sha256"] as? String == sha256Hex(try TestPaths.fixture("gradient-rgb.png")))
        #expect(sidecar["bytes"] as? Int == (try FileIO.fileSize(first.path)))
        #expect((sidecar["timings_ms"] as? [String: Double])?["request"] == 12.5)
        let thumbnails = sidecar["thumbnails"] as! [[String: Any]]
        #expect(thumbnails.first?["width"] as? Int == 32)
        let thumbnail = try ImageDecoder().probe(try FileIO.readFile(thumbnails.first!["path"] as! String, maxBytes: 1 << 20))
        #expect(thumbnail.format == .webp && max(thumbnail.size.width, thumbnail.size.height) == 32)
        // Provenance is embedded; the pixels are the service's.
        let written = try FileIO.readFile(first.path, maxBytes: 1 << 24)
        let metadata = try ImageTextMetadata.read(from: written)
        #expect(metadata["Description"] == "A red fox, in the snow!")
        #expect(metadata["imagepipe.provenance"]?.contains("\"seed\":7") == true)
        #expect(try ImageDecoder().decode(written) == ImageDecoder().decode(try TestPaths.fixture("gradient-rgb.png")))
    }

    @Test("--format keep writes the bytes untouched; --strip embeds nothing; webp transcodes with XMP")
    func formats() async throws {
        let folder = try makeScratchDirectory()
        let original = try TestPaths.fixture("gradient-rgb.png")
        var writer = GeneratedImageWriter(destination: .file(folder + "/kept.png"))
        writer.format = .keep
        let kept = try await writer.save(try Self.generated("gradient-rgb.png"), several: false)
        #expect(kept.path == folder + "/kept.png")
        #expect(try FileIO.readFile(kept.path, maxBytes: 1 << 24) == original)
        writer.format = .auto
        writer.strip = true
        writer.destination = .file(folder + "/stripped.png")
        let stripped = try await writer.save(try Self.generated("gradient-rgb.png"), several: false)
        #expect(try FileIO.readFile(stripped.path, maxBytes: 1 << 24) == original)
        writer.strip = false
        writer.format = .webp
        writer.destination = .file(folder + "/out.png")  // the extension follows the real format
        let webp = try await writer.save(try Self.generated("gradient-rgb.png"), several: false)
        #expect(webp.path == folder + "/out.webp")
        let bytes = try FileIO.readFile(webp.path, maxBytes: 1 << 24)
        #expect(ImageFormat.sniff(bytes) == .webp)
        #expect(try ImageTextMetadata.read(from: bytes)["Description"] == "A red fox, in the snow!")
        #expect(webp.provenance.sourceFormat == "png" && webp.provenance.format == "webp")
    }

    @Test("every output format and the thumbnails carry IPTC's AI source type; the sidecar lists what was embedded; --strip embeds nothing anywhere",
          arguments: [GeneratedImageFormat.png, .webp, .jpeg])
    func digitalSourceType(_ format: GeneratedImageFormat) async throws {
        let folder = try makeScratchDirectory()
        var writer = GeneratedImageWriter(destination: .directory(folder))
        writer.format = format
        writer.thumbnailEdges = [32]
        let saved = try await writer.save(try Self.generated("gradient-rgb.png"))
        for path in [saved.path] + saved.provenance.thumbnails.map(\.path) {
            let metadata = try ImageTextMetadata.read(from: try FileIO.readFile(path, maxBytes: 1 << 24))
            #expect(metadata[ImageTextMetadata.digitalSourceTypeKey] == ImageTextMetadata.aiGeneratedSourceType, "\(path): \(metadata.entries)")
            #expect(metadata["Description"] == "A red fox, in the snow!", "\(path)")
        }
        #expect(saved.provenance.embedded == ["Description", "Software", "DigitalSourceType", "imagepipe.provenance"])
        #expect(saved.provenance.warnings.isEmpty, "\(saved.provenance.warnings)")
        writer.strip = true
        let stripped = try await writer.save(try Self.generated("gradient-rgb.png"))
        for path in [stripped.path] + stripped.provenance.thumbnails.map(\.path) {
            #expect(try ImageTextMetadata.read(from: try FileIO.readFile(path, maxBytes: 1 << 24)).isEmpty, "\(path)")
        }
        #expect(stripped.provenance.embedded == nil)
    }

    @Test("a JPEG whose provenance record passes 64 KB carries the source type and says the sidecar has the rest")
    func longPromptInJPEG() async throws {
        let folder = try makeScratchDirectory()
        var writer = GeneratedImageWriter(destination: .directory(folder))
        writer.format = .jpeg
        let prompt = String(repeating: "a fox in the snow, ", count: 2000)  // 38,000 characters, twice in the record
        let saved = try await writer.save(try Self.generated("gradient-rgb.png", prompt: prompt))
        let metadata = try ImageTextMetadata.read(from: try FileIO.readFile(saved.path, maxBytes: 1 << 24))
        #expect(metadata[ImageTextMetadata.digitalSourceTypeKey] == ImageTextMetadata.aiGeneratedSourceType)
        #expect(metadata["Description"] == prompt)
        #expect(metadata["imagepipe.provenance"] == nil)
        #expect(saved.provenance.embedded == ["Description", "Software", "DigitalSourceType"])
        #expect(saved.provenance.warnings.contains { $0.contains("too long for a JPEG's XMP segment") }, "\(saved.provenance.warnings)")
    }

    @Test("size mismatch: warned and recorded, refused with strict, resized with fix")
    func sizeChecks() async throws {
        let folder = try makeScratchDirectory()
        let requested = ImageSize(width: 40, height: 40)
        var writer = GeneratedImageWriter(destination: .directory(folder))
        let warned = try await writer.save(try Self.generated("gradient-rgb.png", size: requested))
        #expect(warned.provenance.warnings.first?.contains("not the 40x40 requested") == true)
        writer.sizeCheck = .strict
        let before = try Self.listing(folder)
        let error = await #expect(throws: PipelineError.self) { try await writer.save(try Self.generated("gradient-rgb.png", size: requested)) }
        #expect(error?.code == .sizeMismatch)
        #expect(try Self.listing(folder) == before)
        writer.sizeCheck = .fix
        let fixed = try await writer.save(try Self.generated("gradient-rgb.png", size: requested))
        #expect(try ImageDecoder().probe(try FileIO.readFile(fixed.path, maxBytes: 1 << 24)).size == requested)
        #expect(fixed.provenance.outputSize == "40x40")
    }

    @Test("blank images are flagged, or refused with --reject-blank")
    func blank() async throws {
        let folder = try makeScratchDirectory()
        var writer = GeneratedImageWriter(destination: .directory(folder))
        var file = try Self.generated("gradient-rgb.png")
        file.bytes = try Self.black(ImageSize(width: 64, height: 64))
        let flagged = try await writer.save(file)
        #expect(flagged.provenance.warnings.contains { $0.contains("blank") })
        writer.rejectBlank = true
        let before = try Self.listing(folder)
        let error = await #expect(throws: PipelineError.self) { try await writer.save(file) }
        #expect(error?.code == .blankImage)
        #expect(try Self.listing(folder) == before)
        #expect(try await writer.save(try Self.generated("gradient-rgb.png")).provenance.warnings.isEmpty)
    }

    @Test("bytes that are not an image, or are truncated, write nothing")
    func invalidBytes() async throws {
        let folder = try makeScratchDirectory()
        let writer = GeneratedImageWriter(destination: .directory(folder))
        for name in ["not-an-image.png", "truncated.png", "bad-crc.png"] {
            await #expect(throws: PipelineError.self) { try await writer.save(try Self.generated(name)) }
        }
        #expect(try Self.listing(folder).isEmpty)
    }

    @Test("concurrent writers of the same prompt never overwrite each other")
    func concurrentNames() async throws {
        let folder = try makeScratchDirectory()
        let writer = GeneratedImageWriter(destination: .directory(folder))
        let file = try Self.generated("gradient-rgb.png")
        let paths = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 { group.addTask { try? await writer.save(file).path } }
            return await group.reduce(into: [String]()) { if let path = $1 { $0.append(path) } }
        }
        #expect(Set(paths).count == 8)
        #expect(try Self.listing(folder).count == 16)
    }

    @Test("terminal preview: half blocks with color, ASCII shades without")
    func preview() async throws {
        let image = try ImageDecoder().decode(try TestPaths.fixture("gradient-rgb.png"))
        let colored = TerminalPreview(columns: 16, color: true).render(image)
        #expect(colored.contains("\u{1B}[38;2;") && colored.contains("▀"))
        let plain = TerminalPreview(columns: 16, color: false).render(image)
        #expect(!plain.contains("\u{1B}"))
        #expect(plain.split(separator: "\n").allSatisfy { $0.count == 16 })
    }
}
