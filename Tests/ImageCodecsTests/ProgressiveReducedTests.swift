import Foundation
@testable import ImageCodecs
import ImageCore
import ImageOps
import Testing
import TestSupport

/// A progressive JPEG shrunk on load to 1/8 or 1/4 is decoded by imagepipe's own entropy decoder
/// (``ImageDecoder/shrinksProgressiveWithOwnDecoder``): checked bit for bit against libjpeg
/// decoding it at the same scale.
@Suite("JPEG: 1/8 and 1/4 of a progressive file by the own decoder")
struct ProgressiveReducedTests {
    /// A decode at 1/`denominator` (the minimum asked for is that fraction of the size), by the
    /// own decoder or not; `taken` checks the own decoder takes the file (or, `false`, declines it).
    static func reduced(_ bytes: [UInt8], denominator: Int, own: Bool, lenient: Bool = false, taken: Bool? = nil) throws -> DecodedImage {
        if let taken {
            let direct = try bytes.withUnsafeBytes { try JPEGCodec.progressiveReduced($0, denominator: denominator) }
            #expect((direct != nil) == taken, "the own decoder \(direct != nil ? "took" : "declined") the file at 1/\(denominator)")
        }
        var warnings = 0
        return try bytes.withUnsafeBytes { buffer in
            try JPEGCodec.decodeWithInfo(
                buffer, limits: .default, lenient: lenient, warningCount: &warnings,
                minimumSize: { ImageSize(width: max(1, $0.size.width / denominator), height: max(1, $0.size.height / denominator)) },
                ownProgressiveDecoder: own
            )
        }
    }

    /// Ours and libjpeg's decode at 1/`denominator`, expected identical.
    static func expectSame(_ bytes: [UInt8], denominator: Int, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ours = try reduced(bytes, denominator: denominator, own: true, taken: true)
        let libjpeg = try reduced(bytes, denominator: denominator, own: false)
        #expect(ours.info == libjpeg.info, sourceLocation: sourceLocation)
        #expect(ours.image.size == libjpeg.image.size, sourceLocation: sourceLocation)
        #expect(ours.image == libjpeg.image, "\(label) at 1/\(denominator): \(psnr(ours.image, libjpeg.image)) dB", sourceLocation: sourceLocation)
    }

    /// A photo-like test image at a size that is not a multiple of 16.
    static func photo(width: Int = 333, height: Int = 251) throws -> Image {
        let folder = try #require(TestPaths.jpegConformance)
        let image = try ImageDecoder().decode(readBytes(folder.appendingPathComponent("ladybird-640x480-444.jpg")))
        return ResizeGeometry(box: ImageSize(width: width, height: height), fit: .fill).apply(to: image)
    }

