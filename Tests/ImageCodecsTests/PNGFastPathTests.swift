import Foundation
@testable import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// The PNG fast path (libdeflate + C unfiltering) against libpng: on every file either both give
/// the same pixels, or both the same error; and the fast path takes exactly the files it is for.
@Suite("PNG fast path")
struct PNGFastPathTests {
    enum Outcome: Equatable {
        case pixels(Image)
        case failure(ImageCodecError.Code, String)
    }

    static func decode(_ bytes: [UInt8], path: PNGCodec.DecodePath, forceRGBA: Bool) -> Outcome {
        do {
            let image = try bytes.withUnsafeBytes { try PNGCodec.decodeWithInfo($0, limits: .default, forceRGBA: forceRGBA, path: path).image }
            return .pixels(image)
        } catch let error as ImageCodecError {
            return .failure(error.code, error.message)
        } catch {
            return .failure(.corruptData, "\(error)")
        }
    }

    /// Decodes with both paths (natural and RGBA) and expects the same outcome; returns whether
    /// the fast path alone took the file.
    @discardableResult
    static func expectSameAsLibpng(_ bytes: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        var taken = true
        for forceRGBA in [false, true] {
            let reference = decode(bytes, path: .libpngOnly, forceRGBA: forceRGBA)
            #expect(decode(bytes, path: .automatic, forceRGBA: forceRGBA) == reference, "\(name), forceRGBA \(forceRGBA)", sourceLocation: sourceLocation)
            let fast = decode(bytes, path: .fastOnly, forceRGBA: forceRGBA)
            if case .pixels = fast {
                #expect(fast == reference, "\(name): the fast path's own pixels, forceRGBA \(forceRGBA)", sourceLocation: sourceLocation)
            } else {
                taken = false
            }
        }
        return taken
    }

    /// What the fast path is for: 8 bits, no palette, not interlaced, no tRNS.
    static func isFastCase(_ info: ImageInfo) -> Bool {
        let transparencyChunk = info.hasAlpha && (info.colorModel == .gray || info.colorModel == .rgb)
        return info.bitDepth == 8 && info.colorModel != .palette && !info.isInterlaced && !transparencyChunk
    }

