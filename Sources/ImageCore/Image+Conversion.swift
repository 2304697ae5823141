extension Image {
    /// Whether every pixel is fully opaque (always true for formats without alpha).
    ///
    /// - Complexity: O(n), stopping at the first transparent pixel.
    public var isOpaque: Bool {
        guard format.hasAlpha else { return true }
        let stride = format.bytesPerPixel
        return withUnsafeBytes { bytes in
            var index = stride - 1
            // Fold eight alphas at a time with AND so the loop has one branch per eight pixels.
            let count = bytes.count
            while index + 7 * stride < count {
                var folded: UInt8 = 0xFF
                for lane in 0..<8 { folded &= bytes[index + lane * stride] }
                if folded != 0xFF { return false }
                index += 8 * stride
            }
            while index < count {
                if bytes[index] != 0xFF { return false }
                index += stride
            }
            return true
        }
    }

    /// Whether every pixel has equal red, green and blue samples (always true for gray formats).
    ///
    /// - Complexity: O(n), stopping at the first colored pixel (usually among the first few).
    public var isGrayscale: Bool {
        guard !format.isGray else { return true }
        let stride = format.bytesPerPixel
        return withUnsafeBytes { bytes in
            var index = 0
            while index < bytes.count {
                let red = bytes[index]
                if bytes[index + 1] != red || bytes[index + 2] != red { return false }
                index += stride
            }
            return true
        }
    }

    /// This image's pixels in another format.
    ///
    /// Color to gray takes the red sample (use it when ``isGrayscale`` holds, or accept that
    /// loss); dropping alpha discards it without compositing; adding alpha makes pixels opaque.
    ///
    /// - Complexity: O(n); returns `self` unchanged (no copy) when `format` is the same.
    public func converted(to target: PixelFormat) -> Image {
        if target == format { return self }
        let sourceStride = format.bytesPerPixel, targetStride = target.bytesPerPixel
        let sourceAlpha = format.hasAlpha, targetAlpha = target.hasAlpha
        let sourceGray = format.isGray, targetGray = target.isGray
        return Image(size: size, format: target) { (output: UnsafeMutableRawBufferPointer) in
            withUnsafeBytes { input in
                let pixels = size.width * size.height
                var source = 0, destination = 0
                for _ in 0..<pixels {
                    let red = input[source]
                    if targetGray {
                        output[destination] = red
                    } else if sourceGray {
                        output[destination] = red
                        output[destination + 1] = red
                        output[destination + 2] = red
                    } else {
                        output[destination] = red
                        output[destination + 1] = input[source + 1]
                        output[destination + 2] = input[source + 2]
                    }
                    if targetAlpha {
                        output[destination + targetStride - 1] = sourceAlpha ? input[source + sourceStride - 1] : 0xFF
                    }
                    source += sourceStride
                    destination += targetStride
                }
            }
        }
    }
}
