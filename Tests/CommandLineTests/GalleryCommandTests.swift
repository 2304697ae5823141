import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `imagepipe gallery`, run as a user would, including a run killed with SIGKILL.
@Suite("imagepipe gallery")
struct GalleryCommandTests {
    static func run(_ arguments: [String]) throws -> CommandLineTests.Run { try CommandLineTests.run(arguments) }
    static func fixture(_ name: String) -> String { CommandLineTests.fixture(name) }

    static func sourceFolder(_ files: [String: String]) throws -> String {
        let folder = try makeScratchDirectory() + "/src"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, fixture) in files {
            try FileManager.default.copyItem(atPath: Self.fixture(fixture), toPath: folder + "/" + name)
        }
        return folder
    }

    static func manifestSources(_ output: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: output + "/manifest.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sources = try #require(object["sources"] as? [[String: Any]])
        return sources.compactMap { $0["source"] as? String }
    }

    /// Every file in the output: manifest and page whole, every thumbnail decodes (through
    /// `imagepipe info --verify`); returns the names of temporary files found.
    static func checkWhole(_ output: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: output)
        if names.contains("manifest.json") {
            _ = try manifestSources(output)
        }
        if names.contains("index.html") {
            let html = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
            #expect(html.hasSuffix("</html>\n"))
        }
        let thumbs = (try? FileManager.default.contentsOfDirectory(atPath: output + "/thumbs")) ?? []
        let images = thumbs.filter { !$0.hasPrefix(".") }.map { output + "/thumbs/" + $0 }
        if !images.isEmpty {
            let verify = try run(["info", "--verify"] + images)
            #expect(verify.status == 0, "\(verify.stderr)")
        }
        return names.filter { $0.hasPrefix(".") } + thumbs.filter { $0.hasPrefix(".") }
    }

    @Test("a gallery: summary line, one error line per bad source, exit 1; a second run skips everything")
    func galleryAndRerun() throws {
        let source = try Self.sourceFolder([
            "a.png": "gradient-rgb.png", "b.webp": "gradient-lossy.webp", "bad.png": "truncated.png", "resp.json": "response-openai.json",
        ])
        let output = try makeScratchDirectory() + "/site"
        let first = try Self.run(["gallery", source, "-o", output, "--sizes", "256,128,64"])
        #expect(first.status == 1)
        #expect(first.stderr.contains("error: \(source)/bad.png: "))
        #expect(first.stderr.contains("gallery: 0 unchanged, 3 new, 0 updated, 1 failed -> \(output)/index.html"), "\(first.stderr)")
        #expect(!first.stderr.contains("\r"), "no progress bar when stderr is not a terminal")
        #expect(try Self.manifestSources(output) == ["a.png", "b.webp", "resp.json#0"])
        #expect(FileManager.default.fileExists(atPath: output + "/index.html"))

        try FileManager.default.removeItem(atPath: source + "/bad.png")
        let second = try Self.run(["gallery", source, "-o", output, "--sizes", "256,128,64", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(summary["unchanged"] as? Int == 3 && summary["new"] as? Int == 0 && summary["thumbnailsWritten"] as? Int == 0)
    }

    @Test("refusals: a missing source folder, bad sizes, bad aspect")
    func refusals() throws {
        let missing = try Self.run(["gallery", "/nonexistent-imagepipe", "-o", "/tmp/x"])
        #expect(missing.status != 0 && missing.stderr.contains("no such folder"))
        let folder = try makeScratchDirectory()
        for sizes in ["0,12", "none", "", "12,,6"] {
            let refused = try Self.run(["gallery", folder, "-o", folder + "/o", "--sizes", sizes])
            #expect(refused.status == 64, "--sizes \(sizes)")
            #expect(refused.stderr.contains("--sizes"), "\(refused.stderr)")
        }
        #expect(try Self.run(["gallery", folder, "-o", folder + "/o", "--aspect", "square"]).status != 0)
    }

    @Test("symbolic links in the source: skipped and counted by default (-v names them), published with --follow-links")
    func symbolicLinks() throws {
        let source = try Self.sourceFolder(["a.png": "gradient-rgb.png"])
        let outside = (source as NSString).deletingLastPathComponent + "/outside"
        try FileManager.default.createDirectory(atPath: outside + "/folder", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture("gray.png"), toPath: outside + "/secret.png")
        try FileManager.default.copyItem(atPath: Self.fixture("gradient-lossy.webp"), toPath: outside + "/folder/c.webp")
        try FileManager.default.createSymbolicLink(atPath: source + "/secret.png", withDestinationPath: outside + "/secret.png")
        try FileManager.default.createSymbolicLink(atPath: source + "/linked", withDestinationPath: outside + "/folder")
        try FileManager.default.createSymbolicLink(atPath: source + "/loop", withDestinationPath: ".")

        let output = try makeScratchDirectory() + "/site"
        let plain = try Self.run(["gallery", source, "-o", output, "--sizes", "64", "-v"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stderr.contains("gallery: 0 unchanged, 1 new, 0 updated, 3 symbolic links skipped -> "), "\(plain.stderr)")
        #expect(plain.stderr.contains("\(source)/secret.png: symbolic link not followed (--follow-links follows it)\n"))
        #expect(plain.stderr.contains("\(source)/linked: symbolic link not followed"))
        #expect(try Self.manifestSources(output) == ["a.png"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: output + "/thumbs").count == 1)

        let followed = try Self.run(["gallery", source, "-o", output, "--sizes", "64", "--follow-links", "--json"])
        #expect(followed.status == 0, "\(followed.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(followed.stdout.utf8)) as? [String: Any])
        #expect(summary["new"] as? Int == 2 && summary["unchanged"] as? Int == 1)
        #expect(summary["skippedLinks"] as? [String] == ["\(source)/loop: symbolic link to a folder that contains it, not followed (a loop)"])
        #expect(try Self.manifestSources(output) == ["a.png", "linked/c.webp", "secret.png"])
    }

    @Test("a run killed with SIGKILL leaves only whole files, and the next run completes the work", .timeLimit(.minutes(10)))
    func killedRun() throws {
        // The run cannot end before it is killed, however fast or slow the machine: with --verbose it
        // writes a line per source to stderr, and stderr is a pipe shrunk to one page that this test
        // does not read until the kill. The lines of all the sources are twice what the pipe holds,
        // so the run blocks in write(2) part-way, after its manifest has been written (after each
        // source, with --manifest-interval 0).
        let (source, output, count, held) = try Self.heldGallery(sources: 32, linesOverPipe: 2)
        while !FileManager.default.fileExists(atPath: output + "/manifest.json") && held.process.isRunning {
            usleep(5_000)
        }
        #expect(held.process.isRunning, "the run ended before it could be killed: its stderr did not fill the pipe")
        kill(held.process.processIdentifier, SIGKILL)
        let (status, _, _) = held.finish()
        #expect(status == -SIGKILL, "killed by SIGKILL")

        _ = try Self.checkWhole(output)
        let done = try Self.manifestSources(output).count
        #expect(done < count)

        let rerun = try Self.run(["gallery", source, "-o", output, "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any])
        #expect((summary["new"] as? Int ?? 0) + (summary["unchanged"] as? Int ?? 0) == count)
        #expect(summary["unchanged"] as? Int == done, "the killed run's finished sources are not redone")
        let leftovers = try Self.checkWhole(output)
        #expect(leftovers.isEmpty, "temporary files of the killed run are removed: \(leftovers)")
        #expect(try Self.manifestSources(output).count == count)
    }

    @Test("Ctrl-C stops a gallery: the sources in flight finish, manifest and page record them, exit 130, the next run does the rest", .timeLimit(.minutes(10)))
    func interruptedRun() throws {
        // As in killedRun: --verbose writes a line per source to stderr, a one-page pipe read once
        // before the interrupt, so the run cannot end first.
        let (source, output, count, held) = try Self.heldGallery(sources: 64, linesOverPipe: 3)
        let (status, _, stderr) = held.interruptAfterFirstLine(containing: ": new")
        #expect(status == 130, "\(stderr)")
        #expect(stderr.contains("interrupted") && stderr.contains("not done"), "\(stderr)")

        let leftovers = try Self.checkWhole(output)
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        #expect(FileManager.default.fileExists(atPath: output + "/index.html"))
        let done = try Self.manifestSources(output).count
        #expect(done > 0 && done < count, "\(done) of \(count) in the manifest")

        let rerun = try Self.run(["gallery", source, "-o", output, "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any])
        #expect(summary["unchanged"] as? Int == done, "the interrupted run's finished sources are not redone")
        #expect(summary["new"] as? Int == count - done)
        #expect(summary["notDone"] as? Int == 0)
    }

    /// A gallery of `sources` long-named copies run with `--verbose` (a stderr line per source,
    /// a manifest after each) and its stderr held on a one-page pipe that the lines overflow
    /// `linesOverPipe` times.
    static func heldGallery(sources: Int, linesOverPipe: Int) throws -> (source: String, output: String, count: Int, held: CommandLineTests.HeldRun) {
        let scratch = try makeScratchDirectory()
        let source = scratch + "/src"
        let count = try CommandLineTests.longNamedCopies(of: "gradient-rgb.png", count: sources, in: source).count
        let output = scratch + "/site"
        let held = try CommandLineTests.HeldRun(
            ["gallery", source, "-o", output, "--jobs", "2", "--manifest-interval", "0", "--verbose"], holding: .standardError
        )
        let lineBytes = source.utf8.count + 200 + 16
        try #require(count * lineBytes >= linesOverPipe * held.capacity, "the run's stderr would fit in the pipe (\(held.capacity) bytes)")
        return (source, output, count, held)
    }
}

