// Base64 decoding throughput: every tier this CPU runs beside Foundation's Data(base64Encoded:),
// on the inputs `imagepipe bench base64` uses (1 MB and 8 MB of base64, output buffer reused),
// and a whole response body read by ImagesResponse beside JSONDecoder + Data(base64Encoded:).
// Throughput is reported in input bytes per second (scaled by the input size).
import Benchmark
import FastBase64
import Foundation
import ImageBench
import ImageResponses

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 2000
    )
    for size in [1_000_000, 8_000_000] {
        let label = "\(size / 1_000_000) MB"
        let input = Base64Benchmark.makeInput(size: size, variant: .clean)
        let data = Data(input)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: Base64Decoder.maximumDecodedLength(forEncodedLength: input.count), alignment: 64)

        Benchmark("base64 \(label) clean, Foundation Data(base64Encoded:)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(Data(base64Encoded: data)) }
        }
        for tier in Base64Tier.available {
            let decoder = Base64Decoder(tier: tier)
            Benchmark("base64 \(label) clean, imagepipe \(tier)") { benchmark in
                for _ in benchmark.scaledIterations {
                    input.withUnsafeBytes { blackHole(try! decoder.decode($0, into: output)) }
                }
            }
        }

        let body = Array(#"{"created":1700000000,"data":[{"b64_json":""#.utf8) + input + Array(#""}]}"#.utf8)
        let bodyData = Data(body)
        struct Body: Decodable {
            struct Entry: Decodable { var b64_json: String }
            var data: [Entry]
        }
        Benchmark("response body \(label), JSONDecoder + Data(base64Encoded:)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try JSONDecoder().decode(Body.self, from: bodyData).data.map { Data(base64Encoded: $0.b64_json)! })
            }
        }
        Benchmark("response body \(label), imagepipe ImagesResponse") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try ImagesResponse(parsing: body).images) }
        }
    }
}
