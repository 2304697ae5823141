#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GenerationJob
import PipelineCore
import Synchronization
public import ImageGeneration
public import ImagePipeline

/// `imagepipe bench generate`: real generate-and-convert work (``GenerateJob`` and
/// ``GeneratedImageWriter`` writing into a temporary folder), reported as latency percentiles for
/// whole requests and for each stage, throughput, bytes, and failures by class.
///
/// Each request runs as its own one-prompt ``GenerateJob`` on a shared ``GenerationClient``, at
/// most ``concurrency`` at once, so the benchmark times every request from its start to its files
/// on disk without depending on how the job schedules prompts. Stage times come from what the
/// client and the writer record (``Provenance/timingsMilliseconds``); what neither records (the
/// sidecar, bookkeeping) is measured here as `other`, the whole request minus its recorded stages.
///
/// Against the sandbox, the warm-up (one pass over the distinct prompts by default) fills its
/// render cache, so the figures measure the client side.
///
/// ```swift
/// var request = GenerationRequest(prompt: "")
/// request.size = ImageSize(width: 1024, height: 1024)
/// var benchmark = GenerateBenchmark(prompts: GenerateBenchmark.defaultPrompts(count: 50), request: request)
/// benchmark.writer.thumbnailEdges = [256]
/// let report = try await benchmark.run(client: client)
/// print(report.table())
/// ```
public struct GenerateBenchmark: Sendable {
    /// The prompts; requests cycle through them.
    public var prompts: [String]
    /// The request sent for every prompt (its `prompt` is replaced).
    public var request: GenerationRequest
    /// How images are verified and written (its destination is replaced by the benchmark's folder).
    public var writer: GeneratedImageWriter
    /// Measured requests.
    public var requests: Int
    /// Requests in flight at once.
    public var concurrency: Int
    /// Warm-up passes over the distinct prompts before measuring (not measured; they fill a
    /// sandbox's render cache and open connections).
    public var warmupPasses: Int
    /// Where files go; `nil`: a new temporary folder.
    public var outputDirectory: String?
    /// Keep the files written (by default the folder is removed afterwards).
    public var keepFiles: Bool

    /// Creates a benchmark: 50 requests, 4 in flight, one warm-up pass, PNG as the service
    /// sends it with provenance embedded, files in a temporary folder removed afterwards.
    public init(prompts: [String], request: GenerationRequest, requests: Int = 50, concurrency: Int = 4, warmupPasses: Int = 1) {
        self.prompts = prompts
        self.request = request
        self.writer = GeneratedImageWriter(destination: .directory("."))
        self.requests = requests
        self.concurrency = concurrency
        self.warmupPasses = warmupPasses
        self.outputDirectory = nil
        self.keepFiles = false
    }

    /// `count` distinct prompts of the kind people send (subject, setting, style).
    public static func defaultPrompts(count: Int = 50) -> [String] {
        let subjects = ["a lighthouse on a cliff", "a red fox in fresh snow", "a bowl of ramen", "an old tram in the rain", "a hummingbird at a flower",
                        "a desert canyon", "a glass teapot", "a mountain village", "a koi pond", "a vintage bicycle"]
        let styles = ["at dusk, oil painting", "in morning light, photograph", "watercolor", "isometric 3d render", "charcoal sketch"]
        return (0..<max(1, count)).map { index in
            let subject = subjects[index % subjects.count]
            let style = styles[(index / subjects.count) % styles.count]
            let round = index / (subjects.count * styles.count)
            return "\(subject), \(style)" + (round > 0 ? " (\(round + 1))" : "")
        }
    }

    /// Stages in the order they happen, as recorded in provenance (`other` is measured here).
    public static let stageOrder = [
        "first_partial", "response_head", "body", "base64", "download", "retry_wait", "rate_limit_wait",
        "decode", "verify", "thumbnail", "encode", "write", "other",
    ]

    /// The stages a request records once for all its images.
    static let perRequestStages: Set<String> = ["response_head", "body", "base64", "download", "retry_wait", "rate_limit_wait"]

