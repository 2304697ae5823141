import ImageCore

/// Per-channel minimum, maximum and mean of an image, and what they say about it: whether it is
/// one flat color, and whether that color is black (what content filters send back instead of
/// the image asked for).
public struct ImageStatistics: Hashable, Sendable {
    /// The pixel layout the channels follow (`[R, G, B, A]` for RGBA8, `[Y]` for Gray8, …).
    public var format: PixelFormat
    /// Each channel's smallest value.
    public var minimum: [UInt8]
    /// Each channel's largest value.
    public var maximum: [UInt8]
    /// Each channel's mean value.
    public var mean: [Double]

    /// Whether every channel stays within `tolerance` of its minimum over the whole image.
    ///
    /// A generated image that is one color (black, gray, or fully transparent) carries no content.
    /// A tolerance of a few levels also catches a flat color with dithering or compression noise.
    public func isUniform(tolerance: UInt8 = 4) -> Bool {
        zip(minimum, maximum).allSatisfy { $1 &- $0 <= tolerance }
    }

    /// Whether the image is uniform and dark (every color channel at most `threshold`), or fully
    /// transparent: the blank result of a content filter.
    public func isBlank(tolerance: UInt8 = 4, threshold: UInt8 = 16) -> Bool {
        if format.hasAlpha, maximum[format.channelCount - 1] == 0 { return true }
        guard isUniform(tolerance: tolerance) else { return false }
        let colorChannels = format.hasAlpha ? format.channelCount - 1 : format.channelCount
        return maximum.prefix(colorChannels).allSatisfy { $0 <= threshold }
    }
}

extension Image {
    /// Whether the image is blank (see ``ImageStatistics/isBlank(tolerance:threshold:)``),
    /// answered without measuring it all: the scan stops at the first pixel that differs from
    /// the first one by more than `tolerance`, which for any real image is within its first row.
    ///
    /// - Complexity: O(pixels) only for images that are nearly flat; O(1) in practice otherwise.
    public func isBlank(tolerance: UInt8 = 4, threshold: UInt8 = 16) -> Bool {
        let channels = format.channelCount
        let flat = withUnsafeBytes { bytes -> Bool in
            guard bytes.count >= channels else { return true }
            for channel in 0..<channels {
                // Every value must lie within `tolerance` of the first pixel's on both sides for
                // the whole image to be uniform within `tolerance`.
                let reference = Int(bytes[channel])
                var offset = channel
                while offset < bytes.count {
                    if abs(Int(bytes[offset]) - reference) > Int(tolerance) { return false }
                    offset += channels
                }
            }
            return true
        }
        if flat { return statistics().isBlank(tolerance: tolerance, threshold: threshold) }
        // Not uniform: blank only if fully transparent.
        guard format.hasAlpha else { return false }
        return withUnsafeBytes { bytes in
            var offset = channels - 1
            while offset < bytes.count {
                if bytes[offset] != 0 { return false }
                offset += channels
            }
            return true
        }
    }

    /// Measures each channel's minimum, maximum and mean in one pass over the pixels.
    ///
    /// - Complexity: O(pixels), no allocation beyond the result; about a millisecond per
    ///   megapixel.
    public func statistics() -> ImageStatistics {
        let channels = format.channelCount
        var minimum = [UInt8](repeating: 255, count: 4)
        var maximum = [UInt8](repeating: 0, count: 4)
        var sums = [UInt64](repeating: 0, count: 4)
        withUnsafeBytes { bytes in
            // Rows are summed into 32-bit lanes (a row of at most 2^24 bytes cannot overflow them),
            // then folded into 64-bit totals.
            let rowBytes = self.rowBytes
            for row in 0..<size.height {
                var rowMinimum: SIMD4<UInt8> = .init(repeating: 255)
                var rowMaximum: SIMD4<UInt8> = .zero
                var rowSum: SIMD4<UInt32> = .zero
                let start = row * rowBytes
                var offset = start
                let end = start + rowBytes
                while offset < end {
                    var pixel = SIMD4<UInt8>.zero
                    for channel in 0..<channels { pixel[channel] = bytes[offset + channel] }
                    rowMinimum = pointwiseMin(rowMinimum, pixel)
                    rowMaximum = pointwiseMax(rowMaximum, pixel)
                    rowSum &+= SIMD4<UInt32>(truncatingIfNeeded: pixel)
                    offset += channels
                }
                for channel in 0..<channels {
                    minimum[channel] = Swift.min(minimum[channel], rowMinimum[channel])
                    maximum[channel] = Swift.max(maximum[channel], rowMaximum[channel])
                    sums[channel] += UInt64(rowSum[channel])
                }
            }
        }
        let pixels = Double(Swift.max(1, size.width * size.height))
        return ImageStatistics(
            format: format,
            minimum: Array(minimum.prefix(channels)),
            maximum: Array(maximum.prefix(channels)),
            mean: sums.prefix(channels).map { Double($0) / pixels }
        )
    }
}
