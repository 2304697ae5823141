#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageOps
import ImageResponses
import PipelineCore

/// Makes a browsable gallery of a folder of images: thumbnails in several sizes, a manifest and
/// a self-contained `index.html`.
///
/// Sources are the PNG and WebP files under the source folder, and each image of every saved
/// images-API response there (all recognised by their bytes, not their names). Each source is
/// decoded once (WebP at a reduced size when the largest thumbnail allows) and every size is
/// made from that decode. Runs are incremental: a source whose file (size and modification
/// time, else SHA-256) and settings are unchanged is skipped. Every file is written atomically,
/// thumbnails before the manifest that names them, and the manifest is rewritten every
/// ``manifestInterval`` during the run, so a run killed at any moment leaves only whole files
/// and the next run finishes the work.
///
/// Layout of the output folder:
///
/// ```
/// OUT/index.html        the page
/// OUT/manifest.json     see GalleryManifest
/// OUT/thumbs/cats__tom.png-1f3a9c07.512.webp   (see the README for the naming rule)
/// ```
///
/// ```swift
/// let job = try GalleryJob(source: "photos", output: "site")
/// let summary = try await job.run { event in print(event) }
/// print(summary)   // "3 new, 1 updated, 12 unchanged"
/// ```
public struct GalleryJob: Sendable {
    /// The source folder, as given.
    public let source: String
    /// The output folder, as given.
    public let output: String
    /// Where the sources are read from (``source`` on this machine).
    public var sources: any Storage
    /// Where the page, the manifest and the thumbnails go (``output`` on this machine).
    public var outputs: any Storage
    /// What to make of each source.
    public let settings: GallerySettings
    /// How sources are decoded (limits, animations: first frame).
    public var decoder = ImageDecoder()
    /// How many sources are worked on at once (default: the number of cores).
    public var concurrency: Int
    /// Remove thumbnails and manifest entries whose source is gone, and thumbnail files no
    /// entry names (left by a killed run).
    public var prune = false
    /// `fsync` each file before renaming it into place (local output).
    public var durable = false
    /// How often the manifest is rewritten during a run (what a killed run keeps); less often
    /// when a rewrite takes long (``checkpointDelay(interval:lastWriteTook:)``); zero: after
    /// every source.
    public var manifestInterval: Duration = .seconds(2)
    /// The page's title (default: the source folder's name).
    public var title: String?
    /// This run's share of the sources when the gallery is made by several workers
    /// (``Shard/whole`` by default): only the sources whose key falls in the shard are looked at,
    /// and the run writes its part of the manifest (``partKey(for:)``) instead of `manifest.json`
    /// and the page; ``merge(outputs:title:)`` makes those from the parts.
    public var shard: Shard = .whole
    /// The shard's sources from a plan (``GalleryPlan``) instead of a listing of ``sources``.
    public var plannedSources: [StorageEntry]?
    /// Follow symbolic links found in a local source folder (default: skip and report them,
    /// since a link may point outside the folder and its target would be published). The source
    /// folder itself is always followed. Followed folder links that lead back to a folder being
    /// walked are skipped, so a loop ends.
    public var followLinks = false

    /// The manifest's key in ``outputs``.
    public static let manifestKey = "manifest.json"
    /// The page's key in ``outputs``.
    public static let indexKey = "index.html"
    /// The thumbnails' folder in ``outputs``.
    public static let thumbnailPrefix = "thumbs"
    /// The folder of a sharded run's manifest parts in ``outputs``.
    public static let partsPrefix = "manifest.d"

    /// Where a shard's part of the manifest goes: `manifest.d/part-00003-of-00016.json`.
    public static func partKey(for shard: Shard) -> String {
        StorageKey.join(partsPrefix, shard.partName(extension: "json"))
    }

    /// The manifest's path (this shard's part when sharded).
    public var manifestPath: String { outputs.path(of: shard.isSharded ? Self.partKey(for: shard) : Self.manifestKey) }
    /// The page's path.
    public var indexPath: String { outputs.path(of: Self.indexKey) }

