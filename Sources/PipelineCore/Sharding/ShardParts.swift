#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts a sharded run leaves in a folder of its output (`manifest.d/`, `results.d/`), one
/// per shard, named `part-I-of-N.EXT`, and how they are joined.
public enum ShardParts {
    /// Every part under `prefix`, checked to be one whole split: all of one count, none missing.
    ///
    /// - Returns: the parts' keys, by shard index (as many as there are shards).
    /// - Throws: ``PipelineError`` with `.invalidOptions` naming what is missing or mixed.
    public static func complete(in storage: any Storage, under prefix: String) async throws(PipelineError) -> [String] {
        var parts: [(index: Int, count: Int, key: String)] = []
        for entry in try await storage.list(under: prefix).entries {
            guard let (index, count) = Shard.parsePartName(StorageKey.name(of: entry.key)) else { continue }
            parts.append((index, count, entry.key))
        }
        let folder = storage.path(of: prefix)
        guard !parts.isEmpty else {
            throw PipelineError(.invalidOptions, path: folder, "no parts (part-I-of-N) to merge: run the shards first")
        }
        let counts = Set(parts.map(\.count))
        guard counts.count == 1, let count = counts.first else {
            throw PipelineError(.invalidOptions, path: folder, "parts of different shard counts (\(counts.sorted().map(String.init).joined(separator: ", "))): remove the parts of the old split")
        }
        let present = Set(parts.map(\.index))
        let missing = (0..<count).filter { !present.contains($0) }
        guard missing.isEmpty else {
            let names = missing.prefix(8).map { String($0) }.joined(separator: ", ") + (missing.count > 8 ? ", …" : "")
            throw PipelineError(.invalidOptions, path: folder, "\(missing.count) of \(count) parts missing (shards \(names)): run them, then merge")
        }
        return parts.sorted { $0.index < $1.index }.map(\.key)
    }
}

/// A sharded batch's results (`generate --prompt-file`, `convert`): each shard writes its lines,
/// one JSON object each with a `key` (the item's shard key), to `results.d/part-I-of-N.jsonl`;
/// ``merge(in:)`` joins them into `results.jsonl`, sorted by key.
public enum ResultParts {
    /// The parts' folder.
    public static let prefix = "results.d"
    /// The merged file.
    public static let mergedKey = "results.jsonl"

    /// Where `shard`'s part goes.
    public static func partKey(for shard: Shard) -> String {
        StorageKey.join(prefix, shard.partName(extension: "jsonl"))
    }

    /// Writes a shard's lines (replacing its part from an earlier attempt), atomically.
    public static func write(_ lines: [String], shard: Shard, to storage: any Storage) async throws(PipelineError) {
        // What a killed attempt of this shard (or another) left half-written.
        _ = await storage.removeAbandonedWrites(under: prefix)
        try await storage.write(Array(lines.map { $0 + "\n" }.joined().utf8), to: partKey(for: shard))
    }

    /// Joins every part into `results.jsonl`, each line once, sorted by its `key`.
    ///
    /// - Returns: the parts and lines merged.
    /// - Throws: ``PipelineError`` with `.invalidOptions` for a missing or mixed part, a line
    ///   without a key, or a key in two parts.
    public static func merge(in storage: any Storage) async throws(PipelineError) -> (parts: Int, lines: Int) {
        struct Keyed: Decodable { var key: String }
        let keys = try await ShardParts.complete(in: storage, under: prefix)
        var lines: [(key: String, line: Substring)] = []
        var owner: [String: String] = [:]
        for partKey in keys {
            let text = String(decoding: try await storage.read(partKey, maxBytes: 1 << 30), as: UTF8.self)
            for (number, line) in text.split(separator: "\n").enumerated() {
                guard let keyed = try? JSONDecoder().decode(Keyed.self, from: Data(line.utf8)) else {
                    throw PipelineError(.invalidOptions, path: storage.path(of: partKey), "line \(number + 1) is not a JSON object with a key")
                }
                if let other = owner[keyed.key], other != partKey {
                    throw PipelineError(.invalidOptions, path: storage.path(of: partKey), "\(keyed.key.debugDescription) is in \(StorageKey.name(of: other)) too")
                }
                owner[keyed.key] = partKey
                lines.append((keyed.key, line))
            }
        }
        // Stable: one item's several lines (its images) keep their order.
        let sorted = lines.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element.line)
        try await storage.write(Array(sorted.map { $0 + "\n" }.joined().utf8), to: mergedKey)
        return (keys.count, lines.count)
    }
}
