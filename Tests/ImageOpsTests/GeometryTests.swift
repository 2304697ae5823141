import ImageCodecs
import ImageCore
import ImageOps
import Testing
import TestSupport

@Suite("Resize geometry")
struct GeometryTests {
    static let landscape = ImageSize(width: 1536, height: 1024)

    @Test("contain fits inside the box and keeps the aspect ratio", arguments: [
        (ImageSize(width: 256, height: 256), ImageSize(width: 256, height: 171)),
        (ImageSize(width: 100, height: 500), ImageSize(width: 100, height: 67)),
        (ImageSize(width: 3000, height: 3000), ImageSize(width: 1536, height: 1024)),
    ])
    func contain(_ box: ImageSize, _ expected: ImageSize) {
        let plan = ResizeGeometry(box: box).plan(for: Self.landscape)
        #expect(plan.outputSize == expected && plan.crop == nil)
    }

    @Test("cover fills the box and crops; fill stretches; neither enlarges unless asked")
    func coverAndFill() {
        let cover = ResizeGeometry(box: ImageSize(width: 256, height: 256), fit: .cover).plan(for: Self.landscape)
        #expect(cover.resampledSize == ImageSize(width: 384, height: 256))
        #expect(cover.outputSize == ImageSize(width: 256, height: 256))
        let fill = ResizeGeometry(box: ImageSize(width: 300, height: 50), fit: .fill).plan(for: Self.landscape)
        #expect(fill.outputSize == ImageSize(width: 300, height: 50))
        let small = ImageSize(width: 32, height: 32)
        #expect(ResizeGeometry(box: ImageSize(width: 100, height: 100)).plan(for: small).outputSize == small)
        #expect(ResizeGeometry(box: ImageSize(width: 100, height: 100), enlarge: true).plan(for: small).outputSize == ImageSize(width: 100, height: 100))
        #expect(ResizeGeometry(box: ImageSize(width: 100, height: 10), fit: .cover).plan(for: small).outputSize == ImageSize(width: 32, height: 10))
        #expect(ResizeGeometry(box: ImageSize(width: 100, height: 10), fit: .fill).plan(for: small).outputSize == ImageSize(width: 32, height: 10))
    }

    @Test("extreme aspect ratios and one-pixel images keep at least one pixel")
    func extremes() {
        #expect(ResizeGeometry(box: ImageSize(width: 64, height: 64)).plan(for: ImageSize(width: 10000, height: 1)).outputSize == ImageSize(width: 64, height: 1))
        #expect(ResizeGeometry(box: ImageSize(width: 64, height: 64)).plan(for: ImageSize(width: 1, height: 1)).outputSize == ImageSize(width: 1, height: 1))
    }

    /// A 90x30 image, dark except a detailed checkerboard in its right third.
    static func detailedRight() throws -> Image {
        var bytes = [UInt8]()
        for y in 0..<30 {
            for x in 0..<90 {
                bytes.append(x >= 60 ? ((x + y) % 2 == 0 ? 255 : 0) : 20)
            }
        }
        return try Image(size: ImageSize(width: 90, height: 30), format: .gray8, copying: bytes)
    }

    @Test("gravity places the cover crop; attention finds the detailed region", arguments: [
        (ResizeGeometry.Gravity.west, 0), (.centre, 30), (.east, 60), (.attention, 60),
    ])
    func gravity(_ gravity: ResizeGeometry.Gravity, _ expectedX: Int) throws {
        let image = try Self.detailedRight()
        let geometry = ResizeGeometry(box: ImageSize(width: 30, height: 30), fit: .cover, gravity: gravity)
        let cropped = geometry.apply(to: image)
        #expect(cropped.size == ImageSize(width: 30, height: 30))
        #expect(cropped == image.cropped(to: Rect(origin: (expectedX, 0), size: ImageSize(width: 30, height: 30))))
    }
}
