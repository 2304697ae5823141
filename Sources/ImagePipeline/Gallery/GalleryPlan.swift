#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PipelineCore

/// A gallery's sources listed once and split into one work list per shard, so that N workers on
/// a bucket of millions of objects do not each page through all of it: `imagepipe gallery plan
/// SRC --shards N -o PLAN` writes `PLAN/part-I-of-N.jsonl` (one source a line: key, size,
/// modification time), and each worker given `--plan PLAN` reads its own list instead of listing
/// the source.
public enum GalleryPlan {
    /// One source of a work list.
    struct Line: Codable {
        var key: String
        var size: Int
        var modifiedNs: Int64
        var version: String?

        enum CodingKeys: String, CodingKey { case key, size, modifiedNs = "modified_ns", version }
    }

    /// Lists `sources` once and writes a work list per shard into `plan`.
    ///
    /// - Returns: the sources listed and the lists written.
    /// - Throws: ``PipelineError`` when the listing or a write fails.
    public static func write(sources: any Storage, shards: Int, to plan: any Storage) async throws(PipelineError) -> (sources: Int, parts: Int) {
        let entries = try await sources.list(under: "").entries
        var lists = [[String]](repeating: [], count: shards)
        for entry in entries {
            let line = Line(key: entry.key, size: entry.size, modifiedNs: entry.modifiedNanoseconds, version: entry.version)
            lists[Shard.shard(of: entry.key, count: shards)].append((try? StableJSON.line(line)) ?? "{}")
        }
        for (index, lines) in lists.enumerated() {
            let shard = Shard(index: index, count: shards, origin: "plan")
            try await plan.write(Array(lines.map { $0 + "\n" }.joined().utf8), to: shard.partName(extension: "jsonl"))
        }
        return (entries.count, shards)
    }

    /// The work list of `shard` in `plan`, as a listing.
    ///
    /// - Throws: ``PipelineError`` with `.invalidOptions` when the plan has no list for this
    ///   shard (another count, or not a plan), `.readFailed` for a line that does not read.
    public static func read(_ plan: any Storage, shard: Shard) async throws(PipelineError) -> [StorageEntry] {
        let key = shard.partName(extension: "jsonl")
        guard await plan.exists(key) else {
            let counts = Set(try await plan.list(under: "").entries.compactMap { Shard.parsePartName(StorageKey.name(of: $0.key))?.count })
            let found = counts.isEmpty ? "no work lists" : "work lists for \(counts.sorted().map(String.init).joined(separator: ", ")) shards"
            throw PipelineError(.invalidOptions, path: plan.path(of: key), "the plan has \(found), not shard \(shard.index) of \(shard.count)")
        }
        let text = String(decoding: try await plan.read(key, maxBytes: 1 << 31), as: UTF8.self)
        var entries: [StorageEntry] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard let parsed = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)), shard.contains(parsed.key) else {
                throw PipelineError(.readFailed, path: plan.path(of: key), "line \(number + 1) is not a source of this shard")
            }
            entries.append(StorageEntry(key: parsed.key, size: parsed.size, modifiedNanoseconds: parsed.modifiedNs, version: parsed.version))
        }
        return entries.sorted { $0.key < $1.key }
    }
}