    /// Plans a gallery of a folder on this machine and checks its arguments.
    ///
    /// - Throws: ``PipelineError``: `.invalidOptions` for bad settings, `.notAFile` when
    ///   `source` is not a folder.
    public init(source: String, output: String, settings: GallerySettings = GallerySettings(), concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(PipelineError) {
        try settings.validate()  // before the folders, as the options are checked first
        let sources = LocalStorage(root: source)
        guard sources.rootIsFolder else {
            throw PipelineError(.notAFile, path: source, FileIO.fileIdentity(source) == nil ? "no such folder" : "is not a folder")
        }
        if FileIO.fileIdentity(output) != nil, !FileIO.isDirectory(output) {
            throw PipelineError(.invalidOptions, path: output, "exists and is not a folder")
        }
        // A folder's location is its root (never empty here: it is a folder).
        try self.init(sources: sources, outputs: LocalStorage(root: output), settings: settings, concurrency: concurrency)
    }

    /// Plans a gallery between two storages (a bucket prefix, a folder): `source` and `output`
    /// are their locations.
    ///
    /// - Throws: ``PipelineError`` with `.invalidOptions` for bad settings.
    public init(sources: any Storage, outputs: any Storage, settings: GallerySettings = GallerySettings(), concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(PipelineError) {
        try settings.validate()
        self.source = sources.location
        self.output = outputs.location
        self.sources = sources
        self.outputs = outputs
        self.settings = settings
        self.concurrency = max(1, concurrency)
    }

    /// Builds or brings up to date the gallery, calling `onEvent` (on the caller's task) as
    /// the plan is made and as each file is done.
    ///
    /// Runs on ``PipelineRunner``, one source file per item, ``concurrency`` at once; the
    /// manifest is checkpointed from the runner's per-item callback. Cancelling the calling task
    /// (Ctrl-C) lets the files in flight finish and be recorded, starts no new one, and leaves
    /// the manifest naming exactly the thumbnails written (``GallerySummary/notDone`` counts the
    /// rest; nothing is pruned).
    ///
    /// - Returns: the counts and every failure; a failing source does not stop the others.
    /// - Throws: ``PipelineError`` when the output folder, the manifest or the page cannot be
    ///   written.
    public func run(onEvent: (GalleryEvent) -> Void = { _ in }) async throws(PipelineError) -> GallerySummary {
        let clock = ContinuousClock()
        let started = clock.now
        var sources = self.sources
        var outputs = self.outputs
        var sourceLink: String?
        if var local = outputs as? LocalStorage {
            try FileIO.createDirectory(local.root)
            local.durable = durable
            outputs = local
            if var localSources = sources as? LocalStorage {
                localSources.followLinks = followLinks
                localSources.excludedFolders = [local.root]
                sources = localSources
                if let sourceRoot = localSources.canonicalRoot, let outputRoot = local.canonicalRoot {
                    sourceLink = FileName.relativePath(from: outputRoot, to: sourceRoot)
                }
            }
        }
        var summary = GallerySummary()
        summary.removedTemporaryFiles = await outputs.removeAbandonedWrites(under: "") + outputs.removeAbandonedWrites(under: Self.thumbnailPrefix)
            + outputs.removeAbandonedWrites(under: Self.partsPrefix)
        // What the decoder does to pixels changes the thumbnails too (a run with --keep-icc or
        // --no-auto-orient redoes every source, as one with other sizes does).
        let colour: String = switch decoder.color {
        case .convertToSRGB(let intent): "srgb-\(intent.rawValue)"
        case .keepProfile: "keep"
        }
        let fingerprint = settings.fingerprint + " orient=\(decoder.autoOrient ? "auto" : "stored") colour=\(colour)"
        let manifestKey = shard.isSharded ? Self.partKey(for: shard) : Self.manifestKey
        var previous: [GalleryEntry] = []
        if await outputs.exists(manifestKey) {
            do throws(PipelineError) {
                previous = try GalleryManifest(parsing: await outputs.read(manifestKey, maxBytes: 1 << 30)).entries
            } catch {
                summary.warnings.append("\(manifestPath): \(error.message); starting a new manifest")
            }
        }
        if shard.isSharded {
            // A merged manifest (of an earlier run, sharded or not) knows this shard's sources too:
            // what the part does not have yet is taken from it, so a re-split run stays incremental.
            let known = Set(previous.map(\.file))
            if let merged = try? GalleryManifest(parsing: await outputs.read(Self.manifestKey, maxBytes: 1 << 30)) {
                previous += merged.entries.filter { !known.contains($0.file) && shard.contains($0.file) }
            }
            previous = previous.filter { shard.contains($0.file) }
        }
        var current = Dictionary(grouping: previous, by: \.file)
        let listing: StorageListing
        if let plannedSources {
            listing = StorageListing(entries: plannedSources)
        } else {
            listing = try await sources.list(under: "")
        }
        let files = listing.entries.filter { shard.contains($0.key) }
        summary.skippedLinks = listing.skipped.map { "\(sources.path(of: $0.key)): \($0.reason)" }
        let thumbnailsBefore = Set(try await outputs.list(under: Self.thumbnailPrefix).entries.map(\.key))
        let context = Context(fingerprint: fingerprint, sourceLink: sourceLink, existingThumbnails: thumbnailsBefore)

        var work: [WorkItem] = []
        for file in files {
            let old = current[file.key] ?? []
            let fastUnchanged = !old.isEmpty && old.allSatisfy { entry in
                // A store that names content versions (S3's ETag) is trusted for them; else the time.
                let sameContent = file.version.map { entry.version == $0 } ?? (entry.modifiedNanoseconds == file.modifiedNanoseconds)
                return entry.fileBytes == file.size && sameContent && entry.settings == fingerprint
                    && context.thumbnailsExist(entry)
            }
            if fastUnchanged {
                summary.unchanged += old.count
                summary.unchangedUnread += old.count
            } else {
                work.append(WorkItem(file: file, path: sources.path(of: file.key), previous: old))
            }
        }
        // Largest files first: the longest decodes start early, so the run does not end on one
        // core finishing a large photo while the others wait (a file's size stands in for its cost).
        work.sort { $0.file.size != $1.file.size ? $0.file.size > $1.file.size : $0.file.key < $1.file.key }
        onEvent(.planned(files: work.count, unchanged: summary.unchanged))

        // Several files use every core (one each); a single file splits its decode and resizes instead.
        let resizeThreads = work.count == 1 || concurrency == 1 ? 0 : 1
        var decoder = decoder
        decoder.threads = resizeThreads
        let renderer = GalleryRenderer(
            settings: settings, decoder: decoder, sources: sources, outputs: outputs,
            resizeOptions: ResizeOptions(threads: resizeThreads)
        )
        var lastWrite = clock.now
        var checkpointDelay = manifestInterval
        var writeError: PipelineError?
        func writeManifest() async {
            do throws(PipelineError) {
                try await outputs.write(manifest(current, context: context).encoded(), to: manifestKey)
            } catch {
                writeError = writeError ?? error
            }
        }
        func removeThumbnails(of entries: [GalleryEntry], keeping kept: [GalleryEntry]) async {
            let keep = Set(kept.flatMap { $0.thumbnails.map(\.path) })
            for thumbnail in entries.flatMap(\.thumbnails) where !keep.contains(thumbnail.path) {
                try? await outputs.remove(thumbnail.path)
            }
        }

        let runner = PipelineRunner(RenderGallerySource(renderer: renderer, context: context), concurrency: concurrency) { item, _ in item.path }
        let report = await runner.run(work) { item in
            // The stage never throws: a file's failures are in its result.
            guard case .success(let result) = item.result else { return }
            let old = current[result.file] ?? []
            switch result.status {
            case .unchanged:
                summary.unchanged += result.entries.count
                current[result.file] = result.entries
            case .ignored:
                summary.ignored += 1
                await removeThumbnails(of: old, keeping: [])
                current[result.file] = nil
            case .failed:
                // The last good thumbnails stay until the source is fixed or pruned.
                break
            case .new, .updated:
                let oldSources = Set(old.map(\.source))
                for entry in result.entries {
                    if oldSources.contains(entry.source) { summary.updated += 1 } else { summary.new += 1 }
                }
                summary.thumbnailsWritten += result.entries.reduce(0) { $0 + $1.thumbnails.count }
                let kept = result.entries + old.filter { entry in
                    // A response image that failed this time keeps its last good entry.
                    result.errors.contains { $0.path == result.label(for: entry) } && !result.entries.contains { $0.source == entry.source }
                }
                await removeThumbnails(of: old, keeping: kept)
                current[result.file] = kept.sorted { $0.source < $1.source }
            }
            summary.failed += result.errors.count
            summary.failures += result.errors
            onEvent(.finished(result))
            if clock.now - lastWrite >= checkpointDelay {
                let started = clock.now
                await writeManifest()
                lastWrite = clock.now
                checkpointDelay = Self.checkpointDelay(interval: manifestInterval, lastWriteTook: lastWrite - started)
            }
        }
        summary.notDone = work.count - report.items.count

        // Pruning needs the whole picture: never after an interrupted run.
        let pruning = prune && summary.notDone == 0
        let present = Set(files.map(\.key))
        for (file, entries) in current where !present.contains(file) {
            if pruning {
                await removeThumbnails(of: entries, keeping: [])
                current[file] = nil
                summary.pruned += entries.count
            } else {
                summary.missing += entries.count
            }
        }
        // A shard sees its own sources only: stray thumbnails are for an unsharded run to remove.
        if pruning && !shard.isSharded {
            let named = Set(current.values.joined().flatMap { entry in entry.thumbnails.map(\.path) })
            for thumbnail in try await outputs.list(under: Self.thumbnailPrefix).entries where !named.contains(thumbnail.key) {
                try await outputs.remove(thumbnail.key)
                summary.removedOrphans += 1
            }
        }
        await writeManifest()
        if let writeError { throw writeError }
        if shard.isSharded {
            summary.seconds = (clock.now - started).seconds
            return summary
        }
        let page = GalleryPage(manifest: manifest(current, context: context), title: title ?? Self.defaultTitle(sourceLocation: sources.location))
        try await outputs.write(Array(page.html().utf8), to: Self.indexKey)
        summary.seconds = (clock.now - started).seconds
        return summary
    }

    private func manifest(_ current: [String: [GalleryEntry]], context: Context) -> GalleryManifest {
        GalleryManifest(
            settings: context.fingerprint, sourceRoot: context.sourceLink ?? sources.location,
            entries: current.values.joined().sorted { $0.source < $1.source }
        )
    }

    /// One file to look at, with the manifest's entries for it from the last run.
    struct WorkItem: Sendable {
        var file: StorageEntry
        /// The file's path for messages.
        var path: String
        var previous: [GalleryEntry]
    }

    /// What every file's work shares.
    struct Context: Sendable {
        var fingerprint: String
        /// The source folder relative to the output folder, when both are on this machine (the
        /// page links to the originals through it).
        var sourceLink: String?
        /// The thumbnail keys the output held when the run started.
        var existingThumbnails: Set<String>

        func thumbnailsExist(_ entry: GalleryEntry) -> Bool {
            entry.thumbnails.allSatisfy { existingThumbnails.contains($0.path) }
        }
    }

    /// The gallery's one stage: a source file in, what became of it out.
    struct RenderGallerySource: Stage {
        let renderer: GalleryRenderer
        let context: Context
        var name: String { "render" }

        func process(_ item: WorkItem, context _: inout StageContext) async -> GalleryFileResult {
            await renderer.process(item, context: context)
        }
    }
}

/// Progress of a ``GalleryJob``.
public enum GalleryEvent: Sendable {
    /// The source folder was walked: `files` files need work, `unchanged` sources were skipped
    /// by size and modification time.
    case planned(files: Int, unchanged: Int)
    /// One file is done.
    case finished(GalleryFileResult)
}

/// What became of one source file.
public struct GalleryFileResult: Sendable {
    /// What happened.
    public enum Status: String, Sendable {
        /// Thumbnails made for a file the manifest did not have.
        case new
        /// Thumbnails remade: the file or the settings changed.
        case updated
        /// Same content (by SHA-256) and settings: nothing remade.
        case unchanged
        /// Not an image: neither PNG nor WebP, nor an images API response with images.
        case ignored
        /// Nothing made; see ``GalleryFileResult/errors``.
        case failed
    }

    /// The file, relative to the source folder.
    public var file: String
    /// The file's path as the source folder was given.
    public var path: String
    /// What happened.
    public var status: Status
    /// The entries made (or kept, when unchanged).
    public var entries: [GalleryEntry]
    /// The failures: the file's, or those of single images of a response.
    public var errors: [PipelineError]

    func label(for entry: GalleryEntry) -> String {
        entry.index.map { "\(path) data[\($0)]" } ?? path
    }
}

/// The counts of a gallery run.
public struct GallerySummary: Sendable, CustomStringConvertible {
    /// Sources with thumbnails made for the first time.
    public var new = 0
    /// Sources whose thumbnails were remade (content or settings changed).
    public var updated = 0
    /// Sources skipped as unchanged.
    public var unchanged = 0
    /// Of those, the sources skipped without being read: the same size and modification time
    /// (or, on a store that names versions, the same ETag).
    public var unchangedUnread = 0
    /// Sources (files, or images of a response) that failed.
    public var failed = 0
    /// Files that are not images (ignored).
    public var ignored = 0
    /// Manifest entries removed with `prune` because their file is gone.
    public var pruned = 0
    /// Manifest entries whose file is gone, kept because `prune` is off.
    public var missing = 0
    /// Temporary files of a killed run removed.
    public var removedTemporaryFiles = 0
    /// Thumbnail files no entry named, removed with `prune`.
    public var removedOrphans = 0
    /// Thumbnail files written.
    public var thumbnailsWritten = 0
    /// Every failure.
    public var failures: [PipelineError] = []
    /// Symbolic links in the source folder that were not followed, each `path: why`; nothing
    /// they lead to is published.
    public var skippedLinks: [String] = []
    /// Things worth telling that are not failures (an unreadable manifest was replaced).
    public var warnings: [String] = []
    /// Wall-clock seconds.
    public var seconds = 0.0
    /// Source files not looked at because the run was cancelled (Ctrl-C): the next run does them.
    public var notDone = 0

    /// Creates empty counts.
    public init() {}

    /// `"3 new, 1 updated, 12 unchanged"` and whatever else is non-zero.
    public var description: String {
        var parts = ["\(unchanged) unchanged", "\(new) new", "\(updated) updated"]
        if failed > 0 { parts.append("\(failed) failed") }
        if pruned > 0 { parts.append("\(pruned) pruned") }
        if missing > 0 { parts.append("\(missing) missing (source gone; --prune removes them)") }
        if removedOrphans > 0 { parts.append("\(removedOrphans) stray thumbnails removed") }
        if !skippedLinks.isEmpty { parts.append("\(skippedLinks.count) symbolic link\(skippedLinks.count == 1 ? "" : "s") skipped") }
        if removedTemporaryFiles > 0 { parts.append("\(removedTemporaryFiles) leftover temporary files removed") }
        if notDone > 0 { parts.append("\(notDone) not done (interrupted; the next run does them)") }
        return parts.joined(separator: ", ")
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

extension GalleryJob {
    /// The page's title when none is given: the name of the folder at `location` (links and
    /// `..` resolved), or the last part of a bucket prefix (`s3://…`); "gallery" when there is
    /// none (`/`).
    static func defaultTitle(sourceLocation location: String) -> String {
        let resolved = location.contains("://") ? location : LocalStorage(root: location).canonicalRoot ?? location
        let name = StorageKey.name(of: resolved.hasSuffix("/") ? String(resolved.dropLast()) : resolved)
        return name.isEmpty || name == "." || name == ".." ? "gallery" : name
    }

    /// The wait before the next manifest checkpoint: `interval`, or 19 times what the last
    /// rewrite took when that is longer, so that rewriting a growing manifest (a shard of a
    /// million sources writes a part of about 1 GB) never takes more than 5% of a run. Zero
    /// stays zero: a checkpoint after every source.
    public static func checkpointDelay(interval: Duration, lastWriteTook: Duration) -> Duration {
        interval == .zero ? .zero : max(interval, lastWriteTook * 19)
    }
}
