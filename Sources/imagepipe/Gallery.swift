import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageOps
import ImagePipeline

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PipelineCore

extension Imagepipe {
    struct Gallery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gallery",
            abstract: "Make a browsable gallery of a folder: thumbnails in several sizes, manifest.json and index.html.",
            discussion: "`imagepipe gallery SRC -o OUT` builds (the default: its options are in `imagepipe gallery build --help`); `imagepipe gallery plan` lists a source once into per-shard work lists; `imagepipe gallery merge OUT` joins the parts of a sharded run.",
            subcommands: [Build.self, Plan.self, Merge.self],
            defaultSubcommand: Build.self
        )
    }
}

extension Imagepipe.Gallery {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "List the sources once and write one work list per shard (PLAN/part-I-of-N.jsonl), for workers given --plan PLAN.",
            discussion: "For sources of millions of objects: N workers then read their own list instead of each paging through the whole bucket. The split is the one the workers would make themselves (a stable hash of each key)."
        )

        @Argument(help: "The source folder, or s3://bucket/prefix.")
        var source: String

        @Option(help: "How many shards the workers will be.")
        var shards: Int

        @Option(name: .shortAndLong, help: "Where the work lists go: a folder, or s3://bucket/prefix.")
        var output: String

        @Flag(help: "Print only errors.")
        var quiet = false

        func validate() throws {
            guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
        }

        func run() async throws {
            let sources = try StorageArgument.open(source)
            let plan = try StorageArgument.open(output)
            do throws(PipelineError) {
                if let local = plan as? LocalStorage { try FileIO.createDirectory(local.root) }
                let (count, parts) = try await GalleryPlan.write(sources: sources, shards: shards, to: plan)
                if !quiet { Report.note("gallery plan: \(count) sources in \(parts) work lists -> \(plan.location)") }
            } catch {
                Report.error(error, verbose: false)
                throw ExitCode.failure
            }
        }
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Write OUT/manifest.json and OUT/index.html from a sharded run's parts (OUT/manifest.d/part-I-of-N.json).",
            discussion: """
            Every part of the split must be there and made with the same settings; a shard run again replaces             its own part, and merging again writes the same files with it. Exit status 1, nothing written, when             a part is missing or the parts disagree.
            """
        )

        @Argument(help: "The gallery's output folder.")
        var output: String

        @Option(help: "The page title (default: the source folder's name).")
        var title: String?

        @Flag(help: "Print only errors.")
        var quiet = false

        func run() async throws {
            let outputs = try StorageArgument.open(output)
            do throws(PipelineError) {
                let summary = try await GalleryJob.merge(outputs: outputs, title: title)
                if !quiet {
                    Report.note("gallery merge: \(summary.parts) parts, \(summary.entries) entries -> \(summary.manifestPath), \(summary.indexPath)")
                }
            } catch {
                Report.error(error, verbose: false)
                throw ExitCode.failure
            }
        }
    }

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Make a browsable gallery of a folder: thumbnails in several sizes, manifest.json and index.html (the default).",
            discussion: """
            Walks SRC for PNG, WebP and JPEG files and saved image-API responses (recognised by their bytes; each \
            image of a response is a source of its own) and writes OUT/thumbs/NAME.SIZE.webp, OUT/manifest.json \
            and a self-contained OUT/index.html. Each source is decoded once; every size comes from that decode, \
            never enlarged. Runs are incremental: unchanged sources (same size and time, else same SHA-256) with \
            unchanged settings are skipped; --prune removes what belongs to deleted sources. Every file is \
            written atomically, so a run killed at any moment leaves only whole files, and the next run \
            finishes the work. A bad source is reported and the others are still done (exit status 1). \
            Symbolic links inside SRC are skipped and counted (-v names them) unless --follow-links is given. \
            Thumbnails are upright and sRGB, without EXIF (GPS) or XMP, unless --keep-metadata.
            """
        )

        @Argument(help: "The source folder, or s3://bucket/prefix.")
        var source: String

        @Option(name: .shortAndLong, help: "The output folder (may lie inside the source folder; it is then skipped), or s3://bucket/prefix.")
        var output: String

        @Option(help: "Thumbnail sizes in pixels (the longer edge), comma-separated.")
        var sizes: String = "512,256,128"

        @Option(name: .shortAndLong, help: "Thumbnail format: webp, jpeg or png.")
        var format: ImageFormat = .webp

        @Option(name: .shortAndLong, help: "WebP quality 0-100.")
        var quality: Int = 80

        @Option(help: "contain (whole image, aspect kept) or cover (crop to --aspect, default 1:1, keeping the most detailed region).")
        var fit: ResizeGeometry.Fit = .contain

        @Option(help: "Crop every thumbnail to this width:height, such as 1:1 or 4:3 (implies --fit cover).")
        var aspect: String?

        @Option(help: "Resampling filter: lanczos3 (default), mitchell, catmullRom, bilinear, box.")
        var filter: ResamplingFilter = .lanczos3

        @Option(help: "How smaller sizes are made: cascade (each from the next larger, default) or direct (each from the decoded source).")
        var derivation: GallerySettings.Derivation = .cascade

        @Flag(help: "Remove thumbnails and manifest entries of sources that are gone, and stray thumbnail files.")
        var prune = false

        @Flag(name: .customLong("follow-links"), help: "Follow symbolic links inside the source folder (default: skip them; a link may point outside it).")
        var followLinks = false

        @Option(help: "The page title (default: the source folder's name).")
        var title: String?

        @OptionGroup(title: "Decoding")
        var decoding: DecodingOptions

        @OptionGroup(title: "Metadata")
        var metadata: MetadataOptions

        @Option(name: .shortAndLong, help: "Sources worked on at once (default: the number of cores).")
        var jobs: Int?

        @Option(help: "Do shard I of N (0-based: 3/16) of the sources, by a stable hash of each one's path, and write OUT/manifest.d/part-I-of-N.json instead of the manifest and page (then `imagepipe gallery merge OUT`). Default: from IMAGEPIPE_SHARD, JOB_COMPLETION_INDEX + IMAGEPIPE_SHARD_COUNT, AWS_BATCH_JOB_ARRAY_INDEX/_SIZE, CLOUD_RUN_TASK_INDEX/_COUNT or SLURM_ARRAY_TASK_*; else the whole.")
        var shard: String?

        @Option(help: "Read this shard's sources from the work lists of `imagepipe gallery plan` (a folder or s3://bucket/prefix) instead of listing the source.")
        var plan: String?

        @Flag(help: "fsync each file before renaming it into place.")
        var durable = false

        @Option(name: .customLong("manifest-interval"), help: ArgumentHelp("Seconds between manifest rewrites during the run (default 2; at least 19 times what the last rewrite took; 0: after every source).", visibility: .hidden))
        var manifestInterval: Double = 2

        @Flag(help: "Print the summary as JSON on stdout.")
        var json = false

        @Flag(help: "Print only errors.")
        var quiet = false

        @Flag(name: .shortAndLong, help: "Add error codes and byte offsets to error lines, and one line per file done.")
        var verbose = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if let aspect, ImageSize(aspect: aspect) == nil {
                throw ValidationError("--aspect takes W:H with positive integers, such as 1:1 or 4:3 (got \(aspect))")
            }
            if fit == .fill { throw ValidationError("--fit is contain or cover for a gallery") }
            _ = try thumbnailSizes()
        }

        func thumbnailSizes() throws -> [Int] {
            try PixelSizes.parse([sizes], option: "--sizes", allowNone: false)
        }

        func run() async throws {
            MemoryTuning.forImageBatches()
            defer { Report.resourcesIfRequested() }
            var settings = GallerySettings()
            settings.sizes = try thumbnailSizes()
            settings.format = format
            settings.quality = quality
            settings.fit = fit
            settings.aspect = aspect.flatMap { ImageSize(aspect: $0) }
            settings.filter = filter
            settings.derivation = derivation
            settings.metadata = metadata.policy
            // A bucket on either side: both as storages; else two folders, checked as folders.
            let storages = StorageArgument.isRemote(source) || StorageArgument.isRemote(output)
                ? (sources: try StorageArgument.open(source), outputs: try StorageArgument.open(output)) : nil
            var job: GalleryJob
            do throws(PipelineError) {
                if let storages {
                    job = try GalleryJob(sources: storages.sources, outputs: storages.outputs, settings: settings)
                } else {
                    job = try GalleryJob(source: source, output: output, settings: settings)
                }
            } catch {
                throw ValidationError(error.description)
            }
            if let jobs { job.concurrency = jobs }
            if let shard = try ShardOption.resolve(shard, quiet: quiet || json) { job.shard = shard }
            if let plan {
                guard job.shard.isSharded else { throw ValidationError("--plan reads a shard's work list: give --shard (or the engine's variables)") }
                let planStorage = try StorageArgument.open(plan)
                do throws(PipelineError) {
                    job.plannedSources = try await GalleryPlan.read(planStorage, shard: job.shard)
                } catch {
                    throw ValidationError(error.description)
                }
            }
            job.prune = prune
            job.durable = durable
            job.title = title
            job.followLinks = followLinks
            job.manifestInterval = .milliseconds(Int(max(0, manifestInterval) * 1000))
            job.decoder = decoding.decoder()
            try metadata.configure(&job.decoder, decoding: decoding)

            let (quiet, json, verbose, configured) = (quiet, json, verbose, job)
            // Ctrl-C: the sources in flight finish, the manifest and page record what is done, and
            // the next run does the rest.
            let (outcome, interrupted) = await Interruption.cancellingOnSignals { () -> Result<GallerySummary, PipelineError> in
                var progress = ProgressBar(enabled: isatty(2) == 1 && !quiet && !json)
                defer { progress.clear() }
                do throws(PipelineError) {
                    return .success(try await configured.run { event in
                        switch event {
                        case .planned(let files, let unchanged):
                            progress.start(total: files, skipped: unchanged)
                        case .finished(let result):
                            progress.clear()
                            for error in result.errors { Report.error(error, verbose: verbose) }
                            if verbose && !quiet && !json && result.status != .ignored {
                                // What the new thumbnails kept of the source's metadata, when it had any.
                                let metadata = result.status == .unchanged ? nil : result.entries.first?.metadata
                                Report.note("\(result.path): \(result.status.rawValue)" + (metadata.map { " (\($0))" } ?? ""))
                            }
                            progress.advance()
                        }
                    })
                } catch {
                    return .failure(error)
                }
            }
            let summary: GallerySummary
            switch outcome {
            case .success(let done): summary = done
            case .failure(let error):
                Report.error(error, verbose: verbose)
                throw ExitCode.failure
            }
            for warning in summary.warnings { Report.warn(warning) }
            if verbose && !quiet && !json {
                for link in summary.skippedLinks { Report.note(link) }
            }
            if json {
                Report.output(jsonSummary(summary, job: job))
            } else if !quiet || summary.failed > 0 {
                let written = job.shard.isSharded ? job.manifestPath : job.indexPath
                Report.note("gallery: \(summary) -> \(written) (\(oneDecimal(summary.seconds)) s)")
            }
            if interrupted { throw ExitCode(130) }
            if summary.failed > 0 { throw ExitCode.failure }
        }

        func jsonSummary(_ summary: GallerySummary, job: GalleryJob) -> String {
            struct Summary: Encodable {
                var new, updated, unchanged, unchangedUnread, failed, ignored, pruned, missing, thumbnailsWritten: Int
                var removedTemporaryFiles, removedOrphans, notDone: Int
                var skippedLinks: [String]
                var seconds: Double
                var index, manifest: String
                var failures: [String]
            }
            let value = Summary(
                new: summary.new, updated: summary.updated, unchanged: summary.unchanged, unchangedUnread: summary.unchangedUnread, failed: summary.failed,
                ignored: summary.ignored, pruned: summary.pruned, missing: summary.missing, thumbnailsWritten: summary.thumbnailsWritten,
                removedTemporaryFiles: summary.removedTemporaryFiles, removedOrphans: summary.removedOrphans, notDone: summary.notDone,
                skippedLinks: summary.skippedLinks,
                seconds: (summary.seconds * 1000).rounded() / 1000, index: job.indexPath, manifest: job.manifestPath,
                failures: summary.failures.map(\.description)
            )
            return (try? StableJSON.line(value)) ?? "{}"
        }
    }
}

