#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Timing that holds up on a shared, noisy machine: contenders run interleaved (each round runs
/// every contender once, in rotated order), and the figures are medians over rounds, so a
/// disturbance hits all contenders alike and ratios stay meaningful.
public enum Measurement {
    /// Monotonic time in seconds.
    @inline(__always)
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Runs each contender `rounds` times, interleaved in rotated order, and returns each
    /// contender's median seconds per call.
    ///
    /// See ``interleavedSamples(rounds:minimumSeconds:_:)`` for how calls are timed.
    public static func interleavedMedians(rounds: Int, minimumSeconds: Double = 0.02, _ contenders: [() -> Void]) -> [Double] {
        interleavedSamples(rounds: rounds, minimumSeconds: minimumSeconds, contenders).map(median)
    }

    /// Runs each contender `rounds` times, interleaved in rotated order, and returns, per
    /// contender, its seconds per call in each round (index `r` of every array is round `r`, so
    /// per-round ratios between contenders can be taken).
    ///
    /// A calibration pass runs first: each contender is repeated until one timing lasts at least
    /// `minimumSeconds`, which fixes how many calls one sample times (fast calls are not lost in
    /// timer resolution) and also serves as the warm-up (caches, lazy initialisation); it is not
    /// counted.
    public static func interleavedSamples(rounds: Int, minimumSeconds: Double = 0.02, _ contenders: [() -> Void]) -> [[Double]] {
        let repeats = contenders.map { work -> Int in
            var count = 1
            while true {
                let start = now()
                for _ in 0..<count { work() }
                let elapsed = now() - start
                if elapsed >= minimumSeconds || count >= 1 << 20 { return count }
                count = elapsed <= 0 ? count * 16 : max(count * 2, Int(Double(count) * minimumSeconds / elapsed * 1.2))
            }
        }
        var samples = [[Double]](repeating: [], count: contenders.count)
        for round in 0..<max(1, rounds) {
            for step in 0..<contenders.count {
                let index = (step + round) % contenders.count
                let start = now()
                for _ in 0..<repeats[index] { contenders[index]() }
                samples[index].append((now() - start) / Double(repeats[index]))
            }
        }
        return samples
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// A value the optimiser must assume is used.
@inline(never)
public func consume<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
