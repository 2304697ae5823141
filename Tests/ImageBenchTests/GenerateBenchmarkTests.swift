import Foundation
import ImageBench
import ImageCore
import ImageGeneration
import ImagePipeSandbox
import ImagePipeline
import Testing
import PipelineCore

/// `bench generate`'s library form against the in-process sandbox: small sizes, a few requests.
@Suite("bench generate")
struct GenerateBenchmarkTests {
    static func benchmark(requests: Int, warmup: Int) -> GenerateBenchmark {
        var request = GenerationRequest(prompt: "")
        request.size = ImageSize(width: 64, height: 64)
        var benchmark = GenerateBenchmark(
            prompts: GenerateBenchmark.defaultPrompts(count: 3), request: request, requests: requests, concurrency: 2, warmupPasses: warmup
        )
        benchmark.writer.thumbnailEdges = [32]
        return benchmark
    }

    static func client(_ server: SandboxServer, retries: Int = 0) -> GenerationClient {
        var configuration = GenerationClient.Configuration()
        configuration.retry.maximumRetries = retries
        return GenerationClient(profile: .sandbox, token: nil, baseURL: server.baseURL, configuration: configuration)
    }

    @Test("every stage recorded, bodies known from the warm-up, the folder removed, JSON of the documented shape")
    func measuresStages() async throws {
        let server = try await SandboxServer.start(SandboxConfiguration(port: 0))
        let client = Self.client(server)
        let report = try await Self.benchmark(requests: 6, warmup: 1).run(client: client)
        try await client.shutdown()
        let statistics = server.statistics
        await server.shutdown()

        #expect(report.succeededRequests == 6 && report.failedRequests == 0 && report.images == 6)
        #expect(report.failures.isEmpty)
        #expect(statistics.imagesRendered == 3 && statistics.generationRequests == 9, "warm-up renders each prompt once: \(statistics)")
        #expect((report.responseBytes ?? 0) > 6 * 100 && (report.responseMegabytesPerSecond ?? 0) > 0)
        #expect(report.outputBytes > 0 && report.imagesPerSecond > 0)
        #expect(report.outputDirectory == nil)
        let stages = report.latencies.map(\.stage)
        #expect(stages.first == "total")
        for stage in ["response_head", "body", "base64", "decode", "verify", "thumbnail", "encode", "write", "other"] {
            #expect(stages.contains(stage), "\(stage) missing from \(stages)")
        }
        #expect(report.latencies.allSatisfy { $0.count == 6 && $0.p50 <= $0.p99 && $0.p99 <= $0.max + 0.001 })
        let total = try #require(report.latency(of: "total"))
        let decode = try #require(report.latency(of: "decode"))
        #expect(decode.p50 <= total.max)

        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
        for key in ["provider", "endpoint", "requests", "concurrency", "wallSeconds", "imagesPerSecond", "responseBytes",
                    "responseMegabytesPerSecond", "outputBytes", "failures", "latencies", "succeededRequests", "failedRequests"] {
            #expect(json[key] != nil, "\(key) missing")
        }
        let first = try #require((json["latencies"] as? [[String: Any]])?.first)
        #expect(Set(first.keys).isSuperset(of: ["stage", "count", "min", "p50", "p90", "p99", "max", "mean", "curve"]))
        #expect(report.table().contains("| total | 6 |"))
    }

    @Test("streamed requests add the time to the first partial image, one per request, no later than the request's end")
    func streamed() async throws {
        let server = try await SandboxServer.start(SandboxConfiguration(port: 0))
        let client = Self.client(server)
        var benchmark = Self.benchmark(requests: 4, warmup: 0)
        benchmark.request.model = "gpt-image-1"
        benchmark.request.size = ImageSize(width: 1024, height: 1024)
        benchmark.request.stream = true
        benchmark.request.partialImages = 2
        let report = try await benchmark.run(client: client)
        try await client.shutdown()
        await server.shutdown()
        #expect(report.succeededRequests == 4, "\(report.failures)")
        let first = try #require(report.latency(of: "first_partial"))
        let total = try #require(report.latency(of: "total"))
        #expect(first.count == 4)
        #expect(first.max <= total.max)
        #expect(report.latencies.map(\.stage).prefix(2) == ["total", "first_partial"])
        // The sandbox reports OpenAI's usage for every request: the report sums it.
        let usage = try #require(report.usage)
        #expect(usage.outputTokens == 4 * 1024)
        #expect(usage.totalTokens == (usage.inputTokens ?? 0) + 4 * 1024)
        #expect(report.table().contains("usage: \(usage.inputTokens ?? 0) input, 4096 output"))
    }

    @Test("injected failures are counted by class: a final 400 as generation.validation")
    func requestFailures() async throws {
        var configuration = SandboxConfiguration(port: 0)
        configuration.faults = [SandboxFault(.status(400), rate: 0.5)]
        configuration.seed = 7
        let server = try await SandboxServer.start(configuration)
        let client = Self.client(server)
        let report = try await Self.benchmark(requests: 10, warmup: 0).run(client: client)
        try await client.shutdown()
        let injected = server.statistics.injectedFaults
        await server.shutdown()

        #expect(injected > 0 && injected < 10, "seed 7 should fail some, not all: \(injected)")
        #expect(report.failures == ["generation.validation": injected])
        #expect(report.failedRequests == injected && report.succeededRequests == 10 - injected)
        #expect(report.latency(of: "total")?.count == 10 - injected)
        #expect(report.table().contains("generation.validation \(injected)"))
    }

    @Test("an image the writer refuses is counted as pipeline.<code>; files kept in the given folder")
    func imageFailures() async throws {
        var configuration = SandboxConfiguration(port: 0)
        configuration.wrongSize = true
        let server = try await SandboxServer.start(configuration)
        let client = Self.client(server)
        var benchmark = Self.benchmark(requests: 3, warmup: 0)
        benchmark.writer.sizeCheck = .strict
        let folder = try makeFolder()
        benchmark.outputDirectory = folder
        let report = try await benchmark.run(client: client)
        try await client.shutdown()
        await server.shutdown()

        #expect(report.failures == ["pipeline.sizeMismatch": 3])
        #expect(report.images == 0 && report.failedRequests == 3)
        #expect(FileManager.default.fileExists(atPath: folder))
    }

    func makeFolder() throws -> String {
        let path = NSTemporaryDirectory() + "imagepipe-bench-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
