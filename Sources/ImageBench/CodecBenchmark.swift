internal import CCodecBaselines
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageOps
import ImagePipeline
import ImageResponses
import PipelineCore

/// `imagepipe bench codecs`: per-stage throughput of imagepipe's implementation on a corpus, each
/// beside its baseline measured in the same interleaved rounds: response bodies read by
/// ``ImagesResponse`` beside `JSONDecoder` + `Data(base64Encoded:)`; PNG, WebP and JPEG decode
/// and encode beside the system libpng, libwebp and libjpeg-turbo called straight from C
/// (`CCodecBaselines`);
/// the 256-pixel thumbnail resize alone (its baseline, Pillow, is another process:
/// `Benchmarks/resize-vs-pillow.py`).
///
/// The corpus is a folder of PNG, WebP, JPEG and images API response (JSON) files, recognised by
/// their bytes, in it or one level down (`png/`, `webp/`, `jpeg/`, `json/`); files that imagepipe or the
/// baseline refuses (the corrupt fixtures) are left out.
public struct CodecBenchmark: Sendable {
    /// The corpus folder.
    public var corpus: String
    /// Interleaved rounds per stage.
    public var rounds: Int
    /// Images larger than this many pixels are left out of the encode and resize stages (decode
    /// takes every image), to keep a row at a few seconds.
    public var maximumEncodePixels: Int

    /// Creates a benchmark of `corpus`.
    public init(corpus: String, rounds: Int = 5, maximumEncodePixels: Int = 1536 * 1024) {
        self.corpus = corpus
        self.rounds = rounds
        self.maximumEncodePixels = maximumEncodePixels
    }

    /// `../shared/corpus` beside the package when it exists, else the package's `Fixtures/`
    /// (the package is found from this source file's path).
    public static var defaultCorpus: String {
        let packageRoot = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/"))
        let shared = packageRoot + "/../shared/corpus"
        return FileIO.isDirectory(shared) ? shared : packageRoot + "/Fixtures"
    }

    /// One stage: imagepipe's median and, where one exists, the baseline's, from the same rounds.
    public struct Row: Sendable, Codable, Hashable {
        /// `base64 (response bodies)`, `PNG decode`, `resize 256 thumbnail`, …
        public var stage: String
        /// What one call processes: `7 files, 11.2 MB`, `12 images, 14.2 MP`.
        public var workload: String
        /// `GB/s` (input bytes) or `MP/s` (megapixels of the images processed).
        public var unit: String
        /// imagepipe's median seconds per call.
        public var seconds: Double
        /// imagepipe's throughput in ``unit``.
        public var throughput: Double
        /// The baseline's name, when the stage has one.
        public var baseline: String?
        /// The baseline's median seconds per call.
        public var baselineSeconds: Double?
        /// The baseline's throughput in ``unit``.
        public var baselineThroughput: Double?
        /// The median over rounds of baseline time / our time (2.0: we take half the time).
        public var speedup: Double?

        /// Creates a row.
        public init(
            stage: String, workload: String, unit: String, seconds: Double, throughput: Double, baseline: String? = nil,
            baselineSeconds: Double? = nil, baselineThroughput: Double? = nil, speedup: Double? = nil
        ) {
            self.stage = stage
            self.workload = workload
            self.unit = unit
            self.seconds = seconds
            self.throughput = throughput
            self.baseline = baseline
            self.baselineSeconds = baselineSeconds
            self.baselineThroughput = baselineThroughput
            self.speedup = speedup
        }
    }

    /// The corpus files, sorted by kind.
    struct Corpus {
        var pngs: [(name: String, bytes: [UInt8])] = []
        var webps: [(name: String, bytes: [UInt8])] = []
        var jpegs: [(name: String, bytes: [UInt8])] = []
        var responses: [(name: String, bytes: [UInt8])] = []
    }

