// swift-tools-version: 6.1
import PackageDescription

/// imagepipe: from an image-generation API's response bytes to verified, transcoded files.
///
/// Dependencies point one way: C shims ← ImageCore ← ColorManagement (LittleCMS) ← ImageCodecs;
/// ImageCore, CResampleKernels ← ImageOps; CBase64Kernels ←
/// FastBase64 ← ImageResponses; PipelineCore (the pipeline framework and the storage seam) depends
/// on nothing; ImagePipeline (the convert, gallery, info and generated-image jobs) ← PipelineCore,
/// ImageCodecs, ImageOps, ImageResponses; ImageGeneration (the HTTP client, on AsyncHTTPClient) ←
/// ImageResponses; GenerationJob ← ImagePipeline, ImageGeneration: the only job that links the HTTP
/// stack; ImagePipeSandbox (Hummingbird) ← ImageCodecs, ImageResponses; imagepipe (CLI) ← the jobs,
/// ImageBench, ImagePipeSandbox. docs/architecture.md has the table and the graph; a test holds it
/// to this file.
let package = Package(
    name: "imagepipe",
    products: [
        .library(name: "ImageCore", targets: ["ImageCore"]),
        .library(name: "ImageCodecs", targets: ["ImageCodecs"]),
        .library(name: "ColorManagement", targets: ["ColorManagement"]),
        .library(name: "PipelineCore", targets: ["PipelineCore"]),
        .library(name: "ImagePipeline", targets: ["ImagePipeline"]),
        .library(name: "GenerationJob", targets: ["GenerationJob"]),
        .library(name: "FastBase64", targets: ["FastBase64"]),
        .library(name: "ImageResponses", targets: ["ImageResponses"]),
        .library(name: "ImageBench", targets: ["ImageBench"]),
        .library(name: "ImageOps", targets: ["ImageOps"]),
        .library(name: "ImageGeneration", targets: ["ImageGeneration"]),
        .library(name: "ImagePipeSandbox", targets: ["ImagePipeSandbox"]),
        .library(name: "ObjectStorage", targets: ["ObjectStorage"]),
        // The C baselines, for the nested Benchmarks package (one copy, used by both).
        .library(name: "CCodecBaselines", targets: ["CCodecBaselines"]),
        .executable(name: "imagepipe", targets: ["imagepipe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // `swift package generate-documentation` (the DocC catalogs under Sources/*/*.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // MARK: C at the edge
        .systemLibrary(
            name: "CLibPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev", "zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibWebP",
            pkgConfig: "libwebpdemux",
            providers: [.apt(["libwebp-dev"])]
        ),
        .systemLibrary(
            name: "CLibDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .systemLibrary(
            name: "CLibJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]
        ),
        .systemLibrary(
            name: "CLCMS2",
            pkgConfig: "lcms2",
            providers: [.apt(["liblcms2-dev"])]
        ),
        .systemLibrary(
            name: "CLibISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        .target(
            name: "CPNGShims",
            dependencies: ["CLibPNG", "CLibDeflate", "CLibISAL"]
        ),
        .target(name: "CJPEGShims", dependencies: ["CLibJPEG"]),
        .target(name: "CColorShims", dependencies: ["CLCMS2"]),
        .target(name: "CBase64Kernels"),
        .target(name: "CDigestKernels"),
        .target(name: "CResampleKernels"),
        // libpng/libwebp/libjpeg-turbo called straight from C: the baselines `imagepipe bench codecs` shows
        // beside our codecs in the same run.
        .target(name: "CCodecBaselines", dependencies: ["CLibPNG", "CLibWebP", "CLibJPEG"]),

        // MARK: Swift modules
        .target(name: "ImageCore", dependencies: ["CDigestKernels"]),
        .target(name: "FastBase64", dependencies: ["CBase64Kernels"]),
        .executableTarget(name: "Base64Fuzz", dependencies: ["FastBase64", "FuzzSupport"]),
        // ICC profiles to sRGB with LittleCMS.
        .target(name: "ColorManagement", dependencies: ["ImageCore", "CColorShims"]),
        .target(
            name: "ImageCodecs",
            dependencies: ["ImageCore", "ColorManagement", "CPNGShims", "CJPEGShims", "CLibWebP"]
        ),
        .target(name: "ImageOps", dependencies: ["ImageCore", "CResampleKernels"]),
        .target(name: "ImageResponses", dependencies: ["FastBase64", "ImageCore"]),
        .target(
            name: "ImageGeneration",
            dependencies: [
                "ImageResponses", "FastBase64", "ImageCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The pipeline framework: stages, builder, runner, errors, storage. No codec, HTTP or job.
        .target(name: "PipelineCore"),
        .target(name: "S3Wire"),
        .target(
            name: "ObjectStorage",
            dependencies: [
                "PipelineCore", "S3Wire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The image jobs (convert, gallery, info, the generated-image writer), a folder each.
        .target(
            name: "ImagePipeline",
            dependencies: ["PipelineCore", "ImageCore", "ImageCodecs", "ImageOps", "ImageResponses"]
        ),
        // The generate job and the stages that call a service: the only part of the pipeline
        // that links the HTTP stack.
        .target(
            name: "GenerationJob",
            dependencies: ["PipelineCore", "ImagePipeline", "ImageGeneration", "ImageResponses", "ImageCodecs", "ImageCore"]
        ),
        .target(
            name: "ImagePipeSandbox",
            dependencies: [
                "ImageCore",
                "ImageCodecs",
                "FastBase64",
                "ImageResponses",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "ImageBench",
            dependencies: [
                "FastBase64", "ImageResponses", "ImageCodecs", "ImageCore", "ImageOps", "ImageGeneration", "PipelineCore", "ImagePipeline", "GenerationJob",
                "CCodecBaselines",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // MARK: Fuzz targets (scripts/fuzz.sh; a plain build makes replayers)
        .target(name: "FuzzSupport"),
        .executableTarget(name: "ImageFuzz", dependencies: ["ImageCodecs", "ColorManagement", "ImageCore", "ImageResponses", "FastBase64", "FuzzSupport", "S3Wire"]),
        // Its own executable: the sandbox brings Hummingbird and NIO, which the image targets do without.
        .executableTarget(
            name: "SandboxFuzz",
            dependencies: [
                "ImagePipeSandbox", "ImageResponses", "ImageCore", "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        .executableTarget(
            name: "imagepipe",
            dependencies: [
                "PipelineCore",
                "ImagePipeline",
                "GenerationJob",
                "ImageBench",
                "ImageOps",
                "ColorManagement",
                "ImagePipeSandbox",
                "ObjectStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Start-up memory of the release binary (docs/performance.md). The toolchain links
            // executables with every Swift symbol exported (2.5 MiB of dynamic symbol table, and
            // lookups that page it in) and, with gold, 124k relocations in 2.9 MiB of .rela.dyn
            // read at every start. Not exporting them and packing the relocations (DT_RELR, which
            // gold cannot write; glibc 2.36+ reads it) keep the binary PIE and cut its peak
            // resident memory by 4.7 MiB.
            linkerSettings: [
                .unsafeFlags(
                    ["-use-ld=bfd", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
                    .when(platforms: [.linux], configuration: .release)
                )
            ]
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: ["ImageCore"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "ImageCoreTests", dependencies: ["ImageCore", "TestSupport"]),
        .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs", "ImageOps", "ColorManagement", "TestSupport", "CLibWebP"]),
        .testTarget(name: "ImagePipelineTests", dependencies: ["PipelineCore", "ImagePipeline", "ImageOps", "TestSupport"]),
        .testTarget(name: "ObjectStorageTests", dependencies: ["ObjectStorage", "S3Wire", "PipelineCore", "ImagePipeline", "TestSupport"]),
        .testTarget(name: "CommandLineTests", dependencies: ["imagepipe", "TestSupport", "ObjectStorage", "PipelineCore"]),
        .testTarget(name: "FastBase64Tests", dependencies: ["FastBase64", "TestSupport"]),
        .testTarget(name: "ImageResponsesTests", dependencies: ["ImageResponses", "TestSupport"]),
        .testTarget(
            name: "ImageGenerationTests",
            dependencies: [
                "ImageGeneration", "ImageCore", "TestSupport", "ImagePipeSandbox", "ObjectStorage", "PipelineCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ImagePipeSandboxTests",
            dependencies: [
                "ImagePipeSandbox",
                "ImageCore",
                "ImageCodecs",
                "imagepipe",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "FuzzTargetTests", dependencies: ["ImageFuzz", "SandboxFuzz", "Base64Fuzz", "FuzzSupport", "TestSupport"]),
        .testTarget(name: "ImageOpsTests", dependencies: ["ImageOps", "ImageCodecs", "TestSupport"]),
        .testTarget(
            name: "GenerateTests",
            dependencies: ["PipelineCore", "ImagePipeline", "GenerationJob", "ImageGeneration", "ImagePipeSandbox", "ImageCodecs", "imagepipe", "TestSupport"]
        ),
        .testTarget(
            name: "ImageBenchTests",
            dependencies: ["ImageBench", "PipelineCore", "ImagePipeline", "GenerationJob", "ImageGeneration", "ImagePipeSandbox", "imagepipe", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
