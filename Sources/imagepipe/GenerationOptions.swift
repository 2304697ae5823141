import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GenerationJob
import ImageCodecs
import ImageCore
import ImageGeneration
import ImagePipeline
import PipelineCore
import Synchronization

// The options `generate` and `edit` share, in three groups (which service, what to ask it for,
// what to do with the images), and the run both make of a GenerateJob.

/// Which service, and how to reach it.
struct ServiceOptions: ParsableArguments {
    @Option(name: [.customShort("t"), .long], help: "API token (prefer the provider's environment variable: a command line is visible to other users).")
    var token: String?

    @Option(help: "Provider: nscale, nebius, openai, together, openai-compatible (with --base-url), sandbox.")
    var provider: String?

    @Option(name: .customLong("base-url"), help: "Base URL of an OpenAI-compatible service (…/v1).")
    var baseURL: String?

    @Option(help: "Retries on connection errors before the request is sent, 408, 409, rate-limit 429 and 5xx (default 2).")
    var retries: Int = 2

    @Flag(name: .customLong("retry-unanswered"), help: "Also retry a request whose connection was lost after it was sent in full, before an answer (the service may have processed it: a retry may be billed twice).")
    var retryUnanswered = false

    @Option(help: "Seconds a whole request may take, and each URL result's download unless --download-timeout (default 600).")
    var timeout: Double = 600

    @Option(name: .customLong("download-timeout"), help: "Seconds one URL result's download may take, redirects included (default: --timeout).")
    var downloadTimeout: Double?

    @Option(name: .customLong("connect-timeout"), help: "Seconds to connect (default 10).")
    var connectTimeout: Double = 10

    @Option(name: .customLong("max-response-bytes"), help: "Refuse response bodies larger than this (default 512 MiB).")
    var maxResponseBytes: Int = 512 << 20

    @Option(name: .customLong("rate-limit"), help: "At most N requests per window from this process, retries included: 5/s, 300/min, 10/30s. N workers on one account each take their share (see docs/scale-out.md).")
    var rateLimit: String?

    func validate() throws {
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        guard timeout > 0, connectTimeout > 0, (downloadTimeout ?? 1) > 0 else { throw ValidationError("timeouts must be positive") }
        if let rateLimit, RequestRate(parsing: rateLimit) == nil {
            throw ValidationError("--rate-limit takes N/s, N/min, N/h or N/SECONDSs, such as 5/s or 10/30s (got \(rateLimit))")
        }
    }

    /// The provider (the sandbox started when none is set), with a note when it is the sandbox.
    func resolve() async throws -> ProviderChoice {
        let choice = try await ProviderChoice.resolve(
            provider: provider, baseURL: baseURL, token: token, environment: ProcessInfo.processInfo.environment
        )
        if let sandbox = choice.sandbox, provider == nil {
            Report.note("note: no API token set (NSCALE_SERVICE_TOKEN, NEBIUS_API_KEY, OPENAI_API_KEY, TOGETHER_API_KEY): using the built-in sandbox at \(sandbox.baseURL) (procedural images; see `imagepipe generate --help`)")
        }
        return choice
    }

    /// A client for `choice` with these timeouts and retries.
    func client(for choice: ProviderChoice) -> GenerationClient {
        var configuration = GenerationClient.Configuration()
        configuration.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        configuration.requestTimeout = .milliseconds(Int64(timeout * 1000))
        configuration.maximumResponseBytes = maxResponseBytes
        configuration.download.timeout = .milliseconds(Int64((downloadTimeout ?? timeout) * 1000))
        configuration.retry.maximumRetries = retries
        configuration.retry.retriesUnansweredRequests = retryUnanswered
        configuration.userAgent = "imagepipe/\(Imagepipe.configuration.version)"
        configuration.requestRate = rateLimit.flatMap(RequestRate.init(parsing:))
        return GenerationClient(profile: choice.profile, token: choice.token, baseURL: choice.endpoint, configuration: configuration)
    }
}

