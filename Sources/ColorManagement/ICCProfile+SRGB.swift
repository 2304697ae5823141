#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ImageCore

/// Recognising an sRGB profile from its tags, without LittleCMS.
///
/// Making a LittleCMS transform to test a profile takes about 2 ms (it builds and optimises a
/// lookup table), and most embedded profiles are sRGB: a camera's, a phone's, an editor's. An
/// RGB matrix/TRC profile whose colorants are sRGB's (D50-adapted, as every ICC profile stores
/// them) and whose three tone curves are sRGB's maps colours to themselves, so it is told from
/// its tags directly. Anything else (lookup-table tags, other curves or colorants, a malformed
/// tag) is left to the transform test.
extension ICCProfile {
    /// sRGB's colorants adapted to D50 (IEC 61966-2-1 primaries, Bradford), as sRGB profiles
    /// store them: red, green and blue X, Y, Z.
    private static let srgbColorants: [(tag: String, xyz: (Double, Double, Double))] = [
        ("rXYZ", (0.4361, 0.2225, 0.0139)), ("gXYZ", (0.3851, 0.7169, 0.0971)), ("bXYZ", (0.1431, 0.0606, 0.7141)),
    ]
    /// How far a colorant may be from sRGB's: sRGB profiles of different makers and versions
    /// differ by about 1e-4 (s15Fixed16 rounding, adaptation computed differently).
    private static let colorantTolerance = 0.0003
    /// How far a tone curve may take a level from itself, read back through sRGB's inverse curve.
    private static let curveTolerance = 0.25 / 255

    /// Whether this is an RGB matrix/TRC profile with sRGB's colorants and tone curves (then any
    /// intent but absolute colorimetric maps it to sRGB unchanged). `false` says nothing: the
    /// transform test (``ColorConversion/mapsToItself(_:)``) decides.
    public var isSRGBMatrixShaper: Bool {
        bytes.withUnsafeBytes { profile in
            guard profile.count >= 132, profile.matches("RGB ", at: 16), profile.matches("XYZ ", at: 20) else { return false }
            let count = Int(profile.uint32BigEndian(at: 128))
            guard count <= 100, 132 + count * 12 <= profile.count else { return false }
            var tags: [String: (offset: Int, size: Int)] = [:]
            for index in 0..<count {
                let entry = 132 + index * 12
                let offset = Int(profile.uint32BigEndian(at: entry + 4)), size = Int(profile.uint32BigEndian(at: entry + 8))
                guard offset + size <= profile.count, size >= 12 else { return false }
                tags[profile.fourCC(at: entry)] = (offset, size)
            }
            // Lookup-table tags take precedence over the matrix in LittleCMS: not judged here.
            if tags.keys.contains(where: { $0.hasPrefix("A2B") || $0.hasPrefix("D2B") }) { return false }
            for (tag, expected) in Self.srgbColorants {
                guard let place = tags[tag], place.size >= 20, profile.matches("XYZ ", at: place.offset) else { return false }
                let x = Self.s15Fixed16(profile, place.offset + 8), y = Self.s15Fixed16(profile, place.offset + 12), z = Self.s15Fixed16(profile, place.offset + 16)
                guard abs(x - expected.0) <= Self.colorantTolerance, abs(y - expected.1) <= Self.colorantTolerance,
                      abs(z - expected.2) <= Self.colorantTolerance else { return false }
            }
            return ["rTRC", "gTRC", "bTRC"].allSatisfy { tag in
                guard let place = tags[tag] else { return false }
                return Self.isSRGBCurve(profile, offset: place.offset, size: place.size)
            }
        }
    }

    /// sRGB's inverse tone curve (IEC 61966-2-1): linear light to sample value, both 0...1.
    private static func srgbFromLinear(_ value: Double) -> Double {
        value <= 0.0031308 ? value * 12.92 : 1.055 * pow(value, 1 / 2.4) - 0.055
    }

    /// Whether a `curv` or `para` tag is sRGB's tone curve: every level, taken to linear light by
    /// it and back by sRGB's inverse, lands within a quarter level of itself.
    private static func isSRGBCurve(_ profile: UnsafeRawBufferPointer, offset: Int, size: Int) -> Bool {
        let curve: (Double) -> Double
        switch profile.fourCC(at: offset) {
        case "curv":
            let entries = Int(profile.uint32BigEndian(at: offset + 8))
            guard entries >= 2, 12 + entries * 2 <= size else { return false }  // identity or a plain gamma: not sRGB
            curve = { value in
                let position = value * Double(entries - 1)
                let lower = min(Int(position), entries - 2)
                let a = Double(profile.uint16BigEndian(at: offset + 12 + lower * 2)), b = Double(profile.uint16BigEndian(at: offset + 14 + lower * 2))
                return (a + (b - a) * (position - Double(lower))) / 65535
            }
        case "para":
            let function = Int(profile.uint16BigEndian(at: offset + 8))
            let parameterCount = [1, 3, 4, 5, 7]
            guard function < parameterCount.count, 12 + parameterCount[function] * 4 <= size, function == 3 || function == 4 else { return false }
            let p = (0..<parameterCount[function]).map { s15Fixed16(profile, offset + 12 + $0 * 4) }
            let (g, a, b, c, d) = (p[0], p[1], p[2], p[3], p[4])
            let (e, f) = function == 4 ? (p[5], p[6]) : (0, 0)
            curve = { x in x >= d ? pow(a * x + b, g) + e : c * x + f }
        default:
            return false
        }
        return (0...255).allSatisfy { level in
            let x = Double(level) / 255
            let linear = curve(x)
            return linear.isFinite && linear >= 0 && abs(srgbFromLinear(linear) - x) <= curveTolerance
        }
    }

    private static func s15Fixed16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Double {
        Double(Int32(bitPattern: bytes.uint32BigEndian(at: offset))) / 65536
    }
}
