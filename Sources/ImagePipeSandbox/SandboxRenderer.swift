import ImageCodecs
import ImageCore

/// The sandbox's procedural images: the same pixels the server sends, without HTTP.
///
/// An image is a function of (prompt, seed, width, height) only: a soft two-colour gradient, a few
/// circles and rectangles with soft edges and shading, two octaves of value noise and a fine grain,
/// so encoders meet the kind of content they meet in real generated images (smooth regions, edges,
/// texture) rather than flat colour. The random choices come from a stable hash (FNV-1a), so the
/// same request gives byte-identical pixels in any process.
///
/// ```swift
/// let png = try SandboxRenderer.render(prompt: "a lighthouse", seed: 7,
///                                      size: ImageSize(width: 256, height: 256), format: .png)
/// ```
public enum SandboxRenderer {
    /// The seed used when a request sends none (or `-1`): the top 31 bits of the prompt's FNV-1a
    /// hash, so a seedless request is still deterministic.
    public static func derivedSeed(forPrompt prompt: String) -> Int {
        var hash = StableHash()
        hash.combine(prompt.utf8)
        return Int(hash.value >> 33)
    }

    /// Renders the RGB8 pixels for a prompt and seed.
    ///
    /// - Parameters:
    ///   - prompt: The prompt text; any string.
    ///   - seed: The seed; `nil` or `-1` uses ``derivedSeed(forPrompt:)``.
    ///   - size: Width and height, each at least 1.
    /// - Complexity: O(width × height), one allocation of `3 × width × height` floats besides the image.
    public static func image(prompt: String, seed: Int?, size: ImageSize) -> Image {
        image(prompt: prompt, effectiveSeed: effectiveSeed(seed, prompt: prompt), size: size)
    }

    /// `seed`, or the prompt's derived seed when it is `nil` or `-1`.
    static func effectiveSeed(_ seed: Int?, prompt: String) -> Int {
        if let seed, seed != -1 { return seed }
        return derivedSeed(forPrompt: prompt)
    }

