#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import PipelineCore

/// What `imagepipe info` reports for a JSON sidecar that `generate` wrote beside an image: the
/// provenance it records (prompt, provider, model, seed, sizes, digest, thumbnails).
///
/// Encoded (`info --json`), it is one object: `kind` (`"sidecar"`), `path`, and `provenance`,
/// the record with the sidecar's own keys.
public struct SidecarInfo: Sendable, Encodable {
    /// The path as given.
    public var path: String
    /// The record.
    public var provenance: Provenance

    /// Reads `body` as a sidecar: a JSON object of ``Provenance``'s keys whose `software` is
    /// imagepipe. Returns `nil` for anything else.
    public init?(path: String, body: [UInt8]) {
        guard let record = try? JSONDecoder().decode(Provenance.self, from: Data(body)),
              record.software.hasPrefix("imagepipe")
        else { return nil }
        self.path = path
        provenance = record
    }

    /// One line for people: `out/fox-1.json: imagepipe sidecar: “a red fox”, sandbox, png
    /// 1024x1024, 1058005 bytes, 1 thumbnail, written 2026-12-01T14:23:35Z by imagepipe 0.1.0`.
    public var summary: String {
        var parts = ["“\(ResponseImageInfo.oneLine(provenance.revisedPrompt ?? provenance.prompt, maximumLength: 60))”", provenance.provider]
        if let model = provenance.model { parts.append("model \(model)") }
        if let seed = provenance.seed { parts.append("seed \(seed)") }
        parts.append("\(provenance.format) \(provenance.outputSize)")
        if let requested = provenance.requestedSize, requested != provenance.actualSize {
            parts.append("requested \(requested), returned \(provenance.actualSize)")
        }
        parts.append("\(provenance.bytes) bytes")
        let thumbnails = provenance.thumbnails.count
        if thumbnails > 0 { parts.append(thumbnails == 1 ? "1 thumbnail" : "\(thumbnails) thumbnails") }
        parts.append("written \(provenance.writtenAt) by \(provenance.software)")
        return "\(path): imagepipe sidecar: " + parts.joined(separator: ", ")
    }

    private enum CodingKeys: String, CodingKey {
        case kind, path, provenance
    }

    /// Encodes the object described above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("sidecar", forKey: .kind)
        try container.encode(path, forKey: .path)
        try container.encode(provenance, forKey: .provenance)
    }
}
