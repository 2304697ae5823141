#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImagePipeline
import PipelineCore

/// What `imagepipe bench generate` measured: latency distributions of whole requests and of
/// each stage, throughput, bytes, and failures by class.
public struct GenerateReport: Sendable, Codable {
    /// The provider profile's name.
    public var provider: String
    /// The URL posted to.
    public var endpoint: String
    /// Measured requests.
    public var requests: Int
    /// Requests in flight at once.
    public var concurrency: Int
    /// The size requested, `WxH`, when one was.
    public var size: String?
    /// Warm-up passes over the distinct prompts.
    public var warmupPasses: Int
    /// Distinct prompts among the measured requests.
    public var distinctPrompts: Int
    /// Where the files are, when they were kept.
    public var outputDirectory: String?

    /// Wall-clock seconds from the first request's start to the last one's end.
    public var wallSeconds: Double = 0
    /// Requests whose every image was written.
    public var succeededRequests = 0
    /// Requests that failed, or had an image that failed.
    public var failedRequests = 0
    /// Images written.
    public var images = 0
    /// Images written per second of wall time.
    public var imagesPerSecond: Double = 0
    /// Response body bytes of the successful requests; `nil` when unknown (known from the
    /// warm-up, which a deterministic service such as the sandbox answers with the same bytes).
    public var responseBytes: Int?
    /// Response body megabytes (10^6 bytes) per second of wall time, when the bytes are known.
    public var responseMegabytesPerSecond: Double?
    /// Bytes written: images and thumbnails (sidecars not counted).
    public var outputBytes = 0
    /// Failures by class: `generation.<GenerationError code>` for requests,
    /// `pipeline.<PipelineError code>` for images.
    public var failures: [String: Int] = [:]
    /// The token usage the service reported (OpenAI's `usage`), summed over the measured
    /// requests; `nil` when none reported any.
    public var usage: Provenance.Usage?
    /// Whole requests (`total`: from the request's start to its files on disk), then every stage
    /// that was recorded, in pipeline order.
    public var latencies: [LatencyDistribution] = []

    /// Creates an empty report.
    public init(
        provider: String, endpoint: String, requests: Int, concurrency: Int, size: String?, warmupPasses: Int,
        distinctPrompts: Int, outputDirectory: String? = nil
    ) {
        self.provider = provider
        self.endpoint = endpoint
        self.requests = requests
        self.concurrency = concurrency
        self.size = size
        self.warmupPasses = warmupPasses
        self.distinctPrompts = distinctPrompts
        self.outputDirectory = outputDirectory
    }

