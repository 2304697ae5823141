internal import Histogram

/// The latency distribution of one stage (or of whole requests), summarised from an HDR histogram
/// of microsecond samples: percentiles, extremes and a percentile curve for charts.
///
/// Values are in milliseconds. Percentiles come from `HdrHistogram` with three significant
/// digits, so each is within 0.1% of the true sample value at that rank.
public struct LatencyDistribution: Hashable, Sendable, Codable {
    /// One point of the percentile curve: `percentile` (0…100) of the samples took at most
    /// `milliseconds`.
    public struct Point: Hashable, Sendable, Codable {
        /// The percentile, 0…100.
        public var percentile: Double
        /// The latency at that percentile, in milliseconds.
        public var milliseconds: Double

        /// Creates a point.
        public init(percentile: Double, milliseconds: Double) {
            self.percentile = percentile
            self.milliseconds = milliseconds
        }
    }

    /// What was timed: `total` (a whole request, queueing excluded), or a stage such as `decode`.
    public var stage: String
    /// How many samples were recorded.
    public var count: Int
    /// The smallest sample.
    public var min: Double
    /// The median.
    public var p50: Double
    /// The 90th percentile.
    public var p90: Double
    /// The 99th percentile.
    public var p99: Double
    /// The largest sample.
    public var max: Double
    /// The arithmetic mean.
    public var mean: Double
    /// The percentile curve (HdrHistogram's percentile iteration, 5 ticks per half distance),
    /// for charts.
    public var curve: [Point]

    /// Creates a distribution from its summary figures.
    public init(stage: String, count: Int, min: Double, p50: Double, p90: Double, p99: Double, max: Double, mean: Double, curve: [Point] = []) {
        self.stage = stage
        self.count = count
        self.min = min
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
        self.mean = mean
        self.curve = curve
    }
}

/// Collects latency samples into an HDR histogram (microsecond resolution, 1 µs to 1 hour, three
/// significant digits) and summarises them as a ``LatencyDistribution``.
///
/// ```swift
/// var recorder = LatencyRecorder(stage: "decode")
/// recorder.record(milliseconds: 12.5)
/// let summary = recorder.distribution()   // summary.p50 == 12.5 (within 0.1%)
/// ```
///
/// - Complexity: ``record(milliseconds:)`` is O(1) and never allocates.
public struct LatencyRecorder: Sendable {
    /// What is timed.
    public let stage: String
    private var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three
    )

    /// Creates an empty recorder.
    public init(stage: String) {
        self.stage = stage
    }

    /// The number of samples recorded.
    public var count: Int { Int(histogram.totalCount) }

    /// Records one sample; negative values count as 0 and values past one hour as one hour.
    public mutating func record(milliseconds: Double) {
        let microseconds = (milliseconds * 1000).rounded()
        let clamped = microseconds.isFinite ? Swift.min(Swift.max(microseconds, 0), 3_600_000_000) : 0
        _ = histogram.record(UInt64(clamped))
    }

    /// The summary of what was recorded; all zero when nothing was.
    public func distribution() -> LatencyDistribution {
        guard histogram.totalCount > 0 else {
            return LatencyDistribution(stage: stage, count: 0, min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0)
        }
        func milliseconds(_ value: UInt64) -> Double {
            // The histogram's value for a bucket is its highest equivalent value; report the
            // bucket's middle, the estimate closest to the samples in it.
            Double(histogram.medianEquivalentForValue(value)) / 1000
        }
        var curve: [LatencyDistribution.Point] = []
        for point in histogram.percentiles(ticksPerHalfDistance: 5) {
            curve.append(.init(percentile: point.percentileLevelIteratedTo, milliseconds: milliseconds(point.value)))
            if point.percentileLevelIteratedTo >= 100 { break }
        }
        return LatencyDistribution(
            stage: stage, count: count,
            min: milliseconds(histogram.min),
            p50: milliseconds(histogram.valueAtPercentile(50)),
            p90: milliseconds(histogram.valueAtPercentile(90)),
            p99: milliseconds(histogram.valueAtPercentile(99)),
            max: milliseconds(histogram.max),
            mean: histogram.mean / 1000,
            curve: curve
        )
    }
}
