import Foundation
@testable import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// A sequential JPEG with restart markers decoded in parts on several threads, split at the
/// markers (``ImageDecoder/threads``): the same pixels as one libjpeg decode, at every scale.
@Suite("JPEG: decoding in parts split at restart markers")
struct JPEGRestartSplitTests {
    /// The split decode at 1/`denominator` over `threads`, or nil when the file is not split.
    static func inParts(_ bytes: [UInt8], denominator: Int, threads: Int) throws -> Image? {
        let info = try bytes.withUnsafeBytes { try JPEGCodec.probe($0) }
        let size = JPEGCodec.scaledSize(info.size, denominator: denominator)
        let format: PixelFormat = info.colorModel == .gray ? .gray8 : .rgb8
        var split = false
        let image = try bytes.withUnsafeBytes { input in
            try Image(size: size, format: format) { buffer in
                split = JPEGCodec.decodeInParts(
                    input, into: buffer, size: size, channels: format.channelCount, denominator: denominator, memory: 0, threads: threads
                )
            }
        }
        return split ? image : nil
    }

    static func whole(_ bytes: [UInt8], denominator: Int) throws -> Image {
        var warnings = 0
        return try bytes.withUnsafeBytes { buffer in
            try JPEGCodec.decodeWithInfo(
                buffer, limits: .default, lenient: false, warningCount: &warnings,
                minimumSize: { info in denominator == 1 ? nil : JPEGCodec.scaledSize(info.size, denominator: denominator) }
            ).image
        }
    }

    static let conformance = ["ladybird-640x480-restart1.jpg", "dune-333x251-restart1.jpg", "rhythm-333x251-restart1.jpg", "ladybird-333x251-restart1.jpg"]

    @Test("restart markers every MCU row (4:2:0, conformance set): split over 2, 3 and 4 threads, the pixels of one decode at 1, 1/2, 1/4, 1/8",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"), arguments: conformance)
    func samePixels(_ file: String) throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
        for denominator in [1, 2, 4, 8] {
            let reference = try Self.whole(bytes, denominator: denominator)
            for threads in [2, 3, 4] {
                let parts = try Self.inParts(bytes, denominator: denominator, threads: threads)
                #expect(parts != nil, "\(file) 1/\(denominator) over \(threads): not split")
                #expect(parts == reference, "\(file) 1/\(denominator) over \(threads): \(parts.map { psnr($0, reference) } ?? 0) dB")
            }
        }
    }

    @Test("the corpus's camera photos with restart markers (3640x2400): split in two, the pixels of one decode",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus/jpeg"))"),
          arguments: ["3640x2400-string.jpg", "3640x2400-firstgeneration.jpg"])
    func corpusPhotos(_ name: String) throws {
        let bytes = try readBytes(try #require(TestPaths.corpus).appendingPathComponent("jpeg/\(name)"))
        for denominator in [1, 4] {
            let parts = try #require(try Self.inParts(bytes, denominator: denominator, threads: 2), "\(name): not split")
            #expect(parts == (try Self.whole(bytes, denominator: denominator)))
        }
        var decoder = ImageDecoder()
        decoder.threads = 0
        #expect(try decoder.decode(bytes) == (try ImageDecoder().decode(bytes)))
    }

    @Test("not split: no restart markers, progressive, a restart interval too coarse for the rows, one thread",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"),
          arguments: ["ladybird-640x480-420.jpg", "ladybird-640x480-progressive-restart1.jpg", "ladybird-333x251-restart16b.jpg", "ladybird-640x480-arith.jpg"])
    func notSplit(_ file: String) throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
        #expect(try Self.inParts(bytes, denominator: 1, threads: 2) == nil)
        #expect(try Self.inParts(try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(Self.conformance[0])), denominator: 1, threads: 1) == nil)
    }

    @Test("damage in any part: not split (decoded again in one piece, which reports it); every truncation refused through a decoder with threads",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"))
    func damage() throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent("ladybird-640x480-restart1.jpg"))
        var decoder = ImageDecoder()
        decoder.threads = 2
        for cut in stride(from: bytes.count / 3, to: bytes.count - 2, by: 1777) {
            let part = Array(bytes.prefix(cut))
            #expect(try Self.inParts(part, denominator: 1, threads: 2) == nil, "cut at \(cut)")
            #expect(throws: ImageCodecError.self, "cut at \(cut)") { try decoder.decode(part) }
        }
        // A flipped byte in the second half's entropy data.
        var flipped = bytes
        flipped[bytes.count * 3 / 4] ^= 0x5A
        if flipped[bytes.count * 3 / 4] != 0xFF && bytes[bytes.count * 3 / 4] != 0xFF {
            let one = Result { try ImageDecoder().decode(flipped) }
            let split = Result { try decoder.decode(flipped) }
            switch (one, split) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure, .failure): break
            default: Issue.record("one decode \(one), split \(split)")
            }
        }
    }
}
