import FastBase64
import Foundation
import ImageResponses

/// `imagepipe bench base64`: every available base64 tier beside Foundation, on the same inputs in
/// the same run, and whole response bodies read by ``ImagesResponse`` beside `JSONDecoder` +
/// `Data(base64Encoded:)`.
public struct Base64Benchmark: Sendable {
    /// Sizes of base64 text to decode, in bytes (default 1 MB and 8 MB).
    public var sizes: [Int]
    /// Interleaved rounds per case.
    public var rounds: Int
    /// Tiers to measure (default: every tier this CPU runs).
    public var tiers: [Base64Tier]

    /// Creates a benchmark.
    public init(sizes: [Int] = [1_000_000, 8_000_000], rounds: Int = 9, tiers: [Base64Tier] = Base64Tier.available) {
        self.sizes = sizes
        self.rounds = rounds
        self.tiers = tiers
    }

    /// How the base64 text is laid out.
    public enum Variant: String, Sendable, CaseIterable, Codable {
        /// One unbroken run of base64.
        case clean
        /// A line break every 76 characters (MIME).
        case lineBreaks = "line breaks every 76"
        /// Every `/` written `\/`, as some JSON gateways do (about one in 64 characters).
        case escapedSlashes = "\\/ escapes (~1 in 64)"
    }

    /// One measured case.
    public struct Row: Sendable, Codable {
        /// What was decoded: `base64` or `response body`.
        public var workload: String
        /// The input layout.
        public var variant: String
        /// Input size in bytes (base64 text, or the whole body).
        public var inputBytes: Int
        /// `AVX2`, `portable`, `Foundation Data(base64Encoded:)`, …
        public var implementation: String
        /// Median seconds per decode.
        public var seconds: Double
        /// Input gigabytes (10^9 bytes) per second.
        public var gigabytesPerSecond: Double
        /// Speed relative to the Foundation baseline of the same case (2.0 = twice as fast).
        public var speedupOverFoundation: Double?
    }

    /// Runs every case and returns the rows, baseline first within each case.
    ///
    /// Cancelled (Ctrl-C), it stops before the next case and returns the rows measured.
    public func run(progress: (String) -> Void = { _ in }) -> [Row] {
        var rows: [Row] = []
        for size in sizes {
            for variant in Variant.allCases {
                if Task.isCancelled { return rows }  // Ctrl-C: what is measured so far
                progress("base64 \(variant.rawValue), \(size) bytes")
                rows += measureDecoders(size: size, variant: variant)
            }
            if Task.isCancelled { return rows }
            progress("response body, \(size) bytes of base64")
            rows += measureResponse(size: size, escaped: false)
            rows += measureResponse(size: size, escaped: true)
        }
        return rows
    }

    /// Base64 text of about `size` bytes in the given layout, from deterministic pseudo-random data.
    public static func makeInput(size: Int, variant: Variant) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let raw = (0..<(size / 4 * 3)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let text = Base64Encoder().encode(raw)
        switch variant {
        case .clean:
            return text
        case .lineBreaks:
            var output: [UInt8] = []
            output.reserveCapacity(text.count + text.count / 76 + 1)
            for (index, byte) in text.enumerated() {
                if index > 0 && index % 76 == 0 { output.append(0x0A) }
                output.append(byte)
            }
            return output
        case .escapedSlashes:
            var output: [UInt8] = []
            output.reserveCapacity(text.count + text.count / 32)
            for byte in text {
                if byte == UInt8(ascii: "/") { output.append(UInt8(ascii: "\\")) }
                output.append(byte)
            }
            return output
        }
    }

