import ImageCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ThumbHash: an image placeholder of about 25 bytes that decodes to a blurred 32-pixel preview
/// with the image's colors, aspect ratio and alpha (Evan Wallace's design,
/// https://evanw.github.io/thumbhash/).
///
/// The image (at most 100×100) is turned into luminance, two color-difference channels and
/// alpha; each is reduced to a few low-frequency cosine (DCT) coefficients, quantised to 4 bits,
/// behind a 5-byte header holding the averages, the scales and the aspect. This is an
/// independent implementation of the published algorithm, checked against the reference hashes
/// in the tests.
///
/// ```swift
/// let small = image.resized(to: ThumbHash.encodingSize(for: image.size))
/// let hash = ThumbHash.encode(small)          // [UInt8], 20–25 bytes
/// let preview = ThumbHash.decode(hash)        // a 32-pixel RGBA8 image
/// ```
public enum ThumbHash {
    /// The largest edge ``encode(_:)`` accepts.
    public static let maximumEdge = 100

    /// The size to shrink an image of `size` to before encoding: the aspect kept, the longer
    /// edge at most ``maximumEdge``, never enlarged.
    public static func encodingSize(for size: ImageSize) -> ImageSize {
        let longer = max(size.width, size.height)
        guard longer > maximumEdge else { return size }
        let scale = Double(maximumEdge) / Double(longer)
        return ImageSize(
            width: max(1, min(maximumEdge, Int((Double(size.width) * scale).rounded()))),
            height: max(1, min(maximumEdge, Int((Double(size.height) * scale).rounded())))
        )
    }

    /// The hash of an image at most ``maximumEdge`` pixels on each side (shrink it first with
    /// ``encodingSize(for:)``).
    ///
    /// - Complexity: O(pixels × coefficients), about 0.1 ms for 100×100.
    public static func encode(_ image: Image) -> [UInt8] {
        let width = image.size.width, height = image.size.height
        precondition(width <= maximumEdge && height <= maximumEdge, "ThumbHash encodes images up to 100x100; shrink first")
        let rgba = image.format == .rgba8 ? image : image.converted(to: .rgba8)
        let count = width * height
        var red = [Double](repeating: 0, count: count), green = red, blue = red, alpha = red
        rgba.withUnsafeBytes { pixels in
            for index in 0..<count {
                red[index] = Double(pixels[index * 4]) / 255
                green[index] = Double(pixels[index * 4 + 1]) / 255
                blue[index] = Double(pixels[index * 4 + 2]) / 255
                alpha[index] = Double(pixels[index * 4 + 3]) / 255
            }
        }
        // The average color, weighted by alpha.
        var averageRed = 0.0, averageGreen = 0.0, averageBlue = 0.0, averageAlpha = 0.0
        for index in 0..<count {
            averageRed += alpha[index] * red[index]
            averageGreen += alpha[index] * green[index]
            averageBlue += alpha[index] * blue[index]
            averageAlpha += alpha[index]
        }
        if averageAlpha > 0 {
            averageRed /= averageAlpha
            averageGreen /= averageAlpha
            averageBlue /= averageAlpha
        }
        let hasAlpha = averageAlpha < Double(count)
        // Fewer luminance coefficients when alpha needs room.
        let luminanceLimit = hasAlpha ? 5.0 : 7.0
        let longer = Double(max(width, height))
        let luminanceX = max(1, Int(roundHalfUp(luminanceLimit * Double(width) / longer)))
        let luminanceY = max(1, Int(roundHalfUp(luminanceLimit * Double(height) / longer)))

        // RGBA to LPQA, composited over the average color.
        var luminance = [Double](repeating: 0, count: count), yellowBlue = luminance, redGreen = luminance
        for index in 0..<count {
            let a = alpha[index]
            let r = averageRed * (1 - a) + a * red[index]
            let g = averageGreen * (1 - a) + a * green[index]
            let b = averageBlue * (1 - a) + a * blue[index]
            luminance[index] = (r + g + b) / 3
            yellowBlue[index] = (r + g) / 2 - b
            redGreen[index] = r - g
        }

        let l = encodeChannel(luminance, width: width, height: height, nx: max(3, luminanceX), ny: max(3, luminanceY))
        let p = encodeChannel(yellowBlue, width: width, height: height, nx: 3, ny: 3)
        let q = encodeChannel(redGreen, width: width, height: height, nx: 3, ny: 3)
        let a = hasAlpha ? encodeChannel(alpha, width: width, height: height, nx: 5, ny: 5) : nil

        let isLandscape = width > height
        let header24 = Int(roundHalfUp(63 * l.dc))
            | (Int(roundHalfUp(31.5 + 31.5 * p.dc)) << 6)
            | (Int(roundHalfUp(31.5 + 31.5 * q.dc)) << 12)
            | (Int(roundHalfUp(31 * l.scale)) << 18)
            | ((hasAlpha ? 1 : 0) << 23)
        let header16 = (isLandscape ? luminanceY : luminanceX)
            | (Int(roundHalfUp(63 * p.scale)) << 3)
            | (Int(roundHalfUp(63 * q.scale)) << 9)
            | ((isLandscape ? 1 : 0) << 15)
        var hash: [UInt8] = [
            UInt8(header24 & 255), UInt8((header24 >> 8) & 255), UInt8(header24 >> 16),
            UInt8(header16 & 255), UInt8(header16 >> 8),
        ]
        if let a {
            hash.append(UInt8(Int(roundHalfUp(15 * a.dc)) | (Int(roundHalfUp(15 * a.scale)) << 4)))
        }
        let start = hash.count
        var acIndex = 0
        for channel in [l, p, q] + (a.map { [$0] } ?? []) {
            for factor in channel.ac {
                let nibble = UInt8(Int(roundHalfUp(15 * factor)) & 15)
                if start + acIndex / 2 >= hash.count { hash.append(0) }
                hash[start + acIndex / 2] |= nibble << ((acIndex & 1) * 4)
                acIndex += 1
            }
        }
        return hash
    }

