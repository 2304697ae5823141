import Foundation
@testable import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// The decode that borrows the caller's file bytes as scratch space (the IDAT chunks' data joined
/// in place): the same pixels and errors as the read-only decode, the bytes as they were
/// afterwards, and no copy of the image data.
@Suite("PNG decode with the file's bytes as scratch")
struct PNGScratchDecodeTests {
    typealias Outcome = PNGFastPathTests.Outcome

    /// Decodes a copy of `bytes` lent as scratch; returns the outcome and the copy afterwards.
    static func decodeLendingBytes(_ bytes: [UInt8], forceRGBA: Bool, path: PNGCodec.DecodePath = .automatic) -> (Outcome, [UInt8]) {
        var lent = bytes
        let outcome = lent.withUnsafeMutableBytes { buffer -> Outcome in
            do {
                return .pixels(try PNGCodec.decodeWithInfo(scratch: buffer, limits: .default, forceRGBA: forceRGBA, path: path).image)
            } catch let error as ImageCodecError {
                return .failure(error.code, error.message)
            } catch {
                return .failure(.corruptData, "\(error)")
            }
        }
        return (outcome, lent)
    }

    static func expectSameAsReadOnly(_ bytes: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for forceRGBA in [false, true] {
            let reference = PNGFastPathTests.decode(bytes, path: .automatic, forceRGBA: forceRGBA)
            let (outcome, after) = decodeLendingBytes(bytes, forceRGBA: forceRGBA)
            #expect(outcome == reference, "\(name), forceRGBA \(forceRGBA)", sourceLocation: sourceLocation)
            let unchanged = after == bytes
            #expect(unchanged, "\(name): the lent bytes changed", sourceLocation: sourceLocation)
        }
    }

    /// A 16x8 RGB image stored in `chunkSize`-byte IDAT chunks, damaged by `damage`.
    static func splitImage(chunkSize: Int = 50, _ damage: (inout CraftedPNG) -> Void = { _ in }) -> [UInt8] {
        var generator = SplitMix64(seed: 21)
        let rows = (0..<8).map { y in [UInt8(y % 5)] + randomBytes(16 * 3, using: &generator) }
        var png = CraftedPNG(width: 16, height: rows.count, colorType: 2, filteredRows: rows)
        png.idatChunkSize = chunkSize
        damage(&png)
        return png.bytes()
    }

    @Test("corpus, fixture and PngSuite PNGs: the same pixels or error as the read-only decode, the bytes unchanged")
    func sameAsReadOnly() throws {
        var files = try FileManager.default.contentsOfDirectory(at: TestPaths.fixtures, includingPropertiesForKeys: nil)
        if let corpus = TestPaths.corpus {
            files += (try? FileManager.default.contentsOfDirectory(at: corpus.appendingPathComponent("png"), includingPropertiesForKeys: nil)) ?? []
        }
        if let suite = TestPaths.pngSuite {
            files += (try? FileManager.default.contentsOfDirectory(at: suite, includingPropertiesForKeys: nil)) ?? []
        }
        files = files.filter { $0.pathExtension == "png" }.sorted { $0.path < $1.path }
        #expect(files.count >= 10)
        for file in files {
            Self.expectSameAsReadOnly(try readBytes(file), file.lastPathComponent)
        }
    }

    @Test("image data split over many IDAT chunks is joined in place, not copied; the read-only decode copies it")
    func joinedInPlace() throws {
        let bytes = Self.splitImage(chunkSize: 7)
        let (outcome, after) = Self.decodeLendingBytes(bytes, forceRGBA: false, path: .fastOnly)
        #expect(PNGCodec.lastGatheredByteCount == 0)
        #expect(outcome == PNGFastPathTests.decode(bytes, path: .libpngOnly, forceRGBA: false))
        let unchanged = after == bytes
        #expect(unchanged)
        _ = PNGFastPathTests.decode(bytes, path: .fastOnly, forceRGBA: false)
        #expect(PNGCodec.lastGatheredByteCount > 16 * 8 * 3)

        if let corpus = TestPaths.corpus {
            let photo = try readBytes(corpus.appendingPathComponent("png/512x512-astronaut-rgb.png"))
            let (decoded, after) = Self.decodeLendingBytes(photo, forceRGBA: false, path: .fastOnly)
            #expect(PNGCodec.lastGatheredByteCount == 0)
            let photoUnchanged = after == photo
            #expect(photoUnchanged)
            #expect(decoded == PNGFastPathTests.decode(photo, path: .libpngOnly, forceRGBA: false))
        }
    }

    @Test("a split stream the fast path joins and then declines: libpng reads the file as it was and gives the same error")
    func declinedAfterJoining() {
        let cases: [(String, [UInt8])] = [
            ("Adler-32 mismatch", Self.splitImage { $0.damageAdler = true }),
            ("filter type 5", Self.splitImage { $0.filteredRows[3][0] = 5 }),
            ("one row short", Self.splitImage { $0.filteredRows.removeLast() }),
            ("one row too many", Self.splitImage { $0.filteredRows.append($0.filteredRows[0]) }),
            ("one-byte chunks", Self.splitImage(chunkSize: 1)),
        ]
        for (name, bytes) in cases {
            Self.expectSameAsReadOnly(bytes, name)
        }
    }

    @Test("ImageDecoder's scratch decode: PNG, WebP and PAM give the read-only decode's pixels")
    func imageDecoder() throws {
        var files = try FileManager.default.contentsOfDirectory(at: TestPaths.fixtures, includingPropertiesForKeys: nil)
            .filter { ["png", "webp"].contains($0.pathExtension) }
            .map { ($0.lastPathComponent, try readBytes($0)) }
        #expect(files.count >= 10)
        let gradient = try readBytes(TestPaths.fixtures.appendingPathComponent("gradient-rgb.png"))
        files.append(("gradient as PAM", PAMCodec.encode(try ImageDecoder().decode(gradient))))
        for (name, bytes) in files {
            let reference = try? bytes.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0).image }
            var lent = bytes
            let decoded = try? lent.withUnsafeMutableBytes { try ImageDecoder().decodeWithInfo(scratch: $0).image }
            #expect(decoded == reference, "\(name)")
            let unchanged = lent == bytes
            #expect(unchanged, "\(name)")
        }
    }
}
