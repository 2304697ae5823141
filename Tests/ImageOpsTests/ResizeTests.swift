import Foundation
import ImageCodecs
import ImageCore
@testable import ImageOps
import Testing
import TestSupport

@Suite("Resampling")
struct ResizeTests {
    static func fitInside(_ size: ImageSize, _ box: Int) -> ImageSize {
        let scale = min(Double(box) / Double(size.width), Double(box) / Double(size.height))
        return ImageSize(width: max(1, Int((Double(size.width) * scale).rounded())), height: max(1, Int((Double(size.height) * scale).rounded())))
    }

    static let corpusPNGs: [String] = {
        guard let corpus = TestPaths.corpus else { return [] }
        let folder = corpus.appendingPathComponent("png")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".png") }.sorted()
    }()

    @Test("Lanczos3 thumbnails reach 42 dB PSNR against Pillow's resize of the same pixels",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus"))"), arguments: corpusPNGs)
    func matchesPillow(_ name: String) throws {
        let source = try ImageDecoder().decode(readBytes(TestPaths.corpus!.appendingPathComponent("png/\(name)")))
        let reference = try ImageDecoder().decode(TestPaths.fixture("reference/" + name.replacingOccurrences(of: ".png", with: ".pillow-lanczos-256.png")))
        let target = Self.fitInside(source.size, 256)
        #expect(target == reference.size)
        let ours = source.resized(to: target, filter: .lanczos3)
        #expect(ours.format == source.format)
        let decibels = psnr(ours, reference.converted(to: source.format))
        let visible = compositedPSNR(ours, reference.converted(to: source.format))
        #expect(visible >= 42, "\(name): \(visible) dB composited (\(decibels) dB over straight samples)")
        // The thumbnail path: a box step takes the large reductions, Lanczos3 the last 2x or more.
        let thumbnail = ResizeGeometry(box: ImageSize(width: 256, height: 256)).apply(to: source)
        #expect(thumbnail.size == target)
        let thumbnailDecibels = compositedPSNR(thumbnail, reference.converted(to: source.format))
        #expect(thumbnailDecibels >= 42, "\(name) thumbnail path: \(thumbnailDecibels) dB")
    }

    /// An RGBA disc whose transparent pixels hold `background` (garbage or a clean color).
    static func disc(size: Int, background: (Int, Int) -> (UInt8, UInt8, UInt8)) throws -> Image {
        var bytes = [UInt8]()
        let centre = Double(size - 1) / 2
        for y in 0..<size {
            for x in 0..<size {
                let distance = ((Double(x) - centre) * (Double(x) - centre) + (Double(y) - centre) * (Double(y) - centre)).squareRoot() / centre
                let alpha: UInt8 = distance < 0.5 ? 255 : distance > 0.7 ? 0 : UInt8(255 * (0.7 - distance) / 0.2)
                let color: (UInt8, UInt8, UInt8) = alpha == 0 ? background(x, y) : (240, 240, 240)
                bytes += [color.0, color.1, color.2, alpha]
            }
        }
        return try Image(size: ImageSize(width: size, height: size), format: .rgba8, copying: bytes)
    }

    @Test("fully transparent pixels never bleed their color into visible ones (no halo)", arguments: ResamplingFilter.allCases)
    func noHalo(_ filter: ResamplingFilter) throws {
        let garbage = try Self.disc(size: 96) { x, y in (UInt8((x * 97 + y * 31) % 256), UInt8((x * 13) % 256), UInt8((y * 211) % 256)) }
        let clean = try Self.disc(size: 96) { _, _ in (240, 240, 240) }
        for target in [ImageSize(width: 24, height: 24), ImageSize(width: 37, height: 29), ImageSize(width: 150, height: 150)] {
            let a = garbage.resized(to: target, filter: filter).bytes
            let b = clean.resized(to: target, filter: filter).bytes
            for pixel in stride(from: 0, to: a.count, by: 4) where a[pixel + 3] > 0 {
                #expect(a[pixel + 3] == b[pixel + 3])
                for channel in 0..<3 {
                    #expect(abs(Int(a[pixel + channel]) - Int(b[pixel + channel])) <= 1, "\(filter) \(target) pixel \(pixel / 4)")
                }
            }
        }
    }

    @Test("a flat image stays flat with every filter, reducing and enlarging", arguments: ResamplingFilter.allCases)
    func flatStaysFlat(_ filter: ResamplingFilter) throws {
        let flat = try Image(size: ImageSize(width: 40, height: 30), format: .rgb8, copying: [UInt8](repeating: 0, count: 0) + (0..<1200).flatMap { _ in [UInt8(200), 100, 7] })
        for target in [ImageSize(width: 1, height: 1), ImageSize(width: 7, height: 3), ImageSize(width: 40, height: 29), ImageSize(width: 97, height: 61)] {
            let bytes = flat.resized(to: target, filter: filter).bytes
            #expect(bytes.count == target.width * target.height * 3)
            for pixel in stride(from: 0, to: bytes.count, by: 3) {
                #expect(bytes[pixel..<pixel + 3] == [200, 100, 7], "\(filter) \(target)")
            }
        }
    }

    @Test("every pixel format keeps its format; odd and extreme shapes work", arguments: PixelFormat.allCases)
    func formatsAndShapes(_ format: PixelFormat) throws {
        let source = try ImageDecoder().decode(TestPaths.fixture("disc-rgba.png")).converted(to: format)
        for target in [ImageSize(width: 1, height: 1), ImageSize(width: 1, height: 48), ImageSize(width: 300, height: 2), ImageSize(width: 17, height: 33)] {
            let result = source.resized(to: target)
            #expect(result.size == target && result.format == format)
        }
        let strip = try ImageDecoder().decode(TestPaths.fixture("strip-1000x1.png")).converted(to: format)
        #expect(strip.resized(to: ImageSize(width: 10, height: 1)).size == ImageSize(width: 10, height: 1))
        let pixel = try ImageDecoder().decode(TestPaths.fixture("one-pixel.png")).converted(to: format)
        #expect(pixel.resized(to: ImageSize(width: 5, height: 5)).bytes == pixel.resized(to: ImageSize(width: 5, height: 5), filter: .nearest).bytes)
    }

    @Test("row bands in parallel give exactly the single-threaded result")
    func bandsAgree() throws {
        let source = try ImageDecoder().decode(TestPaths.fixture("gradient-rgb.png"))
        let target = ImageSize(width: 29, height: 101)
        let single = source.resized(to: target, options: ResizeOptions(threads: 1))
        for threads in [2, 3, 7] {
            #expect(source.resized(to: target, options: ResizeOptions(threads: threads)) == single)
        }
    }

    /// The resampler's arithmetic written out one float at a time: the horizontal taps summed as
    /// even and odd partial sums four at a time (the rest into the even sum), then the vertical
    /// taps in order (zero weights skipped), un-premultiplied, clamped, rounded half to even.
    static func scalarResize(_ image: Image, to target: ImageSize, filter: ResamplingFilter) -> [UInt8] {
        let horizontal = ResamplingCoefficients(inputCount: image.size.width, outputCount: target.width, filter: filter)
        let vertical = ResamplingCoefficients(inputCount: image.size.height, outputCount: target.height, filter: filter)
        let channels = image.format.bytesPerPixel, bytes = image.bytes, alpha = image.format.hasAlpha
        func sample(_ x: Int, _ y: Int, _ c: Int) -> Float {
            let p = (y * image.size.width + x) * channels
            if c == 3 { return alpha ? Float(bytes[p + 3]) : 255 }
            return alpha ? Float(bytes[p + c]) * (Float(bytes[p + 3]) * (1 / 255)) : Float(bytes[p + c])
        }
        func filtered(_ x: Int, _ y: Int, _ c: Int) -> Float {
            let taps = horizontal.tapCount, start = horizontal.starts[x]
            var even: Float = 0, odd: Float = 0, tap = 0
            while tap + 4 <= taps {
                for k in 0..<4 {
                    let term = sample(start + tap + k, y, c) * horizontal.weights[x * taps + tap + k]
                    if k % 2 == 0 { even += term } else { odd += term }
                }
                tap += 4
            }
            while tap < taps { even += sample(start + tap, y, c) * horizontal.weights[x * taps + tap]; tap += 1 }
            return even + odd
        }
        var output: [UInt8] = []
        for y in 0..<target.height {
            for x in 0..<target.width {
                var values = [Float](repeating: 0, count: 4)
                for c in 0..<4 {
                    let weights = vertical.weights[(y * vertical.tapCount)...]
                    var sum = filtered(x, vertical.starts[y], c) * weights[weights.startIndex]
                    for tap in 1..<max(1, vertical.tapCount) where weights[weights.startIndex + tap] != 0 {
                        sum += filtered(x, vertical.starts[y] + tap, c) * weights[weights.startIndex + tap]
                    }
                    values[c] = sum
                }
                if alpha {
                    values[3] = min(max(values[3], 0), 255)
                    let scale: Float = values[3] > 0.5 ? 255 / values[3] : 0
                    for c in 0..<3 { values[c] *= scale }
                }
                for c in 0..<channels {
                    output.append(UInt8(min(max(values[c], 0), 255).rounded(.toNearestOrEven)))
                }
            }
        }
        return output
    }

    @Test("every kernel tier gives the bits of the scalar arithmetic, reducing and enlarging",
          arguments: [PixelFormat.rgb8, .rgba8])
    func kernelTiersAgree(_ format: PixelFormat) throws {
        let sizes = [(ImageSize(width: 37, height: 23), ImageSize(width: 9, height: 7)), (ImageSize(width: 5, height: 3), ImageSize(width: 13, height: 11)),
                     (ImageSize(width: 64, height: 9), ImageSize(width: 17, height: 4)), (ImageSize(width: 3, height: 40), ImageSize(width: 2, height: 6))]
        for (index, (size, target)) in sizes.enumerated() {
            let pixels = randomBytes(size.width * size.height * format.bytesPerPixel, seed: UInt64(index) + 7)
            let image = try Image(size: size, format: format, copying: pixels)
            for filter in [ResamplingFilter.lanczos3, .bilinear, .nearest] {
                let expected = Self.scalarResize(image, to: target, filter: filter)
                for kernels in ResampleKernels.available {
                    let ours = image.resized(to: target, filter: filter, options: ResizeOptions(threads: 1), kernels: kernels)
                    #expect(ours.bytes == expected, "\(kernels.name), \(format), \(size) -> \(target), \(filter)")
                }
            }
        }
    }

    @Test("nearest neighbour copies input pixels; box halving averages pairs")
    func nearestAndBox() throws {
        let source = try Image(size: ImageSize(width: 4, height: 1), format: .gray8, copying: [0, 100, 200, 250])
        #expect(source.resized(to: ImageSize(width: 2, height: 1), filter: .nearest).bytes == [100, 250])
        #expect(source.resized(to: ImageSize(width: 2, height: 1), filter: .box).bytes == [50, 225])
        #expect(source.resized(to: ImageSize(width: 8, height: 1), filter: .nearest).bytes == [0, 0, 100, 100, 200, 200, 250, 250])
    }

    @Test("linear light keeps the brightness of fine black-and-white detail")
    func linearLight() throws {
        // A one-pixel checkerboard averages to 50% light: sRGB 188 in linear light, 128 without.
        let checker = try Image(size: ImageSize(width: 8, height: 8), format: .gray8, copying: (0..<64).map { ($0 / 8 + $0 % 8) % 2 == 0 ? 0 : 255 })
        let gamma = checker.resized(to: ImageSize(width: 4, height: 4), filter: .box).bytes
        let linear = checker.resized(to: ImageSize(width: 4, height: 4), filter: .box, options: ResizeOptions(linearLight: true)).bytes
        #expect(gamma.allSatisfy { abs(Int($0) - 128) <= 1 })
        #expect(linear.allSatisfy { abs(Int($0) - 188) <= 1 }, "\(linear)")
    }
}