    func measureDecoders(size: Int, variant: Variant) -> [Row] {
        let input = Self.makeInput(size: size, variant: variant)
        let options: Base64DecodingOptions = switch variant {
        case .clean: Base64DecodingOptions()
        case .lineBreaks: Base64DecodingOptions(skipsWhitespace: true)
        case .escapedSlashes: Base64DecodingOptions(decodesJSONEscapes: true)
        }
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: Base64Decoder.maximumDecodedLength(forEncodedLength: input.count), alignment: 64)
        let copySource = UnsafeMutableRawBufferPointer.allocate(byteCount: output.count, alignment: 64)
        copySource.initializeMemory(as: UInt8.self, repeating: 1)
        defer {
            output.deallocate()
            copySource.deallocate()
        }
        let data = Data(input)
        let string = String(decoding: input, as: UTF8.self)
        var names: [String] = []
        var contenders: [() -> Void] = []
        // Foundation's own baseline for each layout: Data(base64Encoded:) for clean text; with
        // .ignoreUnknownCharacters for line breaks; for \/ escapes, what a Swift user does: let
        // JSONDecoder unescape the string, then Data(base64Encoded:).
        switch variant {
        case .clean:
            names.append("Foundation Data(base64Encoded:)")
            contenders.append { consume(Data(base64Encoded: data)) }
        case .lineBreaks:
            names.append("Foundation Data(base64Encoded:, .ignoreUnknownCharacters)")
            contenders.append { consume(Data(base64Encoded: data, options: .ignoreUnknownCharacters)) }
        case .escapedSlashes:
            let quoted = Data(("\"" + string + "\"").utf8)
            names.append("Foundation JSONDecoder String + Data(base64Encoded:)")
            contenders.append {
                let text = try! JSONDecoder().decode(String.self, from: quoted)
                consume(Data(base64Encoded: text))
            }
        }
        if variant == .clean {
            // The ceiling: copying as many bytes as the decoder writes.
            names.append("memcpy of the decoded size (ceiling)")
            contenders.append { output.copyMemory(from: UnsafeRawBufferPointer(copySource)); consume(output[0]) }
        }
        for tier in tiers {
            let decoder = Base64Decoder(options: options, tier: tier)
            names.append("imagepipe \(tier)")
            contenders.append {
                input.withUnsafeBytes { consume(try! decoder.decode($0, into: output)) }
            }
        }
        let medians = Measurement.interleavedMedians(rounds: rounds, contenders)
        return zip(names, medians).map { name, seconds in
            Row(workload: "base64", variant: variant.rawValue, inputBytes: input.count, implementation: name,
                seconds: seconds, gigabytesPerSecond: Double(input.count) / seconds / 1e9,
                speedupOverFoundation: medians[0] / seconds)
        }
    }

    /// A Nscale-shaped body with one payload of `size` bytes of base64, read whole.
    func measureResponse(size: Int, escaped: Bool) -> [Row] {
        let payload = Self.makeInput(size: size, variant: escaped ? .escapedSlashes : .clean)
        let body = Array(#"{"created":1700000000,"data":[{"b64_json":""#.utf8) + payload + Array(#""}]}"#.utf8)
        let bodyData = Data(body)
        struct Body: Decodable {
            struct Entry: Decodable { var b64_json: String }
            var data: [Entry]
        }
        let names = ["Foundation JSONDecoder + Data(base64Encoded:)", "imagepipe ImagesResponse (\(Base64Tier.best))"]
        let medians = Measurement.interleavedMedians(rounds: rounds, [
            { consume(try! JSONDecoder().decode(Body.self, from: bodyData).data.map { Data(base64Encoded: $0.b64_json)! }) },
            { consume(try! ImagesResponse(parsing: body).images) },
        ])
        return zip(names, medians).map { name, seconds in
            Row(workload: "response body", variant: escaped ? Variant.escapedSlashes.rawValue : Variant.clean.rawValue,
                inputBytes: body.count, implementation: name, seconds: seconds,
                gigabytesPerSecond: Double(body.count) / seconds / 1e9, speedupOverFoundation: medians[0] / seconds)
        }
    }

    /// The rows as a Markdown table.
    public static func table(_ rows: [Row]) -> String {
        var lines = ["| workload | layout | input | implementation | GB/s | × Foundation |", "|---|---|---:|---|---:|---:|"]
        for row in rows {
            let megabytes = String(format: "%.1f MB", Double(row.inputBytes) / 1e6)
            lines.append("| \(row.workload) | \(row.variant) | \(megabytes) | \(row.implementation) | \(String(format: "%.2f", row.gigabytesPerSecond)) | \(row.speedupOverFoundation.map { String(format: "%.1f", $0) } ?? "") |")
        }
        return lines.joined(separator: "\n")
    }
}
