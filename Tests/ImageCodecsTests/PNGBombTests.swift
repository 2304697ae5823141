@testable import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// Image data that inflates far past the rows (a zlib bomb) is refused by both decoders, which
/// stop a little past the image's size instead of inflating it all; a little extra is tolerated
/// by both, as libpng always did.
@Suite("PNG zlib bombs")
struct PNGBombTests {
    static func outcome(_ bytes: [UInt8], path: PNGCodec.DecodePath, forceRGBA: Bool = false) -> Result<Image, ImageCodecError> {
        Result {
            try bytes.withUnsafeBytes { try PNGCodec.decodeWithInfo($0, limits: .default, forceRGBA: forceRGBA, path: path).image }
        }.mapError { $0 as! ImageCodecError }
    }

    @Test("a 16x16 RGBA PNG inflating to 64 MiB: refused by libpng and the automatic path, declined by the fast path", arguments: [Int.max, 8192, 100])
    func bomb(chunkSize: Int) throws {
        let bomb = PNGBomb.png(width: 16, height: 16, colorType: 6, inflatedBytes: 64 << 20, chunkSize: chunkSize)
        for path in [PNGCodec.DecodePath.libpngOnly, .automatic] {
            let result = Self.outcome(bomb, path: path)
            guard case .failure(let error) = result else {
                Issue.record("\(path): a bomb was decoded")
                continue
            }
            #expect(error.code == .corruptData)
            #expect(error.message.hasPrefix("IDAT inflates past the 1040 bytes a 16x16 8-bit RGBA image needs (stopped at \(1040 + Int(65536) + 1) bytes, at byte "), "\(error.message)")
            #expect(error.byteOffset.map { $0 > 33 && $0 < bomb.count } == true)
        }
        guard case .failure(let declined) = Self.outcome(bomb, path: .fastOnly) else {
            Issue.record("the fast path decoded a bomb")
            return
        }
        #expect(declined.code == .unsupportedFormat)
    }

    @Test("an RGB bomb decoded to RGBA, and a gray one: the same refusal on both paths")
    func otherColorTypes() throws {
        for (colorType, needed, name) in [(UInt8(2), 49 * 16, "RGB"), (0, 17 * 16, "gray")] {
            let bomb = PNGBomb.png(width: 16, height: 16, colorType: colorType, inflatedBytes: 4 << 20, chunkSize: 65536)
            for forceRGBA in [false, true] {
                let automatic = Self.outcome(bomb, path: .automatic, forceRGBA: forceRGBA)
                #expect(automatic == Self.outcome(bomb, path: .libpngOnly, forceRGBA: forceRGBA))
                guard case .failure(let error) = automatic else {
                    Issue.record("\(name) bomb decoded")
                    continue
                }
                #expect(error.message.hasPrefix("IDAT inflates past the \(needed) bytes a 16x16 8-bit \(name) image needs"), "\(error.message)")
            }
        }
    }

    @Test("data a little past the rows (within the slack) is tolerated by both paths, with the same pixels")
    func slightExcess() throws {
        for extra in [1, 1000, 60_000] {
            let png = PNGBomb.png(width: 16, height: 16, colorType: 6, inflatedBytes: 1040 + extra)
            let libpng = Self.outcome(png, path: .libpngOnly)
            #expect(Self.outcome(png, path: .automatic) == libpng)
            #expect((try? libpng.get())?.bytes == [UInt8](repeating: 0, count: 1024), "extra \(extra)")
        }
    }
}