@Suite("Shrink on load")
struct ShrinkOnLoadTests {
    @Test("a WebP decodes at a reduced size no smaller than asked, keeping its aspect")
    func reducedDecode() throws {
        let bytes = try TestPaths.fixture("gradient-lossy.webp")
        let image = try bytes.withUnsafeBytes { try ImageDecoder().decode($0, reducingTo: ImageSize(width: 20, height: 10)) }
        #expect(image.size == ImageSize(width: 20, height: 15))
        let png = try TestPaths.fixture("gradient-rgb.png")
        #expect(try png.withUnsafeBytes { try ImageDecoder().decode($0, reducingTo: ImageSize(width: 20, height: 10)) }.size == ImageSize(width: 64, height: 48))
        let animated = try TestPaths.fixture("animated.webp")
        #expect(try animated.withUnsafeBytes { try ImageDecoder().decode($0, reducingTo: ImageSize(width: 4, height: 4)) }.size == ImageSize(width: 24, height: 16))
    }

    @Test("thumbnails from a reduced WebP decode stay close to those from a full decode",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus"))"))
    func quality() throws {
        let folder = TestPaths.corpus!.appendingPathComponent("webp")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".q80.webp") }) {
            let bytes = try readBytes(folder.appendingPathComponent(name))
            let geometry = ResizeGeometry(box: ImageSize(width: 256, height: 256))
            let full = geometry.apply(to: try ImageDecoder().decode(bytes))
            let plan = geometry.plan(for: try ImageDecoder().probe(bytes).size)
            let reduced = try bytes.withUnsafeBytes { try ImageDecoder().decode($0, reducingTo: geometry.minimumDecodeSize(for: plan)) }
            #expect(reduced.size.width < 1024 || name.hasPrefix("512"))
            let thumbnail = geometry.apply(plan, to: reduced)
            #expect(thumbnail.size == full.size)
            let decibels = compositedPSNR(thumbnail, full)
            #expect(decibels >= 38, "\(name): \(decibels) dB")
        }
    }
}

