import ImageCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Peak signal-to-noise ratio over all samples of two images of the same size and format, in dB
/// (infinite when they are equal).
public func psnr(_ a: Image, _ b: Image) -> Double {
    let x = a.bytes, y = b.bytes
    precondition(x.count == y.count, "PSNR needs images of the same size and format")
    var sum = 0.0
    for index in x.indices {
        let difference = Double(x[index]) - Double(y[index])
        sum += difference * difference
    }
    let meanSquare = sum / Double(x.count)
    return meanSquare == 0 ? .infinity : 10 * log10(255 * 255 / meanSquare)
}

/// PSNR of what is seen when composited: color × alpha, and alpha. For opaque formats it is the
/// plain ``psnr(_:_:)``. (Straight color under low alpha is ill-defined: Pillow keeps premultiplied
/// color in 8 bits, so dividing it back out at alpha 3 magnifies its rounding 85 times.)
public func compositedPSNR(_ a: Image, _ b: Image) -> Double {
    guard a.format.hasAlpha else { return psnr(a, b) }
    let x = a.converted(to: .rgba8).bytes, y = b.converted(to: .rgba8).bytes
    var sum = 0.0
    for pixel in stride(from: 0, to: x.count, by: 4) {
        for channel in 0..<3 {
            let difference = Double(x[pixel + channel]) * Double(x[pixel + 3]) / 255 - Double(y[pixel + channel]) * Double(y[pixel + 3]) / 255
            sum += difference * difference
        }
        let difference = Double(x[pixel + 3]) - Double(y[pixel + 3])
        sum += difference * difference
    }
    let meanSquare = sum / Double(x.count)
    return meanSquare == 0 ? .infinity : 10 * log10(255 * 255 / meanSquare)
}
