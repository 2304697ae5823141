import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: its ICU data costs ~10 ms at every process start
#else
import Foundation
#endif
import GenerationJob
import ImageCodecs
import ImageCore
import ImageGeneration
import ImagePipeSandbox
import ImagePipeline

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PipelineCore
import Synchronization

extension Imagepipe {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate images from a prompt and save them verified, with thumbnails and provenance.",
            discussion: """
            The provider is --provider, else the first of NSCALE_SERVICE_TOKEN, NEBIUS_API_KEY, OPENAI_API_KEY and \
            TOGETHER_API_KEY that is set, else the built-in sandbox (started in-process on loopback: procedural \
            images, no account needed). Files are named from the prompt (a-red-fox-1.png), never replace an \
            existing file (a-red-fox-1-2.png), take the extension of their real format, and are written \
            atomically, each with a JSON sidecar; the provenance is also embedded in the image (PNG text chunks, \
            WebP and JPEG XMP), with IPTC's digital source type marking it AI-generated, unless --strip. An image \
            signed with C2PA content credentials is saved as the service's bytes, unaltered. Exit status 1 if any \
            image was not saved.
            """
        )

        @Argument(help: "The prompt (or use --prompt-file).")
        var prompt: String?

        @Option(name: .customLong("prompt-file"), help: "A file of prompts, one per line (blank lines and lines starting with # are skipped): one request each.")
        var promptFile: String?

        @OptionGroup(title: "Request")
        var requests: ImageRequestOptions

        @Option(help: "Seed (Nebius, sandbox; -1 random).")
        var seed: Int?

        @Option(name: .customLong("negative-prompt"), help: "What the image should not show (Nebius).")
        var negativePrompt: String?

        @Option(help: "Inference steps (Nebius num_inference_steps).")
        var steps: Int?

        @Option(name: .customLong("guidance-scale"), help: "Guidance scale (Nebius).")
        var guidanceScale: Double?

        @Option(help: "OpenAI moderation: low or auto.")
        var moderation: String?

        @Option(name: [.customShort("j"), .customLong("jobs"), .customLong("concurrency")], help: "Requests in flight at once with --prompt-file (default 4; --concurrency is the same option).")
        var concurrency: Int = 4

        @OptionGroup(title: "Output")
        var output: GeneratedOutputOptions

        @OptionGroup(title: "Service")
        var service: ServiceOptions

        func validate() throws {
            if prompt == nil && promptFile == nil { throw ValidationError("give a prompt, or --prompt-file") }
            if prompt != nil && promptFile != nil { throw ValidationError("give a prompt or --prompt-file, not both") }
            guard concurrency >= 1 else { throw ValidationError("--jobs must be at least 1") }
        }

        func run() async throws {
            defer { Report.resourcesIfRequested() }
            let prompts = try readPrompts()
            var request = GenerationRequest(prompt: prompts[0])
            try requests.apply(to: &request)
            request.seed = seed
            request.negativePrompt = negativePrompt
            request.steps = steps
            request.guidanceScale = guidanceScale
            request.moderation = moderation
            let writer = try output.writer(requests: prompts.count)

            let choice = try await service.resolve()
            let client = service.client(for: choice)
            let job = GenerateJob(prompts: prompts, request: request, writer: writer, concurrency: concurrency)
            try await GenerationRun(output: output, requests: requests, noun: "prompt").execute(job, choice: choice, client: client)
        }

        private func readPrompts() throws -> [String] {
            if let prompt {
                guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the prompt is empty") }
                return [prompt]
            }
            do {
                return try PromptFile.read(promptFile!)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}