    /// The average color of a hash as RGBA in 0…1.
    public static func averageColor(of hash: [UInt8]) -> (red: Double, green: Double, blue: Double, alpha: Double)? {
        guard hash.count >= 5 else { return nil }
        let header = Int(hash[0]) | (Int(hash[1]) << 8) | (Int(hash[2]) << 16)
        let l = Double(header & 63) / 63
        let p = Double((header >> 6) & 63) / 31.5 - 1
        let q = Double((header >> 12) & 63) / 31.5 - 1
        let hasAlpha = (header >> 23) != 0
        guard !hasAlpha || hash.count >= 6 else { return nil }
        let a = hasAlpha ? Double(hash[5] & 15) / 15 : 1
        let b = l - 2.0 / 3.0 * p
        let r = (3 * l - b + q) / 2
        let g = r - q
        return (clamp(r), clamp(g), clamp(b), a)
    }

    /// The width ÷ height of the image a hash was made from, to about a seventh.
    public static func approximateAspectRatio(of hash: [UInt8]) -> Double? {
        guard hash.count >= 5 else { return nil }
        let (luminanceX, luminanceY) = luminanceCounts(hash)
        return Double(luminanceX) / Double(luminanceY)
    }

    /// The placeholder a hash stands for: an RGBA8 image whose longer edge is 32 pixels.
    ///
    /// - Returns: `nil` when `hash` is too short to be a ThumbHash.
    public static func decode(_ hash: [UInt8]) -> Image? {
        guard hash.count >= 5 else { return nil }
        let header24 = Int(hash[0]) | (Int(hash[1]) << 8) | (Int(hash[2]) << 16)
        let header16 = Int(hash[3]) | (Int(hash[4]) << 8)
        let lDC = Double(header24 & 63) / 63
        let pDC = Double((header24 >> 6) & 63) / 31.5 - 1
        let qDC = Double((header24 >> 12) & 63) / 31.5 - 1
        let lScale = Double((header24 >> 18) & 31) / 31
        let hasAlpha = (header24 >> 23) != 0
        let pScale = Double((header16 >> 3) & 63) / 63
        let qScale = Double((header16 >> 9) & 63) / 63
        let isLandscape = (header16 >> 15) != 0
        let lx = max(3, isLandscape ? (hasAlpha ? 5 : 7) : header16 & 7)
        let ly = max(3, isLandscape ? header16 & 7 : (hasAlpha ? 5 : 7))
        guard !hasAlpha || hash.count >= 6 else { return nil }
        let aDC = hasAlpha ? Double(hash[5] & 15) / 15 : 1
        let aScale = hasAlpha ? Double(hash[5] >> 4) / 15 : 0

        let start = hasAlpha ? 6 : 5
        var acIndex = 0
        var truncated = false
        func decodeChannel(nx: Int, ny: Int, scale: Double) -> [Double] {
            var ac: [Double] = []
            for cy in 0..<ny {
                var cx = cy > 0 ? 0 : 1
                while cx * ny < nx * (ny - cy) {
                    let byte = start + acIndex / 2
                    let nibble = byte < hash.count ? (Int(hash[byte]) >> ((acIndex & 1) * 4)) & 15 : 0
                    if byte >= hash.count { truncated = true }
                    ac.append((Double(nibble) / 7.5 - 1) * scale)
                    acIndex += 1
                    cx += 1
                }
            }
            return ac
        }
        let lAC = decodeChannel(nx: lx, ny: ly, scale: lScale)
        // Saturation boosted by 1.25 against the loss in quantisation, as the reference does.
        let pAC = decodeChannel(nx: 3, ny: 3, scale: pScale * 1.25)
        let qAC = decodeChannel(nx: 3, ny: 3, scale: qScale * 1.25)
        let aAC = hasAlpha ? decodeChannel(nx: 5, ny: 5, scale: aScale) : []
        guard !truncated else { return nil }

        let (ratioX, ratioY) = luminanceCounts(hash)
        let ratio = Double(ratioX) / Double(ratioY)
        let width = Int(roundHalfUp(ratio > 1 ? 32 : 32 * ratio))
        let height = Int(roundHalfUp(ratio > 1 ? 32 / ratio : 32))
        let size = ImageSize(width: max(1, width), height: max(1, height))
        let columns = max(lx, hasAlpha ? 5 : 3), rows = max(ly, hasAlpha ? 5 : 3)
        return Image(size: size, format: .rgba8) { (output: UnsafeMutableRawBufferPointer) in
            var fx = [Double](repeating: 0, count: columns), fy = [Double](repeating: 0, count: rows)
            var offset = 0
            for y in 0..<size.height {
                for cy in 0..<rows { fy[cy] = cos(Double.pi / Double(size.height) * (Double(y) + 0.5) * Double(cy)) }
                for x in 0..<size.width {
                    for cx in 0..<columns { fx[cx] = cos(Double.pi / Double(size.width) * (Double(x) + 0.5) * Double(cx)) }
                    var l = lDC, p = pDC, q = qDC, a = aDC
                    var j = 0
                    for cy in 0..<ly {
                        var cx = cy > 0 ? 0 : 1
                        let fy2 = fy[cy] * 2
                        while cx * ly < lx * (ly - cy) {
                            l += lAC[j] * fx[cx] * fy2
                            j += 1
                            cx += 1
                        }
                    }
                    j = 0
                    for cy in 0..<3 {
                        var cx = cy > 0 ? 0 : 1
                        let fy2 = fy[cy] * 2
                        while cx < 3 - cy {
                            let f = fx[cx] * fy2
                            p += pAC[j] * f
                            q += qAC[j] * f
                            j += 1
                            cx += 1
                        }
                    }
                    if hasAlpha {
                        j = 0
                        for cy in 0..<5 {
                            var cx = cy > 0 ? 0 : 1
                            let fy2 = fy[cy] * 2
                            while cx < 5 - cy {
                                a += aAC[j] * fx[cx] * fy2
                                j += 1
                                cx += 1
                            }
                        }
                    }
                    let b = l - 2.0 / 3.0 * p
                    let r = (3 * l - b + q) / 2
                    let g = r - q
                    // Truncation toward zero, as a store into the reference's Uint8Array.
                    output[offset] = UInt8(255 * clamp(r))
                    output[offset + 1] = UInt8(255 * clamp(g))
                    output[offset + 2] = UInt8(255 * clamp(b))
                    output[offset + 3] = UInt8(255 * clamp(a))
                    offset += 4
                }
            }
        }
    }

