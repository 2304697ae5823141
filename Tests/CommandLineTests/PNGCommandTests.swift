import Foundation
import Testing
import TestSupport

/// Hostile and animated PNGs through the built binary: zlib bombs refused by `info --verify` and
/// `convert`, APNG refused on request, verified frame by frame, and reported truthfully.
@Suite("imagepipe on zlib bombs and APNG")
struct PNGCommandTests {
    static func run(_ arguments: [String]) throws -> CommandLineTests.Run { try CommandLineTests.run(arguments) }
    static func fixture(_ name: String) -> String { CommandLineTests.fixture(name) }

    /// Writes `bytes` into a new scratch folder; returns the file's path.
    static func scratchFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = try makeScratchDirectory() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a 4 MB PNG that inflates to 650 MB: info --verify and convert refuse it, naming the size the image needs")
    func bomb() throws {
        let bomb = PNGBomb.png(width: 16, height: 16, colorType: 6, inflatedBytes: 650 << 20, chunkSize: 1 << 20)
        #expect(bomb.count > 4_000_000)
        let path = try Self.scratchFile("bomb.png", bomb)
        let expected = "IDAT inflates past the 1040 bytes a 16x16 8-bit RGBA image needs (stopped at 66577 bytes"
        let info = try Self.run(["info", "--verify", path])
        #expect(info.status == 1)
        #expect(info.stderr.contains("error: \(path): \(expected)"), "\(info.stderr)")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bomb-\(UUID().uuidString).webp").path
        let convert = try Self.run(["convert", path, "-o", output, "--thumbnail", "8"])
        #expect(convert.status == 1)
        #expect(convert.stderr.contains(expected), "\(convert.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("--reject-animation refuses an APNG as it refuses an animated WebP")
    func rejectAnimation() throws {
        let folder = try makeScratchDirectory()
        let run = try Self.run(["convert", "--reject-animation", Self.fixture("animated.png"), "-o", folder + "/out.webp"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("animated PNG (3 frames) refused"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.webp"))
    }

    @Test("an APNG re-encoded keeps only its first frame and says so; copied unchanged it keeps every frame and says that")
    func convertAnimation() throws {
        let folder = try makeScratchDirectory()
        let reencoded = try Self.run(["convert", Self.fixture("animated.png"), "-o", folder + "/first.png", "--level", "9"])
        #expect(reencoded.status == 0, "\(reencoded.stderr)")
        #expect(reencoded.stderr.contains("warning: \(Self.fixture("animated.png")): animated, only the first of 3 frames was converted"), "\(reencoded.stderr)")
        let first = try readBytes(URL(fileURLWithPath: folder + "/first.png"))
        for type in ["acTL", "fcTL", "fdAT"] {
            #expect(first.firstRange(of: Array(type.utf8)) == nil, "\(type) in a one-frame output")
        }
        let copied = try Self.run(["convert", Self.fixture("animated.png"), "-o", folder + "/copy.png"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(!copied.stderr.contains("only the first"), "\(copied.stderr)")
        #expect(copied.stderr.contains("animated, all 3 frames kept (copied unchanged)"), "\(copied.stderr)")
        #expect(try readBytes(URL(fileURLWithPath: folder + "/copy.png")) == (try TestPaths.fixture("animated.png")))
    }

    @Test("info --verify checks every APNG frame: a corrupt second frame fails, naming the frame")
    func verifyFrames() throws {
        let good = try Self.run(["info", "--verify", Self.fixture("animated.png")])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("animated, 3 frames") && good.stdout.contains("pixels verified"))
        var bytes = try TestPaths.fixture("animated.png")
        let fdAT = try #require(bytes.firstRange(of: Array("fdAT".utf8))).lowerBound - 4
        let length = Int(bytes[fdAT + 3])
        bytes[fdAT + 8 + 10] ^= 0x5A  // inside the second frame's deflate data
        bytes.replaceSubrange(fdAT + 8 + length..<fdAT + 12 + length, with: PNGBomb.bigEndian(PNGBomb.crc32(Array(bytes[fdAT + 4..<fdAT + 8 + length]))))
        let path = try Self.scratchFile("corrupt-frame-2.png", bytes)
        let run = try Self.run(["info", "--verify", path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("error: \(path): APNG frame 2 of 3 (fcTL at byte "), "\(run.stderr)")
        #expect(!run.stdout.contains("pixels verified"))
    }
}