    /// Runs the warm-up and the measured requests.
    ///
    /// - Parameters:
    ///   - client: the client every request goes through (shared, as `imagepipe generate` does).
    ///   - progress: called with a short line as the phases start.
    /// - Throws: ``PipelineError`` when the output folder cannot be created or the writer's
    ///   settings are invalid. Failed requests and images are counted in the report, not thrown.
    public func run(client: GenerationClient, progress: @Sendable (String) -> Void = { _ in }) async throws(PipelineError) -> GenerateReport {
        precondition(!prompts.isEmpty, "a generate benchmark needs prompts")
        try writer.validate()
        let folder = if let outputDirectory { outputDirectory } else { try Self.makeTemporaryDirectory() }
        try FileIO.createDirectory(folder)
        defer { if !keepFiles && outputDirectory == nil { try? FileManager.default.removeItem(atPath: folder) } }

        // Warm-up: every distinct prompt through the client alone. Its body sizes are kept: a
        // sandbox answers the same prompt with the same bytes, so they are the measured bodies'.
        var bodyBytes: [String: Int] = [:]
        let distinct = Array(Set(prompts.prefix(requests))).sorted()
        if warmupPasses > 0 {
            progress("warming up: \(warmupPasses) pass\(warmupPasses == 1 ? "" : "es") over \(distinct.count) distinct prompt\(distinct.count == 1 ? "" : "s")")
            for _ in 0..<warmupPasses {
                let sizes = await warm(distinct, client: client)
                bodyBytes.merge(sizes) { $1 }
            }
        }

        progress("measuring: \(requests) request\(requests == 1 ? "" : "s"), \(concurrency) in flight")
        var writer = self.writer
        writer.destination = .directory(folder)
        let samples = await measure(writer: writer, client: client)
        // Interrupted: the report covers the requests that finished.
        var report = GenerateReport(
            provider: client.profile.name, endpoint: client.endpoint, requests: Task.isCancelled ? samples.results.count : requests, concurrency: concurrency,
            size: request.size?.description, warmupPasses: warmupPasses, distinctPrompts: distinct.count,
            outputDirectory: keepFiles || outputDirectory != nil ? folder : nil
        )
        report.add(samples.results, wallSeconds: samples.wallSeconds, bodyBytes: bodyBytes)
        return report
    }

    /// One measured request: when it started and ended, and what it produced.
    struct Sample: Sendable {
        var prompt: String
        var milliseconds: Double
        var outcome: GenerateJob.Outcome
        /// With a streamed request, from its start to its first partial image.
        var firstPartialMilliseconds: Double?
    }

    /// Runs the measured requests on ``PipelineRunner``, ``concurrency`` in flight. Cancelled
    /// (Ctrl-C), it starts no new request and keeps the samples of those that finished.
    private func measure(writer: GeneratedImageWriter, client: GenerationClient) async -> (results: [Sample], wallSeconds: Double) {
        let prompts = self.prompts
        let start = Measurement.now()
        var samples: [Sample] = []
        samples.reserveCapacity(requests)
        let runner = PipelineRunner(MeasuredRequest(request: request, writer: writer, client: client), concurrency: max(1, concurrency))
        await runner.run((0..<requests).lazy.map { prompts[$0 % prompts.count] }) { item in
            guard case .success(let sample) = item.result else { return }
            // A request the interruption cut short measures nothing.
            if case .failure(let error) = sample.outcome.images.first, error.code == .cancelled { return }
            if sample.outcome.requestError?.code == .cancelled { return }
            samples.append(sample)
        }
        return (samples, Measurement.now() - start)
    }

    /// One measured request: a one-prompt ``GenerateJob`` on the shared client, timed whole.
    struct MeasuredRequest: Stage {
        let request: GenerationRequest
        let writer: GeneratedImageWriter
        let client: GenerationClient
        var name: String { "request" }

        func process(_ prompt: String, context: inout StageContext) async -> Sample {
            var job = GenerateJob(prompts: [prompt], request: request, writer: writer, concurrency: 1)
            let began = Measurement.now()
            let firstPartial = Mutex<Double?>(nil)
            if request.stream {
                job.onPartialImage = { _, _ in
                    let now = Measurement.now()
                    firstPartial.withLock { $0 = $0 ?? (now - began) * 1000 }
                }
            }
            let outcome = await job.run(client: client)[0]
            return Sample(
                prompt: prompt, milliseconds: (Measurement.now() - began) * 1000, outcome: outcome,
                firstPartialMilliseconds: firstPartial.withLock { $0 }
            )
        }
    }

    private func warm(_ distinct: [String], client: GenerationClient) async -> [String: Int] {
        let request = self.request
        var sizes: [String: Int] = [:]
        await withTaskGroup(of: (String, Int?).self) { group in
            var iterator = distinct.makeIterator()
            func startNext() {
                guard let prompt = iterator.next() else { return }
                group.addTask {
                    var warmRequest = request
                    warmRequest.prompt = prompt
                    return (prompt, try? await client.generate(warmRequest).responseBytes)
                }
            }
            for _ in 0..<max(1, concurrency) { startNext() }
            while let (prompt, size) = await group.next() {
                if let size { sizes[prompt] = size }
                startNext()
            }
        }
        return sizes
    }

    /// A new empty folder under `$TMPDIR` (or `/tmp`).
    static func makeTemporaryDirectory() throws(PipelineError) -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/imagepipe-bench-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw PipelineError(.writeFailed, path: base, "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
