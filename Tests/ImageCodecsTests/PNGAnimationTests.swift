import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// APNG: refused on request like animated WebP, and otherwise every frame checked before the
/// default image is returned.
@Suite("APNG")
struct PNGAnimationTests {
    /// Fixtures/animated.png with one byte of the chunk at `chunkIndex` (0-based, counting every
    /// chunk of `type`) changed at `dataOffset` into its data (from its end when negative); the CRC is fixed so that only the
    /// content is wrong.
    static func damaged(_ type: String, index chunkIndex: Int, at dataOffset: Int, to value: UInt8? = nil) throws -> [UInt8] {
        var bytes = try TestPaths.fixture("animated.png")
        var offset = 8, seen = 0
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self) == type {
                if seen == chunkIndex {
                    let dataOffset = dataOffset < 0 ? length + dataOffset : dataOffset
                    bytes[offset + 8 + dataOffset] = value ?? bytes[offset + 8 + dataOffset] ^ 0x5A
                    let crc = PNGBomb.crc32(Array(bytes[offset + 4..<offset + 8 + length]))
                    bytes.replaceSubrange(offset + 8 + length..<offset + 12 + length, with: PNGBomb.bigEndian(crc))
                    return bytes
                }
                seen += 1
            }
            offset += 12 + length
        }
        throw ImageCodecError(.corruptData, "no \(type) #\(chunkIndex) in the fixture")
    }

    static func decodeError(_ bytes: [UInt8], animation: AnimationPolicy = .firstFrame) -> ImageCodecError? {
        do {
            _ = try ImageDecoder(animation: animation).decode(bytes)
            return nil
        } catch {
            return error as? ImageCodecError
        }
    }

    @Test("the fixture: 3 frames, all checked, the default image decoded; refused with .reject")
    func fixture() throws {
        let bytes = try TestPaths.fixture("animated.png")
        let decoded = try bytes.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
        #expect(decoded.info.isAnimated && decoded.info.frameCount == 3)
        #expect(decoded.image.size == ImageSize(width: 16, height: 16))
        let refused = Self.decodeError(bytes, animation: .reject)
        #expect(refused?.code == .animationRefused)
        #expect(refused?.message == "animated PNG (3 frames) refused: only still images are accepted here")
    }

    @Test("a damaged later frame fails the decode, naming the frame")
    func damagedFrames() throws {
        // The second frame's compressed data: a flipped byte inside the deflate stream.
        let corrupt = Self.decodeError(try Self.damaged("fdAT", index: 0, at: 8))
        #expect(corrupt?.message.hasPrefix("APNG frame 2 of 3 (fcTL at byte ") == true, "\(String(describing: corrupt))")
        // The third frame's Adler-32.
        let third = try Self.damaged("fdAT", index: 1, at: -1)
        #expect(Self.decodeError(third)?.message.hasPrefix("APNG frame 3 of 3") == true, "\(String(describing: Self.decodeError(third)))")
        // Sequence numbers out of order.
        let sequence = Self.decodeError(try Self.damaged("fdAT", index: 0, at: 3, to: 7))
        #expect(sequence?.message.contains("has sequence number 7, expected 2") == true, "\(String(describing: sequence))")
        // The second frame's region moved off the canvas (x offset 12: 12 + 8 > 16).
        let outside = Self.decodeError(try Self.damaged("fcTL", index: 1, at: 15, to: 12))
        #expect(outside?.message.contains("its 8x8 region at (12, 4) does not fit the 16x16 canvas") == true, "\(String(describing: outside))")
        // More frames declared than there are.
        let count = Self.decodeError(try Self.damaged("acTL", index: 0, at: 3, to: 4))
        #expect(count?.message == "APNG: acTL declares 4 frames, the file has 3 (fcTL chunks)")
        // A CRC mismatch in a frame's chunk.
        var badCRC = try TestPaths.fixture("animated.png")
        let fdAT = try #require(CraftedPNG.offset(of: "fdAT", in: badCRC))
        badCRC[fdAT + 10] ^= 1
        #expect(Self.decodeError(badCRC)?.code == .checksumMismatch)
    }

    @Test("a zlib bomb in a later frame is refused as one in IDAT")
    func bombInFrame() throws {
        var bytes = try TestPaths.fixture("animated.png")
        let iend = bytes.count - 12
        bytes.removeSubrange(iend...)
        // A fourth frame, 16x16 at (0, 0), whose data inflates to 16 MiB.
        PNGBomb.appendChunk(&bytes, "fcTL", PNGBomb.bigEndian(5) + PNGBomb.bigEndian(16) + PNGBomb.bigEndian(16) + PNGBomb.bigEndian(0) + PNGBomb.bigEndian(0) + [0, 1, 0, 10, 0, 0])
        PNGBomb.appendChunk(&bytes, "fdAT", PNGBomb.bigEndian(6) + PNGBomb.zlibZeros(atLeast: 16 << 20))
        PNGBomb.appendChunk(&bytes, "IEND", [])
        var actl = bytes
        actl.replaceSubrange(41..<45, with: PNGBomb.bigEndian(4))
        actl.replaceSubrange(49..<53, with: PNGBomb.bigEndian(PNGBomb.crc32(Array(actl[37..<49]))))
        let error = Self.decodeError(actl)
        #expect(error?.message.hasPrefix("APNG frame 4 of 4 (fcTL at byte ") == true, "\(String(describing: error))")
        #expect(error?.message.contains("the fdAT data inflates past the 784 bytes a 16x16 8-bit RGB image needs (stopped at 66321 bytes") == true, "\(String(describing: error))")
    }
}
