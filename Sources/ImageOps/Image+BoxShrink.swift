import ImageCore

extension Image {
    /// This image reduced by an integer factor with a box filter: each output pixel is the mean of
    /// a `factor × factor` block (blocks at the right and bottom edges may be partial).
    ///
    /// Color is averaged weighted by alpha (premultiplied), so transparent pixels add no color.
    /// Integer arithmetic: the cheap first step of a large reduction, as in libvips.
    ///
    /// - Complexity: O(input pixels); one row of 32-bit sums as scratch.
    public func boxShrunk(by factor: Int) -> Image {
        precondition(factor >= 1, "shrink factor must be at least 1")
        guard factor > 1 else { return self }
        // Halving an opaque image (the common step before a 256 thumbnail of a 1024 image) has
        // its own loop: integer means of 2×2 blocks, the same values as the general code.
        if factor == 2 && !format.hasAlpha { return halvedOpaque() }
        return boxShrunkGeneral(by: factor)
    }

    /// ``boxShrunk(by:)`` for any factor and format: vertical sums per band, then horizontal.
    func boxShrunkGeneral(by factor: Int) -> Image {
        let target = ImageSize(width: (size.width + factor - 1) / factor, height: (size.height + factor - 1) / factor)
        let channels = format.bytesPerPixel
        let hasAlpha = format.hasAlpha
        let width = size.width, height = size.height
        return Image(size: target, format: format) { (output: UnsafeMutableRawBufferPointer) in
            withUnsafeBytes { input in
                let source = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let destination = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
                // Vertical sums of one band of `factor` rows, per input sample. With alpha, color
                // samples hold Σ color × alpha and the alpha sample Σ alpha.
                let columnSums = UnsafeMutablePointer<UInt32>.allocate(capacity: width * channels)
                defer { columnSums.deallocate() }
                let rowLength = width * channels
                for outputY in 0..<target.height {
                    columnSums.initialize(repeating: 0, count: rowLength)
                    let firstRow = outputY * factor, lastRow = min(height, firstRow + factor)
                    for y in firstRow..<lastRow {
                        let row = source + y * rowLength
                        switch (channels, hasAlpha) {
                        case (4, true):
                            for x in 0..<width {
                                let pixel = row + x * 4, sums = columnSums + x * 4
                                let alpha = UInt32(pixel[3])
                                sums[0] &+= UInt32(pixel[0]) &* alpha
                                sums[1] &+= UInt32(pixel[1]) &* alpha
                                sums[2] &+= UInt32(pixel[2]) &* alpha
                                sums[3] &+= alpha
                            }
                        case (2, true):
                            for x in 0..<width {
                                let alpha = UInt32(row[x * 2 + 1])
                                columnSums[x * 2] &+= UInt32(row[x * 2]) &* alpha
                                columnSums[x * 2 + 1] &+= alpha
                            }
                        default:
                            // Opaque formats: a straight sum, which the compiler vectorises.
                            for index in 0..<rowLength { columnSums[index] &+= UInt32(row[index]) }
                        }
                    }
                    let rows = UInt32(lastRow - firstRow)
                    var out = destination + outputY * target.width * channels
                    for column in 0..<target.width {
                        let firstColumn = column * factor, lastColumn = min(width, firstColumn + factor)
                        var totals = SIMD4<UInt32>(repeating: 0)
                        switch channels {
                        case 4:
                            for x in firstColumn..<lastColumn {
                                totals &+= UnsafeRawPointer(columnSums + x * 4).loadUnaligned(as: SIMD4<UInt32>.self)
                            }
                        case 3:
                            for x in firstColumn..<lastColumn {
                                let sums = columnSums + x * 3
                                totals &+= SIMD4(sums[0], sums[1], sums[2], 0)
                            }
                        default:
                            for x in firstColumn..<lastColumn {
                                let sums = columnSums + x * channels
                                for channel in 0..<channels { totals[channel] &+= sums[channel] }
                            }
                        }
                        // Means by reciprocal multiplication (integer division costs tens of cycles);
                        // Float's 24-bit precision keeps the error far below half a unit.
                        let count = Float(rows * UInt32(lastColumn - firstColumn))
                        if hasAlpha {
                            let alphaSum = Float(totals[channels - 1])
                            out[channels - 1] = UInt8(alphaSum / count + 0.5)
                            let scale: Float = alphaSum > 0 ? 1 / alphaSum : 0
                            for channel in 0..<(channels - 1) {
                                out[channel] = UInt8(min(255, Float(totals[channel]) * scale + 0.5))
                            }
                        } else {
                            let scale = 1 / count
                            for channel in 0..<channels { out[channel] = UInt8(Float(totals[channel]) * scale + 0.5) }
                        }
                        out += channels
                    }
                }
            }
        }
    }

    /// An opaque image halved: each output sample is the rounded mean of its 2×2 block
    /// (`(sum + 2) >> 2`; at an odd right or bottom edge the block's last row or column counts
    /// twice, which gives the rounded mean of the partial block, as the general code does).
    func halvedOpaque() -> Image {
        precondition(!format.hasAlpha, "halvedOpaque is for formats without alpha")
        let channels = format.bytesPerPixel
        let width = size.width, height = size.height
        let target = ImageSize(width: (width + 1) / 2, height: (height + 1) / 2)
        let rowLength = width * channels, fullColumns = width / 2
        return Image(size: target, format: format) { (output: UnsafeMutableRawBufferPointer) in
            withUnsafeBytes { input in
                let source = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let destination = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
                for outputY in 0..<target.height {
                    let top = source + 2 * outputY * rowLength
                    let bottom = 2 * outputY + 1 < height ? top + rowLength : top
                    let out = destination + outputY * target.width * channels
                    func mean(_ first: Int, _ second: Int) -> UInt8 {
                        let sum = UInt16(top[first]) &+ UInt16(top[second]) &+ UInt16(bottom[first]) &+ UInt16(bottom[second])
                        return UInt8(truncatingIfNeeded: (sum &+ 2) >> 2)
                    }
                    // RGB, the common case, spelt out; every other channel count in one loop.
                    switch channels {
                    case 3:
                        for x in 0..<fullColumns {
                            let left = 6 * x, o = 3 * x
                            out[o] = mean(left, left + 3)
                            out[o + 1] = mean(left + 1, left + 4)
                            out[o + 2] = mean(left + 2, left + 5)
                        }
                    default:
                        for x in 0..<fullColumns {
                            for channel in 0..<channels {
                                out[x * channels + channel] = mean(2 * x * channels + channel, (2 * x + 1) * channels + channel)
                            }
                        }
                    }
                    if width % 2 == 1 {
                        let last = (width - 1) * channels
                        for channel in 0..<channels {
                            out[fullColumns * channels + channel] = mean(last + channel, last + channel)
                        }
                    }
                }
            }
        }
    }
}
