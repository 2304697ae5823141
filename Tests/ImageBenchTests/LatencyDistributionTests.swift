import ImageBench
import Testing

@Suite("latency percentiles")
struct LatencyDistributionTests {
    /// Within HdrHistogram's three significant digits (0.1%) plus one microsecond of rounding.
    static func close(_ value: Double, _ expected: Double) -> Bool {
        abs(value - expected) <= expected * 0.001 + 0.001
    }

    @Test("uniform 1…1000 ms: p50 500, p90 900, p99 990, max 1000, mean 500.5")
    func uniform() {
        var recorder = LatencyRecorder(stage: "uniform")
        for value in (1...1000).shuffled() { recorder.record(milliseconds: Double(value)) }
        let summary = recorder.distribution()
        #expect(summary.count == 1000)
        #expect(Self.close(summary.min, 1), "\(summary.min)")
        #expect(Self.close(summary.p50, 500), "\(summary.p50)")
        #expect(Self.close(summary.p90, 900), "\(summary.p90)")
        #expect(Self.close(summary.p99, 990), "\(summary.p99)")
        #expect(Self.close(summary.max, 1000), "\(summary.max)")
        #expect(abs(summary.mean - 500.5) < 0.5, "\(summary.mean)")
    }

    @Test("a long tail: 99 samples of 10 ms and one of 2 s leave p50 and p99 at 10 ms, max at 2 s")
    func tail() {
        var recorder = LatencyRecorder(stage: "tail")
        for _ in 0..<99 { recorder.record(milliseconds: 10) }
        recorder.record(milliseconds: 2000)
        let summary = recorder.distribution()
        #expect(Self.close(summary.p50, 10) && Self.close(summary.p90, 10) && Self.close(summary.p99, 10), "\(summary)")
        #expect(Self.close(summary.max, 2000), "\(summary.max)")
        #expect(abs(summary.mean - (99 * 10 + 2000) / 100.0) < 0.1)
    }

    @Test("two modes: p50 in the lower, p90 and p99 in the upper")
    func bimodal() {
        var recorder = LatencyRecorder(stage: "bimodal")
        for index in 0..<1000 { recorder.record(milliseconds: index < 800 ? 5 : 250) }
        let summary = recorder.distribution()
        #expect(Self.close(summary.p50, 5) && Self.close(summary.p90, 250) && Self.close(summary.p99, 250), "\(summary)")
    }

    @Test("sub-millisecond samples keep microsecond resolution")
    func microseconds() {
        var recorder = LatencyRecorder(stage: "fast")
        for value in 1...100 { recorder.record(milliseconds: Double(value) * 0.01) }
        let summary = recorder.distribution()
        #expect(Self.close(summary.p50, 0.5), "\(summary.p50)")
        #expect(Self.close(summary.max, 1.0), "\(summary.max)")
    }

    @Test("the percentile curve rises from the minimum to 100% at the maximum")
    func curve() throws {
        var recorder = LatencyRecorder(stage: "curve")
        for value in 1...500 { recorder.record(milliseconds: Double(value)) }
        let curve = recorder.distribution().curve
        #expect(curve.count > 5)
        #expect(zip(curve, curve.dropFirst()).allSatisfy { $0.percentile <= $1.percentile && $0.milliseconds <= $1.milliseconds })
        let last = try #require(curve.last)
        #expect(last.percentile == 100 && Self.close(last.milliseconds, 500))
    }

    @Test("no samples: a zero summary, not a crash")
    func empty() {
        let summary = LatencyRecorder(stage: "none").distribution()
        #expect(summary.count == 0 && summary.p50 == 0 && summary.max == 0 && summary.curve.isEmpty)
    }
}
