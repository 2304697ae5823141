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
            commandName: "generate",
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

        @Option(help: "With --prompt-file: do shard I of N (0-based: 3/16) of the prompts, by a stable hash of each one's line number and text, into the folder -o (files named by line: 00042-a-red-fox-1.png), skipping prompts an earlier run of the shard finished, and write OUT/results.d/part-I-of-N.jsonl (then `imagepipe merge OUT`). Default: from IMAGEPIPE_SHARD, JOB_COMPLETION_INDEX + IMAGEPIPE_SHARD_COUNT, AWS_BATCH_JOB_ARRAY_INDEX/_SIZE, CLOUD_RUN_TASK_INDEX/_COUNT or SLURM_ARRAY_TASK_*.")
        var shard: String?

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
            let shard = try ShardOption.resolve(shard, quiet: output.quiet || output.json)
            if shard != nil && promptFile == nil {
                throw ValidationError("a shard (--shard or the engine's variables) splits a --prompt-file batch; a single prompt is not split")
            }
            if let shard, promptFile != nil {
                try await runShard(shard)
                return
            }
            let prompts = try readPrompts()
            let request = try request(prompt: prompts[0])
            let writer = try output.writer(requests: prompts.count)

            let choice = try await service.resolve()
            let client = service.client(for: choice)
            let job = GenerateJob(prompts: prompts, request: request, writer: writer, concurrency: concurrency)
            try await GenerationRun(output: output, requests: requests, noun: "prompt").execute(job, choice: choice, client: client)
        }

        /// The request every prompt is sent with.
        private func request(prompt: String) throws -> GenerationRequest {
            var request = GenerationRequest(prompt: prompt)
            try requests.apply(to: &request)
            request.seed = seed
            request.negativePrompt = negativePrompt
            request.steps = steps
            request.guidanceScale = guidanceScale
            request.moderation = moderation
            return request
        }

        /// One shard of a prompt file: its prompts, named by line, into the output folder; those
        /// an earlier run of the shard finished are found, not made again; the results part last.
        private func runShard(_ shard: Shard) async throws {
            let entries: [(line: Int, prompt: String)]
            do { entries = try PromptFile.entries(promptFile!) } catch { throw ValidationError(error.description) }
            let keyed = entries.map { (key: Self.shardKey(line: $0.line, prompt: $0.prompt), line: $0.line, prompt: $0.prompt) }
            let mine = keyed.filter { shard.contains($0.key) }
            let remote = StorageArgument.isRemote(output.output)
            guard remote || GeneratedImageDestination.planned(for: output.output, prompts: 2) == .directory(output.output) else {
                throw ValidationError("a sharded batch writes into a folder: -o must name one")
            }
            var writer = try output.writer(requests: max(2, mine.count))
            writer.destination = .directory(remote ? "" : output.output)
            let choice = try await service.resolve()
            let client = service.client(for: choice)
            var job = GenerateJob(prompts: [], request: try request(prompt: mine.first?.prompt ?? "x"), writer: writer, concurrency: concurrency)
            job.work = mine.map { .namedPrompt($0.prompt, name: Self.fileName(line: $0.line, prompt: $0.prompt)) }
            job.resumes = true
            var run = GenerationRun(output: output, requests: requests, noun: "prompt")
            run.shardResults = (shard, try StorageArgument.open(output.output), { mine[$0].key }, { mine[$0].line })
            try await run.execute(job, choice: choice, client: client)
        }

        /// A prompt's shard key: its line number (8 digits, so keys sort by line) and its text.
        static func shardKey(line: Int, prompt: String) -> String {
            let digits = String(line)
            return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + "\t" + prompt
        }

        /// A prompt's file name in a sharded batch: its line number and slug (`00042-a-red-fox`).
        static func fileName(line: Int, prompt: String) -> String {
            let digits = String(line)
            return String(repeating: "0", count: max(0, 5 - digits.count)) + digits + "-" + FileName.slug(prompt)
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
