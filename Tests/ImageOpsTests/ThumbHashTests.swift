import ImageCore
import ImageOps
import Testing

/// ThumbHash against reference hashes computed with two independent Python implementations of
/// the published algorithm (PyPI `thumbhash` 0.1.2 and `thumbhash-python` 1.0.1 agree on the
/// opaque image; the first fails on alpha, so the alpha reference is the second's), on images
/// made here from formulas.
@Suite("ThumbHash")
struct ThumbHashTests {
    static func image(_ kind: Int) -> Image {
        let (width, height) = kind == 1 ? (40, 30) : kind == 2 ? (24, 32) : (100, 50)
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                switch kind {
                case 1:
                    pixels += [UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)), UInt8((x + y) * 4 % 256), 255]
                case 2:
                    pixels += [200, UInt8(x * 10 % 256), 50, x < 12 ? 255 : UInt8(y * 8)]
                default:
                    let value = ((x / 10) + (y / 10)) % 2 == 0 ? 230 : 20
                    pixels += [UInt8(value), UInt8(value / 2), UInt8(255 - value), 255]
                }
            }
        }
        return try! Image(size: ImageSize(width: width, height: height), format: .rgba8, copying: pixels)
    }

    static let references: [(Int, [UInt8])] = [
        (1, [224, 7, 14, 13, 154, 112, 119, 119, 113, 120, 120, 135, 135, 119, 135, 135, 203, 192, 11, 248, 120]),
        (2, [220, 218, 134, 36, 16, 43, 96, 102, 121, 136, 136, 135, 7, 102, 121, 159, 105, 247, 87, 55, 138, 119, 135, 135, 7]),
        (3, [218, 118, 2, 12, 128, 141, 142, 143, 119, 119, 135, 231, 248, 135, 127, 120, 247, 136, 119]),
    ]

    @Test("encoding matches the reference hashes", arguments: references)
    func matchesReference(kind: Int, expected: [UInt8]) {
        #expect(ThumbHash.encode(Self.image(kind)) == expected)
    }

    @Test("an RGB image hashes as its RGBA form")
    func rgbInput() {
        let rgba = Self.image(1)
        #expect(ThumbHash.encode(rgba.converted(to: .rgb8)) == ThumbHash.encode(rgba))
    }

    @Test("decoding gives the aspect, the average color and a 32-pixel preview")
    func decode() throws {
        let hash = Self.references[0].1
        let ratio = try #require(ThumbHash.approximateAspectRatio(of: hash))
        #expect(abs(ratio - 1.4) < 1e-9)  // 40x30 is 1.33, to the nearest seventh
        let average = try #require(ThumbHash.averageColor(of: hash))
        // The reference's values: (0.5106, 0.4947, 0.5185, 1)
        #expect(abs(average.red - 0.5106) < 1e-3 && abs(average.green - 0.4947) < 1e-3 && abs(average.blue - 0.5185) < 1e-3)
        #expect(average.alpha == 1)
        let preview = try #require(ThumbHash.decode(hash))
        #expect(preview.size == ImageSize(width: 32, height: 23))
        #expect(preview.format == .rgba8)
        // `thumbhash-python`'s decoder: first pixels and the sum of every byte. It rounds where
        // the JavaScript reference (and this decoder) truncates, so each byte may be one less.
        let first: [UInt8] = [21, 8, 7, 255, 25, 11, 11, 255]
        for (ours, reference) in zip(preview.bytes.prefix(8), first) {
            #expect(ours == reference || ours + 1 == reference)
        }
        let sum = preview.bytes.reduce(0) { $0 + Int($1) }
        #expect(sum <= 473_416 && sum > 473_416 - 32 * 23 * 4)
    }

    @Test("alpha is kept: the preview of a half-transparent image is half transparent")
    func alpha() throws {
        let hash = ThumbHash.encode(Self.image(2))
        #expect(hash[2] & 0x80 != 0)
        let preview = try #require(ThumbHash.decode(hash))
        #expect(preview.size == ImageSize(width: 26, height: 32))
        // `thumbhash-python`'s first pixel (it rounds; this decoder truncates as the reference does).
        for (ours, reference) in zip(preview.bytes.prefix(4), [207, 6, 65, 197] as [UInt8]) {
            #expect(ours == reference || ours + 1 == reference)
        }
        let bytes = preview.bytes
        let leftAlpha = bytes[(16 * preview.size.width + 1) * 4 + 3], rightAlpha = bytes[(16 * preview.size.width + preview.size.width - 2) * 4 + 3]
        #expect(leftAlpha > 200 && rightAlpha < leftAlpha)
    }

    @Test("a flat color comes back as that color")
    func flat() throws {
        let pixels = [UInt8](repeating: 0, count: 16 * 16 * 3).enumerated().map { [UInt8(200), 100, 50][$0.offset % 3] }
        let image = try Image(size: ImageSize(width: 16, height: 16), format: .rgb8, copying: pixels)
        let hash = ThumbHash.encode(image)
        #expect(hash.count >= 5 && hash.count <= 25)
        let average = try #require(ThumbHash.averageColor(of: hash))
        #expect(abs(average.red * 255 - 200) < 6 && abs(average.green * 255 - 100) < 6 && abs(average.blue * 255 - 50) < 6)
    }

    @Test("encodingSize keeps the aspect within 100x100 and never enlarges")
    func encodingSize() {
        #expect(ThumbHash.encodingSize(for: ImageSize(width: 1024, height: 768)) == ImageSize(width: 100, height: 75))
        #expect(ThumbHash.encodingSize(for: ImageSize(width: 10, height: 500)) == ImageSize(width: 2, height: 100))
        #expect(ThumbHash.encodingSize(for: ImageSize(width: 64, height: 64)) == ImageSize(width: 64, height: 64))
    }

    @Test("a hash too short is refused")
    func short() {
        #expect(ThumbHash.decode([1, 2, 3]) == nil)
        #expect(ThumbHash.decode(Array(Self.references[0].1.prefix(8))) == nil)
    }
}
