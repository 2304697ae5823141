import ArgumentParser
import ColorManagement
import ImageCodecs
import ImageCore
import ImageOps
import ImagePipeline
import PipelineCore

/// How every command that reads images decodes them: limits, leniency, orientation.
struct DecodingOptions: ParsableArguments {
    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this (default 134217728 = 128 MP).")
    var maxPixels: Int = DecodeLimits.default.maxPixels

    @Option(name: .customLong("max-input-bytes"), help: "Refuse input files larger than this many bytes (default 512 MiB).")
    var maxInputBytes: Int = DecodeLimits.default.maxInputBytes

    @Option(name: .customLong("max-scans"), help: "Refuse progressive JPEGs with more scans than this (default 100; a CPU bomb has thousands).")
    var maxScans: Int = DecodeLimits.default.maxScans

    @Flag(help: "Accept JPEG data libjpeg only warns about (corrupt or cut short: missing rows grey) instead of refusing it.")
    var lenient = false

    @Flag(name: .customLong("no-auto-orient"), help: "Keep the stored pixels instead of turning photos upright by their EXIF Orientation.")
    var noAutoOrient = false

    @Option(help: "Rendering intent for converting embedded ICC profiles to sRGB: perceptual, relative (default, as libvips), saturation, absolute.")
    var intent: RenderingIntent = .relative

    @Flag(name: .customLong("keep-icc"), help: "Keep the source's ICC profile (embedded in the output) and its pixels, instead of converting them to sRGB.")
    var keepICC = false

    func validate() throws {
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        guard maxInputBytes > 0 else { throw ValidationError("--max-input-bytes must be positive") }
        guard maxScans > 0 else { throw ValidationError("--max-scans must be positive") }
        if keepICC && intent != .relative { throw ValidationError("--intent converts to sRGB; --keep-icc keeps the profile instead: give one of them") }
    }

    var limits: DecodeLimits {
        var limits = DecodeLimits(maxPixels: maxPixels, maxInputBytes: maxInputBytes)
        limits.maxScans = maxScans
        return limits
    }

    /// The decoder these options describe.
    func decoder(animation: AnimationPolicy = .firstFrame) -> ImageDecoder {
        var decoder = ImageDecoder(limits: limits, animation: animation)
        decoder.lenient = lenient
        decoder.autoOrient = !noAutoOrient
        decoder.color = keepICC ? .keepProfile : .convertToSRGB(intent)
        return decoder
    }
}

/// What outputs keep of their sources' metadata (convert, gallery).
struct MetadataOptions: ParsableArguments {
    @Flag(name: .customLong("keep-metadata"), help: "Copy EXIF (Orientation reset to 1 when the pixels were turned upright), XMP and the ICC profile into each output; pixels stay in the profile's colour space. Default: colour meaning only, EXIF (GPS, serial numbers) and XMP dropped.")
    var keepMetadata = false

    @Flag(help: "Write nothing but the pixels: no EXIF, XMP or ICC profile (files are re-encoded, never copied).")
    var strip = false

    var policy: MetadataPolicy { strip ? .strip : keepMetadata ? .keep : .colorOnly }

    /// Checks these flags against the decoding options, and makes the decoder keep the source's
    /// colour space when the profile is kept.
    func configure(_ decoder: inout ImageDecoder, decoding: DecodingOptions) throws {
        if strip && keepMetadata { throw ValidationError("--strip and --keep-metadata contradict each other") }
        if strip && decoding.keepICC { throw ValidationError("--strip removes the ICC profile that --keep-icc keeps: give one of them") }
        if keepMetadata && decoding.intent != .relative {
            throw ValidationError("--keep-metadata keeps the ICC profile and the pixels in its colour space; --intent converts them to sRGB: give one of them")
        }
        if keepMetadata { decoder.color = .keepProfile }
    }
}

/// Encoder settings shared by every command that writes images.
struct EncodingOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "WebP quality 0-100, default 80; with --lossless, effort 0-100, default 75 (as cwebp). JPEG quality 1-100, default 80.")
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

    @Flag(help: "JPEG: progressive (as cjpeg -progressive).")
    var progressive = false

    @Option(help: "JPEG chroma subsampling: 444, 422 or 420 (default: 444 at quality 90 and above, else 420, as libvips).")
    var subsampling: JPEGEncodeOptions.ChromaSubsampling?

    @Flag(name: .customLong("no-optimize-coding"), help: "JPEG: standard Huffman tables instead of ones made for the image (a few per cent larger, a little faster).")
    var noOptimizeCoding = false

    var settings: EncodingSettings {
        var settings = EncodingSettings()
        settings.quality = quality
        settings.lossless = lossless
        settings.method = method
        settings.alphaQuality = alphaQuality
        settings.exact = exact
        settings.compressionLevel = level
        settings.pngFilter = pngFilter?.filter
        settings.progressive = progressive
        settings.subsampling = subsampling
        settings.standardHuffmanTables = noOptimizeCoding
        return settings
    }
}