@Suite("Box shrink")
struct BoxShrinkTests {
    @Test("averages blocks, including partial edge blocks, weighting color by alpha")
    func averages() throws {
        let gray = try Image(size: ImageSize(width: 3, height: 2), format: .gray8, copying: [0, 100, 50, 200, 40, 51])
        #expect(gray.boxShrunk(by: 2).bytes == [85, 51])
        // One opaque red pixel beside a transparent green one: the color stays red, alpha halves.
        let rgba = try Image(size: ImageSize(width: 2, height: 1), format: .rgba8, copying: [255, 0, 0, 255, 0, 255, 0, 0])
        #expect(rgba.boxShrunk(by: 2).bytes == [255, 0, 0, 128])
        let transparent = try Image(size: ImageSize(width: 2, height: 2), format: .grayAlpha8, copying: [9, 0, 9, 0, 9, 0, 9, 0])
        #expect(transparent.boxShrunk(by: 2).bytes == [0, 0])
    }

    @Test("halving an opaque image gives the general code's values, odd edges included", arguments: PixelFormat.allCases.filter { !$0.hasAlpha })
    func halvingMatchesGeneral(_ format: PixelFormat) throws {
        var generator = SplitMix64(seed: 0x2545_F491_4F6C_DD1D)
        for (width, height) in [(1, 1), (2, 2), (3, 2), (2, 5), (17, 9), (64, 33)] {
            let bytes = randomBytes(width * height * format.bytesPerPixel, using: &generator)
            let source = try Image(size: ImageSize(width: width, height: height), format: format, copying: bytes)
            let halved = source.boxShrunk(by: 2)
            #expect(halved == source.boxShrunkGeneral(by: 2), "\(format) \(width)x\(height)")
            #expect(halved.size == ImageSize(width: (width + 1) / 2, height: (height + 1) / 2))
        }
    }

    @Test("every format, factors up to the image size", arguments: PixelFormat.allCases)
    func formats(_ format: PixelFormat) throws {
        let source = try ImageDecoder().decode(TestPaths.fixture("gradient-rgb.png")).converted(to: format)
        for factor in [1, 2, 3, 7, 64] {
            let shrunk = source.boxShrunk(by: factor)
            #expect(shrunk.size == ImageSize(width: (64 + factor - 1) / factor, height: (48 + factor - 1) / factor))
            #expect(shrunk.format == format)
        }
    }
}
