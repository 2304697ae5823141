#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCore
import ImageGeneration
import ImagePipeline
import PipelineCore
import Synchronization

/// Generates images for one or more prompts and writes each one verified, with thumbnails and
/// provenance: the work of `imagepipe generate`.
///
/// One request per prompt, at most ``concurrency`` in flight; each returned image goes through a
/// ``GeneratedImageWriter`` as soon as its response arrives. A failing prompt or image is
/// reported and the others go on.
///
/// ```swift
/// let client = GenerationClient(profile: .nscale, token: token)
/// var writer = GeneratedImageWriter(destination: .directory("out"))
/// writer.thumbnailEdges = [256]
/// let job = GenerateJob(prompts: ["a red fox"], request: GenerationRequest(prompt: ""), writer: writer)
/// let outcomes = await job.run(client: client) { print($0) }
/// ```
public struct GenerateJob: Sendable {
    /// One request of the job: a generation from a prompt, or an edit of given images.
    public enum Work: Sendable {
        /// `POST /images/generations` with ``GenerateJob/request`` and this prompt.
        case prompt(String)
        /// The same, its files named `NAME-1.png`, … in a folder rather than from the prompt's
        /// slug alone: a sharded batch names each prompt by its line and slug (`00042-a-red-fox`),
        /// so that a run started again finds what it already made (``GenerateJob/resumes``).
        case namedPrompt(String, name: String)
        /// `POST /images/edits`.
        case edit(ImageEditRequest)

        /// The prompt sent.
        public var prompt: String {
            switch self {
            case .prompt(let prompt), .namedPrompt(let prompt, _): prompt
            case .edit(let edit): edit.prompt
            }
        }
    }

    /// The result of one prompt.
    public struct Outcome: Sendable {
        /// The prompt's position in ``GenerateJob/prompts``.
        public var promptIndex: Int
        /// The prompt.
        public var prompt: String
        /// The request's failure; `nil` when the service answered with images.
        public var requestError: GenerationError?
        /// One entry per image the service returned, written or failed.
        public var images: [Result<SavedImage, PipelineError>]
        /// Attempts the request took (retries included).
        public var attempts: Int
        /// The images were made by an earlier run and found on disk (``GenerateJob/resumes``);
        /// no request was sent.
        public var resumed = false

        /// Whether the request succeeded and every image was written.
        public var succeeded: Bool {
            requestError == nil && images.allSatisfy { if case .success = $0 { true } else { false } }
        }
    }

    /// The requests, in order.
    public var work: [Work]
    /// The prompts, one request each.
    public var prompts: [String] { work.map(\.prompt) }
    /// The request sent for every prompt (its `prompt` is replaced); edits carry their own.
    public var request: GenerationRequest
    /// How images are verified and written.
    public var writer: GeneratedImageWriter
    /// Requests in flight at once.
    public var concurrency: Int
    /// With a streamed request (``GenerationRequest/stream``), called with each partial image as
    /// it arrives (from a networking thread), and its prompt: a terminal preview.
    public var onPartialImage: (@Sendable (_ prompt: String, PartialImage) -> Void)?
    /// Write each request's partial images beside its first image (`NAME.partial-0.png`, …).
    public var savesPartialImages = false
    /// Send no request for a named prompt (``Work/namedPrompt(_:name:)``) whose first image's
    /// sidecar (`FOLDER/NAME-1.json`) exists: an earlier run of the same shard made it. Its outcome
    /// is read from the sidecars (``Outcome/resumed``), so a shard killed at any moment and started
    /// again duplicates nothing.
    public var resumes = false

    /// Creates a job.
    public init(prompts: [String], request: GenerationRequest, writer: GeneratedImageWriter, concurrency: Int = 1) {
        self.work = prompts.map(Work.prompt)
        self.request = request
        self.writer = writer
        self.concurrency = max(1, concurrency)
    }

    /// Creates a job of edits, one request each.
    public init(edits: [ImageEditRequest], writer: GeneratedImageWriter, concurrency: Int = 1) {
        self.work = edits.map(Work.edit)
        self.request = edits.first?.options ?? GenerationRequest(prompt: "")
        self.writer = writer
        self.concurrency = max(1, concurrency)
    }

    /// The pipeline each prompt goes through: one request, then the writer's stages on every
    /// image it returned.
    public func stages(client: GenerationClient) -> some Stage<Work, [Result<SavedImage, any Error>]> {
        let several = work.count > 1 || request.count > 1
        return Pipeline {
            RequestImages(client: client, request: request, onPartialImage: onPartialImage, keepsPartialImages: savesPartialImages)
            ForEachElement { writer.stages(several: several) }
        }
    }

