import PipelineCore

/// What ``GalleryJob/merge(outputs:title:)`` did.
public struct GalleryMergeSummary: Sendable {
    /// How many parts were merged (the shard count).
    public var parts: Int
    /// Manifest entries written.
    public var entries: Int
    /// The manifest's and the page's paths.
    public var manifestPath: String
    public var indexPath: String
}

extension GalleryJob {
    /// Makes `manifest.json` and `index.html` from a sharded run's parts
    /// (`manifest.d/part-I-of-N.json`): every part of one count must be there, made with the same
    /// settings; their entries are joined, sorted by source. Idempotent: merging again after a
    /// shard ran again writes the same files with that shard's new part.
    ///
    /// - Parameter title: the page's title (default: the name of the source folder the parts
    ///   record).
    /// - Throws: ``PipelineError`` with `.invalidOptions` naming what is missing or inconsistent
    ///   (no parts, parts of several counts, a missing part, other settings, a source in two
    ///   parts), `.readFailed` or `.writeFailed`.
    public static func merge(outputs: any Storage, title: String? = nil) async throws(PipelineError) -> GalleryMergeSummary {
        let keys = try await ShardParts.complete(in: outputs, under: partsPrefix)
        var settings: String?
        var sourceRoot = ""
        var entries: [GalleryEntry] = []
        var owner: [String: Int] = [:]
        for (index, key) in keys.enumerated() {
            let manifest = try GalleryManifest(parsing: await outputs.read(key, maxBytes: 1 << 30))
            if let settings, settings != manifest.settings {
                throw PipelineError(.invalidOptions, path: outputs.path(of: key), "made with other settings than part 0 (\(manifest.settings) against \(settings)): run every shard with the same options")
            }
            settings = manifest.settings
            sourceRoot = manifest.sourceRoot
            for entry in manifest.entries {
                if let other = owner[entry.source], other != index {
                    throw PipelineError(.invalidOptions, path: outputs.path(of: key), "source \(entry.source) is in parts \(other) and \(index)")
                }
                owner[entry.source] = index
                entries.append(entry)
            }
        }
        let manifest = GalleryManifest(settings: settings ?? "", sourceRoot: sourceRoot, entries: entries.sorted { $0.source < $1.source })
        try await outputs.write(manifest.encoded(), to: manifestKey)
        // The source as the parts record it: relative to a folder output (`..` when the output
        // lies inside it), else its location; titled as an unsharded run titles it.
        var location = sourceRoot
        if let local = outputs as? LocalStorage, !sourceRoot.hasPrefix("/"), !sourceRoot.contains("://") {
            location = local.path(of: sourceRoot)
        }
        let page = GalleryPage(manifest: manifest, title: title ?? defaultTitle(sourceLocation: location))
        try await outputs.write(Array(page.html().utf8), to: indexKey)
        return GalleryMergeSummary(parts: keys.count, entries: entries.count, manifestPath: outputs.path(of: manifestKey), indexPath: outputs.path(of: indexKey))
    }
}
