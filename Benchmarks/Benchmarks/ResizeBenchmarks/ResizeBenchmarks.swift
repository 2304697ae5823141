// Resampling throughput: the Lanczos3 kernel alone, the thumbnail path (box step + Lanczos3) and
// the box step, on the corpus's 1024x1024 RGBA and RGB photos, one thread. Pillow's figures for
// the same work come from Benchmarks/resize-vs-pillow.py (a different process, so not here).
import Benchmark
import Foundation
import ImageCodecs
import ImageCore
import ImageOps

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal], warmupIterations: 2, maxDuration: .seconds(2), maxIterations: 200)
    let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus/png")
    let target = ImageSize(width: 256, height: 256)
    let options = ResizeOptions(threads: 1)
    for name in ["1024x1024-goldfish-rgba", "1024x1024-ladybird-rgb"] {
        guard let data = FileManager.default.contents(atPath: corpus.appendingPathComponent(name + ".png").path),
              let image = try? ImageDecoder().decode([UInt8](data)) else {
            print("skipped: \(name).png not found in \(corpus.path)")
            continue
        }
        Benchmark("Lanczos3 1024->256 direct, \(image.format)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(image.resized(to: target, options: options)) }
        }
        Benchmark("thumbnail path 1024->256 (box 2 + Lanczos3), \(image.format)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(ResizeGeometry(box: target).apply(to: image, options: options)) }
        }
        Benchmark("box shrink by 2, \(image.format)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(image.boxShrunk(by: 2)) }
        }
    }
}
