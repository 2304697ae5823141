import ImageCore
import ImageOps
import Testing

@Suite("Image statistics and blank detection")
struct StatisticsTests {
    static func filled(_ size: ImageSize, _ format: PixelFormat, _ value: (Int, Int) -> [UInt8]) throws -> Image {
        var bytes: [UInt8] = []
        for y in 0..<size.height { for x in 0..<size.width { bytes += value(x, y) } }
        return try Image(size: size, format: format, copying: bytes)
    }

    @Test("minimum, maximum and mean per channel")
    func measures() throws {
        let image = try Self.filled(ImageSize(width: 4, height: 2), .rgba8) { x, y in [UInt8(x * 10), UInt8(y * 100), 7, 255] }
        let statistics = image.statistics()
        #expect(statistics.minimum == [0, 0, 7, 255])
        #expect(statistics.maximum == [30, 100, 7, 255])
        #expect(statistics.mean == [15, 50, 7, 255])
        #expect(!statistics.isUniform())
        #expect(!statistics.isBlank())
    }

    @Test("black, near-black noise and transparent images are blank; flat gray and real content are not")
    func blank() throws {
        let size = ImageSize(width: 33, height: 17)
        #expect(try Self.filled(size, .rgb8) { _, _ in [0, 0, 0] }.statistics().isBlank())
        #expect(try Self.filled(size, .rgb8) { x, y in [UInt8((x + y) % 3), 1, 2] }.statistics().isBlank())
        #expect(try Self.filled(size, .rgba8) { x, _ in [UInt8(x * 7), 200, 9, 0] }.statistics().isBlank())
        #expect(try Self.filled(size, .gray8) { _, _ in [3] }.statistics().isBlank())
        // The early-exit test agrees with the full measurement on every case.
        let cases: [Image] = [
            try Self.filled(size, .rgb8) { _, _ in [0, 0, 0] },
            try Self.filled(size, .rgb8) { x, y in [UInt8((x + y) % 3), 1, 2] },
            try Self.filled(size, .rgba8) { x, _ in [UInt8(x * 7), 200, 9, 0] },
            try Self.filled(size, .rgb8) { _, _ in [128, 128, 128] },
            try Self.filled(size, .rgb8) { x, y in [UInt8(x), UInt8(y), 0] },
            try Self.filled(size, .rgb8) { x, y in x == 32 && y == 16 ? [200, 0, 0] : [0, 0, 0] },
            try Self.filled(size, .grayAlpha8) { x, _ in [UInt8(x), x == 0 ? 1 : 0] },
        ]
        for image in cases { #expect(image.isBlank() == image.statistics().isBlank()) }
        let gray = try Self.filled(size, .rgb8) { _, _ in [128, 128, 128] }.statistics()
        #expect(gray.isUniform() && !gray.isBlank())
        let dark = try Self.filled(size, .rgb8) { x, y in [UInt8(x), UInt8(y), 0] }.statistics()
        #expect(!dark.isUniform() && !dark.isBlank())
    }
}
