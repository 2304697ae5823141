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
    /// The source folder.
    public let source: String
    /// The output folder.
    public let output: String
    /// What to make of each source.
    public let settings: GallerySettings
    /// How sources are decoded (limits, animations: first frame).
    public var decoder = ImageDecoder()
    /// How many sources are worked on at once (default: the number of cores).
    public var concurrency: Int
    /// Remove thumbnails and manifest entries whose source is gone, and thumbnail files no
    /// entry names (left by a killed run).
    public var prune = false
    /// `fsync` each file before renaming it into place.
    public var durable = false
    /// How often the manifest is rewritten during a run (what a killed run keeps).
    public var manifestInterval: Duration = .seconds(2)
    /// The page's title (default: the source folder's name).
    public var title: String?
    /// Follow symbolic links found in the source folder (default: skip and report them, since a
    /// link may point outside the folder and its target would be published). The source folder
    /// itself is always followed. Followed folder links that lead back to a folder being walked
    /// are skipped, so a loop ends.
    public var followLinks = false

    /// The manifest's path.
    public var manifestPath: String { output + "/manifest.json" }
    /// The page's path.
    public var indexPath: String { output + "/index.html" }
    /// The thumbnails' folder.
    public var thumbnailFolder: String { output + "/thumbs" }

    /// Plans a gallery and checks its arguments.
    ///
    /// - Throws: ``PipelineError``: `.invalidOptions` for bad settings, `.notAFile` when
    ///   `source` is not a folder.
    public init(source: String, output: String, settings: GallerySettings = GallerySettings(), concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        try settings.validate()
        guard FileIO.isDirectory(source) else {
            throw PipelineError(.notAFile, path: source, FileIO.fileIdentity(source) == nil ? "no such folder" : "is not a folder")
        }
        if FileIO.fileIdentity(output) != nil, !FileIO.isDirectory(output) {
            throw PipelineError(.invalidOptions, path: output, "exists and is not a folder")
        }
        self.source = source.count > 1 && source.hasSuffix("/") ? String(source.dropLast()) : source
        self.output = output.count > 1 && output.hasSuffix("/") ? String(output.dropLast()) : output
        self.settings = settings
        self.concurrency = max(1, concurrency)
    }

    /// Builds or brings up to date the gallery, calling `onEvent` (on the caller's task) as
    /// the plan is made and as each file is done.
    ///
    /// - Returns: the counts and every failure; a failing source does not stop the others.
    /// - Throws: ``PipelineError`` when the output folder, the manifest or the page cannot be
    ///   written.
    public func run(onEvent: (GalleryEvent) -> Void = { _ in }) async throws -> GallerySummary {
        let clock = ContinuousClock()
        let started = clock.now
        try FileIO.createDirectory(thumbnailFolder)
        var summary = GallerySummary()
        summary.removedTemporaryFiles = GalleryFiles.removeStaleTemporaryFiles(in: output) + GalleryFiles.removeStaleTemporaryFiles(in: thumbnailFolder)
        guard let sourceRoot = GalleryFiles.canonical(source), let outputRoot = GalleryFiles.canonical(output) else {
            throw PipelineError(.readFailed, path: source, "cannot resolve the source or output folder")
        }
        let fingerprint = settings.fingerprint
        var previous: [GalleryEntry] = []
        if GalleryFiles.exists(manifestPath) {
            do {
                previous = try GalleryManifest(parsing: FileIO.readFile(manifestPath, maxBytes: 1 << 30)).entries
            } catch let error as PipelineError {
                summary.warnings.append("\(manifestPath): \(error.message); starting a new manifest")
            }
        }
        var current = Dictionary(grouping: previous, by: \.file)
        let excluded = Set([FileIO.fileIdentity(output), FileIO.fileIdentity(thumbnailFolder)].compactMap { $0 })
        let walk = GalleryFiles.walk(source, excluding: excluded, followLinks: followLinks)
        let files = walk.files
        summary.skippedLinks = walk.skippedLinks.map { "\($0.path): \($0.reason.rawValue)" }
        let context = Context(
            fingerprint: fingerprint, output: output, thumbnailFolder: thumbnailFolder,
            sourceLink: GalleryFiles.relativePath(from: outputRoot, to: sourceRoot)
        )

        var work: [WorkItem] = []
        for file in files {
            let old = current[file.relative] ?? []
            let fastUnchanged = !old.isEmpty && old.allSatisfy {
                $0.fileBytes == file.bytes && $0.modifiedNanoseconds == file.modifiedNanoseconds && $0.settings == fingerprint
                    && context.thumbnailsExist($0)
            }
            if fastUnchanged {
                summary.unchanged += old.count
            } else {
                work.append(WorkItem(file: file, previous: old))
            }
        }
        onEvent(.planned(files: work.count, unchanged: summary.unchanged))

        // Several files use every core (one each); a single file splits its resizes instead.
        let resizeThreads = work.count == 1 || concurrency == 1 ? 0 : 1
        let renderer = GalleryRenderer(settings: settings, decoder: decoder, durable: durable, resizeOptions: ResizeOptions(threads: resizeThreads))
        var lastWrite = clock.now
        var writeError: PipelineError?
        func writeManifest() {
            do throws(PipelineError) {
                try FileIO.writeAtomically(manifest(current, context: context).encoded(), to: manifestPath, durable: durable)
            } catch {
                writeError = writeError ?? error
            }
        }

        await withTaskGroup(of: GalleryFileResult.self) { group in
            var next = 0
            func startNext() {
                guard next < work.count else { return }
                let item = work[next]
                next += 1
                group.addTask { renderer.process(item, context: context) }
            }
            for _ in 0..<min(concurrency, work.count) { startNext() }
            // Cancelled (Ctrl-C): the files in flight finish and are recorded, no new one starts.
            while let result = await group.next() {
                let old = current[result.file] ?? []
                switch result.status {
                case .unchanged:
                    summary.unchanged += result.entries.count
                    current[result.file] = result.entries
                case .ignored:
                    summary.ignored += 1
                    removeThumbnails(of: old, keeping: [])
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
                    removeThumbnails(of: old, keeping: kept)
                    current[result.file] = kept.sorted { $0.source < $1.source }
                }
                summary.failed += result.errors.count
                summary.failures += result.errors
                onEvent(.finished(result))
                if clock.now - lastWrite >= manifestInterval {
                    writeManifest()
                    lastWrite = clock.now
                }
                if !Task.isCancelled { startNext() }
            }
            summary.notDone = work.count - next
        }

        let present = Set(files.map(\.relative))
        for (file, entries) in current where !present.contains(file) {
            if prune && summary.notDone == 0 {
                removeThumbnails(of: entries, keeping: [])
                current[file] = nil
                summary.pruned += entries.count
            } else {
                summary.missing += entries.count
            }
        }
        if prune && summary.notDone == 0 {
            let named = Set(current.values.joined().flatMap { entry in entry.thumbnails.map { $0.path } })
            for name in GalleryFiles.fileNames(in: thumbnailFolder) where !named.contains("thumbs/" + name) {
                FileIO.remove(thumbnailFolder + "/" + name)
                summary.removedOrphans += 1
            }
        }
        writeManifest()
        if let writeError { throw writeError }
        let page = GalleryPage(manifest: manifest(current, context: context), title: title ?? FileIO.split(sourceRoot).1)
        try FileIO.writeAtomically(Array(page.html().utf8), to: indexPath, durable: durable)
        let elapsed = clock.now - started
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return summary
    }

    private func manifest(_ current: [String: [GalleryEntry]], context: Context) -> GalleryManifest {
        GalleryManifest(
            settings: context.fingerprint, sourceRoot: context.sourceLink,
            entries: current.values.joined().sorted { $0.source < $1.source }
        )
    }

    private func removeThumbnails(of entries: [GalleryEntry], keeping kept: [GalleryEntry]) {
        let keep = Set(kept.flatMap { $0.thumbnails.map(\.path) })
        for thumbnail in entries.flatMap(\.thumbnails) where !keep.contains(thumbnail.path) {
            FileIO.remove(output + "/" + thumbnail.path)
        }
    }

    /// One file to look at, with the manifest's entries for it from the last run.
    struct WorkItem: Sendable {
        var file: GalleryFiles.SourceFile
        var previous: [GalleryEntry]
    }

    /// What every file's work shares.
    struct Context: Sendable {
        var fingerprint: String
        var output: String
        var thumbnailFolder: String
        /// The source folder relative to the output folder.
        var sourceLink: String

        func thumbnailsExist(_ entry: GalleryEntry) -> Bool {
            entry.thumbnails.allSatisfy { GalleryFiles.exists(output + "/" + $0.path) }
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
