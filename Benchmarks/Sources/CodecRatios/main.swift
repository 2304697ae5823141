// codec-ratios: imagepipe's codecs against the system libpng/libwebp called directly from C,
// interleaved so that machine noise (other processes, frequency changes) hits both alike.
//
// Each round runs every pair once, ours and the baseline back to back in alternating order
// (ImageBench's Measurement); the
// report gives each side's median time, its throughput in megapixels per second, and the median
// of the per-round ratios ours/baseline (1.00 = same speed; 1.05 = 5% slower).
//
// usage: swift run -c release CodecRatios [ROUNDS] [CORPUS_DIR]
import CCodecBaselines
import Foundation
import ImageBench
import ImageCodecs
import ImageCore

let arguments = CommandLine.arguments
let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 15 : 15
let corpus = arguments.count > 2 ? URL(fileURLWithPath: arguments[2])
    : URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")

func load(_ folder: String, _ suffix: String) -> [[UInt8]] {
    let directory = corpus.appendingPathComponent(folder)
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    return names.compactMap { try? [UInt8](Data(contentsOf: directory.appendingPathComponent($0))) }
}

let pngs = load("png", ".png")
let webps = load("webp", ".q80.webp")
guard !pngs.isEmpty else {
    print("skipped: no corpus at \(corpus.path)")
    exit(0)
}
let decoded = pngs.map { try! ImageDecoder().decode($0) }
let photos = decoded.filter { $0.size.width == 1024 && $0.size.height == 1024 }
let webpImages = webps.map { try! ImageDecoder().decode($0) }
func megapixels(_ images: [Image]) -> Double { Double(images.reduce(0) { $0 + $1.size.width * $1.size.height }) / 1e6 }
let largest = decoded.map(\.byteCount).max()! + 64

struct Pair {
    var name: String
    var megapixels: Double
    var ours: () -> Void
    var baseline: () -> Void
}

func sink<T>(_ value: T) { withExtendedLifetime(value) {} }

let pairs = [
    Pair(name: "PNG decode (12 corpus PNGs)", megapixels: megapixels(decoded), ours: {
        for bytes in pngs { sink(try! bytes.withUnsafeBytes { try PNGCodec.decode($0) }) }
    }, baseline: {
        for bytes in pngs {
            let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: largest)
            precondition(bytes.withUnsafeBufferPointer { imagepipe_baseline_png_decode($0.baseAddress, $0.count, pixels, largest) } > 0)
            pixels.deallocate()
        }
    }),
    Pair(name: "WebP decode (6 q80 WebPs)", megapixels: megapixels(webpImages), ours: {
        for bytes in webps { sink(try! bytes.withUnsafeBytes { try WebPCodec.decode($0) }) }
    }, baseline: {
        for bytes in webps {
            let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: largest)
            precondition(bytes.withUnsafeBufferPointer { imagepipe_baseline_webp_decode($0.baseAddress, $0.count, pixels, largest) } > 0)
            pixels.deallocate()
        }
    }),
    Pair(name: "WebP encode q80 m4 (7 photos 1024²)", megapixels: megapixels(photos), ours: {
        for image in photos { sink(try! WebPCodec.encode(image, options: WebPEncodeOptions(quality: 80, method: 4))) }
    }, baseline: {
        for image in photos {
            precondition(image.withUnsafeBytes { imagepipe_baseline_webp_encode($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(image.size.width), Int32(image.size.height), Int32(image.format.channelCount), 80, 4) } > 0)
        }
    }),
    Pair(name: "PNG encode level 6 (7 photos 1024²)", megapixels: megapixels(photos), ours: {
        for image in photos { sink(try! PNGCodec.encode(image, options: PNGEncodeOptions(compressionLevel: 6))) }
    }, baseline: {
        for image in photos {
            precondition(image.withUnsafeBytes { imagepipe_baseline_png_encode($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(image.size.width), Int32(image.size.height), Int32(image.format.channelCount)) } > 0)
        }
    }),
]

print("codec-ratios: \(rounds) interleaved rounds (after a calibration pass that warms up), one core, corpus \(corpus.path)")
print("| case | imagepipe ms | imagepipe MP/s | C baseline ms | C baseline MP/s | ratio ours/C (median of rounds) |")
print("|---|---:|---:|---:|---:|---:|")
for pair in pairs {
    let samples = Measurement.interleavedSamples(rounds: rounds, [pair.ours, pair.baseline])
    let ratios = zip(samples[0], samples[1]).map { $0 / $1 }
    let o = Measurement.median(samples[0]), c = Measurement.median(samples[1])
    print(String(format: "| %@ | %.1f | %.1f | %.1f | %.1f | %.3f |", pair.name, o * 1e3, pair.megapixels / o, c * 1e3, pair.megapixels / c, Measurement.median(ratios)))
}
