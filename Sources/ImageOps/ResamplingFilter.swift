/// A reconstruction filter for resampling.
///
/// Each filter is a kernel k(x) with a support (k is 0 beyond it). When reducing by a factor s,
/// the kernel is stretched by s, so every output pixel averages the input it covers.
public enum ResamplingFilter: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Lanczos, a = 3: sharpest, slight ringing; the default, as in libvips and Pillow's `LANCZOS`.
    case lanczos3
    /// Mitchell–Netravali (B = C = 1/3): softer, almost no ringing.
    case mitchell
    /// Catmull–Rom (B = 0, C = 1/2): sharper than Mitchell.
    case catmullRom
    /// Linear interpolation (triangle kernel).
    case bilinear
    /// Box: the mean of the covered pixels.
    case box
    /// Nearest neighbour: no filtering.
    case nearest

    /// How far the kernel reaches, in input pixels at scale 1.
    public var support: Double {
        switch self {
        case .lanczos3: 3
        case .mitchell, .catmullRom: 2
        case .bilinear: 1
        case .box, .nearest: 0.5
        }
    }

    /// The kernel's value at distance `x` (in input pixels at scale 1).
    public func weight(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .lanczos3:
            guard x < 3 else { return 0 }
            return sinc(x) * sinc(x / 3)
        case .mitchell:
            return cubic(x, b: 1.0 / 3, c: 1.0 / 3)
        case .catmullRom:
            return cubic(x, b: 0, c: 0.5)
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .box, .nearest:
            // Half-open, so a sample exactly between two pixels goes to one of them only.
            return x < 0.5 ? 1 : (x == 0.5 ? 1 : 0)
        }
    }

    private func sinc(_ x: Double) -> Double {
        guard x != 0 else { return 1 }
        let pix = Double.pi * x
        return sin(pix) / pix
    }

    /// The Mitchell–Netravali family of cubics.
    private func cubic(_ x: Double, b: Double, c: Double) -> Double {
        if x < 1 {
            return ((12 - 9 * b - 6 * c) * x * x * x + (-18 + 12 * b + 6 * c) * x * x + (6 - 2 * b)) / 6
        }
        if x < 2 {
            return ((-b - 6 * c) * x * x * x + (6 * b + 30 * c) * x * x + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6
        }
        return 0
    }

    /// `lanczos3`, `mitchell`, …
    public var description: String { rawValue }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
