import ImageCore

/// Decode limits for fuzzing: 1 megapixel, so a tiny input that declares a large image costs at
/// most a few megabytes per decode and the fuzzer's memory limit stays far away, and 1 MiB of
/// input (libFuzzer's inputs are much smaller).
let fuzzLimits = DecodeLimits(maxPixels: 1 << 20, maxInputBytes: 1 << 20)

/// `body`'s outcome, value or error.
func outcome<T>(_ body: () throws -> T) -> Result<T, any Error> {
    Result { try body() }
}
