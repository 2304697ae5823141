import Foundation
import Testing
import TestSupport

/// Runs the built `imagepipe` binary, as a user would.
@Suite("imagepipe command line")
struct CommandLineTests {
    typealias Run = ImagepipeRun

    /// The binary built beside this test bundle.
    static let binary = TestPaths.imagepipeBinary

    /// Runs the binary; `environment` adds or replaces variables, `removing` takes some away.
    static func run(_ arguments: [String], environment: [String: String] = [:], removing: [String] = []) throws -> Run {
        try runImagepipe(arguments, environment: environment, removing: removing)
    }

    static func fixture(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent(name).path }

    @Test("the binary is built")
    func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "\(Self.binary.path)")
    }

    @Test("convert: a batch with bad inputs converts the rest, names each failure, exits 1")
    func convertBatch() throws {
        let out = try makeScratchDirectory() + "/out"
        let run = try Self.run(["convert", Self.fixture("gradient-rgb.png"), Self.fixture("bad-crc.png"), Self.fixture("disc-rgba.png"),
                                Self.fixture("huge-dimensions.png"), Self.fixture("empty.png"), "-o", out, "--format", "webp", "-q", "75"])
        #expect(run.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["disc-rgba.webp", "gradient-rgb.webp"])
        #expect(run.stderr.contains("error: \(Self.fixture("bad-crc.png")): PNG checksum mismatch"))
        #expect(run.stderr.contains("error: \(Self.fixture("huge-dimensions.png")): image is 100000x100000"))
        #expect(run.stderr.contains("error: \(Self.fixture("empty.png")): file is empty"))
        #expect(run.stderr.contains("converted 2 of 5 images, 3 failed"))
        #expect(run.stdout.split(separator: "\n").count == 2)
    }

    @Test("convert: one file, format from the extension, exit 0")
    func convertOne() throws {
        let folder = try makeScratchDirectory()
        for (name, magic) in [("a.webp", "RIFF"), ("a.png", "\u{89}PNG"), ("a.pam", "P7\n")] {
            let run = try Self.run(["convert", Self.fixture("gradient-lossy.webp"), "-o", folder + "/" + name])
            #expect(run.status == 0, "\(run.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            #expect(String(decoding: bytes.prefix(magic.utf8.count), as: UTF8.self) == magic || bytes.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        }
        let lossless = try Self.run(["convert", Self.fixture("disc-rgba.png"), "-o", folder + "/l.webp", "--lossless", "--exact"])
        #expect(lossless.status == 0)
        let level = try Self.run(["convert", Self.fixture("gradient-rgb.png"), "-o", folder + "/b.png", "--level", "9", "--png-filter", "paeth"])
        #expect(level.status == 0)
    }

    @Test("convert: contradictory or out-of-range options are usage errors, nothing written")
    func convertUsageErrors() throws {
        let folder = try makeScratchDirectory()
        for arguments in [["-o", folder + "/a.png", "--quality", "90"], ["-o", folder + "/a.webp", "--level", "3"],
                          ["-o", folder + "/a.xyz"], ["-o", folder + "/a.webp", "-q", "200"], ["-o", folder + "/a.gif"],
                          ["-o", folder + "/a.jpg", "-q", "0"], ["-o", folder + "/a.webp", "--progressive"]] {
            let run = try Self.run(["convert", Self.fixture("gray.png")] + arguments)
            #expect(run.status != 0 && run.status != 1, "\(arguments): \(run.status)")
            #expect(run.stderr.contains("rror"), "\(arguments): \(run.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test("convert: refuses to write over its input")
    func convertOverInput() throws {
        let folder = try makeScratchDirectory()
        let input = folder + "/in.png"
        try FileManager.default.copyItem(atPath: Self.fixture("gray.png"), toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let run = try Self.run(["convert", input, "-o", input, "--level", "0"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("refusing to overwrite an input file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }

    @Test("convert: API responses beside images, failures named with byte offsets")
    func convertResponses() throws {
        let out = try makeScratchDirectory()
        let run = try Self.run(["convert", Self.fixture("response-nscale.json"), Self.fixture("response-bad-payload.json"),
                                Self.fixture("response-error-credit.json"), Self.fixture("gray.png"), "-o", out, "-v"])
        #expect(run.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == [
            "gray.png", "response-bad-payload-0.png", "response-nscale-0.png", "response-nscale-1.webp",
        ])
        #expect(run.stderr.contains("response-error-credit.json: the response holds an error from the provider: Insufficient credit"))
        #expect(run.stderr.contains("data[1].b64_json is not valid base64: invalid character at byte"))
        #expect(run.stderr.contains("[invalidResponse at byte"))
        #expect(run.stderr.contains("converted 4 of 6 images, 2 failed"))
    }

    @Test("bench base64 --json: every tier and the baselines for every layout, in one run")
    func benchBase64() throws {
        let run = try Self.run(["bench", "base64", "--sizes", "0.02", "--rounds", "1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let implementations = Set(rows.compactMap { $0["implementation"] as? String })
        #expect(implementations.contains("Foundation Data(base64Encoded:)"))
        #expect(implementations.contains("imagepipe portable"))
        #expect(implementations.contains { $0.hasPrefix("imagepipe ImagesResponse") })
        #expect(Set(rows.compactMap { $0["variant"] as? String }).count == 3)
        #expect(rows.allSatisfy { ($0["gigabytesPerSecond"] as? Double ?? 0) > 0 })
        let invalid = try Self.run(["bench", "base64", "--tiers", "nonsense"])
        #expect(invalid.status != 0 && invalid.stderr.contains("no available tier"))
    }

    @Test("convert: --thumbnail, --resize with --fit cover, never enlarging, and option checks")
    func convertResize() throws {
        let out = try makeScratchDirectory()
        let thumbs = try Self.run(["convert", Self.fixture("gradient-rgb.png"), Self.fixture("response-nscale.json"), "-o", out, "--thumbnail", "16", "--format", "png"])
        #expect(thumbs.status == 0, "\(thumbs.stderr)")
        #expect(thumbs.stdout.contains("64x48 -> 16x12"))
        let cover = try Self.run(["convert", Self.fixture("gradient-rgb.png"), "-o", out + "/c.webp", "--resize", "20x20", "--fit", "cover", "--gravity", "attention"])
        #expect(cover.status == 0 && cover.stdout.contains("64x48 -> 20x20"))
        let kept = try Self.run(["convert", Self.fixture("gray.png"), "-o", out + "/k.png", "--max-edge", "500"])
        #expect(kept.stdout.contains("verified, PNG bytes kept, 32x32"), "never enlarged: \(kept.stdout)")
        for arguments in [["--gravity", "north"], ["--resize", "10"], ["--resize", "10x10", "--thumbnail", "5"], ["--thumbnail", "8", "--gravity", "east"], ["--filter", "sinc"]] {
            let run = try Self.run(["convert", Self.fixture("gray.png"), "-o", out + "/x.png"] + arguments)
            #expect(run.status == 64, "\(arguments): \(run.status) \(run.stderr)")
        }
    }

    @Test("info: one line per file, JSON Lines with --json, exit 1 when a file fails")
    func info() throws {
        let text = try Self.run(["info", Self.fixture("disc-rgba.png"), Self.fixture("animated.webp")])
        #expect(text.status == 0)
        #expect(text.stdout.contains("disc-rgba.png: PNG 48x48 rgba 8-bit deflate"))
        #expect(text.stdout.contains("animated.webp: WebP 24x16 rgb 8-bit lossless, animated, 3 frames"))
        let json = try Self.run(["info", "--json", Self.fixture("gray.png"), Self.fixture("tiny.gif")])
        #expect(json.status == 1)
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["width"] as? Int == 32 && first?["format"] as? String == "png" && first?["bitDepth"] as? Int == 8)
        let second = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        #expect((second?["error"] as? String)?.contains("GIF is recognised but not supported yet") == true)
        #expect(json.stderr.contains("tiny.gif"))
    }

    @Test("info --verify decodes the pixels and finds damage a header probe cannot see")
    func infoVerify() throws {
        let header = try Self.run(["info", Self.fixture("bad-crc.png")])
        #expect(header.status == 0, "the header of bad-crc.png is intact")
        let verified = try Self.run(["info", "--verify", Self.fixture("bad-crc.png"), Self.fixture("gradient-rgb.png")])
        #expect(verified.status == 1)
        #expect(verified.stderr.contains("bad-crc.png: PNG checksum mismatch: IDAT: CRC error"))
        #expect(verified.stdout.contains("gradient-rgb.png: PNG 64x48 rgb 8-bit deflate, 8494 bytes, pixels verified"))
    }

    @Test("a 100000x100000 PNG is refused at once with little memory")
    func hugeDimensionsStaySmall() throws {
        let output = try makeScratchDirectory() + "/x.png"
        let run = try Self.run(["convert", Self.fixture("huge-dimensions.png"), "-o", output])
        #expect(run.status == 1)
        #expect(run.stderr.contains("over the limit of 128.0 megapixels"))
        // The child's own peak (VmHWM after exec): a spawned child's rusage folds in the test
        // runner's memory. Decoding the declared pixels would take 30 GB; the refusal comes from
        // the header, so the peak is the program's own few megabytes.
        let measured = try Self.run(["convert", Self.fixture("huge-dimensions.png"), "-o", output], environment: ["IMAGEPIPE_REPORT_RESOURCES": "1"])
        #expect(measured.status == 1)
        let line = try #require(measured.stderr.split(separator: "\n").first { $0.hasPrefix("resources: peak resident ") })
        let peak = try #require(Int(line.split(separator: " ")[3]))
        #expect(peak < 100 * 1024, "peak resident \(peak) KiB")
    }
}


extension CommandLineTests {
    @Test("convert: Ctrl-C stops a batch, the files in flight finish, nothing half-written, exit 130", .timeLimit(.minutes(5)))
    func convertInterrupt() throws {
        // The batch cannot end before the interrupt, however fast the machine: it prints a line per
        // file to stdout, a pipe shrunk to one page that this test reads only once before the
        // interrupt, and the lines of all the files are three times what the pipe holds.
        let scratch = try makeScratchDirectory()
        let sources = try Self.longNamedCopies(of: "gradient-rgb.png", count: 32, in: scratch + "/src")
        let held = try HeldRun(["convert"] + sources + ["-o", scratch + "/out/", "--format", "webp", "-j", "2"], holding: .standardOutput)
        try #require(sources.reduce(0) { $0 + 2 * $1.utf8.count } >= 3 * held.capacity, "the batch's stdout would fit in the pipe")
        // The first line: the batch is under way, its handler set; the rest cannot fit the pipe.
        let (status, _, stderr) = held.interruptAfterFirstLine(containing: ".webp")
        #expect(status == 130, "\(stderr)")
        #expect(stderr.contains("interrupted"), "\(stderr)")
        #expect(!stderr.contains("error:"), "a cancelled file is not reported as an error: \(stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch + "/out")
        #expect(!files.contains { $0.hasPrefix(".") }, "temporary files left: \(files)")
        #expect(!files.isEmpty && files.count < sources.count, "\(files.count) of \(sources.count) converted")
        let verify = try Self.run(["info", "--verify"] + files.map { scratch + "/out/" + $0 })
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    /// `count` copies of a fixture with 200-character names (long lines of output per file),
    /// in a new folder; their paths, sorted.
    static func longNamedCopies(of fixture: String, count: Int, in folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let longName = String(repeating: "n", count: 200)
        return try (0..<count).map { index in
            let path = folder + "/img\(index < 10 ? "0" : "")\(index)-\(longName).png"
            try FileManager.default.copyItem(atPath: Self.fixture(fixture), toPath: path)
            return path
        }
    }

    /// A pipe that holds one page: a process writing more than that to it blocks until the test reads.
    static func onePagePipe() throws -> (pipe: Pipe, capacity: Int) {
        let pipe = Pipe()
        let F_SETPIPE_SZ: Int32 = 1031  // Linux fcntl.h; Glibc's module does not export it
        let capacity = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETPIPE_SZ, 4096)
        try #require(capacity > 0, "F_SETPIPE_SZ failed: errno \(errno)")
        return (pipe, Int(capacity))
    }

    /// The binary running with stdout or stderr on a one-page pipe that the test reads only when
    /// it chooses: a run that writes a line per item cannot end before the test lets it.
    struct HeldRun {
        enum Stream { case standardOutput, standardError }
        let process = Process()
        let held: Pipe
        let other = Pipe()
        let capacity: Int
        private let holding: Stream

        init(_ arguments: [String], holding: Stream, environment: [String: String] = [:]) throws {
            (held, capacity) = try CommandLineTests.onePagePipe()
            self.holding = holding
            process.executableURL = CommandLineTests.binary
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            }
            process.standardOutput = holding == .standardOutput ? held : other
            process.standardError = holding == .standardError ? held : other
            try process.run()
            held.fileHandleForWriting.closeFile()
            other.fileHandleForWriting.closeFile()
        }

        /// Reads from the held stream until a whole line has come (a little more may be read).
        func firstLine() -> String { GenerateCommandTests.readLine(held) }

        /// Waits for the first line (the run is under way, its Ctrl-C handler set), expects the
        /// run still held by the pipe, sends SIGINT and lets it finish.
        func interruptAfterFirstLine(containing expected: String, sourceLocation: SourceLocation = #_sourceLocation) -> (status: Int32, stdout: String, stderr: String) {
            let first = firstLine()
            #expect(first.contains(expected), "the first line was \(first)", sourceLocation: sourceLocation)
            #expect(process.isRunning, "the run ended before the interrupt: its output did not fill the pipe", sourceLocation: sourceLocation)
            process.interrupt()
            return finish()
        }

        /// Lets the run go on to its end: its exit status, stdout and stderr.
        func finish() -> (status: Int32, stdout: String, stderr: String) {
            let heldText = String(decoding: held.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let otherText = String(decoding: other.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let status = process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
            return holding == .standardOutput ? (status, heldText, otherText) : (status, otherText, heldText)
        }
    }
}

