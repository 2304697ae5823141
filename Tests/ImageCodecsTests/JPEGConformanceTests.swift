import Foundation
import ImageCodecs
import ImageCore
import ImageOps
import Testing
import TestSupport

/// The JPEG conformance set (`../shared/conformance/jpeg`, its README says what each file is):
/// pixels equal to `djpeg`'s for every coding variant, every error row refused, the scan bomb
/// stopped, CMYK converted, truncations refused (or accepted with `lenient`) and never a crash.
@Suite("JPEG conformance (libjpeg-turbo)")
struct JPEGConformanceTests {
    struct Row: Sendable, CustomStringConvertible {
        var file: String
        var width: Int
        var height: Int
        var channels: Int
        var sha256: String
        var note: String
        var kind: String { String(note.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces) }
        var description: String { file }
    }

    static let rows: [Row] = {
        guard let folder = TestPaths.jpegConformance,
              let text = try? String(contentsOf: folder.appendingPathComponent("jpeg-key.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 6, fields[0].hasSuffix(".jpg") else { return nil }
            return Row(file: fields[0], width: Int(fields[1]) ?? 0, height: Int(fields[2]) ?? 0, channels: Int(fields[3]) ?? 0, sha256: fields[4], note: fields[5])
        }
    }()
    static func bytes(_ file: String) throws -> [UInt8] {
        try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
    }
    static let exact = rows.filter { ["ok", "ok-trailing", "orientation", "icc"].contains($0.kind) && $0.sha256.count == 64 }
    static let errors = rows.filter { $0.kind == "error" }
    static let cmyk = rows.filter { $0.kind == "cmyk" }
    static let present = TestPaths.jpegConformance != nil

    @Test("the key is read: at least 80 exact rows and the error rows", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func keyPresent() {
        #expect(Self.exact.count >= 80 && Self.errors.count == 8, "\(Self.exact.count) exact, \(Self.errors.count) errors")
    }

    @Test("every exact row decodes to djpeg's pixels, bit for bit", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"), arguments: exact)
    func decodesExactly(_ row: Row) throws {
        let bytes = try Self.bytes(row.file)
        let decoded = try bytes.withUnsafeBytes { try JPEGCodec.decodeWithInfo($0) }
        #expect(decoded.image.size == ImageSize(width: row.width, height: row.height))
        #expect(decoded.image.format.channelCount == row.channels)
        let digest = decoded.image.withUnsafeBytes { SHA256.hex(of: Array($0)) }
        #expect(digest == row.sha256, "\(row.file): \(row.note)")
        let probed = try bytes.withUnsafeBytes { try JPEGCodec.probe($0) }
        #expect(probed == decoded.info && probed.format == .jpeg)
    }

    @Test("every error row is refused with a message, never a partial image", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"), arguments: errors)
    func refuses(_ row: Row) throws {
        let bytes = try Self.bytes(row.file)
        let error = #expect(throws: ImageCodecError.self) { try bytes.withUnsafeBytes { try JPEGCodec.decode($0) } }
        #expect(error?.message.hasPrefix("JPEG") == true || error?.code == .limitExceeded, "\(String(describing: error))")
        if row.file.hasPrefix("bomb") { #expect(error?.code == .limitExceeded && error?.message.contains("scans") == true) }
        if row.file.hasPrefix("corrupt-truncated") { #expect(error?.code == .truncated, "\(String(describing: error))") }
        if row.file.contains("65500") { #expect(error?.code == .limitExceeded, "the pixel limit, before anything is allocated") }
    }

    @Test("CMYK and YCCK come out RGB close to the reference (PSNR ≥ 40 dB)", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"), arguments: cmyk)
    func cmykToRGB(_ row: Row) throws {
        let decoded = try Self.bytes(row.file).withUnsafeBytes { try JPEGCodec.decodeWithInfo($0) }
        #expect(decoded.info.colorModel == .cmyk && decoded.image.format == .rgb8)
        let referenceName = try #require(row.note.split(separator: " ").first { $0.hasSuffix(".ref.png") }.map(String.init), "\(row.note)")
        let reference = try ImageDecoder().decode(try Self.bytes(referenceName))
        #expect(psnr(decoded.image, reference) >= 40, "\(row.file) vs \(referenceName): \(psnr(decoded.image, reference)) dB")
    }

    @Test("every truncation of a baseline and a progressive JPEG: refused strictly, decoded leniently, never a crash", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func truncations() throws {
        for file in ["ladybird-333x251-q75.jpg", "ladybird-333x251-progressive.jpg"] {
            let whole = try Self.bytes(file)
            for cut in stride(from: 0, to: whole.count - 2, by: 97) {
                let part = Array(whole.prefix(cut))
                #expect(throws: ImageCodecError.self, "\(file) cut at \(cut)") { try part.withUnsafeBytes { try JPEGCodec.decode($0) } }
                var warnings = 0
                if let image = try? part.withUnsafeBytes({ try JPEGCodec.decodeWithInfo($0, limits: .default, lenient: true, warningCount: &warnings, minimumSize: { _ in nil }) }) {
                    #expect(image.image.size == ImageSize(width: 333, height: 251) && warnings > 0, "\(file) cut at \(cut)")
                }
            }
        }
    }

    @Test("shrink on load: DCT scaling to at least twice the target, then Lanczos3, matches a full decode's thumbnail (≥ 40 dB)", .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus/jpeg"))"))
    func shrinkOnLoad() throws {
        let folder = try #require(TestPaths.corpus).appendingPathComponent("jpeg")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }.sorted().prefix(3)
        #expect(!names.isEmpty)
        for name in names {
            let bytes = try readBytes(folder.appendingPathComponent(name))
            let geometry = ResizeGeometry(box: ImageSize(width: 256, height: 256), fit: .contain)
            let full = try ImageDecoder().decodeWithInfo(bytes.withUnsafeBytes { UnsafeRawBufferPointer($0) })
            let plan = geometry.plan(for: full.info.size)
            let reduced = try bytes.withUnsafeBytes { buffer in
                try ImageDecoder().decodeWithInfo(buffer) { info in geometry.minimumDecodeSize(for: geometry.plan(for: info.size)) }
            }
            #expect(reduced.image.size.width < full.image.size.width, "\(name): no DCT scaling")
            #expect(reduced.image.size.width >= 2 * plan.outputSize.width || reduced.image.size == full.image.size)
            let direct = geometry.apply(plan, to: full.image, filter: .lanczos3)
            let viaShrink = geometry.apply(plan, to: reduced.image, filter: .lanczos3)
            #expect(psnr(direct, viaShrink) >= 40, "\(name): \(psnr(direct, viaShrink)) dB")
        }
    }
}