    /// Runs every prompt through ``stages(client:)`` with ``concurrency`` requests in flight,
    /// calling `onOutcome` as each one finishes (in completion order). Cancelling the calling
    /// task stops starting prompts and cancels those in flight; images already saved stay.
    ///
    /// - Returns: one outcome per prompt, in prompt order (a prompt never started because the
    ///   run was cancelled has a `.cancelled` request error).
    public func run(client: GenerationClient, onOutcome: (Outcome) -> Void = { _ in }) async -> [Outcome] {
        let provider = client.profile.name
        let prompts = self.prompts
        var outcomes = [Outcome?](repeating: nil, count: prompts.count)
        // The work left: all of it, or what an earlier run of a resumed job did not finish.
        var pending = Array(work.indices)
        if resumes {
            pending = []
            let existing = await existingFiles()
            for index in work.indices {
                if let done = await resumedOutcome(index, existing: existing) {
                    outcomes[index] = done
                    onOutcome(done)
                } else {
                    pending.append(index)
                }
            }
        }
        let runner = PipelineRunner(stages(client: client), concurrency: concurrency) { [pending] work, position in
            if case .edit(let edit) = work, let first = edit.images.first { return first.path }
            return "prompt #\(pending[position] + 1)"
        }
        /// The outcome of work item `index` from the runner's item.
        func outcome(_ item: PipelineItem<[Result<SavedImage, any Error>]>, index: Int) -> Outcome {
            let attempts = item.context.counts["attempts"] ?? 0
            switch item.result {
            case .success(let images):
                let saved = images.map { result in
                    result.mapError { PipelineError(stageFailure: $0, path: item.context.label, code: .writeFailed) }
                }
                return Outcome(promptIndex: index, prompt: prompts[index], requestError: nil, images: saved, attempts: attempts)
            case .failure(let error):
                let requestError = error as? GenerationError
                    ?? GenerationError(error is CancellationError ? .cancelled : .invalidResponse, provider: provider, "\(error)")
                return Outcome(promptIndex: index, prompt: prompts[index], requestError: requestError, images: [], attempts: requestError.attempts)
            }
        }
        await runner.run(pending.map { work[$0] }) { item in
            let index = pending[item.index]
            let finished = outcome(item, index: index)
            outcomes[index] = finished
            onOutcome(finished)
        }
        return outcomes.enumerated().map { index, outcome in
            outcome ?? Outcome(
                promptIndex: index, prompt: prompts[index],
                requestError: GenerationError(.cancelled, provider: provider, "not started: the run was cancelled"),
                images: [], attempts: 0
            )
        }
    }
}

extension GenerateJob {
    /// The files already in a folder destination, by the name they were made for (`00042-a-fox`
    /// for `00042-a-fox-1.png`, `00042-a-fox-1.256.webp`, `00042-a-fox-1.json`): one listing for the
    /// whole run.
    func existingFiles() async -> [String: [String]] {
        guard case .directory(let folder) = writer.destination else { return [:] }
        // A killed run's half-written files first: they are nobody's.
        _ = await writer.storage.removeAbandonedWrites(under: folder)
        guard let listing = try? await writer.storage.list(under: folder) else { return [:] }
        var byName: [String: [String]] = [:]
        for entry in listing.entries {
            let file = StorageKey.name(of: entry.key)
            guard let dot = file.firstIndex(of: "."), let dash = file[..<dot].lastIndex(of: "-"),
                  !file[file.index(after: dash)..<dot].isEmpty, file[file.index(after: dash)..<dot].allSatisfy(\.isNumber)
            else { continue }
            byName[String(file[..<dash]), default: []].append(entry.key)
        }
        return byName
    }

    /// The outcome of work item `index` as an earlier run left it on disk, or `nil` when it must
    /// be done: a named prompt whose every image's sidecar (`NAME-1.json` … `NAME-n.json`) exists,
    /// in a folder destination. A set left incomplete (a run killed between an image and its
    /// sidecar, or between two images of one request) is removed, so that the request made again
    /// names its images as the first run would have.
    func resumedOutcome(_ index: Int, existing: [String: [String]]) async -> Outcome? {
        guard case .namedPrompt(let prompt, let name) = work[index], case .directory(let folder) = writer.destination,
              let files = existing[name] else { return nil }
        let storage = writer.storage
        var images: [Result<SavedImage, PipelineError>] = []
        for number in 1...max(1, request.count) {
            let stem = StorageKey.join(folder, "\(name)-\(number)")
            guard files.contains(stem + ".json"), let bytes = try? await storage.read(stem + ".json", maxBytes: 16 << 20),
                  let record = try? JSONDecoder().decode(Provenance.self, from: Data(bytes))
            else { break }
            images.append(.success(SavedImage(path: stem + "." + record.format, sidecarPath: stem + ".json", provenance: record)))
        }
        if images.count == max(1, request.count) {
            var outcome = Outcome(promptIndex: index, prompt: prompt, requestError: nil, images: images, attempts: 0)
            outcome.resumed = true
            return outcome
        }
        for file in files { try? await storage.remove(file) }
        return nil
    }
}

/// Sends one prompt to the generation service and hands on the images it returned, each with
/// its provenance (request, response, timings of the request's steps).
public struct GenerateImages: Stage {
    /// The stage that sends each prompt as ``GenerateJob/Work/prompt(_:)``.
    public var requesting: RequestImages