    private static func luminanceCounts(_ hash: [UInt8]) -> (Int, Int) {
        let hasAlpha = hash[2] & 0x80 != 0
        let isLandscape = hash[4] & 0x80 != 0
        let counted = Int(hash[3] & 7)
        let lx = isLandscape ? (hasAlpha ? 5 : 7) : counted
        let ly = isLandscape ? counted : (hasAlpha ? 5 : 7)
        return (max(1, lx), max(1, ly))
    }

    /// One channel's DCT: the constant term, the other terms scaled into 0…1, and their scale.
    private static func encodeChannel(_ channel: [Double], width: Int, height: Int, nx: Int, ny: Int) -> (dc: Double, ac: [Double], scale: Double) {
        var dc = 0.0, ac: [Double] = [], scale = 0.0
        var fx = [Double](repeating: 0, count: width)
        for cy in 0..<ny {
            var cx = 0
            while cx * ny < nx * (ny - cy) {
                for x in 0..<width { fx[x] = cos(Double.pi / Double(width) * Double(cx) * (Double(x) + 0.5)) }
                var f = 0.0
                for y in 0..<height {
                    let fy = cos(Double.pi / Double(height) * Double(cy) * (Double(y) + 0.5))
                    for x in 0..<width { f += channel[x + y * width] * fx[x] * fy }
                }
                f /= Double(width * height)
                if cx > 0 || cy > 0 {
                    ac.append(f)
                    scale = max(scale, abs(f))
                } else {
                    dc = f
                }
                cx += 1
            }
        }
        if scale > 0 {
            for index in ac.indices { ac[index] = 0.5 + 0.5 / scale * ac[index] }
        }
        return (dc, ac, scale)
    }

    /// JavaScript's `Math.round`, which the reference uses (halves go up, also below zero).
    private static func roundHalfUp(_ value: Double) -> Double { (value + 0.5).rounded(.down) }

    private static func clamp(_ value: Double) -> Double { min(1, max(0, value)) }
}
