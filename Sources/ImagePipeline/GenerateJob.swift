#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCore
import ImageGeneration

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

        /// Whether the request succeeded and every image was written.
        public var succeeded: Bool {
            requestError == nil && images.allSatisfy { if case .success = $0 { true } else { false } }
        }
    }

    /// The prompts, one request each.
    public var prompts: [String]
    /// The request sent for every prompt (its `prompt` is replaced).
    public var request: GenerationRequest
    /// How images are verified and written.
    public var writer: GeneratedImageWriter
    /// Requests in flight at once.
    public var concurrency: Int

    /// Creates a job.
    public init(prompts: [String], request: GenerationRequest, writer: GeneratedImageWriter, concurrency: Int = 1) {
        self.prompts = prompts
        self.request = request
        self.writer = writer
        self.concurrency = max(1, concurrency)
    }

    /// Runs every prompt, calling `onOutcome` as each one finishes (in completion order).
    ///
    /// - Returns: one outcome per prompt, in prompt order.
    public func run(client: GenerationClient, onOutcome: (Outcome) -> Void = { _ in }) async -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: prompts.count)
        await withTaskGroup(of: Outcome.self) { group in
            var next = 0
            func startNext() {
                guard next < prompts.count, !Task.isCancelled else { return }
                let index = next
                next += 1
                group.addTask { [self] in await generate(index, client: client) }
            }
            for _ in 0..<min(concurrency, prompts.count) { startNext() }
            while let outcome = await group.next() {
                outcomes[outcome.promptIndex] = outcome
                onOutcome(outcome)
                startNext()
            }
        }
        return outcomes.enumerated().map { index, outcome in
            outcome ?? Outcome(
                promptIndex: index, prompt: prompts[index],
                requestError: GenerationError(.cancelled, provider: client.profile.name, "not started: the run was cancelled"),
                images: [], attempts: 0
            )
        }
    }

    private func generate(_ index: Int, client: GenerationClient) async -> Outcome {
        var request = self.request
        request.prompt = prompts[index]
        let result: GenerationResult
        do {
            result = try await client.generate(request)
        } catch {
            return Outcome(promptIndex: index, prompt: request.prompt, requestError: error, images: [], attempts: error.attempts)
        }
        let timings = Self.milliseconds(result.timings)
        let several = result.images.count > 1 || prompts.count > 1
        let images = result.images.map { image -> Result<SavedImage, PipelineError> in
            let file = GeneratedImageFile(
                bytes: image.bytes, index: image.index, prompt: request.prompt, revisedPrompt: image.revisedPrompt,
                provider: result.provider, model: request.model, seed: request.seed,
                requestedSize: request.size, source: image.source.description, created: result.created,
                responseID: result.id, timingsMilliseconds: timings
            )
            do {
                return .success(try writer.save(file, several: several))
            } catch let error as PipelineError {
                return .failure(error)
            } catch {
                return .failure(PipelineError(.writeFailed, "\(error)"))
            }
        }
        return Outcome(promptIndex: index, prompt: request.prompt, requestError: nil, images: images, attempts: result.attempts)
    }

    static func milliseconds(_ timings: GenerationResult.Timings) -> [String: Double] {
        var values: [String: Double] = [
            "response_head": GeneratedImageWriter.milliseconds(timings.responseHead),
            "body": GeneratedImageWriter.milliseconds(timings.bodyReceived),
            "base64": GeneratedImageWriter.milliseconds(timings.decode),
            "request_total": GeneratedImageWriter.milliseconds(timings.total),
        ]
        if timings.download > .zero { values["download"] = GeneratedImageWriter.milliseconds(timings.download) }
        if timings.retryWaits > .zero { values["retry_wait"] = GeneratedImageWriter.milliseconds(timings.retryWaits) }
        return values
    }
}