extension GallerySettings.Derivation: ExpressibleByArgument {}

/// `12.3`: one decimal, without Foundation's `String(format:)`.
func oneDecimal(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
}

/// A one-line progress bar on stderr, redrawn in place with `\r`: done/total, images per second,
/// time left. Drawn only on a terminal.
struct ProgressBar {
    var enabled: Bool
    private var total = 0
    private var done = 0
    private var started = ContinuousClock.now
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    mutating func start(total: Int, skipped: Int) {
        self.total = total
        started = .now
        if skipped > 0, enabled { Report.note("\(skipped) unchanged, skipped") }
        draw()
    }

    mutating func advance() {
        done += 1
        draw()
    }

    /// Erases the bar, so that a line can be printed in its place.
    mutating func clear() {
        guard enabled, drawn else { return }
        Report.write("\r\u{1B}[K", to: 2)
        drawn = false
    }

    private mutating func draw() {
        guard enabled, total > 0 else { return }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let remaining = rate > 0 ? Int((Double(total - done) / rate).rounded(.up)) : nil
        let width = 24
        let filled = total > 0 ? width * done / total : 0
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : "")
        let eta = remaining.map { $0 >= 60 ? "\($0 / 60)m\($0 % 60)s" : "\($0)s" } ?? "?"
        Report.write("\r[\(bar)] \(done)/\(total)  \(oneDecimal(rate)) img/s  ETA \(eta)\u{1B}[K", to: 2)
        drawn = true
    }
}
