import ImageCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The largest difference of any sample between two images of the same size and format.
public func maxAbsoluteDifference(_ a: Image, _ b: Image) -> Int {
    let x = a.bytes, y = b.bytes
    precondition(x.count == y.count, "images of the same size and format")
    return zip(x, y).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

/// CIEDE2000 colour differences between the pixels of two RGB8 sRGB images: (mean, max).
/// Lab from sRGB under D65 (IEC 61966-2-1 transfer, its matrix, the CIE Lab formulas).
public func deltaE2000(_ a: Image, _ b: Image) -> (mean: Double, max: Double) {
    let x = a.converted(to: .rgb8).bytes, y = b.converted(to: .rgb8).bytes
    precondition(x.count == y.count, "images of the same size")
    var sum = 0.0, largest = 0.0
    for pixel in stride(from: 0, to: x.count, by: 3) {
        let difference = ciede2000(lab(x[pixel], x[pixel + 1], x[pixel + 2]), lab(y[pixel], y[pixel + 1], y[pixel + 2]))
        sum += difference
        largest = max(largest, difference)
    }
    return (sum / Double(x.count / 3), largest)
}

private func lab(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (Double, Double, Double) {
    func linear(_ v: UInt8) -> Double {
        let c = Double(v) / 255
        return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }
    let (lr, lg, lb) = (linear(r), linear(g), linear(b))
    let xyz = (
        0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb,
        0.2126729 * lr + 0.7151522 * lg + 0.0721750 * lb,
        0.0193339 * lr + 0.1191920 * lg + 0.9503041 * lb
    )
    func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
    let (fx, fy, fz) = (f(xyz.0 / 0.95047), f(xyz.1 / 1.0), f(xyz.2 / 1.08883))
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
}

/// CIEDE2000 (Sharma, Wu, Dalal 2005), kL = kC = kH = 1.
private func ciede2000(_ p: (Double, Double, Double), _ q: (Double, Double, Double)) -> Double {
    let (l1, a1, b1) = p, (l2, a2, b2) = q
    let c1 = (a1 * a1 + b1 * b1).squareRoot(), c2 = (a2 * a2 + b2 * b2).squareRoot()
    let cMean = (c1 + c2) / 2
    let g = 0.5 * (1 - (pow(cMean, 7) / (pow(cMean, 7) + pow(25, 7))).squareRoot())
    let a1p = (1 + g) * a1, a2p = (1 + g) * a2
    let c1p = (a1p * a1p + b1 * b1).squareRoot(), c2p = (a2p * a2p + b2 * b2).squareRoot()
    func hue(_ b: Double, _ a: Double) -> Double {
        if a == 0 && b == 0 { return 0 }
        let h = atan2(b, a) * 180 / .pi
        return h < 0 ? h + 360 : h
    }
    let h1p = hue(b1, a1p), h2p = hue(b2, a2p)
    let dLp = l2 - l1, dCp = c2p - c1p
    var dhp = 0.0
    if c1p * c2p != 0 {
        dhp = h2p - h1p
        if dhp > 180 { dhp -= 360 } else if dhp < -180 { dhp += 360 }
    }
    let dHp = 2 * (c1p * c2p).squareRoot() * sin(dhp / 2 * .pi / 180)
    let lMean = (l1 + l2) / 2, cpMean = (c1p + c2p) / 2
    var hMean = h1p + h2p
    if c1p * c2p != 0 {
        if abs(h1p - h2p) <= 180 { hMean = (h1p + h2p) / 2 }
        else if h1p + h2p < 360 { hMean = (h1p + h2p + 360) / 2 }
        else { hMean = (h1p + h2p - 360) / 2 }
    }
    let t = 1 - 0.17 * cos((hMean - 30) * .pi / 180) + 0.24 * cos(2 * hMean * .pi / 180)
        + 0.32 * cos((3 * hMean + 6) * .pi / 180) - 0.20 * cos((4 * hMean - 63) * .pi / 180)
    let dTheta = 30 * exp(-pow((hMean - 275) / 25, 2))
    let rc = 2 * (pow(cpMean, 7) / (pow(cpMean, 7) + pow(25, 7))).squareRoot()
    let sl = 1 + 0.015 * pow(lMean - 50, 2) / (20 + pow(lMean - 50, 2)).squareRoot()
    let sc = 1 + 0.045 * cpMean, sh = 1 + 0.015 * cpMean * t
    let rt = -sin(2 * dTheta * .pi / 180) * rc
    return (pow(dLp / sl, 2) + pow(dCp / sc, 2) + pow(dHp / sh, 2) + rt * (dCp / sc) * (dHp / sh)).squareRoot()
}
