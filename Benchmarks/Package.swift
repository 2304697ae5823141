// swift-tools-version: 6.1
import PackageDescription

/// imagepipe's benchmarks, a nested package so the root package never depends on the harness.
///
/// Run: `cd Benchmarks && swift package benchmark` (see the README's Performance section).
/// Every benchmark of ours sits beside its baseline in the same run: the same work done by the
/// system libpng/libwebp called directly from C (the root package's `CCodecBaselines`, the same
/// baselines `imagepipe bench codecs` measures against), as `rawlib` and `cwebp` do.
let package = Package(
    name: "imagepipe-benchmarks",
    dependencies: [
        .package(name: "imagepipe", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ImageCodecs", package: "imagepipe"),
                .product(name: "ImageCore", package: "imagepipe"),
                .product(name: "CCodecBaselines", package: "imagepipe"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Base64Benchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FastBase64", package: "imagepipe"),
                .product(name: "ImageResponses", package: "imagepipe"),
                .product(name: "ImageBench", package: "imagepipe"),
            ],
            path: "Benchmarks/Base64Benchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ResizeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ImageCodecs", package: "imagepipe"),
                .product(name: "ImageCore", package: "imagepipe"),
                .product(name: "ImageOps", package: "imagepipe"),
            ],
            path: "Benchmarks/ResizeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ResizeTiming",
            dependencies: [
                .product(name: "ImageBench", package: "imagepipe"),
                .product(name: "ImageCodecs", package: "imagepipe"),
                .product(name: "ImageCore", package: "imagepipe"),
                .product(name: "ImageOps", package: "imagepipe"),
            ]
        ),
        .executableTarget(
            name: "CodecRatios",
            dependencies: [
                .product(name: "ImageBench", package: "imagepipe"),
                .product(name: "ImageCodecs", package: "imagepipe"),
                .product(name: "ImageCore", package: "imagepipe"),
                .product(name: "CCodecBaselines", package: "imagepipe"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
