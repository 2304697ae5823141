import Foundation
import ImageCodecs
import ImageCore
@testable import ImagePipeline
import PipelineCore
import Testing
import TestSupport

@Suite("Pipeline: files and convert jobs")
struct PipelineTests {
    /// A fresh folder under the system temporary directory.
    static func fixture(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent(name).path }

    static func listing(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    @Test("atomic write replaces the target and leaves no temporary file")
    func atomicWrite() throws {
        let folder = try makeScratchDirectory()
        let target = folder + "/out.bin"
        try FileIO.writeAtomically([1, 2, 3], to: target)
        try FileIO.writeAtomically([4, 5], to: target, durable: true)
        #expect(try FileIO.readFile(target, maxBytes: 10) == [4, 5])
        #expect(try Self.listing(folder) == ["out.bin"])
        let failure = #expect(throws: PipelineError.self) { try FileIO.writeAtomically([1], to: folder + "/missing/out.bin") }
        #expect(failure?.code == .writeFailed)
        #expect(try Self.listing(folder) == ["out.bin"])
    }

    @Test("reads refuse directories and files over the byte limit before reading")
    func readLimits() throws {
        let folder = try makeScratchDirectory()
        #expect(throws: PipelineError.self) { try FileIO.readFile(folder, maxBytes: 100) }
        let tooLarge = #expect(throws: PipelineError.self) { try FileIO.readFile(Self.fixture("gradient-rgb.png"), maxBytes: 100) }
        #expect(tooLarge?.code == .inputTooLarge)
        #expect(tooLarge?.description.contains("gradient-rgb.png") == true)
    }

    @Test("the output format comes from the extension or --format, and contradictions are refused")
    func planning() throws {
        let folder = try makeScratchDirectory()
        let job = try ConvertJob(inputs: [Self.fixture("gray.png")], output: folder + "/a.webp")
        #expect(job.destination == .file(folder + "/a.webp", .webp))
        #expect(try ConvertJob(inputs: ["x"], output: folder + "/a", format: .png).destination == .file(folder + "/a", .png))
        #expect(try ConvertJob(inputs: ["x", "y"], output: folder + "/new").destination == .directory(folder + "/new"))
        #expect(try ConvertJob(inputs: ["x"], output: folder + "/").destination == .directory(folder))
        let unknown = #expect(throws: PipelineError.self) { try ConvertJob(inputs: ["x"], output: folder + "/a.xyz") }
        #expect(unknown?.code == .unknownOutputFormat)
        #expect(try ConvertJob(inputs: ["x"], output: folder + "/a.jpg").destination == .file(folder + "/a.jpg", .jpeg))
        let gif = #expect(throws: PipelineError.self) { try ConvertJob(inputs: ["x"], output: folder + "/a.gif") }
        #expect(gif?.code == .unsupportedOutputFormat)
        let contradiction = #expect(throws: PipelineError.self) { try ConvertJob(inputs: ["x"], output: folder + "/a.png", format: .webp) }
        #expect(contradiction?.code == .invalidOptions)
        var quality = EncodingSettings()
        quality.quality = 90
        let misfit = #expect(throws: PipelineError.self) { try ConvertJob(inputs: ["x"], output: folder + "/a.png", encoding: quality) }
        #expect(misfit?.message.contains("--quality") == true)
        quality.quality = 101
        #expect(throws: PipelineError.self) { try ConvertJob(inputs: ["x"], output: folder + "/a.webp", encoding: quality) }
        try FileIO.writeAtomically([0], to: folder + "/file")
        #expect(throws: PipelineError.self) { try ConvertJob(inputs: ["x", "y"], output: folder + "/file") }
    }

    @Test("a batch converts the good files and reports each bad one")
    func batch() async throws {
        let folder = try makeScratchDirectory() + "/out"
        let inputs = ["gradient-rgb.png", "truncated.png", "disc-lossless.webp", "photo.jpg", "gray.png"].map(Self.fixture)
        let job = try ConvertJob(inputs: inputs, output: folder, format: .webp, concurrency: 2)
        var reported = 0
        let results = await job.run { _ in reported += 1 }
        #expect(reported == 5)
        #expect(results.map(\.input) == inputs, "results come back in input order")
        let succeeded = results.compactMap { try? $0.outcome.get() }
        #expect(succeeded.map { URL(fileURLWithPath: $0.output).lastPathComponent }.sorted() == ["disc-lossless.webp", "gradient-rgb.webp", "gray.webp"])
        #expect(try Self.listing(folder) == ["disc-lossless.webp", "gradient-rgb.webp", "gray.webp"], "no temporary or partial file left")
        for file in succeeded {
            let image = try ImageDecoder().decode(FileIO.readFile(file.output, maxBytes: 1 << 20))
            #expect(image.size == file.source.size)
        }
        let failures = results.compactMap { if case .failure(let error) = $0.outcome { error } else { nil } }
        // photo.jpg is a JFIF header and nothing else: libjpeg finds no image in it.
        #expect(failures.map { $0.codecError?.code } == [.truncated, .truncated])
        #expect(failures.allSatisfy { $0.description.contains(".png:") || $0.description.contains(".jpg:") })
    }

    @Test("same format without settings copies the verified bytes; settings re-encode")
    func passThrough() async throws {
        let folder = try makeScratchDirectory()
        let input = Self.fixture("gradient-rgb.png")
        let copied = try await ConvertJob(inputs: [input], output: folder + "/copy.png").run()[0].outcome.get()
        #expect(copied.wasCopied)
        #expect(try FileIO.readFile(folder + "/copy.png", maxBytes: 1 << 20) == FileIO.readFile(input, maxBytes: 1 << 20))
        var settings = EncodingSettings()
        settings.compressionLevel = 0
        let stored = try await ConvertJob(inputs: [input], output: folder + "/stored.png", encoding: settings).run()[0].outcome.get()
        #expect(!stored.wasCopied && stored.outputBytes > 64 * 48 * 3)
    }

    @Test("a large PNG converted from a file: released as it is decoded, the same pixels; damaged, libpng's error and the file read again")
    func releasingDecode() async throws {
        let folder = try makeScratchDirectory()
        var generator = SplitMix64(seed: 5)
        let noise = try Image(size: ImageSize(width: 640, height: 640), format: .rgb8, copying: randomBytes(640 * 640 * 3, using: &generator))
        var stored = EncodingSettings()
        stored.compressionLevel = 1
        let png = try noise.encoded(as: stored.options(for: .png))
        try FileIO.writeAtomically(png, to: folder + "/noise.png")
        let converted = try await ConvertJob(inputs: [folder + "/noise.png"], output: folder + "/out.png", encoding: stored).run()[0].outcome.get()
        #expect(!converted.wasCopied)
        #expect(try ImageDecoder().decode(FileIO.readFile(folder + "/out.png", maxBytes: 8 << 20)) == noise)
        #expect(try FileIO.readFile(folder + "/noise.png", maxBytes: 8 << 20) == png, "the input file is never modified")
        let copied = try await ConvertJob(inputs: [folder + "/noise.png"], output: folder + "/copy.png").run()[0].outcome.get()
        #expect(copied.wasCopied)
        #expect(try FileIO.readFile(folder + "/copy.png", maxBytes: 8 << 20) == png, "a copy's bytes are kept, not released")

        // The Adler-32 at the end of the last IDAT chunk's data damaged, its CRC made good: the
        // fast path finds out after releasing the file's pages, and libpng reads it again.
        var damaged = png
        let iend = damaged.count - 12
        damaged[iend - 5] ^= 0x01
        var chunkStart = 8
        while chunkStart + 12 + Int(UInt32(bigEndianBytes: damaged[chunkStart..<chunkStart + 4])) < iend {
            chunkStart += 12 + Int(UInt32(bigEndianBytes: damaged[chunkStart..<chunkStart + 4]))
        }
        damaged.replaceSubrange(iend - 4..<iend, with: PNGBomb.bigEndian(PNGBomb.crc32(Array(damaged[chunkStart + 4..<iend - 4]))))
        try FileIO.writeAtomically(damaged, to: folder + "/damaged.png")
        let expected = #expect(throws: ImageCodecError.self) { try ImageDecoder().decode(damaged) }
        let result = try await ConvertJob(inputs: [folder + "/damaged.png"], output: folder + "/damaged.webp").run()[0]
        guard case .failure(let error) = result.outcome else {
            Issue.record("a damaged PNG converted")
            return
        }
        #expect(error.codecError?.message == expected?.message)
        #expect(error.description.contains("damaged.png"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/damaged.webp"))
    }

    @Test("an input is never overwritten, even through another name")
    func neverOverwriteInput() async throws {
        let folder = try makeScratchDirectory()
        let input = folder + "/in.png"
        let original = try FileIO.readFile(Self.fixture("disc-rgba.png"), maxBytes: 1 << 20)
        try FileIO.writeAtomically(original, to: input)
        try FileManager.default.linkItem(atPath: input, toPath: folder + "/link.webp")
        for output in [input, folder + "/link.webp", folder + "/./in.png"] {
            let result = try await ConvertJob(inputs: [input], output: output, format: Self.formatNamed(output)).run()[0]
            guard case .failure(let error) = result.outcome else {
                Issue.record("\(output) was written over the input")
                continue
            }
            #expect(error.code == .wouldOverwriteInput)
        }
        #expect(try FileIO.readFile(input, maxBytes: 1 << 20) == original)
    }

    static func formatNamed(_ path: String) -> ImageFormat? {
        path.hasSuffix(".webp") ? .webp : .png
    }

    @Test("two inputs with one output name: the second is refused, the first written")
    func conflicts() async throws {
        let folder = try makeScratchDirectory()
        try FileManager.default.createDirectory(atPath: folder + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/b", withIntermediateDirectories: true)
        try FileIO.writeAtomically(FileIO.readFile(Self.fixture("gray.png"), maxBytes: 1 << 20), to: folder + "/a/x.png")
        try FileIO.writeAtomically(FileIO.readFile(Self.fixture("disc-rgba.png"), maxBytes: 1 << 20), to: folder + "/b/x.png")
        let results = try await ConvertJob(inputs: [folder + "/a/x.png", folder + "/b/x.png"], output: folder + "/out", format: .webp).run()
        #expect((try? results[0].outcome.get()) != nil)
        guard case .failure(let error) = results[1].outcome else { Issue.record("conflict not detected"); return }
        #expect(error.code == .outputConflict)
        #expect(try ImageDecoder().probe(FileIO.readFile(folder + "/out/x.webp", maxBytes: 1 << 20)).size == ImageSize(width: 32, height: 32))
    }

    @Test("file info reads headers and reports unreadable files by path")
    func fileInfo() throws {
        let info = try FileInfo.probe(path: Self.fixture("animated.webp"))
        #expect(info.format == "webp" && info.width == 24 && info.frameCount == 3 && info.animated)
        #expect(info.summary.contains("animated, 3 frames"))
        let error = #expect(throws: PipelineError.self) { try FileInfo.probe(path: Self.fixture("photo.jpg")) }
        #expect(error?.description.contains("photo.jpg: JPEG header: JPEG datastream contains no image (at byte 22 of 22)") == true, "\(String(describing: error))")
    }

    @Test("a saved response: each image written with the extension of its real format, bytes untouched")
    func responseExtraction() async throws {
        let folder = try makeScratchDirectory()
        let results = try await ConvertJob(inputs: [Self.fixture("response-nscale.json")], output: folder + "/").run()
        let files = try results.map { try $0.outcome.get() }
        #expect(files.map { URL(fileURLWithPath: $0.output).lastPathComponent } == ["response-nscale-0.png", "response-nscale-1.webp"])
        #expect(files.map(\.imageIndex) == [0, 1])
        #expect(try FileIO.readFile(folder + "/response-nscale-0.png", maxBytes: 1 << 20) == FileIO.readFile(Self.fixture("gray.png"), maxBytes: 1 << 20))
        #expect(try FileIO.readFile(folder + "/response-nscale-1.webp", maxBytes: 1 << 20) == FileIO.readFile(Self.fixture("disc-lossy-alpha.webp"), maxBytes: 1 << 20))
    }

    @Test("a saved response with --format transcodes every image")
    func responseTranscode() async throws {
        let folder = try makeScratchDirectory()
        let results = try await ConvertJob(inputs: [Self.fixture("response-nscale.json")], output: folder, format: .png).run()
        #expect(try Self.listing(folder) == ["response-nscale-0.png", "response-nscale-1.png"])
        let second = try results[1].outcome.get()
        #expect(!second.wasCopied && second.source.format == .webp)
        let single = try await ConvertJob(inputs: [Self.fixture("response-openai.json")], output: folder + "/one.webp").run()
        #expect(try single[0].outcome.get().outputFormat == .webp)
        #expect(try ImageDecoder().probe(FileIO.readFile(folder + "/one.webp", maxBytes: 1 << 20)).format == .webp)
        let named = try await ConvertJob(inputs: [Self.fixture("response-openai.json")], output: folder + "/picture.bin", format: .png).run()
        #expect(try named[0].outcome.get().output == folder + "/picture.bin", "an explicitly named output keeps its name")
    }

    @Test("a response with a provider error, an invalid payload or a URL fails clearly and writes what it can")
    func responseFailures() async throws {
        let folder = try makeScratchDirectory()
        let credit = try await ConvertJob(inputs: [Self.fixture("response-error-credit.json")], output: folder + "/").run()
        guard case .failure(let creditError) = credit[0].outcome else { Issue.record("credit error not reported"); return }
        #expect(creditError.code == .providerError)
        #expect(creditError.message.contains("Insufficient credit to run this request (type: INSUFFICIENT_CREDIT"))

        let mixed = try await ConvertJob(inputs: [Self.fixture("response-bad-payload.json")], output: folder + "/").run()
        #expect((try? mixed[0].outcome.get()) != nil)
        guard case .failure(let payloadError) = mixed[1].outcome else { Issue.record("bad payload not reported"); return }
        #expect(payloadError.code == .invalidResponse && payloadError.byteOffset != nil)
        #expect(payloadError.message.contains("data[1].b64_json is not valid base64: invalid character at byte"))
        #expect(try Self.listing(folder) == ["response-bad-payload-0.png"], "nothing written for the bad image")

        let url = try await ConvertJob(inputs: [Self.fixture("response-nebius-url.json")], output: folder + "/").run()
        guard case .failure(let urlError) = url[0].outcome else { Issue.record("URL result not reported"); return }
        #expect(urlError.description.contains("https://example.invalid/img/abc.png?…"))
        #expect(!urlError.description.contains("secret"), "the signed query string is not printed")
    }
}


extension UInt32 {
    /// The big-endian value of four bytes.
    init(bigEndianBytes bytes: ArraySlice<UInt8>) {
        self = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