    /// Creates the stage.
    public init(
        client: GenerationClient, request: GenerationRequest,
        onPartialImage: (@Sendable (_ prompt: String, PartialImage) -> Void)? = nil, keepsPartialImages: Bool = false
    ) {
        requesting = RequestImages(client: client, request: request, onPartialImage: onPartialImage, keepsPartialImages: keepsPartialImages)
    }

    public var name: String { "generate" }

    public func process(_ prompt: String, context: inout StageContext) async throws -> [GeneratedImageFile] {
        try await requesting.process(.prompt(prompt), context: &context)
    }
}

/// Sends one request of a ``GenerateJob`` (a generation or an edit) and hands on the images it
/// returned, each with its provenance (request, response, inputs, timings of the request's steps).
public struct RequestImages: Stage {
    /// The client (provider, token, timeouts, retries).
    public var client: GenerationClient
    /// The request of generations; its prompt is replaced by the work's.
    public var request: GenerationRequest
    /// With a streamed request, called with each partial image as it arrives, and the prompt.
    public var onPartialImage: (@Sendable (_ prompt: String, PartialImage) -> Void)?
    /// Keep the partial images, to be written beside the image (`--save-partials`).
    public var keepsPartialImages = false

    /// Creates the stage.
    public init(
        client: GenerationClient, request: GenerationRequest,
        onPartialImage: (@Sendable (_ prompt: String, PartialImage) -> Void)? = nil, keepsPartialImages: Bool = false
    ) {
        self.client = client
        self.request = request
        self.onPartialImage = onPartialImage
        self.keepsPartialImages = keepsPartialImages
    }

    public var name: String { "generate" }

    public func process(_ work: GenerateJob.Work, context: inout StageContext) async throws -> [GeneratedImageFile] {
        let prompt = work.prompt
        let kept = Mutex<[PartialImage]>([])
        let (onPartialImage, keepsPartialImages) = (self.onPartialImage, self.keepsPartialImages)
        let onPartial: @Sendable (PartialImage) -> Void = { partial in
            onPartialImage?(prompt, partial)
            if keepsPartialImages { kept.withLock { $0.append(partial) } }
        }
        let result: GenerationResult
        let sent: GenerationRequest
        var inputs: [Provenance.Input]?
        var nameStem: String?
        switch work {
        case .prompt, .namedPrompt:
            var request = self.request
            request.prompt = prompt
            sent = request
            result = try await client.generate(sent, onPartialImage: onPartial)
            if case .namedPrompt(_, let name) = work { nameStem = name }
        case .edit(let edit):
            sent = edit.options
            result = try await client.edit(edit, onPartialImage: onPartial)
            inputs = edit.images.map { Self.input($0, role: "image") } + (edit.mask.map { [Self.input($0, role: "mask")] } ?? [])
            nameStem = edit.images.first.map { FileName.slug(FileName.base(of: $0.path) + " " + prompt) }
        }
        let partials = kept.withLock { $0 }.sorted { $0.index < $1.index }.compactMap { partial in
            partial.format.map { (bytes: partial.bytes, format: $0) }
        }
        let timings = result.timings
        context.record("response_head", timings.responseHead)
        context.record("body", timings.bodyReceived)
        context.record("base64", timings.decode)
        if timings.download > .zero { context.record("download", timings.download) }
        if timings.retryWaits > .zero { context.record("retry_wait", timings.retryWaits) }
        if timings.rateLimitWaits > .zero { context.record("rate_limit_wait", timings.rateLimitWaits) }
        context.counts["attempts", default: 0] += result.attempts
        let usage = result.usage.map { Provenance.Usage(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens, totalTokens: $0.totalTokens) }
        let rateLimits = result.rateLimits.map(Self.record)
        return result.images.map { image in
            var file = GeneratedImageFile(
                bytes: image.bytes, index: image.index, prompt: prompt, revisedPrompt: image.revisedPrompt,
                provider: result.provider, model: sent.model, seed: sent.seed, requestedSize: sent.size,
                source: image.source.description, created: result.created, responseID: result.id
            )
            file.usage = usage
            file.rateLimits = rateLimits
            file.inputs = inputs
            file.nameStem = nameStem
            // A request's partials show its first image coming into focus.
            if image.index == result.images.first?.index { file.partialImages = partials }
            return file
        }
    }

    /// An edit's file as the sidecar records it.
    static func input(_ file: EditImageFile, role: String) -> Provenance.Input {
        Provenance.Input(
            path: file.path, role: role, format: file.format.fileExtension, size: file.size.description,
            bytes: file.byteCount, sha256: file.sha256
        )
    }

    /// The headers' windows as the sidecar records them, by quantity.
    static func record(_ status: RateLimitStatus) -> [String: Provenance.RateLimit] {
        var windows: [String: Provenance.RateLimit] = [:]
        for (name, window) in [("requests", status.requests), ("tokens", status.tokens), ("images", status.images)]
        where window.limit != nil || window.remaining != nil || window.reset != nil {
            windows[name] = Provenance.RateLimit(
                limit: window.limit, remaining: window.remaining,
                resetSeconds: window.reset.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
            )
        }
        return windows
    }
}
