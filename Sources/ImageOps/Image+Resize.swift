import Dispatch
import ImageCore

/// How ``Image/resized(to:filter:options:)`` works.
public struct ResizeOptions: Hashable, Sendable {
    /// Filter in linear light (sRGB decoded to linear before, encoded after): gamma-correct
    /// averages, so thin bright lines and dark textures keep their brightness. Off by default, as
    /// in Pillow and libvips.
    public var linearLight: Bool
    /// Split the work across this many threads (row bands); 0 picks one band per core for large
    /// images and a single band for small ones.
    public var threads: Int
    /// For large reductions, first box-shrink by an integer factor so that the filter still
    /// reduces by at least this much (libvips's approach: most of the reduction at integer
    /// cost, the filter's quality for the rest); 0 turns it off. Default 2.
    public var minimumFilterReduction: Int

    /// Creates options.
    public init(linearLight: Bool = false, threads: Int = 0, minimumFilterReduction: Int = 2) {
        self.linearLight = linearLight
        self.threads = threads
        self.minimumFilterReduction = minimumFilterReduction
    }

    /// The box factor for reducing `source` to `target`: the largest integer that leaves the
    /// filter at least ``minimumFilterReduction`` on both axes (1: no box step).
    public func boxFactor(from source: ImageSize, to target: ImageSize) -> Int {
        guard minimumFilterReduction > 0, !linearLight else { return 1 }
        let reduction = min(Double(source.width) / Double(target.width), Double(source.height) / Double(target.height))
        return max(1, Int(reduction / Double(minimumFilterReduction)))
    }
}

extension Image {
    /// This image resampled to `size` with a separable filter.
    ///
    /// Color is filtered premultiplied by alpha, so fully transparent pixels contribute nothing,
    /// whatever color they hold (no dark or colored halos at edges). Works for every pixel
    /// format and returns the same format.
    ///
    /// ```swift
    /// let small = image.resized(to: ImageSize(width: 256, height: 192))
    /// ```
    ///
    /// - Complexity: O(w_out × h_in × taps_x + w_out × h_out × taps_y); memory beyond the output
    ///   is one input row and `taps_y` intermediate rows per thread.
    public func resized(to target: ImageSize, filter: ResamplingFilter = .lanczos3, options: ResizeOptions = ResizeOptions()) -> Image {
        resized(to: target, filter: filter, options: options, kernels: .best)
    }

    /// ``resized(to:filter:options:)`` with the row kernels of one tier (the tests compare them).
    func resized(to target: ImageSize, filter: ResamplingFilter, options: ResizeOptions, kernels: ResampleKernels) -> Image {
        precondition(target.width > 0 && target.height > 0, "resize target must be positive")
        if target == size && filter != .nearest { return self }
        let horizontal = ResamplingCoefficients(inputCount: size.width, outputCount: target.width, filter: filter)
        let vertical = ResamplingCoefficients(inputCount: size.height, outputCount: target.height, filter: filter)
        let work = target.width * (size.height * horizontal.tapCount + target.height * vertical.tapCount)
        let bands = options.threads > 0 ? options.threads : (work > 4_000_000 ? Processors.online : 1)
        let bandCount = max(1, min(bands, target.height))
        return Image(size: target, format: format) { (output: UnsafeMutableRawBufferPointer) in
            withUnsafeBytes { input in
                let resampler = Resampler(
                    input: input, inputSize: size, format: format, output: output, outputSize: target,
                    horizontal: horizontal, vertical: vertical, linearLight: options.linearLight, kernels: kernels
                )
                if bandCount == 1 {
                    resampler.run(rows: 0..<target.height)
                } else {
                    DispatchQueue.concurrentPerform(iterations: bandCount) { band in
                        let lower = target.height * band / bandCount
                        let upper = target.height * (band + 1) / bandCount
                        resampler.run(rows: lower..<upper)
                    }
                }
            }
        }
    }
}

