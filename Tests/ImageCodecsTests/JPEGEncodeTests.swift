import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// JPEG encoding through libjpeg-turbo: quality, progressive, Huffman optimisation, chroma
/// subsampling, alpha flattening and an embedded profile, each checked in the bytes written.
@Suite("JPEG encoding")
struct JPEGEncodeTests {
    /// A 333x251 photo from the conformance set (odd sizes: partial MCUs both ways), or a
    /// synthetic gradient when the set is absent.
    static func photo() throws -> Image {
        if let folder = TestPaths.jpegConformance {
            return try ImageDecoder().decode(try readBytes(folder.appendingPathComponent("ladybird-333x251-444.jpg")))
        }
        var image = try Image(size: ImageSize(width: 333, height: 251), format: .rgb8)
        image.withUnsafeMutableBytes { bytes in
            for index in stride(from: 0, to: bytes.count, by: 3) {
                let pixel = index / 3, x = pixel % 333, y = pixel / 333
                bytes[index] = UInt8(x * 255 / 332); bytes[index + 1] = UInt8(y * 255 / 250); bytes[index + 2] = UInt8((x + y) % 256)
            }
        }
        return image
    }

    /// The luma sampling factors (h, v) of the first frame header, and whether it is progressive.
    static func frame(_ jpeg: [UInt8]) -> (h: Int, v: Int, components: Int, progressive: Bool)? {
        var offset = 2
        while offset + 4 <= jpeg.count, jpeg[offset] == 0xFF {
            let marker = jpeg[offset + 1]
            let length = Int(jpeg[offset + 2]) << 8 | Int(jpeg[offset + 3])
            if marker == 0xC0 || marker == 0xC1 || marker == 0xC2 {
                let factors = jpeg[offset + 11]
                return (Int(factors >> 4), Int(factors & 15), Int(jpeg[offset + 9]), marker == 0xC2)
            }
            offset += 2 + length
        }
        return nil
    }

    @Test("a round trip at the default quality is close to the original (PSNR ≥ 32 dB) and probes as written")
    func roundTrip() throws {
        let image = try Self.photo()
        let jpeg = try JPEGCodec.encode(image)
        let decoded = try ImageDecoder().decodeWithInfo(jpeg.withUnsafeBytes { UnsafeRawBufferPointer($0) })
        #expect(decoded.image.size == image.size && decoded.info.format == .jpeg && decoded.info.compression == .dct)
        #expect(psnr(decoded.image, image) >= 32, "\(psnr(decoded.image, image)) dB")
        let finer = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: 95))
        #expect(psnr(try ImageDecoder().decode(finer), image) > psnr(decoded.image, image))
        #expect(finer.count > jpeg.count)
    }

    @Test("subsampling as asked, and by quality when not: 4:4:4 at 90 and above, 4:2:0 below (as libvips)")
    func subsampling() throws {
        let image = try Self.photo()
        let cases: [(JPEGEncodeOptions, Int, Int)] = [
            (JPEGEncodeOptions(subsampling: JPEGEncodeOptions.ChromaSubsampling.none), 1, 1),
            (JPEGEncodeOptions(subsampling: .horizontal), 2, 1),
            (JPEGEncodeOptions(subsampling: .both), 2, 2),
            (JPEGEncodeOptions(quality: 89), 2, 2),
            (JPEGEncodeOptions(quality: 90), 1, 1),
        ]
        for (options, h, v) in cases {
            let frame = try #require(Self.frame(try JPEGCodec.encode(image, options: options)))
            #expect(frame.h == h && frame.v == v && frame.components == 3, "\(options.effectiveSubsampling): \(frame)")
        }
    }

    @Test("progressive writes SOF2 and decodes to the same pixels as baseline; optimised tables are smaller")
    func progressiveAndOptimized() throws {
        let image = try Self.photo()
        let baseline = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: 75))
        let progressive = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: 75, progressive: true))
        let standard = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: 75, optimizeCoding: false))
        #expect(Self.frame(baseline)?.progressive == false && Self.frame(progressive)?.progressive == true)
        #expect(try JPEGCodec.probe(progressive.withUnsafeBytes { UnsafeRawBufferPointer($0) }).compression == .progressiveDCT)
        // Same quantised coefficients, different entropy coding: identical pixels.
        #expect(try ImageDecoder().decode(progressive) == ImageDecoder().decode(baseline))
        #expect(try ImageDecoder().decode(standard) == ImageDecoder().decode(baseline))
        #expect(baseline.count < standard.count, "optimised \(baseline.count) vs standard \(standard.count)")
    }

    @Test("gray stays one component; alpha is flattened over white")
    func grayAndAlpha() throws {
        let gray = try Image(size: ImageSize(width: 16, height: 16), format: .gray8, copying: (0..<256).map { UInt8($0) })
        #expect(Self.frame(try JPEGCodec.encode(gray))?.components == 1)

        // Left half transparent red, right half opaque blue.
        var rgba = try Image(size: ImageSize(width: 16, height: 16), format: .rgba8)
        rgba.withUnsafeMutableBytes { bytes in
            for pixel in 0..<256 {
                let opaque = pixel % 16 >= 8
                bytes[pixel * 4] = opaque ? 0 : 255; bytes[pixel * 4 + 2] = opaque ? 255 : 0; bytes[pixel * 4 + 3] = opaque ? 255 : 0
            }
        }
        let decoded = try ImageDecoder().decode(try JPEGCodec.encode(rgba, options: JPEGEncodeOptions(quality: 95)))
        #expect(decoded.format == .rgb8)
        let bytes = decoded.bytes
        let left = Array(bytes[(3 * 16 + 2) * 3..<(3 * 16 + 2) * 3 + 3]), right = Array(bytes[(3 * 16 + 13) * 3..<(3 * 16 + 13) * 3 + 3])
        #expect(left.allSatisfy { $0 >= 245 }, "transparent is white: \(left)")
        #expect(right[0] <= 10 && right[2] >= 245, "opaque blue stays blue: \(right)")
    }

    @Test("an embedded profile is written in numbered APP2 segments and read back whole")
    func embeddedProfile() throws {
        let profile = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }  // three segments
        let jpeg = try JPEGCodec.encode(try Self.photo(), options: JPEGEncodeOptions(iccProfile: profile))
        #expect(EmbeddedMetadata.read(from: jpeg).iccProfile == profile)
        #expect(EmbeddedMetadata.read(from: try JPEGCodec.encode(try Self.photo())).iccProfile == nil)
    }

    @Test("quality outside 1-100 is refused; the encoder names the library")
    func invalid() throws {
        let image = try Self.photo()
        for quality in [0, 101] {
            let error = #expect(throws: ImageCodecError.self) { try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: quality)) }
            #expect(error?.code == .invalidOptions)
        }
        #expect(JPEGCodec.libraryVersion.split(separator: ".").count == 3)
    }
}