    static func image(prompt: String, effectiveSeed: Int, size: ImageSize) -> Image {
        precondition(size.width > 0 && size.height > 0, "sandbox image size \(size) must be positive")
        var hash = StableHash()
        hash.combine(prompt.utf8)
        hash.combine(UInt64(bitPattern: Int64(effectiveSeed)))
        hash.combine(UInt64(size.width))
        hash.combine(UInt64(size.height))
        var random = SeededGenerator(seed: hash.value)

        let width = size.width
        let height = size.height
        var canvas = [Float](repeating: 0, count: width * height * 3)
        canvas.withUnsafeMutableBufferPointer { pixels in
            paintGradient(pixels, width: width, height: height, random: &random)
            let shapeCount = 4 + random.below(6)
            for _ in 0..<shapeCount {
                paintShape(pixels, width: width, height: height, random: &random)
            }
        }
        let coarse = ValueNoise(width: width, height: height, cell: max(4, min(width, height) / 5), random: &random)
        let fine = ValueNoise(width: width, height: height, cell: max(2, min(width, height) / 24), random: &random)
        let grainSeed = UInt32(truncatingIfNeeded: random.next())

        return canvas.withUnsafeBufferPointer { pixels in
            Image(size: size, format: .rgb8) { (output: UnsafeMutableRawBufferPointer) in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        let index = row + x
                        let grain = Float(mix32(UInt32(truncatingIfNeeded: index) ^ grainSeed) & 0xff) * (1 / 255) - 0.5
                        let texture = 18 * coarse.value(x: x, y: y) + 7 * fine.value(x: x, y: y) + 6 * grain
                        for channel in 0..<3 {
                            let value = pixels[index * 3 + channel] + texture
                            output[index * 3 + channel] = UInt8(min(max(value, 0), 255) + 0.5)
                        }
                    }
                }
            }
        }
    }

    /// Renders and encodes an image: the exact bytes the server sends for this request.
    ///
    /// - Parameters:
    ///   - prompt: The prompt text.
    ///   - seed: The seed; `nil` or `-1` uses ``derivedSeed(forPrompt:)``.
    ///   - size: Width and height, each at least 1.
    ///   - format: PNG (RGB, level 6) or lossy WebP (quality 90).
    /// - Throws: ``SandboxError`` with `.encodingFailed` when the codec fails.
    public static func render(prompt: String, seed: Int?, size: ImageSize, format: SandboxImageFormat, quality: Int? = nil) throws(SandboxError) -> [UInt8] {
        try encode(image(prompt: prompt, seed: seed, size: size), as: format, quality: quality)
    }

    /// The partial images of a streamed generation: `encoded` decoded once and shown in blocks of
    /// each of `blocks` pixels (each the block's top-left pixel), re-encoded in the same format,
    /// so the partials of a stream come into focus as their blocks shrink.
    ///
    /// - Throws: ``SandboxError`` with `.encodingFailed` when the codec fails.
    public static func partials(of encoded: [UInt8], blocks: [Int], format: SandboxImageFormat, quality: Int? = nil) throws(SandboxError) -> [[UInt8]] {
        let image: Image
        do {
            image = try ImageDecoder().decode(encoded).converted(to: .rgb8)
        } catch {
            throw SandboxError(.encodingFailed, "decoding a sandbox image for its partials: \(error)")
        }
        var partials: [[UInt8]] = []
        for block in blocks { partials.append(try encode(blocky(image, block: block), as: format, quality: quality)) }
        return partials
    }

    /// `image` (RGB8) in blocks of `block` pixels.
    private static func blocky(_ image: Image, block: Int) -> Image {
        let width = image.size.width, height = image.size.height
        return image.withUnsafeBytes { source in
            Image(size: image.size, format: .rgb8) { (output: UnsafeMutableRawBufferPointer) in
                for y in 0..<height {
                    let sourceRow = (y - y % block) * width
                    for x in 0..<width {
                        let from = (sourceRow + x - x % block) * 3, to = (y * width + x) * 3
                        output[to] = source[from]
                        output[to + 1] = source[from + 1]
                        output[to + 2] = source[from + 2]
                    }
                }
            }
        }
    }

    /// Encodes pixels the way the sandbox does: PNG keeps RGB (no color-type reduction, as real
    /// services send), WebP is lossy and JPEG baseline, both at `quality` (default 90).
    ///
    /// - Throws: ``SandboxError`` with `.encodingFailed` when the codec fails.
    public static func encode(_ image: Image, as format: SandboxImageFormat, quality: Int? = nil) throws(SandboxError) -> [UInt8] {
        do {
            switch format {
            case .png: return try image.encoded(as: .png(PNGEncodeOptions(reduceColorType: false)))
            case .webp: return try image.encoded(as: .webp(WebPEncodeOptions(quality: quality ?? 90)))
            case .jpeg: return try image.encoded(as: .jpeg(JPEGEncodeOptions(quality: max(1, quality ?? 90))))
            }
        } catch {
            throw SandboxError(.encodingFailed, "encoding a \(image.size) sandbox image as \(format.rawValue): \(error)")
        }
    }

    // MARK: Layers

    private static func paintGradient(_ pixels: UnsafeMutableBufferPointer<Float>, width: Int, height: Int, random: inout SeededGenerator) {
        let from = randomColor(&random, brightness: 0.15...0.75)
        let to = randomColor(&random, brightness: 0.25...0.95)
        let angle = random.float(0...6.2831855)
        let directionX = cosine(angle), directionY = sine(angle)
        // t runs 0…1 across the image along the direction, whatever the aspect ratio.
        let extent = abs(directionX) * Float(width) + abs(directionY) * Float(height)
        let stepX = directionX / extent, stepY = directionY / extent
        let start = 0.5 - stepX * Float(width) / 2 - stepY * Float(height) / 2
        for y in 0..<height {
            var t = start + stepY * Float(y)
            for x in 0..<width {
                let clamped = min(max(t, 0), 1)
                let index = (y * width + x) * 3
                for channel in 0..<3 {
                    pixels[index + channel] = from[channel] + (to[channel] - from[channel]) * clamped
                }
                t += stepX
            }
        }
    }

    /// One circle or rectangle with a soft edge, shaded from one corner, blended over the canvas.
    private static func paintShape(_ pixels: UnsafeMutableBufferPointer<Float>, width: Int, height: Int, random: inout SeededGenerator) {
        let shortSide = Float(min(width, height))
        let isCircle = random.below(3) != 0
        let centerX = random.float(-0.1...1.1) * Float(width)
        let centerY = random.float(-0.1...1.1) * Float(height)
        let halfWidth = random.float(0.06...0.32) * shortSide
        let halfHeight = isCircle ? halfWidth : random.float(0.06...0.32) * shortSide
        let softness = max(0.75, random.float(0.01...0.2) * halfWidth)
        let opacity = random.float(0.55...0.95)
        let color = randomColor(&random, brightness: 0.1...1)
        let shade = random.float(0.1...0.35)

        let reach = max(halfWidth, halfHeight) + softness
        let minX = max(0, Int((centerX - reach).rounded(.down))), maxX = min(width - 1, Int((centerX + reach).rounded(.up)))
        let minY = max(0, Int((centerY - reach).rounded(.down))), maxY = min(height - 1, Int((centerY + reach).rounded(.up)))
        guard minX <= maxX, minY <= maxY else { return }
        let inverseSoftness = 1 / softness
        let inverseReach = 1 / reach
        for y in minY...maxY {
            let dy = Float(y) - centerY
            for x in minX...maxX {
                let dx = Float(x) - centerX
                // Signed distance to the edge, negative inside.
                let distance = isCircle
                    ? (dx * dx + dy * dy).squareRoot() - halfWidth
                    : max(abs(dx) - halfWidth, abs(dy) - halfHeight)
                var coverage = 0.5 - distance * inverseSoftness
                if coverage <= 0 { continue }
                coverage = min(coverage, 1)
                let alpha = opacity * coverage * coverage * (3 - 2 * coverage)
                let light = 1 - shade * (dx + dy) * inverseReach
                let index = (y * width + x) * 3
                for channel in 0..<3 {
                    let target = min(color[channel] * light, 255)
                    pixels[index + channel] += (target - pixels[index + channel]) * alpha
                }
            }
        }
    }

    private static func randomColor(_ random: inout SeededGenerator, brightness: ClosedRange<Float>) -> SIMD3<Float> {
        let level = random.float(brightness) * 255
        let tint = SIMD3<Float>(random.float(0.35...1), random.float(0.35...1), random.float(0.35...1))
        return tint * (level / max(tint.max(), 0.01))
    }

    /// A 32-bit integer mix (lowbias32), for per-pixel grain without a generator per pixel.
    private static func mix32(_ input: UInt32) -> UInt32 {
        var x = input
        x ^= x >> 16
        x &*= 0x7feb_352d
        x ^= x >> 15
        x &*= 0x846c_a68b
        x ^= x >> 16
        return x
    }
}

