#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON imagepipe writes everywhere (sidecars, manifests, `--json` lines, reports): keys
/// sorted, so that the same value gives the same bytes on every run and diffs stay small, and `/`
/// left unescaped, so that paths and URLs read as written.
public enum StableJSON {
    /// `value` as JSON bytes, on one line or pretty-printed.
    public static func encode(_ value: some Encodable, pretty: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// `value` as one line of JSON text (a `--json` line).
    public static func line(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}
