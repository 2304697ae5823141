internal import CBase64Kernels

/// Which kernel decodes the clean stretches of the input.
///
/// Every tier gives the same output and the same errors; they differ only in speed. A
/// ``Base64Decoder`` uses ``best`` unless told otherwise; forcing a tier is meant for tests and
/// benchmarks.
public struct Base64Tier: Hashable, Sendable, Comparable, CustomStringConvertible {
    internal enum Kind: Int, Hashable, Sendable {
        case portable = 0
        case avx2 = 1
        case avx512VBMI = 2
    }

    internal let kind: Kind

    /// Table-driven Swift, 8 characters per step; runs on every CPU.
    public static let portable = Base64Tier(kind: .portable)

    /// AVX2 kernel, 32 characters per step (x86-64 with AVX2).
    public static let avx2 = Base64Tier(kind: .avx2)

    /// AVX-512 VBMI kernel, 64 characters per step (x86-64 with AVX-512 F, BW and VBMI).
    public static let avx512VBMI = Base64Tier(kind: .avx512VBMI)

    /// Every tier, fastest last, whether or not this CPU runs it.
    public static let allCases: [Base64Tier] = [.portable, .avx2, .avx512VBMI]

    /// The fastest tier this CPU runs, found once per process.
    public static let best = Base64Tier(kind: Kind(rawValue: Int(ipb64_best_tier())) ?? .portable)

    /// The tiers this CPU runs, fastest last.
    public static var available: [Base64Tier] { allCases.filter { $0 <= best } }

    /// Whether this CPU runs this tier.
    public var isAvailable: Bool { self <= Base64Tier.best }

    /// `portable`, `avx2` or `avx512VBMI`.
    public var description: String {
        switch kind {
        case .portable: "portable"
        case .avx2: "avx2"
        case .avx512VBMI: "avx512VBMI"
        }
    }

    /// Orders tiers from slowest to fastest.
    public static func < (lhs: Base64Tier, rhs: Base64Tier) -> Bool {
        lhs.kind.rawValue < rhs.kind.rawValue
    }
}