/// What to ask the service for.
struct ImageRequestOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Model id (default: the provider's default).")
    var model: String?

    @Option(name: [.customShort("z"), .long], help: "Image size WxH, or auto (GPT image models choose; default: the provider's, Nscale 512x512). gpt-image-2 takes any size with edges multiples of 16, aspect 1:3 to 3:1, longest edge up to 3840.")
    var size: String?

    @Option(name: .customShort("n"), help: "Images per request.")
    var count: Int = 1

    @Option(name: .customLong("image-quality"), help: "OpenAI quality: low, medium, high, auto; xhigh (gpt-image-2 and later), max (gpt-image-2.5).")
    var imageQuality: String?

    @Option(help: "OpenAI background: transparent (needs PNG or WebP output), opaque, auto.")
    var background: String?

    @Option(name: .customLong("output-compression"), help: "OpenAI output_compression 0-100, for --service-format jpeg or webp.")
    var outputCompression: Int?

    @Option(name: .customLong("service-format"), help: "Format to ask the service for: png, webp, jpg (OpenAI output_format, Nebius response_extension).")
    var serviceFormat: String?

    @Option(name: .customLong("response-format"), help: "b64_json or url (never sent to gpt-image models).")
    var responseFormat: String?

    @Option(name: .customLong("extra"), help: "An extra request field, passed through: key=value (value as JSON when it parses, else a string). Repeatable.")
    var extras: [String] = []

    @Flag(help: "Ask for a streamed answer (server-sent events): partial images show with -p as they arrive. A service that answers with plain JSON is read as such.")
    var stream = false

    @Option(name: .customLong("partial-images"), help: "With --stream: partial images to send before the image, 0-3.")
    var partialImages: Int?

    @Flag(name: .customLong("save-partials"), help: "With --stream: write the partial images beside the image (NAME.partial-0.png, ...).")
    var savePartials = false

    func validate() throws {
        guard (1...10).contains(count) else { throw ValidationError("-n must be 1…10") }
        if (partialImages != nil || savePartials) && !stream { throw ValidationError("--partial-images and --save-partials need --stream") }
        if let partialImages, !(0...3).contains(partialImages) { throw ValidationError("--partial-images must be 0-3") }
        if let size, size != "auto", ImageSize(parsing: size) == nil { throw ValidationError("--size must be WxH, such as 1024x1024, or auto (got \"\(size)\")") }
    }

    /// Sets these options on `request`.
    func apply(to request: inout GenerationRequest) throws {
        request.model = model
        request.size = size.flatMap { ImageSize(parsing: $0) }
        request.sizeIsAuto = size == "auto"
        request.count = count
        request.quality = imageQuality
        request.background = background
        request.outputCompression = outputCompression
        request.stream = stream
        request.partialImages = partialImages
        if let serviceFormat {
            guard let parsed = GenerationRequest.OutputFormat(parsing: serviceFormat) else {
                throw ValidationError("--service-format must be png, webp or jpg")
            }
            request.outputFormat = parsed
        }
        if let responseFormat {
            guard let parsed = GenerationRequest.ResponseFormat(rawValue: responseFormat) else {
                throw ValidationError("--response-format must be b64_json or url")
            }
            request.responseFormat = parsed
        }
        do {
            request.extraFields = try extras.map { try GenerationRequest.ExtraField.parse($0) }
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// What to do with the images: where, in which format, checked how, with what beside them, and
/// what to print.
struct GeneratedOutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output folder (default: the current folder), a file name for a single request, or s3://bucket/prefix.")
    var output: String = "."

    @Option(help: "Output format: auto (the service's, provenance embedded; default), keep (the service's bytes untouched), png, webp, jpeg.")
    var format: GeneratedImageWriter.OutputFormat = .auto

    @OptionGroup(title: "Encoding (re-encoded images)")
    var encoding: EncodingOptions

    @Option(help: "Write a thumbnail with this longest edge beside each image (repeatable, or comma-separated: 512,256).")
    var thumbnail: [String] = []

    @Option(name: .customLong("thumbnail-format"), help: "Thumbnail format: webp (default, quality 80) or png.")
    var thumbnailFormat: ImageFormat = .webp

    @Flag(name: .customLong("strict-size"), help: "Fail images whose size differs from the one requested.")
    var strictSize = false

    @Flag(name: .customLong("fix-size"), help: "Resize images whose size differs to the one requested (cover, centre crop).")
    var fixSize = false

    @Flag(name: .customLong("reject-blank"), help: "Fail blank images (one flat dark color, as content filters return) instead of warning.")
    var rejectBlank = false

    @Flag(help: "Do not embed provenance in the image files (the sidecar is still written).")
    var strip = false

    @Flag(name: .customLong("keep-original"), help: "When the file written is a derivative (--format, --fix-size, encoder settings), keep the service's bytes beside it as NAME.original.EXT (for a signed image: the file that still carries its content credentials).")
    var keepOriginal = false

    @Flag(name: .customLong("no-sidecar"), help: "Do not write the JSON sidecar.")
    var noSidecar = false

    @Flag(name: .shortAndLong, help: "Preview each image in the terminal (24-bit color half blocks; ASCII with NO_COLOR).")
    var preview = false

    @Flag(name: [.customShort("x"), .customLong("open")], help: "Open each image with the desktop's opener (xdg-open).")
    var open = false

    @Flag(help: "Print one JSON object per image (and per failure) to stdout.")
    var json = false

    @Flag(help: "fsync each file before renaming it into place.")
    var durable = false

    @Flag(help: "Print only errors and warnings.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Add error codes to error lines.")
    var verbose = false

    func validate() throws {
        if strictSize && fixSize { throw ValidationError("--strict-size and --fix-size contradict each other") }
        _ = try thumbnailEdges()
    }

    func thumbnailEdges() throws -> [Int] {
        thumbnail.isEmpty ? [] : try PixelSizes.parse(thumbnail, option: "--thumbnail", allowNone: true)
    }

    /// The writer for `requests` requests: into a folder or file here, or under an
    /// `s3://bucket/prefix` (keys relative to it).
    func writer(requests: Int) throws -> GeneratedImageWriter {
        var writer = GeneratedImageWriter(destination: .planned(for: output, prompts: requests))
        if StorageArgument.isRemote(output) {
            writer.destination = .directory("")
            writer.storage = try StorageArgument.open(output)
        }
        writer.format = format
        writer.encoding = encoding.settings
        writer.thumbnailEdges = try thumbnailEdges()
        writer.thumbnailFormat = thumbnailFormat
        writer.sizeCheck = strictSize ? GeneratedImageWriter.SizeCheck.strict : fixSize ? .fix : .warn
        writer.rejectBlank = rejectBlank
        writer.strip = strip
        writer.keepOriginal = keepOriginal
        writer.writeSidecar = !noSidecar
        writer.durable = durable
        writer.software = "imagepipe \(Imagepipe.configuration.version)"
        let terminal = Terminal.current
        if preview && terminal.isTerminal && !json {
            writer.previewColumns = min(terminal.columns, 64)
            writer.previewInColor = terminal.color
        }
        do throws(PipelineError) { try writer.validate() } catch { throw ValidationError(error.message) }
        return writer
    }
}

/// Runs a ``GenerateJob`` for `generate` and `edit`: partial previews, a progress line while a
/// render is slow, one report per request, the summary and the exit status.
struct GenerationRun {
    var output: GeneratedOutputOptions
    var requests: ImageRequestOptions
    /// What one request is called in the summary: `prompt`, `edit`.
    var noun: String
    /// A sharded batch: its shard, where its results part goes (`OUT/results.d/part-I-of-N.jsonl`)
    /// and each work item's shard key and line.
    var shardResults: (shard: Shard, storage: any Storage, key: @Sendable (Int) -> String, line: @Sendable (Int) -> Int)?
    /// How a written file is named in output: its path here, or its `s3://` location.
    var shownPath: @Sendable (String) -> String = { $0 }

    func execute(_ job: GenerateJob, choice: ProviderChoice, client: GenerationClient) async throws {
        var job = job
        job.savesPartialImages = requests.savePartials
        if requests.stream, let columns = job.writer.previewColumns {
            let preview = PartialPreview(renderer: TerminalPreview(columns: columns, color: job.writer.previewInColor))
            job.onPartialImage = { _, partial in preview.show(partial) }
        }
        let progress = Terminal.standardErrorIsTerminal && !output.quiet && !output.json && job.writer.previewColumns == nil
            ? ProgressLine(provider: choice.profile.displayName, total: job.work.count) : nil
        progress?.start()
        let (run, configuredJob) = (showingPaths(of: job.writer.storage), job)
        let (outcomes, interrupted) = await Interruption.cancellingOnSignals {
            await configuredJob.run(client: client) { outcome in
                if let progress { progress.around { run.report(outcome) } } else { run.report(outcome) }
            }
        }
        progress?.stop()
        try? await client.shutdown()
        await choice.sandbox?.shutdown()
        let saved = outcomes.reduce(0) { $0 + $1.images.filter { (try? $0.get()) != nil }.count }
        let cancelled = outcomes.filter { $0.requestError?.code == .cancelled }.count
        let failed = outcomes.filter { !$0.succeeded }.count - cancelled
        let resumed = outcomes.filter(\.resumed).count
        if outcomes.count > 1 || failed > 0 || interrupted || resumed > 0, !output.quiet {
            Report.note("saved \(saved) image\(saved == 1 ? "" : "s") for \(outcomes.count) \(noun)\(outcomes.count == 1 ? "" : "s")"
                + (resumed > 0 ? " (\(resumed) made by an earlier run of this shard)" : "")
                + (failed > 0 ? ", \(failed) failed" : "") + (cancelled > 0 ? ", \(cancelled) not done (interrupted)" : ""))
        }
        // A shard's results part records what it finished; an interrupted shard writes none
        // (run again, it finds its images and writes the whole part).
        if let shardResults, !interrupted {
            let lines = outcomes.flatMap { outcome in
                ResultLine.lines(outcome, key: shardResults.key(outcome.promptIndex), line: shardResults.line(outcome.promptIndex))
            }
            do throws(PipelineError) {
                try await ResultParts.write(lines, shard: shardResults.shard, to: shardResults.storage)
            } catch {
                Report.error(error, verbose: output.verbose)
                throw ExitCode.failure
            }
        }
        if interrupted { throw ExitCode(130) }
        if failed > 0 { throw ExitCode.failure }
    }

    /// This run, naming written files as `storage` does (an `s3://` location for a bucket).
    private func showingPaths(of storage: any Storage) -> GenerationRun {
        var run = self
        run.shownPath = { storage.path(of: $0) }
        return run
    }

    /// Prints one request's outcome: a line per saved image (or JSON), a line per failure.
    private func report(_ outcome: GenerateJob.Outcome) {
        if let error = outcome.requestError {
            if error.code == .cancelled { return }  // the interruption note says it
            report(failure: error.description, code: error.code.description, prompt: outcome.prompt)
        }
        for image in outcome.images {
            switch image {
            case .success(let file): report(saved: file, promptIndex: outcome.promptIndex)
            case .failure(let error): report(failure: error.description, code: error.code.description, prompt: outcome.prompt)
            }
        }
    }

    private func report(saved file: SavedImage, promptIndex: Int) {
        let record = file.provenance
        let path = shownPath(file.path)
        for warning in record.warnings { Report.warn("\(path): \(warning)") }
        if output.json {
            Report.output(GenerateResultLine(path: path, sidecar: file.sidecarPath.map(shownPath), promptIndex: promptIndex, provenance: record).json)
        } else if !output.quiet {
            let thumbnails = record.thumbnails.isEmpty ? "" : ", thumbnails " + record.thumbnails.map { "\($0.width)x\($0.height)" }.joined(separator: " ")
            let conversion = record.sourceFormat == record.format ? record.format : "\(record.sourceFormat) -> \(record.format)"
            Report.output("\(path) (\(conversion), \(record.outputSize), \(record.bytes) bytes\(thumbnails))")
        }
        if let preview = file.preview { Report.output(String(preview.dropLast())) }
        if output.open && path == file.path { Terminal.open(file.path) }
    }

    private func report(failure message: String, code: String, prompt: String) {
        Report.standardError("error: " + message + (output.verbose ? " [\(code)]" : ""))
        if output.json {
            let object = ["prompt": prompt, "error": message, "code": code]
            Report.output((try? StableJSON.line(object)) ?? "{}")
        }
    }
}

/// One line of a sharded batch's results part: an image saved (or found from an earlier run of
/// the shard), or a failure, with the prompt's key and line.
private struct ResultLine: Encodable {
    var key: String
    var line: Int
    var prompt: String
    var path: String?
    var sidecar: String?
    var resumed: Bool?
    var error: String?
    var code: String?
    var provenance: Provenance?

    static func lines(_ outcome: GenerateJob.Outcome, key: String, line: Int) -> [String] {
        var lines: [ResultLine] = []
        if let error = outcome.requestError {
            lines.append(ResultLine(key: key, line: line, prompt: outcome.prompt, error: error.description, code: error.code.description))
        }
        for image in outcome.images {
            switch image {
            case .success(let saved):
                lines.append(ResultLine(
                    key: key, line: line, prompt: outcome.prompt, path: saved.path, sidecar: saved.sidecarPath,
                    resumed: outcome.resumed ? true : nil, provenance: saved.provenance
                ))
            case .failure(let error):
                lines.append(ResultLine(key: key, line: line, prompt: outcome.prompt, error: error.description, code: error.code.description))
            }
        }
        return lines.map { (try? StableJSON.line($0)) ?? "{}" }
    }
}

/// One `--json` line of `generate` and `edit`: where the image went and its provenance.
private struct GenerateResultLine: Encodable {
    var path: String
    var sidecar: String?
    var promptIndex: Int
    var provenance: Provenance

    enum CodingKeys: String, CodingKey { case path, sidecar, promptIndex = "prompt_index", provenance }

    var json: String {
        (try? StableJSON.line(self)) ?? "{}"
    }
}

extension GeneratedImageWriter.OutputFormat: ExpressibleByArgument {}

/// `--stream -p`: each partial image drawn as it arrives, over the one before.
private final class PartialPreview: Sendable {
    private let renderer: TerminalPreview
    /// Lines the last drawing took, to move back over.
    private let drawnLines = Mutex(0)

    init(renderer: TerminalPreview) {
        self.renderer = renderer
    }

    func show(_ partial: PartialImage) {
        guard let image = try? ImageDecoder().decode(partial.bytes) else { return }
        let drawing = renderer.render(image) + "partial image \(partial.index)\n"
        let lines = drawing.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
        drawnLines.withLock { drawn in
            // Back over the previous partial (cursor up, to the line start), then draw.
            Report.output((drawn > 0 ? "\u{1B}[\(drawn)F" : "") + String(drawing.dropLast()))
            drawn = lines
        }
    }
}