    /// Folds measured requests into the report.
    mutating func add(_ samples: [GenerateBenchmark.Sample], wallSeconds: Double, bodyBytes: [String: Int]) {
        self.wallSeconds = wallSeconds
        var total = LatencyRecorder(stage: "total")
        var stages: [String: LatencyRecorder] = [:]
        var bytesKnown = true
        var responseBytes = 0
        for sample in samples {
            let outcome = sample.outcome
            if outcome.succeeded { succeededRequests += 1 } else { failedRequests += 1 }
            if let error = outcome.requestError {
                failures["generation.\(error.code)", default: 0] += 1
                continue
            }
            total.record(milliseconds: sample.milliseconds)
            // Time to the first partial overlaps the stages: a distribution of its own, not a part of `other`.
            if let firstPartial = sample.firstPartialMilliseconds {
                stages["first_partial", default: LatencyRecorder(stage: "first_partial")].record(milliseconds: firstPartial)
            }
            if let bytes = bodyBytes[sample.prompt] { responseBytes += bytes } else { bytesKnown = false }
            var recorded = 0.0
            var first = true
            if let reported = outcome.images.lazy.compactMap({ try? $0.get() }).first?.provenance.usage {
                var sum = usage ?? Provenance.Usage(inputTokens: nil, outputTokens: nil, totalTokens: nil)
                func add(_ value: Int?, to total: inout Int?) { if let value { total = (total ?? 0) + value } }
                add(reported.inputTokens, to: &sum.inputTokens)
                add(reported.outputTokens, to: &sum.outputTokens)
                add(reported.totalTokens, to: &sum.totalTokens)
                usage = sum
            }
            for image in outcome.images {
                switch image {
                case .failure(let error):
                    failures["pipeline.\(error.code)", default: 0] += 1
                case .success(let saved):
                    images += 1
                    outputBytes += saved.provenance.bytes + saved.provenance.thumbnails.reduce(0) { $0 + $1.bytes }
                    for (stage, milliseconds) in saved.provenance.timingsMilliseconds where stage != "generate" {
                        // The request's own steps are shared by its images: counted once.
                        let perRequest = GenerateBenchmark.perRequestStages.contains(stage)
                        if perRequest && !first { continue }
                        stages[stage, default: LatencyRecorder(stage: stage)].record(milliseconds: milliseconds)
                        recorded += milliseconds
                    }
                    first = false
                }
            }
            if !first {
                stages["other", default: LatencyRecorder(stage: "other")].record(milliseconds: max(0, sample.milliseconds - recorded))
            }
        }
        imagesPerSecond = wallSeconds > 0 ? Double(images) / wallSeconds : 0
        if bytesKnown {
            self.responseBytes = responseBytes
            responseMegabytesPerSecond = wallSeconds > 0 ? Double(responseBytes) / 1e6 / wallSeconds : 0
        }
        latencies = [total.distribution()]
        let ordered = GenerateBenchmark.stageOrder + stages.keys.filter { !GenerateBenchmark.stageOrder.contains($0) }.sorted()
        for stage in ordered {
            if let recorder = stages[stage], recorder.count > 0 { latencies.append(recorder.distribution()) }
        }
    }

    /// The distribution of one stage (`total` for whole requests), when it was recorded.
    public func latency(of stage: String) -> LatencyDistribution? {
        latencies.first { $0.stage == stage }
    }

    /// The report as text: a summary, then a Markdown table of percentiles per stage.
    public func table() -> String {
        var lines: [String] = []
        lines.append("provider \(provider) at \(endpoint); \(requests) requests, \(concurrency) in flight" + (size.map { ", \($0)" } ?? "") + ", \(distinctPrompts) distinct prompts, \(warmupPasses) warm-up pass\(warmupPasses == 1 ? "" : "es")")
        var summary = "\(images) images in \(wallSeconds.fixed(2)) s: \(imagesPerSecond.fixed(1)) images/s"
        if let responseBytes, let rate = responseMegabytesPerSecond {
            summary += ", response bodies \((Double(responseBytes) / 1e6).fixed(1)) MB (\(rate.fixed(1)) MB/s)"
        } else {
            summary += ", response bodies: size unknown (no warm-up)"
        }
        summary += ", written \((Double(outputBytes) / 1e6).fixed(1)) MB"
        lines.append(summary)
        if let usage {
            let parts = [("input", usage.inputTokens), ("output", usage.outputTokens), ("total", usage.totalTokens)]
                .compactMap { name, value in value.map { "\($0) \(name)" } }
            let perImage = usage.totalTokens.map { images > 0 ? " (\((Double($0) / Double(images)).fixed(0)) per image)" : "" } ?? ""
            lines.append("usage: " + parts.joined(separator: ", ") + " tokens" + perImage)
        }
        lines.append("requests: \(succeededRequests) succeeded, \(failedRequests) failed" + (failures.isEmpty ? "" : " (" + failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"))
        lines.append("")
        lines.append("| stage | count | p50 ms | p90 ms | p99 ms | max ms | mean ms |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for latency in latencies {
            let figures = [latency.p50, latency.p90, latency.p99, latency.max, latency.mean].map { $0.fixed(2) }
            lines.append("| \(latency.stage) | \(latency.count) | " + figures.joined(separator: " | ") + " |")
        }
        if let outputDirectory { lines.append(""); lines.append("files kept in \(outputDirectory)") }
        return lines.joined(separator: "\n")
    }
}
