import Foundation
import ImageCodecs
import ImageCore
import ImageOps
@testable import ImagePipeline
import PipelineCore
import Testing
import TestSupport

@Suite("Gallery: thumbnails, manifest, page, incremental runs")
struct GalleryTests {
    static func fixture(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent(name).path }

    /// A source folder holding copies of fixtures under the given names.
    static func sourceFolder(_ files: [String: String]) throws -> String {
        let folder = try makeScratchDirectory() + "/src"
        for (name, fixture) in files {
            let path = folder + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.fixture(fixture), toPath: path)
        }
        return folder
    }

    static func manifest(_ output: String) throws -> GalleryManifest {
        try GalleryManifest(parsing: readBytes(URL(fileURLWithPath: output + "/manifest.json")))
    }

    static func run(_ source: String, _ output: String, settings: GallerySettings = GallerySettings(), prune: Bool = false) async throws -> GallerySummary {
        var job = try GalleryJob(source: source, output: output, settings: settings, concurrency: 2)
        job.prune = prune
        return try await job.run()
    }

    static func listing(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test("manifest checkpoints: the interval, stretched to 19 times a slow rewrite (at most 5% of a run); zero stays after every source")
    func checkpointDelay() {
        #expect(GalleryJob.checkpointDelay(interval: .seconds(2), lastWriteTook: .milliseconds(20)) == .seconds(2))
        #expect(GalleryJob.checkpointDelay(interval: .seconds(2), lastWriteTook: .seconds(2)) == .seconds(38))
        #expect(GalleryJob.checkpointDelay(interval: .seconds(60), lastWriteTook: .seconds(1)) == .seconds(60))
        #expect(GalleryJob.checkpointDelay(interval: .zero, lastWriteTook: .seconds(5)) == .zero)
    }

    @Test("a folder of PNG, WebP and responses: every source in the manifest, thumbnails that decode, a page")
    func manifestContents() async throws {
        let source = try Self.sourceFolder([
            "gradient-rgb.png": "gradient-rgb.png", "sub/disc.webp": "disc-lossy-alpha.webp",
            "runs/resp.json": "response-nscale.json", "notes.txt": "make-fixtures.py", "tiny.gif": "tiny.gif",
        ])
        let output = FileManager.default.temporaryDirectory.path + "/imagepipe-tests-\(UUID().uuidString)/site"
        let summary = try await Self.run(source, output)
        #expect(summary.failed == 0, "\(summary.failures)")
        #expect(summary.new == 4 && summary.unchanged == 0 && summary.updated == 0)
        #expect(summary.ignored == 2)  // the text file and the GIF

        let manifest = try Self.manifest(output)
        #expect(manifest.entries.map(\.source) == ["gradient-rgb.png", "runs/resp.json#0", "runs/resp.json#1", "sub/disc.webp"])
        #expect(manifest.settings == GallerySettings().fingerprint + " orient=auto colour=srgb-relative")
        let gradient = try #require(manifest.entries.first)
        let bytes = try readBytes(URL(fileURLWithPath: Self.fixture("gradient-rgb.png")))
        #expect(gradient.sha256 == SHA256.hex(of: bytes))
        #expect(gradient.bytes == bytes.count && gradient.fileBytes == bytes.count)
        #expect(gradient.format == "png")
        #expect(gradient.alt == "gradient-rgb.png")
        #expect(gradient.original.hasSuffix("src/gradient-rgb.png") && gradient.original.hasPrefix(".."))
        #expect(gradient.placeholder.hasPrefix("data:image/png;base64,"))
        #expect(gradient.averageColor.count == 7 && gradient.averageColor.hasPrefix("#"))
        #expect(Data(base64Encoded: gradient.thumbHash).map { $0.count >= 5 && $0.count <= 25 } == true)
        for entry in manifest.entries {
            #expect(!entry.thumbnails.isEmpty)
            for thumbnail in entry.thumbnails {
                let file = try readBytes(URL(fileURLWithPath: output + "/" + thumbnail.path))
                #expect(file.count == thumbnail.bytes)
                let image = try ImageDecoder().decode(file)
                #expect(image.size == ImageSize(width: thumbnail.width, height: thumbnail.height))
                #expect(max(image.size.width, image.size.height) <= thumbnail.size)
                #expect(image.size.width <= entry.width && image.size.height <= entry.height, "never enlarged")
                #expect(ImageFormat.sniff(file) == .webp)
            }
        }
        // The response's images: sources of their own, linked to their largest thumbnail.
        let response = manifest.entries[1]
        #expect(response.file == "runs/resp.json" && response.index == 0)
        #expect(response.original == response.thumbnails[0].path)
        let html = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
        #expect(html.contains("srcset=") && html.contains("loading=\"lazy\"") && html.contains("decoding=\"async\""))
        #expect(html.components(separatedBy: "<img ").count - 1 == 4)
        #expect(!html.contains("http://") && !html.contains("https://"), "self-contained")
        #expect(!Self.listing(output + "/thumbs").contains { $0.hasPrefix(".") }, "no temporary files left")
    }

    @Test("sources with content credentials: the manifest carries them, the page marks them (CR), the others are unmarked")
    func contentCredentials() async throws {
        let source = try Self.sourceFolder([
            "signed.png": "c2pa/signed.png", "signed.jpg": "c2pa/signed.jpg", "signed.webp": "c2pa/signed.webp", "plain.png": "gradient-rgb.png",
        ])
        let output = try makeScratchDirectory() + "/out"
        _ = try await Self.run(source, output)
        let entries = try Self.manifest(output).entries
        #expect(entries.count == 4)
        for entry in entries {
            #expect((entry.contentCredentials != nil) == entry.source.hasPrefix("signed"), "\(entry.source)")
            #expect(entry.contentCredentials?.claimGenerator == (entry.source.hasPrefix("signed") ? "imagepipe-test-fixtures 1.0" : nil))
        }
        let page = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
        #expect(page.components(separatedBy: "<span class=\"cr\"").count == 4)
        #expect(page.contains("Content credentials (C2PA) in the original: present (not verified)"))
    }

    @Test("sources smaller than the sizes are never enlarged and give one thumbnail")
    func neverEnlarge() async throws {
        let source = try Self.sourceFolder(["one.png": "one-pixel.png", "gradient.png": "gradient-rgb.png"])
        let output = try makeScratchDirectory() + "/out"
        _ = try await Self.run(source, output)
        let manifest = try Self.manifest(output)
        let one = try #require(manifest.entries.first { $0.source == "one.png" })
        #expect(one.thumbnails.count == 1)
        #expect(one.thumbnails[0].width == 1 && one.thumbnails[0].height == 1 && one.thumbnails[0].size == 512)
    }

    @Test("a second run skips everything; a touched file is confirmed by its digest; a changed one is redone; --prune removes a deleted one")
    func incremental() async throws {
        let source = try Self.sourceFolder(["a.png": "gradient-rgb.png", "b.png": "disc-rgba.png", "c.webp": "gradient-lossy.webp"])
        let output = try makeScratchDirectory() + "/out"
        let first = try await Self.run(source, output)
        #expect(first.new == 3)
        let second = try await Self.run(source, output)
        #expect(second.unchanged == 3 && second.new == 0 && second.updated == 0 && second.thumbnailsWritten == 0)

        // Same bytes, new time: unchanged (by SHA-256), and the manifest learns the new time.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: source + "/a.png")
        let touched = try await Self.run(source, output)
        #expect(touched.unchanged == 3 && touched.thumbnailsWritten == 0)

        // New content under an old name; a new file; a deleted file.
        try FileManager.default.removeItem(atPath: source + "/a.png")
        try FileManager.default.copyItem(atPath: Self.fixture("opaque-rgba.png"), toPath: source + "/a.png")
        try FileManager.default.copyItem(atPath: Self.fixture("gray.png"), toPath: source + "/d.png")
        let removed = try #require(try Self.manifest(output).entries.first { $0.source == "b.png" })
        try FileManager.default.removeItem(atPath: source + "/b.png")
        let third = try await Self.run(source, output)
        #expect(third.updated == 1 && third.new == 1 && third.unchanged == 1 && third.missing == 1 && third.pruned == 0)
        #expect(third.description.contains("1 unchanged, 1 new, 1 updated"))
        let updated = try #require(try Self.manifest(output).entries.first { $0.source == "a.png" })
        #expect(updated.sha256 == SHA256.hex(of: try readBytes(URL(fileURLWithPath: Self.fixture("opaque-rgba.png")))))

        let pruned = try await Self.run(source, output, prune: true)
        #expect(pruned.pruned == 1 && pruned.unchanged == 3)
        #expect(try Self.manifest(output).entries.map(\.source) == ["a.png", "c.webp", "d.png"])
        for thumbnail in removed.thumbnails {
            #expect(!FileManager.default.fileExists(atPath: output + "/" + thumbnail.path))
        }
    }

    @Test("other settings redo every source and remove the thumbnails of sizes no longer made")
    func settingsChange() async throws {
        let source = try Self.sourceFolder(["a.png": "gradient-rgb.png"])
        let output = try makeScratchDirectory() + "/out"
        var settings = GallerySettings()
        settings.sizes = [64, 32]
        _ = try await Self.run(source, output, settings: settings)
        settings.sizes = [48]
        settings.aspect = ImageSize(width: 1, height: 1)
        let again = try await Self.run(source, output, settings: settings)
        #expect(again.updated == 1)
        let entry = try #require(try Self.manifest(output).entries.first)
        #expect(entry.thumbnails.map(\.size) == [48])
        #expect(entry.thumbnails[0].width == 48 && entry.thumbnails[0].height == 48)
        #expect(Self.listing(output + "/thumbs").count == 1)
    }

    @Test("thumbnail names are stable and keep apart names that read alike")
    func collisions() async throws {
        let source = try Self.sourceFolder(["a/b.png": "gradient-rgb.png", "a__b.png": "disc-rgba.png", "a b#1?.png": "gray.png"])
        let output = try makeScratchDirectory() + "/out"
        let summary = try await Self.run(source, output)
        #expect(summary.new == 3 && summary.failed == 0)
        let paths = try Self.manifest(output).entries.flatMap { $0.thumbnails.map(\.path) }
        #expect(Set(paths).count == paths.count)
        #expect(FileName.uniqueStem(for: "a/b.png") != FileName.uniqueStem(for: "a__b.png"))
        #expect(FileName.uniqueStem(for: "a/b.png").hasPrefix("a__b.png-"))
        #expect(FileName.uniqueStem(for: "a/b.png") == FileName.uniqueStem(for: "a/b.png"))
        let html = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
        #expect(html.contains("a%20b%231%3F.png"), "paths are percent-encoded in links")
    }

    @Test("names and prompts are HTML-escaped; a response's revised prompt is the alt text")
    func escaping() async throws {
        let source = try Self.sourceFolder(["<b>&\"x'.png": "gradient-rgb.png", "resp.json": "response-openai.json"])
        let output = try makeScratchDirectory() + "/out"
        _ = try await Self.run(source, output)
        let html = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
        #expect(!html.contains("<b>&"))
        #expect(html.contains("&lt;b&gt;&amp;&quot;x&#39;.png"))
        #expect(html.contains("alt=\"A café &quot;sign&quot; ☕\""))
        #expect(GalleryPage.escape("<a href='x'>&</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;")
    }

    @Test("a corrupt source fails alone; the others are done; it is retried on the next run")
    func corruptSource() async throws {
        let source = try Self.sourceFolder([
            "good.png": "gradient-rgb.png", "bad.png": "truncated.png", "crc.png": "bad-crc.png",
            "cut.json": "response-truncated.json", "payload.json": "response-bad-payload.json", "url.json": "response-nebius-url.json",
            "error.json": "response-error-credit.json",
        ])
        let output = try makeScratchDirectory() + "/out"
        let summary = try await Self.run(source, output)
        let failed = summary.failures.map { $0.path ?? "" }.sorted()
        #expect(failed.contains(source + "/bad.png") && failed.contains(source + "/crc.png") && failed.contains(source + "/cut.json"))
        #expect(failed.contains(source + "/url.json data[0]"))
        #expect(failed.contains { $0.hasPrefix(source + "/payload.json data[") })
        #expect(summary.failed == 5, "\(failed)")
        #expect(summary.new == 2)  // good.png and the good image of payload.json
        #expect(summary.ignored == 1)  // the saved error response
        // Files that failed whole are retried; a response that gave some of its images is
        // unchanged, so it is skipped (its bad image would fail the same way).
        let again = try await Self.run(source, output)
        #expect(again.failed == 4 && again.unchanged == 2, "\(again)")
    }

    @Test("temporary files of a killed run are removed; those of a live process are kept")
    func staleTemporaryFiles() async throws {
        let source = try Self.sourceFolder(["a.png": "gradient-rgb.png"])
        let output = try makeScratchDirectory() + "/out"
        try FileManager.default.createDirectory(atPath: output + "/thumbs", withIntermediateDirectories: true)
        // PID 2^22+1 is above Linux's pid_max limit, so no process has it.
        let stale = output + "/thumbs/.x.512.webp.imagepipe-4194305-3.tmp"
        let staleHere = output + "/thumbs/.y.512.webp.imagepipe-4194305-4-\(FileIO.hostTag).tmp"
        let live = output + "/.manifest.json.imagepipe-\(getpid())-9-\(FileIO.hostTag).tmp"
        // Another machine writing into the same shared folder: its process cannot be checked from
        // here, so its file is kept whatever its PID.
        let otherMachine = output + "/thumbs/.z.512.webp.imagepipe-4194305-5-0badc0de.tmp"
        for path in [stale, staleHere, live, otherMachine] { _ = FileManager.default.createFile(atPath: path, contents: Data([1, 2])) }
        let summary = try await Self.run(source, output)
        #expect(summary.removedTemporaryFiles == 2)
        #expect(!FileManager.default.fileExists(atPath: stale) && !FileManager.default.fileExists(atPath: staleHere))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: otherMachine))
    }

    @Test("an output folder inside the source folder is not walked")
    func outputInsideSource() async throws {
        let source = try Self.sourceFolder(["a.png": "gradient-rgb.png"])
        let output = source + "/gallery"
        _ = try await Self.run(source, output)
        let again = try await Self.run(source, output)
        #expect(again.unchanged == 1 && again.new == 0)
        #expect(try Self.manifest(output).entries.map(\.source) == ["a.png"])
        #expect(try Self.manifest(output).sourceRoot == "..")
    }

    /// A source folder with images of its own, and symbolic links: a file and a folder outside
    /// it, a loop (`sub/up` → the source folder) and a link to nothing.
    static func sourceWithLinks() throws -> String {
        let source = try Self.sourceFolder(["a.png": "gradient-rgb.png", "sub/b.png": "disc-rgba.png"])
        let outside = (source as NSString).deletingLastPathComponent + "/outside"
        try FileManager.default.createDirectory(atPath: outside + "/folder", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture("gray.png"), toPath: outside + "/secret.png")
        try FileManager.default.copyItem(atPath: Self.fixture("disc-lossy-alpha.webp"), toPath: outside + "/folder/c.webp")
        try FileManager.default.createSymbolicLink(atPath: source + "/secret.png", withDestinationPath: outside + "/secret.png")
        try FileManager.default.createSymbolicLink(atPath: source + "/linked", withDestinationPath: outside + "/folder")
        try FileManager.default.createSymbolicLink(atPath: source + "/sub/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: source + "/gone.png", withDestinationPath: outside + "/nothing.png")
        return source
    }

    @Test("symbolic links inside the source are not followed by default: reported, nothing of them published")
    func linksNotFollowed() async throws {
        let source = try Self.sourceWithLinks()
        let output = try makeScratchDirectory() + "/site"
        let summary = try await Self.run(source, output)
        #expect(summary.failed == 0 && summary.new == 2, "\(summary.failures)")
        #expect(summary.skippedLinks == ["gone.png", "linked", "secret.png", "sub/up"].map {
            "\(source)/\($0): symbolic link not followed (--follow-links follows it)"
        })
        #expect(summary.description.contains("4 symbolic links skipped"), "\(summary)")
        #expect(try Self.manifest(output).entries.map(\.source) == ["a.png", "sub/b.png"])
        let thumbnails = Self.listing(output + "/thumbs")
        #expect(!thumbnails.isEmpty && thumbnails.allSatisfy { $0.hasPrefix("a.png-") || $0.hasPrefix("sub__b.png-") }, "\(thumbnails)")
        let page = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
        #expect(!page.contains("secret") && !page.contains("linked") && !page.contains("c.webp"))
    }

    @Test("with followLinks, links are followed, a loop ends, a dangling link is reported; a linked source folder is followed")
    func linksFollowed() async throws {
        let source = try Self.sourceWithLinks()
        let output = try makeScratchDirectory() + "/site"
        var job = try GalleryJob(source: source, output: output, concurrency: 2)
        job.followLinks = true
        let summary = try await job.run()
        #expect(summary.failed == 0 && summary.new == 4, "\(summary.failures)")
        #expect(try Self.manifest(output).entries.map(\.source) == ["a.png", "linked/c.webp", "secret.png", "sub/b.png"])
        #expect(summary.skippedLinks == [
            "\(source)/gone.png: symbolic link to nothing readable",
            "\(source)/sub/up: symbolic link to a folder that contains it, not followed (a loop)",
        ])

        // The source folder named by the caller is followed even when it is a link.
        let named = try makeScratchDirectory() + "/named"
        try FileManager.default.createSymbolicLink(atPath: named, withDestinationPath: source)
        let viaLink = try makeScratchDirectory() + "/site"
        let linked = try await Self.run(named, viaLink)
        #expect(linked.new == 2 && linked.skippedLinks.count == 4)
        #expect(try Self.manifest(viaLink).entries.map(\.source) == ["a.png", "sub/b.png"])
    }

    @Test("a damaged manifest is replaced, with a warning")
    func damagedManifest() async throws {
        let source = try Self.sourceFolder(["a.png": "gradient-rgb.png"])
        let output = try makeScratchDirectory() + "/out"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: output + "/manifest.json", contents: Data("{\"version\": 1, \"sour".utf8))
        let summary = try await Self.run(source, output)
        #expect(summary.new == 1 && summary.warnings.count == 1)
        #expect(try Self.manifest(output).entries.count == 1)
    }

    @Test("settings are validated")
    func validation() throws {
        let source = try Self.sourceFolder([:])
        var settings = GallerySettings()
        settings.sizes = [0]
        #expect(throws: PipelineError.self) { try GalleryJob(source: source, output: source + "/o", settings: settings) }
        settings = GallerySettings()
        settings.format = .pam
        #expect(throws: PipelineError.self) { try GalleryJob(source: source, output: source + "/o", settings: settings) }
        #expect(throws: PipelineError.self) { try GalleryJob(source: source + "/missing", output: source + "/o") }
        #expect(ImageSize(aspect: "4:3") == ImageSize(width: 4, height: 3))
        #expect(ImageSize(aspect: "4x3") == nil)
    }

    /// The design choice behind ``GallerySettings/Derivation/cascade``: each size made from the
    /// next larger one is as good as one made from the source (PSNR against the direct resize).
    @Test("cascaded sizes match direct resizes from the source (PSNR over 40 dB)")
    func cascadeQuality() throws {
        var files = ["gradient-rgb.png", "disc-rgba.png", "opaque-rgba.png"].map { Self.fixture($0) }
        if let corpus = TestPaths.corpus {
            let folder = corpus.appendingPathComponent("png").path
            files += (try FileManager.default.contentsOfDirectory(atPath: folder)).sorted().prefix(2).map { folder + "/" + $0 }
        }
        for path in files {
            let decoded = try readBytes(URL(fileURLWithPath: path)).withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
            for fit in [ResizeGeometry.Fit.contain, .cover] {
                var settings = GallerySettings()
                settings.fit = fit
                let geometries = settings.orderedSizes.map { settings.geometry(for: $0) }
                settings.derivation = .cascade
                let cascade = GalleryRenderer(settings: settings, decoder: ImageDecoder(), sources: LocalStorage.paths, outputs: LocalStorage.paths, resizeOptions: ResizeOptions(threads: 1))
                    .thumbnails(of: decoded, sizes: settings.orderedSizes, geometries: geometries)
                settings.derivation = .direct
                let direct = GalleryRenderer(settings: settings, decoder: ImageDecoder(), sources: LocalStorage.paths, outputs: LocalStorage.paths, resizeOptions: ResizeOptions(threads: 1))
                    .thumbnails(of: decoded, sizes: settings.orderedSizes, geometries: geometries)
                #expect(cascade.count == direct.count)
                for (a, b) in zip(cascade, direct) {
                    #expect(a.image.size == b.image.size)
                    guard a.image.size == b.image.size, a.image.size.width >= 16 else { continue }
                    let quality = compositedPSNR(a.image, b.image)
                    // Attention crops of different scales may sit a pixel or two apart.
                    #expect(quality > (fit == .cover ? 30 : 40), "\(path) \(fit) \(a.size): \(quality) dB")
                }
            }
        }
    }
}