/// One resize: the inputs and coefficients shared by every band, and the per-band loop.
struct Resampler: @unchecked Sendable {
    // @unchecked: bands write disjoint rows of `output` and only read everything else.
    let input: UnsafeRawBufferPointer
    let inputSize: ImageSize
    let format: PixelFormat
    let output: UnsafeMutableRawBufferPointer
    let outputSize: ImageSize
    let horizontal: ResamplingCoefficients
    let vertical: ResamplingCoefficients
    let linearLight: Bool
    let kernels: ResampleKernels

    /// Produces output rows `rows`: each needed input row is converted to premultiplied float and
    /// filtered horizontally once into a ring of `vertical.tapCount` rows; each output row is the
    /// vertical filter over that ring.
    func run(rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        let outputWidth = outputSize.width
        let ringSize = vertical.tapCount
        let inputRow = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: inputSize.width)
        let ring = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: ringSize * outputWidth)
        let accumulator = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: outputWidth)
        let ringRows = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: ringSize)
        defer {
            inputRow.deallocate()
            ring.deallocate()
            accumulator.deallocate()
            ringRows.deallocate()
        }
        let floats = { (pointer: UnsafeMutablePointer<SIMD4<Float>>) in UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Float.self) }
        // Which input row each ring slot holds (-1: none yet).
        var slotRow = [Int](repeating: -1, count: ringSize)
        horizontal.broadcastWeights.withUnsafeBufferPointer { horizontalWeights in
            horizontal.starts.withUnsafeBufferPointer { starts in
                vertical.weights.withUnsafeBufferPointer { verticalWeights in
                    let weights = UnsafeRawPointer(horizontalWeights.baseAddress!).assumingMemoryBound(to: Float.self)
                    for y in rows {
                        let start = vertical.starts[y]
                        for tap in 0..<ringSize {
                            let row = start + tap
                            let slot = row % ringSize
                            if slotRow[slot] != row {
                                loadRow(row, into: inputRow)
                                kernels.filterRow(
                                    floats(inputRow), floats(ring + slot * outputWidth), starts.baseAddress!, weights,
                                    Int32(horizontal.tapCount), Int32(outputWidth)
                                )
                                slotRow[slot] = row
                            }
                            ringRows[tap] = UnsafePointer(floats(ring + slot * outputWidth))
                        }
                        kernels.filterColumn(
                            floats(accumulator), ringRows, verticalWeights.baseAddress! + y * ringSize, Int32(ringSize), 4 * outputWidth
                        )
                        storeRow(y, from: accumulator)
                    }
                }
            }
        }
    }

    /// Converts input row `y` to premultiplied RGBA floats (0…255 scale), in linear light if asked.
    @inline(__always)
    func loadRow(_ y: Int, into row: UnsafeMutablePointer<SIMD4<Float>>) {
        let width = inputSize.width
        let stride = format.bytesPerPixel
        let pixels = input.baseAddress!.assumingMemoryBound(to: UInt8.self) + y * width * stride
        if linearLight {
            loadRowLinear(pixels, width: width, into: row)
            return
        }
        let floats = UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self)
        switch format {
        case .rgba8:
            kernels.loadRGBA8(pixels, floats, Int32(width))
        case .rgb8:
            kernels.loadRGB8(pixels, floats, Int32(width))
        case .grayAlpha8:
            for x in 0..<width {
                let p = pixels + x * 2
                let alpha = Float(p[1])
                let value = Float(p[0]) * alpha * (1 / 255)
                row[x] = SIMD4(value, value, value, alpha)
            }
        case .gray8:
            for x in 0..<width {
                let value = Float(pixels[x])
                row[x] = SIMD4(value, value, value, 255)
            }
        }
    }

    /// `loadRow` through the sRGB-to-linear table.
    func loadRowLinear(_ pixels: UnsafePointer<UInt8>, width: Int, into row: UnsafeMutablePointer<SIMD4<Float>>) {
        ColorTables.srgbToLinear.withUnsafeBufferPointer { table in
            let stride = format.bytesPerPixel
            for x in 0..<width {
                let p = pixels + x * stride
                let alpha: Float = format.hasAlpha ? Float(p[stride - 1]) : 255
                let scale = alpha * (1 / 255)
                if format.isGray {
                    let value = table[Int(p[0])] * scale
                    row[x] = SIMD4(value, value, value, alpha)
                } else {
                    row[x] = SIMD4(table[Int(p[0])] * scale, table[Int(p[1])] * scale, table[Int(p[2])] * scale, alpha)
                }
            }
        }
    }

    /// Un-premultiplies, rounds and clamps one accumulated row into the output format.
    ///
    /// Rounding costs one vector add per pixel (no `roundf` call, no trapping conversions):
    /// values are clamped to 0…255 first, so the narrowing to bytes is exact.
    @inline(__always)
    func storeRow(_ y: Int, from row: UnsafeMutablePointer<SIMD4<Float>>) {
        let width = outputSize.width
        let stride = format.bytesPerPixel
        let pixels = output.baseAddress!.assumingMemoryBound(to: UInt8.self) + y * width * stride
        if !linearLight && !format.isGray {
            // RGB and RGBA: the kernel (the same arithmetic as below).
            kernels.store(UnsafeRawPointer(row).assumingMemoryBound(to: Float.self), pixels, Int32(width), Int32(stride), format.hasAlpha ? 1 : 0)
            return
        }
        let zero = SIMD4<Float>(repeating: 0), top = SIMD4<Float>(repeating: 255)
        if format.hasAlpha || linearLight {
            for x in 0..<width {
                var value = row[x]
                let alpha = min(max(value.w, 0), 255)
                if format.hasAlpha {
                    // Back from premultiplied; a pixel that ends fully transparent gets color 0.
                    value *= alpha > 0.5 ? 255 / alpha : 0
                }
                if linearLight {
                    value = SIMD4(ColorTables.linearToSRGB(value.x), ColorTables.linearToSRGB(value.y), ColorTables.linearToSRGB(value.z), 0)
                }
                value.w = alpha
                row[x] = value
            }
        }
        // Adding 1.5 × 2^23 leaves round-to-nearest(value) in the low mantissa bits of a float in
        // [2^23, 2^24): reinterpreting the bits rounds four samples with one add, no conversion
        // calls (Swift's generic SIMD float-to-integer conversions go element by element).
        let magic = SIMD4<Float>(repeating: 12_582_912)
        for x in 0..<width {
            let clamped = row[x].clamped(lowerBound: zero, upperBound: top)
            let bits = unsafeBitCast(clamped + magic, to: SIMD4<UInt32>.self)
            let bytes = SIMD4<UInt8>(UInt8(truncatingIfNeeded: bits.x), UInt8(truncatingIfNeeded: bits.y), UInt8(truncatingIfNeeded: bits.z), UInt8(truncatingIfNeeded: bits.w))
            let p = pixels + x * stride
            switch stride {
            case 4:
                UnsafeMutableRawPointer(p).storeBytes(of: bytes, as: SIMD4<UInt8>.self)
            case 3:
                p[0] = bytes.x; p[1] = bytes.y; p[2] = bytes.z
            case 2:
                p[0] = bytes.x; p[1] = bytes.w
            default:
                p[0] = bytes.x
            }
        }
    }
}

/// sRGB transfer function tables for linear-light resampling.
enum ColorTables {
    /// sRGB byte → linear light on the same 0…255 scale.
    static let srgbToLinear: [Float] = (0..<256).map { value in
        let c = Double(value) / 255
        let linear = c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        return Float(linear * 255)
    }

    /// Linear light (0…255 scale) → sRGB value (0…255, unrounded, clamped).
    @inline(__always)
    static func linearToSRGB(_ value: Float) -> Float {
        let c = Double(min(max(value, 0), 255)) / 255
        let encoded = c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1 / 2.4) - 0.055
        return Float(encoded * 255)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
