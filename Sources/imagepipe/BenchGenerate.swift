import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GenerationJob
import ImageBench
import ImageCore
import ImageGeneration
import ImagePipeSandbox
import ImagePipeline
import PipelineCore

extension Imagepipe.Bench {
    struct GenerateBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Generate-and-convert latency per stage, throughput and failures, as `imagepipe generate` does the work.",
            discussion: """
            Runs real requests through the generation client and the writer (decode, verify, thumbnail, embed, \
            write) into a temporary folder (removed afterwards unless --keep or -o), and reports p50/p90/p99/max \
            for whole requests and for each stage, images/s, MB/s of response bodies, and failures by class. \
            The provider is chosen as `generate` chooses it; without a token, the built-in sandbox starts \
            in-process, and a warm-up pass over the distinct prompts fills its render cache first, so the \
            figures measure imagepipe's client side.
            """
        )

        @Option(help: "Provider: nscale, nebius, openai, together, openai-compatible (with --base-url), sandbox.")
        var provider: String?

        @Option(name: .customLong("base-url"), help: "Base URL of an OpenAI-compatible service (…/v1), such as `imagepipe serve`.")
        var baseURL: String?

        @Option(name: [.customShort("t"), .long], help: "API token (prefer the provider's environment variable).")
        var token: String?

        @Option(name: .shortAndLong, help: "Model id (default: the provider's default).")
        var model: String?

        @Option(help: "Measured requests.")
        var requests = 50

        @Flag(help: "Streamed requests (server-sent events): adds the time to the first partial image (first_partial) to the percentiles.")
        var stream = false

        @Option(name: .customLong("partial-images"), help: "With --stream: partial images per request, 0-3 (default 2).")
        var partialImages: Int?

        @Option(name: [.customShort("j"), .customLong("jobs"), .customLong("concurrency")], help: "Requests in flight at once (--concurrency is the same option).")
        var concurrency = 4

        @Option(name: .customLong("prompt-file"), help: "Prompts, one per line (blank and # lines skipped); requests cycle through them. Default: 50 built-in prompts.")
        var promptFile: String?

        @Option(name: [.customShort("z"), .long], help: "Image size WxH.")
        var size = "1024x1024"

        @Option(help: "Thumbnail longest edges, comma-separated, or none.")
        var thumbnail = "256"

        @Option(name: .customLong("thumbnail-format"), help: "Thumbnail format: webp (quality 80) or png.")
        var thumbnailFormat: ImageFormat = .webp

        @Option(help: "Output format: auto (the service's, provenance embedded), keep, png, webp, jpeg.")
        var format: GeneratedImageWriter.OutputFormat = .auto

        @Option(help: "Warm-up passes over the distinct prompts, not measured (default: 1 on the sandbox, 0 on a paid service).")
        var warmup: Int?

        @Option(help: "Retries per request (as generate's --retries).")
        var retries = 2

        @Option(name: .customLong("sandbox-latency"), help: "In-process sandbox only: delay per answer (200ms, or 100ms...800ms).")
        var sandboxLatency: String?

        @Option(name: .customLong("sandbox-fail"), help: "In-process sandbox only: inject a fault, as `serve --fail` (repeatable).")
        var sandboxFaults: [String] = []

        @Option(name: .shortAndLong, help: "Write the files here and keep them (default: a temporary folder, removed).")
        var output: String?

        @Flag(help: "Keep the temporary folder and print where it is.")
        var keep = false

        @Flag(help: "Print the report as JSON instead of a table.")
        var json = false

        @Option(help: "Also write a self-contained HTML page (inline SVG charts) to this file.")
        var html: String?

        func validate() throws {
            guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
            guard concurrency >= 1 else { throw ValidationError("--jobs must be at least 1") }
            guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
            if let warmup, warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
            if partialImages != nil && !stream { throw ValidationError("--partial-images needs --stream") }
            if let partialImages, !(0...3).contains(partialImages) { throw ValidationError("--partial-images must be 0-3") }
            guard ImageSize(parsing: size) != nil else { throw ValidationError("--size must be WxH, such as 1024x1024 (got \"\(size)\")") }
            _ = try thumbnailEdges()
        }

        func thumbnailEdges() throws -> [Int] {
            try PixelSizes.parse([thumbnail], option: "--thumbnail", allowNone: true)
        }

        func run() async throws {
            let prompts = try readPrompts()
            let choice = try await ProviderChoice.resolve(
                provider: provider, baseURL: baseURL, token: token, environment: ProcessInfo.processInfo.environment
            ) {
                var configuration = SandboxConfiguration()
                do throws(SandboxError) {
                    if let sandboxLatency { configuration.latency = try SandboxLatency(parsing: sandboxLatency) }
                    for fault in sandboxFaults { configuration.faults.append(try SandboxFault(parsing: fault)) }
                } catch {
                    throw ValidationError(error.message)
                }
                return configuration
            }
            if let sandbox = choice.sandbox {
                Report.note("benchmarking the built-in sandbox at \(sandbox.baseURL) (in this process)")
            } else if sandboxLatency != nil || !sandboxFaults.isEmpty {
                throw ValidationError("--sandbox-latency and --sandbox-fail apply to the in-process sandbox only")
            }

            var request = GenerationRequest(prompt: prompts[0])
            request.model = model
            request.size = ImageSize(parsing: size)
            request.stream = stream
            if stream { request.partialImages = partialImages ?? 2 }
            var benchmark = GenerateBenchmark(
                prompts: prompts, request: request, requests: requests, concurrency: concurrency,
                warmupPasses: warmup ?? (choice.isSandbox ? 1 : 0)
            )
            benchmark.writer.format = format
            benchmark.writer.thumbnailEdges = try thumbnailEdges()
            benchmark.writer.thumbnailFormat = thumbnailFormat
            benchmark.writer.software = "imagepipe \(Imagepipe.configuration.version)"
            benchmark.outputDirectory = output
            benchmark.keepFiles = keep || output != nil

            var configuration = GenerationClient.Configuration()
            configuration.retry.maximumRetries = retries
            configuration.userAgent = "imagepipe/\(Imagepipe.configuration.version)"
            let client = GenerationClient(profile: choice.profile, token: choice.token, baseURL: choice.endpoint, configuration: configuration)
            // Ctrl-C: the requests in flight finish, no new one starts, and the report covers
            // those that finished.
            let configured = benchmark
            let (outcome, interrupted) = await Interruption.cancellingOnSignals { () -> Result<GenerateReport, PipelineError> in
                do throws(PipelineError) {
                    return .success(try await configured.run(client: client) { Report.note("\($0)…") })
                } catch {
                    return .failure(error)
                }
            }
            try? await client.shutdown()
            await choice.sandbox?.shutdown()
            let report: GenerateReport
            switch outcome {
            case .success(let measured): report = measured
            case .failure(let error): throw ValidationError(error.description)
            }

            if json {
                Report.output(try BenchOutput.json(report))
            } else {
                Report.output(report.table())
            }
            if let html {
                try BenchOutput.write(HTMLReport.page(for: report), to: html)
            }
            try BenchOutput.stopIfInterrupted(interrupted, measured: "\(report.requests) of \(requests) requests")
        }

        private func readPrompts() throws -> [String] {
            guard let promptFile else { return GenerateBenchmark.defaultPrompts(count: 50) }
            do {
                return try PromptFile.read(promptFile)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}

/// Printing and writing bench reports: sorted-key JSON, and pages written atomically.
enum BenchOutput {
    /// After an interrupted run has shown what it measured: says so and exits with 130.
    static func stopIfInterrupted(_ interrupted: Bool, measured: String) throws {
        guard interrupted else { return }
        Report.note("interrupted: measured \(measured); the rest was not run")
        throw ExitCode(130)
    }

    static func json(_ value: some Encodable) throws -> String {
        try StableJSON.line(value)
    }

    static func write(_ page: String, to path: String) throws {
        do throws(PipelineError) {
            try FileIO.writeAtomically(Array(page.utf8), to: path)
        } catch {
            Report.standardError("error: \(error.description)")
            throw ExitCode.failure
        }
        Report.note("wrote \(path)")
    }
}
