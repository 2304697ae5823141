import ArgumentParser
import ImageCodecs
import ImageCore
import ImagePipeline

/// Decoder limits shared by every command that reads images.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this (default 134217728 = 128 MP).")
    var maxPixels: Int = DecodeLimits.default.maxPixels

    @Option(name: .customLong("max-input-bytes"), help: "Refuse input files larger than this many bytes (default 512 MiB).")
    var maxInputBytes: Int = DecodeLimits.default.maxInputBytes

    func validate() throws {
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        guard maxInputBytes > 0 else { throw ValidationError("--max-input-bytes must be positive") }
    }

    var limits: DecodeLimits { DecodeLimits(maxPixels: maxPixels, maxInputBytes: maxInputBytes) }
}

/// Encoder settings shared by every command that writes images.
struct EncodingOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "WebP quality 0-100, default 80; with --lossless, effort 0-100, default 75 (as cwebp).")
    var quality: Int?

    @Flag(help: "WebP lossless.")
    var lossless = false

    @Option(help: "WebP method 0 (fast) to 6 (smallest). Default 4.")
    var method: Int?

    @Option(name: .customLong("alpha-quality"), help: "WebP alpha plane quality 0-100. Default 100.")
    var alphaQuality: Int?

    @Flag(help: "WebP: keep the RGB values under fully transparent pixels.")
    var exact = false

    @Option(help: "PNG zlib compression level 0-9. Default 6.")
    var level: Int?

    @Option(name: .customLong("png-filter"), help: "PNG row filters: none, sub, up, average, paeth, adaptive (default).")
    var pngFilter: PNGFilterArgument?

    var settings: EncodingSettings {
        var settings = EncodingSettings()
        settings.quality = quality
        settings.lossless = lossless
        settings.method = method
        settings.alphaQuality = alphaQuality
        settings.exact = exact
        settings.compressionLevel = level
        settings.pngFilter = pngFilter?.filter
        return settings
    }
}

struct PNGFilterArgument: ExpressibleByArgument {
    var filter: PNGEncodeOptions.Filter
    init?(argument: String) {
        guard let filter = PNGEncodeOptions.Filter(rawValue: argument.lowercased()) else { return nil }
        self.filter = filter
    }
    static var allValueStrings: [String] { PNGEncodeOptions.Filter.allCases.map(\.rawValue) }
}

extension ImageFormat: ExpressibleByArgument {
    public init?(argument: String) {
        guard let format = ImageFormat(fileExtension: argument) else { return nil }
        self = format
    }
    public static var allValueStrings: [String] { ["png", "webp", "pam"] }
}
