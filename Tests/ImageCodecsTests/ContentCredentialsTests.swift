import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// C2PA manifest stores found in PNG (`caBX`), JPEG (APP11 JUMBF) and WebP (`C2PA`), in files
/// signed by c2pa-python (`Fixtures/make-c2pa-fixtures.py`), and the bounds of the walk.
@Suite("Content credentials (C2PA) detection")
struct ContentCredentialsTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        try readBytes(TestPaths.fixtures.appendingPathComponent("c2pa/\(name)"))
    }

    @Test("each signed fixture: found in its container with the claim generator; the header probe carries it", arguments: [
        ("signed.png", ContentCredentials.Container.pngChunk), ("signed.jpg", .jpegSegments), ("signed.webp", .webpChunk),
    ])
    func found(_ name: String, _ container: ContentCredentials.Container) throws {
        let bytes = try Self.fixture(name)
        let credentials = try #require(EmbeddedMetadata.read(from: bytes).contentCredentials, "\(name): not found")
        #expect(credentials.container == container)
        #expect(credentials.claimGenerator == "imagepipe-test-fixtures 1.0")
        #expect(credentials.byteCount > 1000 && credentials.byteCount < bytes.count)
        #expect(credentials.segmentCount == 1)
        #expect(!credentials.signatureVerified)
        #expect(credentials.summary.hasPrefix("present (not verified), \(credentials.byteCount) bytes in "))
        let info = try ImageDecoder().probe(bytes)
        #expect(info.contentCredentials == credentials)
    }

    @Test("files without credentials have none; an unsigned JUMBF box is not taken for one")
    func absent() throws {
        for name in ["gradient-rgb.png", "gradient-lossy.webp"] {
            #expect(EmbeddedMetadata.read(from: try readBytes(TestPaths.fixtures.appendingPathComponent(name))).contentCredentials == nil)
        }
        // A JPEG whose APP11 JUMBF box is labelled something else.
        var jpeg = try Self.fixture("signed.jpg")
        // The first description box's label: after "jumd", a 16-byte type and a toggles byte.
        let description = try #require(jpeg.indices.first { jpeg[$0...].starts(with: Array("jumd".utf8)) })
        #expect(jpeg[(description + 21)...].starts(with: Array("c2pa\0".utf8)))
        jpeg[description + 21] = UInt8(ascii: "x")
        #expect(EmbeddedMetadata.read(from: jpeg).contentCredentials == nil)
    }

    @Test("a manifest store over several APP11 segments is reassembled (each later packet repeats the box header)")
    func jpegSegments() throws {
        let jpeg = try Self.fixture("signed.jpg")
        // Split the one APP11 segment's box into three packets, as writers do past 64 KiB.
        let start = try #require(jpeg.indices.first { jpeg[$0] == 0xFF && $0 + 1 < jpeg.count && jpeg[$0 + 1] == 0xEB })
        let length = Int(jpeg[start + 2]) << 8 | Int(jpeg[start + 3])
        let payload = Array(jpeg[(start + 4)..<(start + 2 + length)])
        let header = Array(payload[0..<4])  // "JP" and the box instance
        let box = Array(payload[8...])
        let boxHeader = Array(box[0..<8])
        let cuts = [0, box.count / 3, 2 * box.count / 3, box.count]
        var segments: [UInt8] = []
        for index in 0..<3 {
            let body = (index == 0 ? [] : boxHeader) + Array(box[cuts[index]..<cuts[index + 1]])
            let packet = header + [0, 0, 0, UInt8(index + 1)] + body
            segments += [0xFF, 0xEB, UInt8((packet.count + 2) >> 8), UInt8((packet.count + 2) & 0xFF)] + packet
        }
        let split = Array(jpeg[..<start]) + segments + Array(jpeg[(start + 2 + length)...])
        let credentials = try #require(EmbeddedMetadata.read(from: split).contentCredentials)
        #expect(credentials.segmentCount == 3)
        #expect(credentials.claimGenerator == "imagepipe-test-fixtures 1.0")
        #expect(credentials.byteCount == box.count)
        #expect(try ImageDecoder().decode(split).size == (try ImageDecoder().decode(jpeg)).size)
    }

    @Test("bounded: a box claiming 4 GiB, a truncated store, nested boxes: found or not, never a crash or a huge allocation")
    func bounded() throws {
        var png = try Self.fixture("signed.png")
        let caBX = try #require(png.indices.first { png[$0...].starts(with: Array("caBX".utf8)) })
        // The superbox's length field, just after the chunk type, claims 4 GiB - 1.
        for index in 0..<4 { png[caBX + 4 + index] = 0xFF }
        let claimed = EmbeddedMetadata.read(from: png).contentCredentials
        #expect(claimed?.container == .pngChunk && claimed?.claimGenerator == nil)
        let signed = try Self.fixture("signed.png")
        for cut in stride(from: caBX, to: min(signed.count, caBX + 3000), by: 37) {
            _ = EmbeddedMetadata.read(from: Array(signed.prefix(cut)))
        }
    }
}
