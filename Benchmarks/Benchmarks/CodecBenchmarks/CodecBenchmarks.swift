// Decode and encode throughput of imagepipe's codecs, each beside the same work done by the
// system libpng/libwebp called directly from C (CodecBaselines) in the same run.
//
// One iteration processes every image of a set once; divide the set's megapixels (printed in the
// benchmark names) by the wall-clock time for MP/s. The corpus is ../shared/corpus beside the
// project root (IMAGEPIPE_CORPUS overrides); the benchmarks are skipped when it is absent.
import Benchmark
import CCodecBaselines
import Foundation
import ImageCodecs
import ImageCore

struct CorpusFile: @unchecked Sendable {
    let name: String
    let bytes: [UInt8]
}

enum Corpus {
    static let root: URL? = {
        if let override = ProcessInfo.processInfo.environment["IMAGEPIPE_CORPUS"] { return URL(fileURLWithPath: override) }
        let candidate = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
    }()

    static func files(_ folder: String, suffix: String) -> [CorpusFile] {
        guard let root else { return [] }
        let directory = root.appendingPathComponent(folder)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
        return names.compactMap { name in
            (try? Data(contentsOf: directory.appendingPathComponent(name))).map { CorpusFile(name: name, bytes: [UInt8]($0)) }
        }
    }

    static let pngs = files("png", suffix: ".png")
    static let lossyWebPs = files("webp", suffix: ".q80.webp")
    static let decodedPNGs: [Image] = pngs.compactMap { try? ImageDecoder().decode($0.bytes) }

    static func megapixels(_ images: [Image]) -> String {
        let pixels = images.reduce(0) { $0 + $1.size.width * $1.size.height }
        return String(format: "%.1f MP", Double(pixels) / 1_000_000)
    }
}

/// Decodes every file with a C baseline into a fresh buffer each time, as imagepipe allocates one per image.
func decodeWithBaseline(
    _ files: [CorpusFile], capacity: Int,
    _ decode: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?, Int) -> Int
) {
    for file in files {
        let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        let written = file.bytes.withUnsafeBufferPointer { decode($0.baseAddress, $0.count, pixels, capacity) }
        precondition(written > 0, "baseline failed on \(file.name)")
        blackHole(pixels[written / 2])
        pixels.deallocate()
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(4),
        maxIterations: 40
    )
    guard !Corpus.pngs.isEmpty else {
        print("skipped: corpus not found at ../shared/corpus (set IMAGEPIPE_CORPUS)")
        return
    }
    let pngMegapixels = Corpus.megapixels(Corpus.decodedPNGs)
    let largestPNG = Corpus.decodedPNGs.map(\.byteCount).max() ?? 0

    Benchmark("PNG decode, imagepipe (\(Corpus.pngs.count) corpus PNGs, \(pngMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            for file in Corpus.pngs {
                blackHole(try file.bytes.withUnsafeBytes { try PNGCodec.decode($0) })
            }
        }
    }
    Benchmark("PNG decode, libpng from C (\(Corpus.pngs.count) corpus PNGs, \(pngMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            decodeWithBaseline(Corpus.pngs, capacity: largestPNG) { imagepipe_baseline_png_decode($0, $1, $2, $3) }
        }
    }

    let webpImages = Corpus.lossyWebPs.compactMap { try? ImageDecoder().decode($0.bytes) }
    let webpMegapixels = Corpus.megapixels(webpImages)
    Benchmark("WebP decode, imagepipe (\(Corpus.lossyWebPs.count) q80 WebPs, \(webpMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            for file in Corpus.lossyWebPs {
                blackHole(try file.bytes.withUnsafeBytes { try WebPCodec.decode($0) })
            }
        }
    }
    Benchmark("WebP decode, libwebp from C (\(Corpus.lossyWebPs.count) q80 WebPs, \(webpMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            decodeWithBaseline(Corpus.lossyWebPs, capacity: largestPNG) { imagepipe_baseline_webp_decode($0, $1, $2, $3) }
        }
    }

    // Encoding the 1024x1024 photos only keeps one iteration near a second.
    let encodeSet = Corpus.decodedPNGs.filter { $0.size.width == 1024 && $0.size.height == 1024 }
    let encodeMegapixels = Corpus.megapixels(encodeSet)
    Benchmark("WebP encode q80 m4, imagepipe (\(encodeSet.count) images, \(encodeMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            for image in encodeSet {
                blackHole(try WebPCodec.encode(image, options: WebPEncodeOptions(quality: 80, method: 4)))
            }
        }
    }
    Benchmark("WebP encode q80 m4, libwebp from C (\(encodeSet.count) images, \(encodeMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            for image in encodeSet {
                let size = image.withUnsafeBytes { imagepipe_baseline_webp_encode($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(image.size.width), Int32(image.size.height), Int32(image.format.channelCount), 80, 4) }
                precondition(size > 0)
                blackHole(size)
            }
        }
    }
    Benchmark("PNG encode level 6, imagepipe (\(encodeSet.count) images, \(encodeMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            for image in encodeSet {
                blackHole(try PNGCodec.encode(image, options: PNGEncodeOptions(compressionLevel: 6)))
            }
        }
    }
    Benchmark("PNG encode level 6, libpng from C (\(encodeSet.count) images, \(encodeMegapixels))") { benchmark in
        for _ in benchmark.scaledIterations {
            for image in encodeSet {
                let size = image.withUnsafeBytes { imagepipe_baseline_png_encode($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(image.size.width), Int32(image.size.height), Int32(image.format.channelCount)) }
                precondition(size > 0)
                blackHole(size)
            }
        }
    }
}
