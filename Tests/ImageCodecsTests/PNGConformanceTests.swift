import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// PngSuite against the project's RGBA8 answer key (../shared/conformance/pngsuite-rgba8.tsv).
@Suite("PngSuite conformance")
struct PNGConformanceTests {
    struct KeyEntry: Sendable, CustomStringConvertible {
        var name: String
        var width: Int
        var height: Int
        /// sha256 of the RGBA8 rows, or nil for files that must be rejected.
        var sha256: String?
        var description: String { name }
    }

    static let key: [KeyEntry] = {
        guard let suite = TestPaths.pngSuite,
              let text = try? String(contentsOf: suite.deletingLastPathComponent().appendingPathComponent("pngsuite-rgba8.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { return nil }
            if fields[1] == "error" { return KeyEntry(name: fields[0], width: 0, height: 0, sha256: nil) }
            guard fields.count == 4, let width = Int(fields[1]), let height = Int(fields[2]) else { return nil }
            return KeyEntry(name: fields[0], width: width, height: height, sha256: fields[3])
        }
    }()

    static let valid = key.filter { $0.sha256 != nil }
    static let corrupt = key.filter { $0.sha256 == nil }

    @Test("answer key is present and complete", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"))
    func keyIsComplete() throws {
        #expect(Self.valid.count >= 160)
        #expect(Self.corrupt.count == 14)
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.pngSuite!.path).filter { $0.hasSuffix(".png") }
        #expect(Set(files) == Set(Self.key.map(\.name)), "every PngSuite file has a key entry")
    }

    @Test("every valid file decodes to the key's RGBA8 pixels", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"), arguments: valid)
    func decodesToKey(_ entry: KeyEntry) throws {
        let bytes = try readBytes(TestPaths.pngSuite!.appendingPathComponent(entry.name))
        let image = try ImageDecoder(forceRGBA: true).decode(bytes)
        #expect(image.size == ImageSize(width: entry.width, height: entry.height))
        #expect(image.format == .rgba8)
        #expect(sha256Hex(image.bytes) == entry.sha256)
    }

    @Test("natural decode equals the RGBA decode minus an all-opaque alpha", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"), arguments: valid)
    func naturalDecodeAgrees(_ entry: KeyEntry) throws {
        let bytes = try readBytes(TestPaths.pngSuite!.appendingPathComponent(entry.name))
        let natural = try ImageDecoder().decode(bytes)
        let rgba = try ImageDecoder(forceRGBA: true).decode(bytes)
        let info = try ImageDecoder().probe(bytes)
        #expect(natural.format == (info.hasAlpha ? .rgba8 : .rgb8))
        #expect(natural.converted(to: .rgba8) == rgba)
    }

    @Test("every corrupt x* file is rejected with a reason", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"), arguments: corrupt)
    func rejectsCorrupt(_ entry: KeyEntry) throws {
        let bytes = try readBytes(TestPaths.pngSuite!.appendingPathComponent(entry.name))
        let error = try #require(throws: ImageCodecError.self) { try ImageDecoder().decode(bytes) }
        let expected: [String: ImageCodecError.Code] = [
            "xc1n0g08.png": .invalidHeader, "xc9n2c08.png": .invalidHeader,
            "xd0n2c08.png": .invalidHeader, "xd3n2c08.png": .invalidHeader, "xd9n2c08.png": .invalidHeader,
            "xcrn0g04.png": .invalidSignature, "xlfn0g04.png": .invalidSignature,
            "xs1n0g01.png": .invalidSignature, "xs2n0g01.png": .invalidSignature,
            "xs4n0g01.png": .invalidSignature, "xs7n0g01.png": .invalidSignature,
            "xhdn0g08.png": .checksumMismatch, "xcsn0g01.png": .checksumMismatch,
            "xdtn0g01.png": .corruptData,
        ]
        #expect(error.code == expected[entry.name], "\(entry.name): \(error.code) — \(error.message)")
        #expect(error.message.count > 20)
    }

    @Test("interlaced files decode to the pixels of their non-interlaced twins", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"))
    func interlacedMatchTwins() throws {
        let interlaced = Self.valid.filter { $0.name.hasPrefix("basi") }
        #expect(interlaced.count >= 15)
        for entry in interlaced {
            let twin = "basn" + entry.name.dropFirst(4)
            let twinEntry = try #require(Self.valid.first { $0.name == twin })
            #expect(entry.sha256 == twinEntry.sha256, "\(entry.name) vs \(twin)")
            let info = try ImageDecoder().probe(readBytes(TestPaths.pngSuite!.appendingPathComponent(entry.name)))
            #expect(info.isInterlaced)
        }
    }

    @Test("probe agrees with the file names' color type and bit depth", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"), arguments: valid.filter { $0.name.hasPrefix("bas") })
    func probeMatchesName(_ entry: KeyEntry) throws {
        // basn3p08.png: b-a-s, n|i (interlace), color type 3, p (palette), bit depth 08.
        let name = Array(entry.name)
        let info = try ImageDecoder().probe(readBytes(TestPaths.pngSuite!.appendingPathComponent(entry.name)))
        #expect(info.isInterlaced == (name[3] == "i"))
        #expect(info.bitDepth == Int(String(name[6...7])))
        let colorModels: [Character: ImageInfo.ColorModel] = ["0": .gray, "2": .rgb, "3": .palette, "4": .grayAlpha, "6": .rgba]
        #expect(info.colorModel == colorModels[name[4]])
        #expect(info.size == ImageSize(width: entry.width, height: entry.height))
    }
}
