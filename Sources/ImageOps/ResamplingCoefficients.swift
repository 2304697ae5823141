/// The taps of one axis of a resampling: for each output position, the first input index and the
/// normalised weights of the input pixels it reads, padded to a fixed tap count so that the inner
/// loop has no variable bound.
///
/// The formulation is Pillow's and libvips's: output pixel i is centred on input position
/// (i + 0.5) × scale; when reducing, the kernel is widened by the scale so that it averages every
/// input pixel it covers; weights are normalised to sum to 1; taps outside the image are dropped
/// (not clamped), which keeps edges unbiased.
struct ResamplingCoefficients {
    /// Taps per output position (the widest window, rounded up).
    let tapCount: Int
    /// For each output position, the first input index read.
    let starts: [Int]
    /// `outputCount × tapCount` weights; unused trailing taps are 0 and read inputs that exist.
    let weights: [Float]
    /// The same weights, each broadcast to four lanes: the horizontal pass multiplies a whole
    /// RGBA pixel by a weight with one vector multiply from memory, no shuffle.
    let broadcastWeights: [SIMD4<Float>]

    init(inputCount: Int, outputCount: Int, filter: ResamplingFilter) {
        precondition(inputCount > 0 && outputCount > 0)
        let scale = Double(inputCount) / Double(outputCount)
        let filterScale = max(scale, 1)
        let support = filter == .nearest ? 0.5 : filter.support * filterScale
        // Never more taps than input pixels: every tap must read a pixel that exists.
        // Rounded up to a multiple of 4 (the extra taps weigh 0) so the inner loop runs four
        // taps per iteration: its loop control otherwise costs more than the arithmetic.
        let tapCount = min(inputCount, (max(1, Int((support * 2 + 1).rounded(.up))) + 3) & ~3)
        var starts = [Int](repeating: 0, count: outputCount)
        var weights = [Float](repeating: 0, count: outputCount * tapCount)
        var window = [Double](repeating: 0, count: tapCount)
        for output in 0..<outputCount {
            let centre = (Double(output) + 0.5) * scale
            if filter == .nearest {
                let index = min(inputCount - 1, max(0, Int(centre)))
                starts[output] = min(index, max(0, inputCount - tapCount))
                weights[output * tapCount + index - starts[output]] = 1
                continue
            }
            var first = max(0, Int((centre - support + 0.5).rounded(.down)))
            let end = min(inputCount, Int((centre + support + 0.5).rounded(.down)))
            var count = max(0, min(end - first, tapCount))
            var sum = 0.0
            for tap in 0..<count {
                let value = filter.weight((Double(first + tap) - centre + 0.5) / filterScale)
                window[tap] = value
                sum += value
            }
            if count == 0 || sum == 0 {
                // A degenerate window (a tiny image): take the nearest pixel.
                first = min(inputCount - 1, max(0, Int(centre)))
                count = 1
                window[0] = 1
                sum = 1
            }
            // Shift the window left when it would read past the end, so every tap reads a real
            // pixel; the shifted-in taps get weight 0.
            let start = min(first, max(0, inputCount - tapCount))
            let shift = first - start
            starts[output] = start
            for tap in 0..<count {
                weights[output * tapCount + shift + tap] = Float(window[tap] / sum)
            }
        }
        self.tapCount = tapCount
        self.starts = starts
        self.weights = weights
        self.broadcastWeights = weights.map { SIMD4(repeating: $0) }
    }
}