/// Resizing shared by every command that writes images.
struct ResizeArguments: ParsableArguments {
    @Option(help: "Resize into a box WxH (see --fit).")
    var resize: String?

    @Option(name: .customLong("max-edge"), help: "Resize so the longer side is at most N pixels.")
    var maxEdge: Int?

    @Option(help: "Thumbnail: shorthand for --resize NxN --fit contain.")
    var thumbnail: Int?

    @Option(help: "contain (default: keep aspect, fit inside), cover (fill the box and crop), fill (stretch).")
    var fit: ResizeGeometry.Fit?

    @Option(help: "Which part a cover crop keeps: centre, north, south, east, west, north-east, north-west, south-east, south-west, attention (most detailed region).")
    var gravity: ResizeGeometry.Gravity?

    @Option(help: "Resampling filter: lanczos3 (default), mitchell, catmullRom, bilinear, box, nearest.")
    var filter: ResamplingFilter = .lanczos3

    @Flag(help: "Allow output larger than the input (never enlarged otherwise).")
    var enlarge = false

    @Flag(name: .customLong("linear-light"), help: "Resample in linear light (gamma-correct).")
    var linearLight = false

    func validate() throws {
        let given = [resize != nil, maxEdge != nil, thumbnail != nil].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give one of --resize, --max-edge, --thumbnail") }
        if given == 0 && (fit != nil || gravity != nil || enlarge) {
            throw ValidationError("--fit, --gravity and --enlarge need --resize, --max-edge or --thumbnail")
        }
        if let resize, ImageSize(parsing: resize) == nil {
            throw ValidationError("--resize takes WxH with positive integers, such as 256x256 (got \(resize))")
        }
        for (name, value) in [("--max-edge", maxEdge), ("--thumbnail", thumbnail)] {
            if let value, value <= 0 || value > 65535 { throw ValidationError("\(name) must be 1 to 65535 (got \(value))") }
        }
        if gravity != nil && (fit ?? .contain) != .cover {
            throw ValidationError("--gravity applies to --fit cover only")
        }
    }

    /// The geometry asked for, or `nil` to keep sizes.
    var geometry: ResizeGeometry? {
        let box: ImageSize
        if let resize, let size = ImageSize(parsing: resize) {
            box = size
        } else if let edge = maxEdge ?? thumbnail {
            box = ImageSize(width: edge, height: edge)
        } else {
            return nil
        }
        return ResizeGeometry(box: box, fit: resize != nil ? (fit ?? .contain) : .contain, gravity: gravity ?? .centre, enlarge: enlarge)
    }
}

extension ResizeGeometry.Fit: ExpressibleByArgument {}
extension ResizeGeometry.Gravity: ExpressibleByArgument {
    public init?(argument: String) {
        let normalised = argument.lowercased().replacingOccurrences(of: "center", with: "centre")
        self.init(rawValue: normalised)
    }
}
extension ResamplingFilter: ExpressibleByArgument {
    public init?(argument: String) {
        guard let filter = ResamplingFilter.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased().replacingOccurrences(of: "-", with: "") }) else { return nil }
        self = filter
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
    public static var allValueStrings: [String] { ["png", "webp", "jpeg", "pam"] }
}

/// Pixel sizes as every command takes them (`--thumbnail`, `--sizes`): positive integers, comma-
/// separated or repeated (`512,256`), and, where a command may make none, `none`.
enum PixelSizes {
    static func parse(_ values: [String], option: String, allowNone: Bool) throws -> [Int] {
        if allowNone, values.count == 1, values[0].trimmed == "none" { return [] }
        let sizes = try values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { text in
            guard let size = Int(text.trimmed), size > 0 else {
                throw ValidationError("\(option) takes pixel sizes such as 512,256\(allowNone ? ", or none" : "") (got \"\(text)\")")
            }
            return size
        }
        guard !sizes.isEmpty || allowNone else { throw ValidationError("\(option) needs at least one size, such as 512,256") }
        return sizes
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmed: String {
        let characters = Array(self)
        guard let first = characters.firstIndex(where: { !$0.isWhitespace }),
              let last = characters.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(characters[first...last])
    }
}

extension JPEGEncodeOptions.ChromaSubsampling: ExpressibleByArgument {}

extension RenderingIntent: ExpressibleByArgument {}
