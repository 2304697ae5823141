import Foundation
import ImageCodecs
import ImageCore
import ImageOps
import Testing
import TestSupport

/// A progressive JPEG shrunk on load to 1/8 is made without its luma AC scans
/// (``ImageDecoder/shrinksProgressiveFromDCScans``): checked against libjpeg decoding every scan.
@Suite("JPEG: 1/8 of a progressive file from its DC scans")
struct ProgressiveDCTests {
    /// A 1/8 decode (the minimum asked for is an eighth of the size), from the DC scans or not;
    /// `taken` checks the shortcut takes the file (or, `false`, declines it).
    static func eighth(_ bytes: [UInt8], fromDCScans: Bool, lenient: Bool = false, taken: Bool? = nil) throws -> DecodedImage {
        if let taken {
            let direct = try bytes.withUnsafeBytes { try JPEGCodec.progressiveEighth($0) }
            #expect((direct != nil) == taken, "the shortcut \(direct != nil ? "took" : "declined") the file")
        }
        var warnings = 0
        return try bytes.withUnsafeBytes { buffer in
            try JPEGCodec.decodeWithInfo(
                buffer, limits: .default, lenient: lenient, warningCount: &warnings,
                minimumSize: { ImageSize(width: max(1, $0.size.width / 8), height: max(1, $0.size.height / 8)) },
                progressiveFromDCScans: fromDCScans
            )
        }
    }

    /// A photo-like test image: the corpus's first JPEG at a size that is not a multiple of 16.
    static func photo(width: Int = 333, height: Int = 251) throws -> Image {
        let folder = try #require(TestPaths.jpegConformance)
        let image = try ImageDecoder().decode(readBytes(folder.appendingPathComponent("ladybird-640x480-444.jpg")))
        return ResizeGeometry(box: ImageSize(width: width, height: height), fit: .fill).apply(to: image)
    }