    /// Runs every stage the corpus has inputs for.
    ///
    /// - Throws: ``PipelineError`` when the corpus folder cannot be read or holds no usable file.
    ///
    /// Cancelled (Ctrl-C), it stops before the next measurement and returns the rows measured.
    public func run(progress: (String) -> Void = { _ in }) throws(PipelineError) -> [Row] {
        let corpus = try load()
        var rows: [Row] = []
        if !corpus.responses.isEmpty {
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("base64: \(corpus.responses.count) response bodies")
            rows.append(measureResponses(corpus.responses.map(\.bytes)))
        }
        if !corpus.pngs.isEmpty {
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("SHA-256: \(corpus.pngs.count) files")
            rows.append(measureDigest(corpus.pngs.map(\.bytes)))
        }
        if !corpus.jpegs.isEmpty {
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("JPEG decode: \(corpus.jpegs.count) files")
            let jpegImages = corpus.jpegs.map { file in try! file.bytes.withUnsafeBytes { try JPEGCodec.decode($0) } }
            rows.append(measureDecode("JPEG decode", corpus.jpegs.map(\.bytes), jpegImages, baselineName: "libjpeg-turbo (C, jpeg_read_scanlines)") { data, count, pixels, capacity in
                imagepipe_baseline_jpeg_decode(data, count, pixels, capacity)
            } ours: { try JPEGCodec.decode($0) })
            // Shrink on load of progressive files at 1/4 (a 512 thumbnail of a 4096-pixel photo):
            // imagepipe's own entropy decoder against libjpeg's at the same scale, same pixels.
            let progressive = zip(corpus.jpegs, jpegImages).filter { file, _ in
                (try? file.bytes.withUnsafeBytes { try JPEGCodec.probe($0) })?.compression == .progressiveDCT
            }
            if !progressive.isEmpty {
                progress("JPEG progressive decode at 1/4: \(progressive.count) files")
                let quarter: (ImageInfo) -> ImageSize? = { ImageSize(width: $0.size.width / 4, height: $0.size.height / 4) }
                rows.append(measureDecode(
                    "JPEG progressive decode at 1/4 (own entropy decoder; MP of the source)", progressive.map(\.0.bytes), progressive.map(\.1),
                    baselineName: "libjpeg-turbo (C, scale_denom 4)"
                ) { data, count, pixels, capacity in
                    imagepipe_baseline_jpeg_decode_scaled(data, count, 4, pixels, capacity)
                } ours: { bytes in
                    var warnings = 0
                    return try JPEGCodec.decodeWithInfo(bytes, limits: .default, lenient: false, warningCount: &warnings, minimumSize: quarter).image
                })
            }
        }
        let pngImages = corpus.pngs.map { try! ImageDecoder().decode($0.bytes) }
        let webpImages = corpus.webps.map { try! ImageDecoder().decode($0.bytes) }
        if !corpus.pngs.isEmpty {
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("PNG decode: \(corpus.pngs.count) files")
            rows.append(measureDecode("PNG decode", corpus.pngs.map(\.bytes), pngImages, baselineName: "libpng (C, simplified API)") { data, count, pixels, capacity in
                imagepipe_baseline_png_decode(data, count, pixels, capacity)
            } ours: { try PNGCodec.decode($0) })
        }
        if !corpus.webps.isEmpty {
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("WebP decode: \(corpus.webps.count) files")
            rows.append(measureDecode("WebP decode", corpus.webps.map(\.bytes), webpImages, baselineName: "libwebp (C, WebPDecodeRGB(A)Into)") { data, count, pixels, capacity in
                imagepipe_baseline_webp_decode(data, count, pixels, capacity)
            } ours: { try WebPCodec.decode($0) })
        }
        let encodable = (pngImages + webpImages).filter { $0.size.width * $0.size.height <= maximumEncodePixels && $0.size.width * $0.size.height >= 4096 }
        if !encodable.isEmpty {
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("resize to 256 thumbnails: \(encodable.count) images")
            rows.append(measureResize(encodable))
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("PNG encode: \(encodable.count) images")
            rows.append(measureEncode("PNG encode (level 6)", encodable, baselineName: "libpng (C, simplified API, level 6)", ours: {
                _ = try! PNGCodec.encode($0, options: PNGEncodeOptions(compressionLevel: 6))
            }, baseline: { image, pixels in
                imagepipe_baseline_png_encode(pixels, Int32(image.size.width), Int32(image.size.height), Int32(image.format.channelCount))
            }))
            if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
            progress("WebP encode: \(encodable.count) images")
            rows.append(measureEncode("WebP encode (q80, method 4)", encodable, baselineName: "libwebp (C, WebPEncode q80 m4)", ours: {
                _ = try! WebPCodec.encode($0, options: WebPEncodeOptions(quality: 80, method: 4))
            }, baseline: { image, pixels in
                imagepipe_baseline_webp_encode(pixels, Int32(image.size.width), Int32(image.size.height), Int32(image.format.channelCount), 80, 4)
            }))
            // JPEG has no alpha: the opaque images, as both sides take RGB.
            let opaque = encodable.filter { $0.format == .rgb8 }
            if !opaque.isEmpty {
                if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
                progress("JPEG encode: \(opaque.count) images")
                rows.append(measureEncode("JPEG encode (q80, 4:2:0, optimised)", opaque, baselineName: "libjpeg-turbo (C, jpeg_write_scanlines q80)", ours: {
                    _ = try! JPEGCodec.encode($0, options: JPEGEncodeOptions(quality: 80))
                }, baseline: { image, pixels in
                    imagepipe_baseline_jpeg_encode(pixels, Int32(image.size.width), Int32(image.size.height), 3, 80)
                }))
            }
        }
        return rows
    }

