import Foundation
@testable import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// The decode that releases the caller's file bytes as it inflates them: the same pixels and
/// errors as the read-only decode, the pages of a large file's image data given back, and the
/// original bytes read again (once) only when the fast path declines a file after releasing.
@Suite("PNG decode that releases the file's bytes as it goes")
struct PNGReleasingDecodeTests {
    typealias Outcome = PNGFastPathTests.Outcome

    /// Decodes a page-aligned copy of `bytes` in releasing mode; returns the outcome and how many
    /// times the original bytes were asked for again.
    static func decodeReleasing(_ bytes: [UInt8], forceRGBA: Bool, path: PNGCodec.DecodePath = .automatic) -> (Outcome, reloads: Int) {
        var lent = bytes
        var reloads = 0
        let outcome = lent.withUnsafeMutableBytes { buffer -> Outcome in
            do {
                let decoded = try PNGCodec.decodeWithInfo(
                    releasing: buffer, reload: { reloads += 1; return bytes }, limits: .default, forceRGBA: forceRGBA, path: path
                )
                return .pixels(decoded.image)
            } catch let error as ImageCodecError {
                return .failure(error.code, error.message)
            } catch {
                return .failure(.corruptData, "\(error)")
            }
        }
        return (outcome, reloads)
    }

    static func expectSameAsReadOnly(_ bytes: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for forceRGBA in [false, true] {
            let reference = PNGFastPathTests.decode(bytes, path: .automatic, forceRGBA: forceRGBA)
            let (outcome, reloads) = decodeReleasing(bytes, forceRGBA: forceRGBA)
            #expect(outcome == reference, "\(name), forceRGBA \(forceRGBA)", sourceLocation: sourceLocation)
            #expect(reloads <= 1, "\(name): reloaded \(reloads) times", sourceLocation: sourceLocation)
            if reloads == 1 {
                #expect(PNGCodec.lastReleasedByteCount > 0, "\(name): reloaded without releasing", sourceLocation: sourceLocation)
            }
        }
    }

    /// A `width`x`height` RGB image of noise (incompressible: the file is about the image's size)
    /// stored in `chunkSize`-byte IDAT chunks, damaged by `damage`.
    static func noiseImage(width: Int = 16, height: Int = 8, chunkSize: Int = 50, _ damage: (inout CraftedPNG) -> Void = { _ in }) -> [UInt8] {
        var generator = SplitMix64(seed: 21)
        let rows = (0..<height).map { y in [UInt8(y % 5)] + randomBytes(width * 3, using: &generator) }
        var png = CraftedPNG(width: width, height: rows.count, colorType: 2, filteredRows: rows)
        png.idatChunkSize = chunkSize
        damage(&png)
        return png.bytes()
    }

    @Test("corpus, fixture and PngSuite PNGs: the same pixels or error as the read-only decode")
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

    @Test("a 2 MB file's image data is released as it is inflated: all but the last step and the pages at its ends")
    func releasesImageData() {
        // 768x768 RGB noise in 64 KiB chunks: 1.7 MiB of image data.
        let bytes = Self.noiseImage(width: 768, height: 768, chunkSize: 65536)
        let (outcome, reloads) = Self.decodeReleasing(bytes, forceRGBA: false, path: .fastOnly)
        #expect(outcome == PNGFastPathTests.decode(bytes, path: .libpngOnly, forceRGBA: false))
        #expect(reloads == 0)
        let released = PNGCodec.lastReleasedByteCount
        #expect(released >= bytes.count - 3 * 4096, "released \(released) of \(bytes.count) bytes")
        #expect(released <= bytes.count)
        #expect(released % 4096 == 0)

        _ = PNGFastPathTests.decode(bytes, path: .fastOnly, forceRGBA: false)
        #expect(PNGCodec.lastReleasedByteCount == 0, "the read-only decode releases nothing")

        var kept = bytes
        let askedFor = kept.withUnsafeMutableBytes { buffer in
            try? PNGCodec.decodeWithInfo(releasing: buffer, when: { _ in false }, reload: { [] }, limits: .default, forceRGBA: false).info.size
        }
        #expect(askedFor == ImageSize(width: 768, height: 768))
        #expect(PNGCodec.lastReleasedByteCount == 0 && kept == bytes, "a caller that says no keeps its bytes intact")
    }

    @Test("a large stream the fast path declines after releasing: the original bytes are read again, once, and libpng gives the same error")
    func declinedAfterReleasing() {
        let big = { (damage: (inout CraftedPNG) -> Void) in Self.noiseImage(width: 512, height: 512, chunkSize: 8192, damage) }
        let cases: [(String, [UInt8])] = [
            ("Adler-32 mismatch", big { $0.damageAdler = true }),
            ("filter type 5 in the last row", big { $0.filteredRows[511][0] = 5 }),
            ("one row short", big { $0.filteredRows.removeLast() }),
            ("one row too many", big { $0.filteredRows.append($0.filteredRows[0]) }),
        ]
        for (name, bytes) in cases {
            let reference = PNGFastPathTests.decode(bytes, path: .automatic, forceRGBA: false)
            let (outcome, reloads) = Self.decodeReleasing(bytes, forceRGBA: false)
            #expect(outcome == reference, "\(name)")
            #expect(reloads == 1, "\(name): reloaded \(reloads) times")
            if case .pixels = reference, name != "one row too many" {
                Issue.record("\(name): libpng accepted the damaged file")
            }
        }
    }

    @Test("small files and the fast path's other refusals: nothing released, nothing read again")
    func smallAndSplit() {
        let cases: [(String, [UInt8])] = [
            ("Adler-32 mismatch", Self.noiseImage { $0.damageAdler = true }),
            ("filter type 5", Self.noiseImage { $0.filteredRows[3][0] = 5 }),
            ("one-byte chunks", Self.noiseImage(chunkSize: 1)),
            ("clean", Self.noiseImage()),
        ]
        for (name, bytes) in cases {
            Self.expectSameAsReadOnly(bytes, name)
            _ = Self.decodeReleasing(bytes, forceRGBA: false)
            #expect(PNGCodec.lastReleasedByteCount == 0, "\(name): a file under one release step keeps its pages")
        }
    }

    @Test("ImageDecoder's releasing decode: PNG, WebP and PAM give the read-only decode's pixels")
    func imageDecoder() throws {
        var files = try FileManager.default.contentsOfDirectory(at: TestPaths.fixtures, includingPropertiesForKeys: nil)
            .filter { ["png", "webp"].contains($0.pathExtension) }
            .map { ($0.lastPathComponent, try readBytes($0)) }
        #expect(files.count >= 10)
        let gradient = try readBytes(TestPaths.fixtures.appendingPathComponent("gradient-rgb.png"))
        files.append(("gradient as PAM", PAMCodec.encode(try ImageDecoder().decode(gradient))))
        files.append(("noise, 2 MB", Self.noiseImage(width: 768, height: 768, chunkSize: 65536)))
        for (name, bytes) in files {
            let reference = try? bytes.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0).image }
            var lent = bytes
            let decoded = try? lent.withUnsafeMutableBytes { try ImageDecoder().decodeWithInfo(releasing: $0, reload: { bytes }).image }
            #expect(decoded == reference, "\(name)")
        }
    }
}
