import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// EXIF orientation (the conformance set's (c) rows) and the metadata walk that finds EXIF and
/// ICC profiles in JPEG, PNG and WebP.
@Suite("EXIF orientation and embedded metadata")
struct OrientationTests {
    struct Row: Sendable, CustomStringConvertible {
        var file: String
        var storedSHA256: String
        var fields: [String: String]
        var description: String { file }
    }

    /// The key's rows of one class, with their `name=value` details.
    static func rows(_ kind: String) -> [Row] {
        guard let folder = TestPaths.jpegConformance,
              let text = try? String(contentsOf: folder.appendingPathComponent("jpeg-key.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 6, columns[5].hasPrefix(kind + ";") else { return nil }
            var fields: [String: String] = [:]
            for part in columns[5].split(separator: ";").dropFirst() {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { fields[pair[0]] = pair[1].split(separator: " ").first.map(String.init) ?? pair[1] }
            }
            return Row(file: columns[0], storedSHA256: columns[4], fields: fields)
        }
    }

    static let orientationRows = rows("orientation")
    static let iccRows = rows("icc")
    static let present = TestPaths.jpegConformance != nil

    static func bytes(_ file: String) throws -> [UInt8] {
        try readBytes(try #require(TestPaths.jpegConformance).appendingPathComponent(file))
    }

    @Test("the key has the ten orientation rows and the seven ICC rows", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func keyPresent() {
        #expect(Self.orientationRows.count == 10 && Self.iccRows.count == 7, "\(Self.orientationRows.count), \(Self.iccRows.count)")
    }

    @Test("every orientation decodes upright: the key's upright pixels exactly; --no-auto-orient keeps the stored ones",
          .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"), arguments: orientationRows)
    func upright(_ row: Row) throws {
        let bytes = try Self.bytes(row.file)
        let expected = try #require(Int(row.fields["orientation"] ?? ""))
        let decoded = try bytes.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
        #expect(decoded.info.orientation.rawValue == expected)
        #expect(decoded.appliedOrientation.rawValue == expected)
        #expect(decoded.image.size.description == row.fields["upright"])
        #expect(decoded.info.displaySize == decoded.image.size)
        #expect(decoded.image.withUnsafeBytes { SHA256.hex(of: Array($0)) } == row.fields["upright-sha256"], "\(row.file)")

        var stored = ImageDecoder()
        stored.autoOrient = false
        let kept = try bytes.withUnsafeBytes { try stored.decodeWithInfo($0) }
        #expect(kept.appliedOrientation == .up && kept.info.orientation.rawValue == expected)
        #expect(kept.image.size == kept.info.size)
        #expect(kept.image.withUnsafeBytes { SHA256.hex(of: Array($0)) } == row.storedSHA256)

        let probed = try ImageDecoder().probe(bytes)
        #expect(probed.orientation.rawValue == expected && probed.displaySize.description == row.fields["upright"])
    }

    @Test("the lossless PNG eXIf and WebP EXIF files equal orientation-upright.png exactly", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func losslessEqualsUpright() throws {
        let upright = try ImageDecoder().decode(try Self.bytes("orientation-upright.png"))
        for file in ["orientation-6.png", "orientation-6.webp"] {
            let image = try ImageDecoder().decode(try Self.bytes(file))
            #expect(image == upright, "\(file)")
        }
    }

    @Test("shrink on load asks for the stored size of an upright minimum (orientation 6 swaps it)", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func shrinkOnLoadTurned() throws {
        let bytes = try Self.bytes("orientation-6.jpg")  // stored 40x60, shown 60x40
        var asked: ImageInfo?
        let decoded = try bytes.withUnsafeBytes { buffer in
            try ImageDecoder().decodeWithInfo(buffer) { info in
                asked = info
                return ImageSize(width: 15, height: 10)
            }
        }
        #expect(asked?.orientation == .rotate90)
        // 1/4 scaling: stored 10x15, shown 15x10 — never below the minimum on either axis.
        #expect(decoded.image.size == ImageSize(width: 15, height: 10))
    }

    @Test("every ICC profile is found whole: JPEG segments reassembled (15 of them), PNG iCCP inflated, WebP ICCP",
          .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"), arguments: iccRows)
    func iccProfiles(_ row: Row) throws {
        let metadata = EmbeddedMetadata.read(from: try Self.bytes(row.file))
        let profile = try #require(metadata.iccProfile, "\(row.file): no profile; skipped \(metadata.skipped)")
        #expect(SHA256.hex(of: profile) == row.fields["icc-sha256"])
        if let count = row.fields["icc-bytes"] { #expect(profile.count == Int(count)) }
    }

    @Test("a block over the limit is skipped and reported, not copied")
    func limits() throws {
        var limits = EmbeddedMetadata.Limits()
        limits.maxICCBytes = 100
        limits.maxEXIFBytes = 10
        let jpeg = try JPEGCodec.encode(try Image(size: ImageSize(width: 8, height: 8), format: .rgb8), options: JPEGEncodeOptions(iccProfile: Array(repeating: 7, count: 5000)))
        let metadata = EmbeddedMetadata.read(from: jpeg, limits: limits)
        #expect(metadata.iccProfile == nil && metadata.skipped.count == 1, "\(metadata.skipped)")
        if Self.present {
            let png = EmbeddedMetadata.read(from: try Self.bytes("icc-displayp3.png"), limits: limits)
            #expect(png.iccProfile == nil && png.skipped == ["ICC profile (more than 100 bytes once inflated)"])
            let exif = EmbeddedMetadata.read(from: try Self.bytes("orientation-6.jpg"), limits: limits)
            #expect(exif.exif == nil && exif.orientation == .up && exif.skipped.count == 1)
        }
    }

    @Test("the Orientation tag is reset in place, every other byte kept; damaged EXIF reads as no orientation", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func exifReset() throws {
        let exif = try #require(EmbeddedMetadata.read(from: try Self.bytes("orientation-8.jpg")).exif)
        #expect(ExifReader.orientation(in: exif) == .rotate270)
        let reset = try #require(ExifReader.settingOrientation(.up, in: exif))
        #expect(ExifReader.orientation(in: reset) == .up)
        #expect(zip(exif, reset).filter { $0 != $1 }.count == 1 && reset.count == exif.count)
        // Every truncation, and an IFD offset past the end, is no orientation rather than a crash.
        for count in 0..<exif.count { _ = ExifReader.orientation(in: Array(exif.prefix(count))) }
        var pointingAway = exif
        pointingAway[4...7] = [0x7F, 0xFF, 0xFF, 0xFF]
        #expect(ExifReader.orientation(in: pointingAway) == nil)
        #expect(ExifReader.orientation(in: Array("II*\0".utf8) + [8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 9, 0]) == nil, "9 is no orientation")
    }

    @Test("Image.oriented: each orientation moves a 3x2 image's pixels where the EXIF standard says")
    func orientedPixels() throws {
        // Stored pixels 1 2 3 / 4 5 6 (gray); the upright image for each tag.
        let stored = try Image(size: ImageSize(width: 3, height: 2), format: .gray8, copying: [1, 2, 3, 4, 5, 6])
        let expected: [ImageOrientation: [UInt8]] = [
            .up: [1, 2, 3, 4, 5, 6], .mirrorHorizontal: [3, 2, 1, 6, 5, 4], .rotate180: [6, 5, 4, 3, 2, 1],
            .mirrorVertical: [4, 5, 6, 1, 2, 3], .transpose: [1, 4, 2, 5, 3, 6], .rotate90: [4, 1, 5, 2, 6, 3],
            .transverse: [6, 3, 5, 2, 4, 1], .rotate270: [3, 6, 2, 5, 1, 4],
        ]
        for orientation in ImageOrientation.allCases {
            let upright = stored.oriented(orientation)
            #expect(upright.bytes == expected[orientation], "\(orientation)")
            #expect(upright.size == orientation.displaySize(of: stored.size))
        }
        // Every pixel size and a size larger than one tile.
        for format in PixelFormat.allCases {
            var big = try Image(size: ImageSize(width: 131, height: 70), format: format)
            big.withUnsafeMutableBytes { for index in $0.indices { $0[index] = UInt8(truncatingIfNeeded: index &* 31) } }
            for orientation in ImageOrientation.allCases {
                #expect(big.oriented(orientation).oriented(orientation.inverse) == big, "\(format) \(orientation)")
            }
        }
    }
}

extension ImageOrientation {
    /// The orientation that undoes this one (6 and 8 undo each other; the others undo themselves).
    var inverse: ImageOrientation {
        switch self {
        case .rotate90: .rotate270
        case .rotate270: .rotate90
        default: self
        }
    }
}