    @Test("gray, 4:4:4 and 4:2:2 files: bit for bit libjpeg's 1/8 decode (every DC refinement applied; chroma replicated as libjpeg does at 1/8)",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"),
          arguments: [JPEGEncodeOptions.ChromaSubsampling.none, .horizontal, nil])
    func exactWithoutSubsampling(_ subsampling: JPEGEncodeOptions.ChromaSubsampling?) throws {
        var image = try Self.photo()
        if subsampling == nil { image = image.converted(to: .gray8) }
        for quality in [30, 75, 95] {
            let bytes = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: quality, progressive: true, subsampling: subsampling))
            let fast = try Self.eighth(bytes, fromDCScans: true, taken: true)
            let libjpeg = try Self.eighth(bytes, fromDCScans: false)
            #expect(fast.image.size == ImageSize(width: 42, height: 32))
            #expect(fast.image == libjpeg.image, "q\(quality) \(subsampling?.rawValue ?? "gray"): \(psnr(fast.image, libjpeg.image)) dB")
        }
    }

    @Test("4:2:0 files without colour: bit for bit libjpeg's 1/8 decode (luma placed right in interleaved MCUs)",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"))
    func exactLumaAt420() throws {
        let image = try Self.photo().converted(to: .gray8).converted(to: .rgb8)
        for quality in [50, 90] {
            let bytes = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: quality, progressive: true, subsampling: .both))
            let fast = try Self.eighth(bytes, fromDCScans: true, taken: true), libjpeg = try Self.eighth(bytes, fromDCScans: false)
            #expect(fast.image == libjpeg.image, "q\(quality): \(psnr(fast.image, libjpeg.image)) dB")
        }
    }

    @Test("4:2:0 colour files (restart markers too): chroma from the 2x2 inverse DCT of its decoded AC scans, within rounding of libjpeg's 1/8 (≥ 50 dB)",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"),
          arguments: ["ladybird-640x480-progressive.jpg", "ladybird-640x480-progressive-restart1.jpg", "ladybird-333x251-progressive-restart1.jpg",
                      "dune-333x251-progressive.jpg", "rhythm-333x251-progressive-restart1.jpg"])
    func closeAt420(_ file: String) throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
        let fast = try Self.eighth(bytes, fromDCScans: true, taken: true)
        let libjpeg = try Self.eighth(bytes, fromDCScans: false)
        #expect(fast.image.size == libjpeg.image.size && fast.info == libjpeg.info)
        #expect(psnr(fast.image, libjpeg.image) >= 50, "\(file): \(psnr(fast.image, libjpeg.image)) dB")
        for quality in [50, 90] {
            let encoded = try JPEGCodec.encode(try Self.photo(), options: JPEGEncodeOptions(quality: quality, progressive: true, subsampling: .both))
            let a = try Self.eighth(encoded, fromDCScans: true, taken: true), b = try Self.eighth(encoded, fromDCScans: false)
            #expect(psnr(a.image, b.image) >= 50, "q\(quality): \(psnr(a.image, b.image)) dB")
        }
    }

    @Test("a thumbnail through the DC scans matches a full decode's Lanczos3 thumbnail (≥ 40 dB), on the corpus's progressive photos",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus/jpeg"))"),
          arguments: ["1280x1024-greenmeadow.jpg", "1600x1203-freshflower.jpg"])
    func thumbnailQuality(_ name: String) throws {
        let bytes = try readBytes(try #require(TestPaths.corpus).appendingPathComponent("jpeg/\(name)"))
        let full = try bytes.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
        #expect(full.info.compression == .progressiveDCT)
        // A box that makes the decoder choose 1/8 (at least twice the target on each axis).
        let box = ImageSize(width: full.info.size.width / 16, height: full.info.size.height / 16)
        let geometry = ResizeGeometry(box: box, fit: .contain)
        let plan = geometry.plan(for: full.info.size)
        let reduced = try bytes.withUnsafeBytes { buffer in
            try ImageDecoder().decodeWithInfo(buffer) { info in geometry.minimumDecodeSize(for: geometry.plan(for: info.size)) }
        }
        #expect(reduced.image.size == ImageSize(width: (full.info.size.width + 7) / 8, height: (full.info.size.height + 7) / 8))
        let direct = geometry.apply(plan, to: full.image, filter: .lanczos3)
        let viaDC = geometry.apply(plan, to: reduced.image, filter: .lanczos3)
        #expect(psnr(direct, viaDC) >= 40, "\(name): \(psnr(direct, viaDC)) dB")
        var viaLibjpeg = ImageDecoder()
        viaLibjpeg.shrinksProgressiveFromDCScans = false
        let everyScan = try bytes.withUnsafeBytes { buffer in
            try viaLibjpeg.decodeWithInfo(buffer) { info in geometry.minimumDecodeSize(for: geometry.plan(for: info.size)) }
        }
        #expect(everyScan.image.size == reduced.image.size)
        #expect(psnr(geometry.apply(plan, to: everyScan.image, filter: .lanczos3), viaDC) >= 40)
    }

    @Test("the 5640x3172 progressive photo (4:2:2): bit for bit libjpeg's 1/8 decode",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus/jpeg"))"))
    func largePhoto() throws {
        let bytes = try readBytes(try #require(TestPaths.corpus).appendingPathComponent("jpeg/5640x3172-elephants.jpg"))
        let fast = try Self.eighth(bytes, fromDCScans: true, taken: true)
        let libjpeg = try Self.eighth(bytes, fromDCScans: false)
        #expect(fast.image.size == ImageSize(width: 705, height: 397) && libjpeg.image.size == fast.image.size)
        #expect(fast.image == libjpeg.image, "\(psnr(fast.image, libjpeg.image)) dB")
    }

    @Test("damage, truncation and the scan bomb: the same outcome as libjpeg's (the shortcut declines, libjpeg reports)",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"),
          arguments: ["corrupt-truncated-progressive-50.jpg", "bomb-progressive-1000-scans.jpg"])
    func damaged(_ file: String) throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
        if file.hasPrefix("corrupt") {
            #expect(try bytes.withUnsafeBytes { try JPEGCodec.progressiveEighth($0) } == nil, "declined")
        }
        let fast = Result { try Self.eighth(bytes, fromDCScans: true) }
        let libjpeg = Result { try Self.eighth(bytes, fromDCScans: false) }
        guard case .failure(let fastError as ImageCodecError) = fast, case .failure(let libjpegError as ImageCodecError) = libjpeg else {
            Issue.record("\(file): \(fast) vs \(libjpeg)")
            return
        }
        #expect(fastError.code == libjpegError.code, "\(fastError) vs \(libjpegError)")
        if file.hasPrefix("corrupt") {
            let lenient = try Self.eighth(bytes, fromDCScans: true, lenient: true)
            let lenientLibjpeg = try Self.eighth(bytes, fromDCScans: false, lenient: true)
            #expect(lenient.acceptedDamage > 0 && lenient.image == lenientLibjpeg.image)
        }
    }

    @Test("every truncation of a progressive file: refused or decoded, never a crash; a cut inside the AC scans is refused like libjpeg's",
          .enabled(if: TestPaths.jpegConformance != nil, "\(TestPaths.missing("conformance/jpeg"))"))
    func truncations() throws {
        let bytes = try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent("ladybird-333x251-progressive-restart1.jpg"))
        for cut in stride(from: 2, to: bytes.count - 1, by: 97) {
            let part = Array(bytes.prefix(cut))
            #expect(throws: ImageCodecError.self, "cut at \(cut)") { try Self.eighth(part, fromDCScans: true) }
        }
    }
}