    @Test("every PngSuite file: the same pixels or the same error; the fast path takes every clean 8-bit non-palette file", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"))
    func pngSuite() throws {
        let suite = TestPaths.pngSuite!
        let names = try FileManager.default.contentsOfDirectory(atPath: suite.path).filter { $0.hasSuffix(".png") }.sorted()
        var taken = 0
        for name in names {
            let bytes = try readBytes(suite.appendingPathComponent(name))
            let wasTaken = Self.expectSameAsLibpng(bytes, name)
            if name.hasPrefix("x") {
                #expect(!wasTaken, "\(name) is corrupt")
            } else {
                let info = try ImageDecoder().probe(bytes)
                #expect(wasTaken == Self.isFastCase(info), "\(name): \(info)")
            }
            if wasTaken { taken += 1 }
        }
        #expect(taken >= 20, "the fast path took \(taken) PngSuite files")
    }

    @Test("corpus and fixture PNGs: the same pixels; every corpus image takes the fast path")
    func corpusAndFixtures() throws {
        var files: [URL] = try FileManager.default.contentsOfDirectory(at: TestPaths.fixtures, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "png" }
        let corpusPNGs = TestPaths.corpus.map { corpus in
            (try? FileManager.default.contentsOfDirectory(at: corpus.appendingPathComponent("png"), includingPropertiesForKeys: nil)) ?? []
        } ?? []
        // Two large ones are enough to exercise big images; all of them are checked to be taken.
        files += corpusPNGs.filter { $0.pathExtension == "png" }.sorted { $0.path < $1.path }
        #expect(files.count >= 10)
        for file in files {
            let bytes = try readBytes(file)
            let taken = Self.expectSameAsLibpng(bytes, file.lastPathComponent)
            if corpusPNGs.contains(file) { #expect(taken, "\(file.lastPathComponent) should take the fast path") }
        }
    }

    @Test("every filter type on every color type and awkward widths, written with stored deflate blocks", arguments: [0, 2, 4, 6])
    func filtersAndWidths(colorType: UInt8) throws {
        var generator = SplitMix64(seed: UInt64(colorType) + 7)
        for width in [1, 2, 3, 7, 33, 130] {
            let channels = CraftedPNG.channels(colorType)
            // Rows cycle through the filter types, so each filter meets each predecessor.
            let rows = (0..<11).map { y in [UInt8(y % 5)] + randomBytes(width * channels, using: &generator) }
            let png = CraftedPNG(width: width, height: rows.count, colorType: colorType, filteredRows: rows)
            #expect(Self.expectSameAsLibpng(png.bytes(), "color type \(colorType), width \(width)"))
        }
    }

    @Test("the vector and the scalar Paeth loops give libpng's pixels, RGB and RGBA, awkward widths and photos")
    func paethLoops() throws {
        var generator = SplitMix64(seed: 4)
        var files: [(String, [UInt8])] = []
        for colorType: UInt8 in [2, 6] {
            for width in [1, 2, 5, 64, 131] {
                let rows = (0..<9).map { _ in [4] + randomBytes(width * CraftedPNG.channels(colorType), using: &generator) }
                files.append(("Paeth rows, color type \(colorType), width \(width)", CraftedPNG(width: width, height: rows.count, colorType: colorType, filteredRows: rows).bytes()))
            }
        }
        if let corpus = TestPaths.corpus {
            for name in ["512x512-astronaut-rgb.png", "512x512-twowings-rgba.png"] {
                if let bytes = try? readBytes(corpus.appendingPathComponent("png/" + name)) { files.append((name, bytes)) }
            }
        }
        defer { PNGCodec.allowVectorPaeth(true) }
        for allowed in [true, false] {
            PNGCodec.allowVectorPaeth(allowed)
            for (name, bytes) in files {
                #expect(Self.expectSameAsLibpng(bytes, "\(name), vector Paeth \(allowed)"))
            }
        }
    }

    @Test("damaged or unusual files: libpng's answer, never the fast path's")
    func damagedFiles() throws {
        var generator = SplitMix64(seed: 99)
        let width = 16, height = 8
        let rows = (0..<height).map { y in [UInt8(y % 5)] + randomBytes(width * 3, using: &generator) }
        let clean = CraftedPNG(width: width, height: height, colorType: 2, filteredRows: rows)
        #expect(Self.expectSameAsLibpng(clean.bytes(), "clean"))

        var cases: [(String, [UInt8])] = []
        var badFilter = clean
        badFilter.filteredRows[3][0] = 5
        cases.append(("filter type 5", badFilter.bytes()))
        var short = clean
        short.filteredRows.removeLast()
        cases.append(("one row short", short.bytes()))
        var long = clean
        long.filteredRows.append(rows[0])
        cases.append(("one row too many", long.bytes()))
        var badAdler = clean
        badAdler.damageAdler = true
        cases.append(("Adler-32 mismatch", badAdler.bytes()))
        var split = clean
        split.idatChunkSize = 50
        cases.append(("image data in several IDAT chunks", split.bytes()))
        var interrupted = clean
        interrupted.idatChunkSize = 50
        interrupted.chunkBetweenIDATs = ("tEXt", Array("Comment\u{0}between".utf8))
        cases.append(("a chunk between IDAT chunks", interrupted.bytes()))
        var transparency = clean
        transparency.chunksBeforeData = [("tRNS", [0, 1, 0, 2, 0, 3])]
        cases.append(("tRNS", transparency.bytes()))
        var unknownCritical = clean
        unknownCritical.chunksBeforeData = [("ZZZZ", [1, 2, 3])]
        cases.append(("an unknown critical chunk", unknownCritical.bytes()))
        var ancillary = clean
        ancillary.chunksBeforeData = [("tEXt", Array("Title\u{0}fox".utf8)), ("PLTE", [1, 2, 3, 4, 5, 6])]
        cases.append(("ancillary chunks and a suggested palette", ancillary.bytes()))

        // zlib headers igzip would inflate but zlib (so libpng) refuses: the fast path checks them.
        func zlibHeader(_ cmf: UInt8, _ flags: UInt8) -> [UInt8] {
            [cmf, flags | UInt8((31 - (Int(cmf) * 256 + Int(flags)) % 31) % 31)]
        }
        for (name, header) in [("a 64 KiB window", zlibHeader(0x88, 0)), ("a preset dictionary", zlibHeader(0x78, 0x20)),
                               ("compression method 7", zlibHeader(0x77, 0)), ("a bad FCHECK", [0x78, 0x02])] {
            var damaged = clean
            damaged.zlibHeader = header
            cases.append(("zlib header with \(name)", damaged.bytes()))
        }

        let bytes = clean.bytes()
        var idatCRC = bytes
        let idat = try #require(CraftedPNG.offset(of: "IDAT", in: bytes))
        idatCRC[idat + 8] ^= 0x40
        cases.append(("IDAT CRC mismatch", idatCRC))
        cases.append(("no IEND", Array(bytes.dropLast(12))))
        cases.append(("cut inside IDAT", Array(bytes.prefix(idat + 20))))

        var taken: [String] = []
        for (name, file) in cases where Self.expectSameAsLibpng(file, name) { taken.append(name) }
        #expect(taken == ["image data in several IDAT chunks", "ancillary chunks and a suggested palette"])
    }
}

/// A PNG written by hand: IHDR, optional chunks, the filtered rows in stored (uncompressed)
/// deflate blocks split over IDAT chunks, IEND. Every field can be damaged on purpose.
struct CraftedPNG {
    var width: Int
    var height: Int
    var colorType: UInt8
    var filteredRows: [[UInt8]]
    var chunksBeforeData: [(String, [UInt8])] = []
    var idatChunkSize = Int.max
    var chunkBetweenIDATs: (String, [UInt8])?
    var damageAdler = false
    /// The zlib header (CMF, FLG) the stream starts with.
    var zlibHeader: [UInt8] = [0x78, 0x01]

    static func channels(_ colorType: UInt8) -> Int { [0: 1, 2: 3, 4: 2, 6: 4][colorType]! }

    func bytes() -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height)) + [8, colorType, 0, 0, 0]
        Self.append(&out, "IHDR", header)
        for (type, data) in chunksBeforeData { Self.append(&out, type, data) }
        let raw = filteredRows.flatMap { $0 }
        var stream = zlibHeader
        var start = 0
        repeat {
            let count = min(65_535, raw.count - start)
            let final: UInt8 = start + count == raw.count ? 1 : 0
            stream += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            stream += raw[start..<start + count]
            start += count
        } while start < raw.count
        var adler = Self.adler32(raw)
        if damageAdler { adler ^= 1 }
        stream += Self.bigEndian(adler)
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + idatChunkSize)
            Self.append(&out, "IDAT", Array(stream[offset..<end]))
            if offset == 0, let (type, data) = chunkBetweenIDATs { Self.append(&out, type, data) }
            offset = end
        }
        Self.append(&out, "IEND", [])
        return out
    }

    static func offset(of type: String, in bytes: [UInt8]) -> Int? {
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if Array(bytes[offset + 4..<offset + 8]) == Array(type.utf8) { return offset }
            offset += 12 + length
        }
        return nil
    }

    private static func append(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        let typed = Array(type.utf8) + data
        out += bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