/// Smooth value noise in -1…1: random values on a grid, interpolated with smoothstep weights.
///
/// Column and row positions are computed once per image, so a lookup is two table reads and a
/// bilinear blend.
private struct ValueNoise {
    private let columns: Int
    private let lattice: [Float]
    private let cellX: [Int32]
    private let weightX: [Float]
    private let cellY: [Int32]
    private let weightY: [Float]

    init(width: Int, height: Int, cell: Int, random: inout SeededGenerator) {
        columns = width / cell + 2
        let rows = height / cell + 2
        lattice = (0..<columns * rows).map { _ in random.float(-1...1) }
        func axis(_ length: Int) -> ([Int32], [Float]) {
            var cells = [Int32](repeating: 0, count: length)
            var weights = [Float](repeating: 0, count: length)
            for position in 0..<length {
                let (index, remainder) = position.quotientAndRemainder(dividingBy: cell)
                let fraction = Float(remainder) / Float(cell)
                cells[position] = Int32(index)
                weights[position] = fraction * fraction * (3 - 2 * fraction)
            }
            return (cells, weights)
        }
        (cellX, weightX) = axis(width)
        (cellY, weightY) = axis(height)
    }

    @inline(__always)
    func value(x: Int, y: Int) -> Float {
        let column = Int(cellX[x]), row = Int(cellY[y])
        let top = row * columns + column
        let bottom = top + columns
        let wx = weightX[x], wy = weightY[y]
        let upper = lattice[top] + (lattice[top + 1] - lattice[top]) * wx
        let lower = lattice[bottom] + (lattice[bottom + 1] - lattice[bottom]) * wx
        return upper + (lower - upper) * wy
    }
}

// Foundation-free cosine and sine (a seeded picture needs no more than Float precision).
private func cosine(_ angle: Float) -> Float { sine(angle + 1.5707964) }

private func sine(_ angle: Float) -> Float {
    // Reduce to -π…π, then a 7th-order Taylor series around 0 after folding to -π/2…π/2.
    var x = angle.truncatingRemainder(dividingBy: 6.2831855)
    if x > 3.1415927 { x -= 6.2831855 } else if x < -3.1415927 { x += 6.2831855 }
    if x > 1.5707964 { x = 3.1415927 - x } else if x < -1.5707964 { x = -3.1415927 - x }
    let x2 = x * x
    return x * (1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42)))
}