    func load() throws(PipelineError) -> Corpus {
        var folders = [corpus]
        var files: [String] = []
        guard FileIO.isDirectory(corpus) else { throw PipelineError(.readFailed, path: corpus, "is not a folder") }
        while let folder = folders.first {
            folders.removeFirst()
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted() } catch {
                throw PipelineError(.readFailed, path: folder, "cannot list: \(error)")
            }
            for name in names where !name.hasPrefix(".") {
                let path = folder + "/" + name
                if FileIO.isDirectory(path) {
                    if folder == corpus { folders.append(path) }  // one level down: png/, webp/, json/
                } else {
                    files.append(path)
                }
            }
        }
        var result = Corpus()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 20, alignment: 64)
        defer { scratch.deallocate() }
        for path in files {
            guard let bytes = try? FileIO.readFile(path, maxBytes: 64 << 20), !bytes.isEmpty else { continue }
            let name = String(path.split(separator: "/").last ?? "")
            switch ImageFormat.sniff(bytes) {
            case .png?:
                guard (try? ImageDecoder().decode(bytes)) != nil,
                      bytes.withUnsafeBufferPointer({ imagepipe_baseline_png_decode($0.baseAddress, $0.count, scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), scratch.count) }) > 0
                else { continue }
                result.pngs.append((name, bytes))
            case .jpeg?:
                guard (try? bytes.withUnsafeBytes({ try JPEGCodec.decode($0) })) != nil,
                      bytes.withUnsafeBufferPointer({ imagepipe_baseline_jpeg_decode($0.baseAddress, $0.count, scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), scratch.count) }) > 0
                else { continue }
                result.jpegs.append((name, bytes))
            case .webp?:
                guard (try? ImageDecoder(animation: .reject).decode(bytes)) != nil,
                      bytes.withUnsafeBufferPointer({ imagepipe_baseline_webp_decode($0.baseAddress, $0.count, scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), scratch.count) }) > 0
                else { continue }
                result.webps.append((name, bytes))
            default:
                // An images API response with every payload decodable, by us and by Foundation.
                guard bytes.first == UInt8(ascii: "{"), let response = try? ImagesResponse(parsing: bytes), response.error == nil,
                      !response.images.isEmpty, response.images.allSatisfy({ $0.bytes != nil }),
                      (try? Self.foundationDecode(Data(bytes))) != nil
                else { continue }
                result.responses.append((name, bytes))
            }
        }
        guard !result.pngs.isEmpty || !result.webps.isEmpty || !result.jpegs.isEmpty || !result.responses.isEmpty else {
            throw PipelineError(.readFailed, path: corpus, "holds no PNG, WebP, JPEG or images API response that decodes")
        }
        return result
    }

    /// What a Swift user writes: `JSONDecoder` for the body, `Data(base64Encoded:)` per image.
    static func foundationDecode(_ body: Data) throws -> [Data] {
        struct Body: Decodable {
            struct Entry: Decodable { var b64_json: String? }
            var data: [Entry]
        }
        return try JSONDecoder().decode(Body.self, from: body).data.map { entry in
            guard let text = entry.b64_json, let data = Data(base64Encoded: text) else {
                throw PipelineError(.invalidResponse, "not base64")
            }
            return data
        }
    }

    private func row(_ stage: String, workload: String, unit: String, amount: Double, samples: [[Double]], baseline: String?) -> Row {
        let ours = Measurement.median(samples[0])
        var row = Row(stage: stage, workload: workload, unit: unit, seconds: ours, throughput: amount / ours)
        if let baseline, samples.count > 1 {
            let theirs = Measurement.median(samples[1])
            row.baseline = baseline
            row.baselineSeconds = theirs
            row.baselineThroughput = amount / theirs
            row.speedup = Measurement.median(zip(samples[1], samples[0]).map { $0 / $1 })
        }
        return row
    }

    private func measureResponses(_ bodies: [[UInt8]]) -> Row {
        let datas = bodies.map { Data($0) }
        let total = bodies.reduce(0) { $0 + $1.count }
        let samples = Measurement.interleavedSamples(rounds: rounds, [
            { for body in bodies { consume(try! ImagesResponse(parsing: body).images) } },
            { for data in datas { consume(try! Self.foundationDecode(data)) } },
        ])
        return row("base64 (response bodies)", workload: "\(bodies.count) files, \((Double(total) / 1e6).fixed(1)) MB", unit: "GB/s",
                   amount: Double(total) / 1e9, samples: samples, baseline: "Foundation JSONDecoder + Data(base64Encoded:)")
    }

    private func measureDecode(
        _ stage: String, _ files: [[UInt8]], _ images: [Image], baselineName: String,
        baseline: @escaping (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>, Int) -> Int,
        ours: @escaping (UnsafeRawBufferPointer) throws -> Image
    ) -> Row {
        let megapixels = Self.megapixels(images)
        let capacity = images.map { $0.size.width * $0.size.height * 4 }.max() ?? 0
        let samples = Measurement.interleavedSamples(rounds: rounds, [
            { for bytes in files { consume(try! bytes.withUnsafeBytes { try ours($0) }) } },
            {
                // Like ours, the baseline allocates each image's pixel buffer.
                for bytes in files {
                    let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
                    precondition(bytes.withUnsafeBufferPointer { baseline($0.baseAddress, $0.count, pixels, capacity) } > 0)
                    pixels.deallocate()
                }
            },
        ])
        return row(stage, workload: "\(files.count) files, \(megapixels.fixed(1)) MP", unit: "MP/s", amount: megapixels, samples: samples, baseline: baselineName)
    }

    /// SHA-256 of whole files (the digest of every generated image's provenance): the SHA
    /// extensions, where the CPU has them, against the portable Swift code.
    private func measureDigest(_ files: [[UInt8]]) -> Row {
        let total = files.reduce(0) { $0 + $1.count }
        let samples = Measurement.interleavedSamples(rounds: rounds, [
            { for file in files { consume(SHA256.hex(of: file)) } },
            { for file in files { consume(SHA256.portableHex(of: file)) } },
        ])
        let tier = SHA256.usesHardware ? "SHA extensions" : "portable (no SHA extensions on this CPU)"
        return row("SHA-256 (\(tier))", workload: "\(files.count) files, \((Double(total) / 1e6).fixed(1)) MB", unit: "GB/s",
                   amount: Double(total) / 1e9, samples: samples, baseline: "portable Swift SHA-256")
    }

    private func measureResize(_ images: [Image]) -> Row {
        let geometry = ResizeGeometry(box: ImageSize(width: 256, height: 256), fit: .contain)
        let samples = Measurement.interleavedSamples(rounds: rounds, [
            { for image in images { consume(geometry.apply(to: image)) } },
        ])
        let megapixels = Self.megapixels(images)
        return row("resize to 256 thumbnail (Lanczos3)", workload: "\(images.count) images, \(megapixels.fixed(1)) MP", unit: "MP/s",
                   amount: megapixels, samples: samples, baseline: nil)
    }

    private func measureEncode(
        _ stage: String, _ images: [Image], baselineName: String, ours: @escaping (Image) -> Void,
        baseline: @escaping (Image, UnsafePointer<UInt8>) -> Int
    ) -> Row {
        let samples = Measurement.interleavedSamples(rounds: rounds, [
            { for image in images { ours(image) } },
            {
                for image in images {
                    precondition(image.withUnsafeBytes { baseline(image, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) } > 0)
                }
            },
        ])
        let megapixels = Self.megapixels(images)
        return row(stage, workload: "\(images.count) images, \(megapixels.fixed(1)) MP", unit: "MP/s", amount: megapixels, samples: samples, baseline: baselineName)
    }

    static func megapixels(_ images: [Image]) -> Double {
        Double(images.reduce(0) { $0 + $1.size.width * $1.size.height }) / 1e6
    }

    /// The rows as a Markdown table, the baseline beside imagepipe.
    public static func table(_ rows: [Row]) -> String {
        var lines = [
            "| stage | workload | imagepipe | baseline | baseline throughput | × baseline |",
            "|---|---|---:|---|---:|---:|",
        ]
        for row in rows {
            let ours = "\(row.throughput.fixed(row.unit == "GB/s" ? 2 : 1)) \(row.unit)"
            let theirs = row.baselineThroughput.map { "\($0.fixed(row.unit == "GB/s" ? 2 : 1)) \(row.unit)" } ?? ""
            lines.append("| \(row.stage) | \(row.workload) | \(ours) | \(row.baseline ?? "—") | \(theirs) | \(row.speedup.map { $0.fixed(2) } ?? "") |")
        }
        return lines.joined(separator: "\n")
    }
}