    @Test("gray, 4:4:4, 4:2:2 and 4:2:0 files at three qualities: bit for bit libjpeg's 1/8 and 1/4 decodes",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"),
          arguments: [JPEGEncodeOptions.ChromaSubsampling.none, .horizontal, .both, nil])
    func exactEncodings(_ subsampling: JPEGEncodeOptions.ChromaSubsampling?) throws {
        for (width, height) in [(333, 251), (64, 48), (17, 9)] {
            var image = try Self.photo(width: width, height: height)
            if subsampling == nil { image = image.converted(to: .gray8) }
            for quality in [30, 75, 95] {
                let bytes = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: quality, progressive: true, subsampling: subsampling ?? .none))
                for denominator in [8, 4] {
                    try Self.expectSame(bytes, denominator: denominator, "\(width)x\(height) q\(quality) \(subsampling?.rawValue ?? "gray")")
                }
            }
        }
    }

    @Test("cjpeg's progressive files, restart markers in every scan included: bit for bit libjpeg's 1/8 and 1/4",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"),
          arguments: ["ladybird-640x480-progressive.jpg", "ladybird-640x480-progressive-restart1.jpg", "ladybird-333x251-progressive-restart1.jpg",
                      "dune-333x251-progressive.jpg", "dune-333x251-progressive-restart1.jpg", "rhythm-333x251-progressive-restart1.jpg"])
    func exactConformance(_ file: String) throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
        for denominator in [8, 4] {
            try Self.expectSame(bytes, denominator: denominator, file)
        }
    }

    @Test("the corpus's progressive photos (up to 5640x3172 at 4:2:2): bit for bit libjpeg's 1/8 and 1/4",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus/jpeg"))"),
          arguments: ["1280x1024-greenmeadow.jpg", "1600x1203-freshflower.jpg", "3840x2400-rhythm.jpg", "5640x3172-elephants.jpg"])
    func exactCorpus(_ name: String) throws {
        let bytes = try readBytes(try #require(TestPaths.corpus).appendingPathComponent("jpeg/\(name)"))
        for denominator in [8, 4] {
            try Self.expectSame(bytes, denominator: denominator, name)
        }
    }

    @Test("the portable entropy decoder decodes what the BMI2 tier does (where the CPU has it)",
          .enabled(if: TestPaths.corpus != nil && TestPaths.jpegConformance != nil, "\(TestPaths.missing("corpus/jpeg"))"))
    func portableTier() throws {
        var files = try ["3840x2400-rhythm.jpg", "5640x3172-elephants.jpg"].map { try readBytes(try #require(TestPaths.corpus).appendingPathComponent("jpeg/\($0)")) }
        files.append(try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent("ladybird-640x480-progressive-restart1.jpg")))
        for subsampling in JPEGEncodeOptions.ChromaSubsampling.allCases {
            files.append(try JPEGCodec.encode(try Self.photo(), options: JPEGEncodeOptions(quality: 95, progressive: true, subsampling: subsampling)))
        }
        for (index, bytes) in files.enumerated() {
            for denominator in [8, 4] {
                let (portable, best) = try bytes.withUnsafeBytes { buffer in
                    let header = try JPEGCodec.header(buffer)
                    return (try JPEGCodec.progressiveReduced(buffer, header: header, denominator: denominator, limits: .default, portable: true),
                            try JPEGCodec.progressiveReduced(buffer, header: header, denominator: denominator, limits: .default))
                }
                #expect(portable != nil && portable == best, "file \(index) at 1/\(denominator)")
            }
        }
    }

    /// `bytes` without its AC refinement scans: a file whose AC coefficients stay incomplete.
    static func withoutACRefinements(_ bytes: [UInt8]) -> [UInt8] {
        var output = Array(bytes[0..<2]), pos = 2
        while pos + 4 <= bytes.count, bytes[pos] == 0xFF {
            let marker = bytes[pos + 1]
            if marker == 0xD9 { break }
            let length = Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            var end = pos + 2 + length
            if marker == 0xDA {
                while end + 1 < bytes.count, !(bytes[end] == 0xFF && bytes[end + 1] != 0 && !(0xD0...0xD7).contains(bytes[end + 1])) { end += 1 }
                let count = Int(bytes[pos + 4])
                let ss = bytes[pos + 5 + 2 * count], ah = bytes[pos + 7 + 2 * count] >> 4
                if ss > 0 && ah > 0 { pos = end; continue }
            }
            output += bytes[pos..<end]
            pos = end
        }
        return output + [0xFF, 0xD9]
    }

    @Test("AC coefficients left incomplete (libjpeg then smooths the blocks): declined, and libjpeg's pixels",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"))
    func incompleteCoefficients() throws {
        let full = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent("ladybird-333x251-progressive.jpg"))
        let bytes = Self.withoutACRefinements(full)
        #expect(bytes.count < full.count - 1000)
        for denominator in [8, 4] {
            let ours = try Self.reduced(bytes, denominator: denominator, own: true, taken: false)
            #expect(ours.image == (try Self.reduced(bytes, denominator: denominator, own: false)).image)
        }
    }

    @Test("a thumbnail through the own decoder at 1/8 or 1/4 matches a full decode's Lanczos3 thumbnail (≥ 40 dB)",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus/jpeg"))"),
          arguments: ["1280x1024-greenmeadow.jpg", "1600x1203-freshflower.jpg", "5640x3172-elephants.jpg"], [8, 4])
    func thumbnailQuality(_ name: String, denominator: Int) throws {
        let bytes = try readBytes(try #require(TestPaths.corpus).appendingPathComponent("jpeg/\(name)"))
        let full = try bytes.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
        #expect(full.info.compression == .progressiveDCT)
        // A box that makes the decoder choose 1/denominator (at least twice the target on each axis).
        let box = ImageSize(width: full.info.size.width / (2 * denominator), height: full.info.size.height / (2 * denominator))
        let geometry = ResizeGeometry(box: box, fit: .contain)
        let plan = geometry.plan(for: full.info.size)
        let reduced = try bytes.withUnsafeBytes { buffer in
            try ImageDecoder().decodeWithInfo(buffer) { info in geometry.minimumDecodeSize(for: geometry.plan(for: info.size)) }
        }
        let d = denominator
        #expect(reduced.image.size == ImageSize(width: (full.info.size.width + d - 1) / d, height: (full.info.size.height + d - 1) / d))
        let direct = geometry.apply(plan, to: full.image, filter: .lanczos3)
        let viaOwn = geometry.apply(plan, to: reduced.image, filter: .lanczos3)
        #expect(psnr(direct, viaOwn) >= 40, "\(name) at 1/\(d): \(psnr(direct, viaOwn)) dB")
    }

    @Test("damage, truncation and the scan bomb: the same outcome as libjpeg's (the own decoder declines, libjpeg reports)",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"),
          arguments: ["corrupt-truncated-progressive-50.jpg", "bomb-progressive-1000-scans.jpg"], [8, 4])
    func damaged(_ file: String, denominator: Int) throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
        if file.hasPrefix("corrupt") {
            #expect(try bytes.withUnsafeBytes { try JPEGCodec.progressiveReduced($0, denominator: denominator) } == nil, "declined")
        }
        let ours = Result { try Self.reduced(bytes, denominator: denominator, own: true) }
        let libjpeg = Result { try Self.reduced(bytes, denominator: denominator, own: false) }
        guard case .failure(let ourError as ImageCodecError) = ours, case .failure(let libjpegError as ImageCodecError) = libjpeg else {
            Issue.record("\(file): \(ours) vs \(libjpeg)")
            return
        }
        #expect(ourError.code == libjpegError.code, "\(ourError) vs \(libjpegError)")
        if file.hasPrefix("corrupt") {
            let lenient = try Self.reduced(bytes, denominator: denominator, own: true, lenient: true)
            let lenientLibjpeg = try Self.reduced(bytes, denominator: denominator, own: false, lenient: true)
            #expect(lenient.acceptedDamage > 0 && lenient.image == lenientLibjpeg.image)
        }
    }

    @Test("every truncation of a progressive file: refused, never a crash; a cut inside a decoded scan is refused like libjpeg's",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"), arguments: [8, 4])
    func truncations(denominator: Int) throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent("ladybird-333x251-progressive-restart1.jpg"))
        for cut in stride(from: 2, to: bytes.count - 1, by: 97) {
            let part = Array(bytes.prefix(cut))
            #expect(throws: ImageCodecError.self, "cut at \(cut)") { try Self.reduced(part, denominator: denominator, own: true) }
        }
    }
}
