import ImageCodecs
import ImageCore
import PipelineCore

/// Encoder settings a user gave, to apply to whichever output format they fit.
///
/// Each setting belongs to the formats it fits (`quality` to WebP and JPEG, `compressionLevel` to
/// PNG, `progressive` to JPEG, …); a setting given for a format it does not fit is an error, so
/// `--quality 90` with `-o out.png` is refused rather than silently ignored.
public struct EncodingSettings: Hashable, Sendable {
    /// WebP quality 0–100 (lossy quality, or lossless effort); JPEG quality 1–100.
    public var quality: Int?
    /// WebP lossless.
    public var lossless: Bool = false
    /// WebP method 0–6.
    public var method: Int?
    /// WebP alpha quality 0–100.
    public var alphaQuality: Int?
    /// WebP: keep RGB under transparent pixels.
    public var exact: Bool = false
    /// PNG zlib level 0–9.
    public var compressionLevel: Int?
    /// PNG filter strategy.
    public var pngFilter: PNGEncodeOptions.Filter?
    /// JPEG: progressive.
    public var progressive: Bool = false
    /// JPEG: chroma subsampling (by quality when absent).
    public var subsampling: JPEGEncodeOptions.ChromaSubsampling?
    /// JPEG: standard Huffman tables instead of optimised ones.
    public var standardHuffmanTables: Bool = false

    /// Creates empty settings (every format's defaults).
    public init() {}

    /// Whether no setting was given.
    public var isEmpty: Bool { self == EncodingSettings() }

    /// Names of the settings given that apply only to WebP.
    var webpSettingNames: [String] {
        var names: [String] = []
        if lossless { names.append("--lossless") }
        if method != nil { names.append("--method") }
        if alphaQuality != nil { names.append("--alpha-quality") }
        if exact { names.append("--exact") }
        return names
    }

    /// Names of the settings given that apply only to PNG.
    var pngSettingNames: [String] {
        var names: [String] = []
        if compressionLevel != nil { names.append("--level") }
        if pngFilter != nil { names.append("--png-filter") }
        return names
    }

    /// Names of the settings given that apply only to JPEG.
    var jpegSettingNames: [String] {
        var names: [String] = []
        if progressive { names.append("--progressive") }
        if subsampling != nil { names.append("--subsampling") }
        if standardHuffmanTables { names.append("--no-optimize-coding") }
        return names
    }

    /// Names of the settings given that fit `format`.
    private func names(fitting format: ImageFormat) -> [String] {
        let quality = quality != nil ? ["--quality"] : []
        return switch format {
        case .webp: quality + webpSettingNames
        case .jpeg: quality + jpegSettingNames
        case .png: pngSettingNames
        default: []
        }
    }

    /// Whether any setting given applies to `format`.
    public func applies(to format: ImageFormat) -> Bool {
        !names(fitting: format).isEmpty
    }

    /// Throws if a setting was given that does not fit `format`, or a value is out of range.
    public func validate(for format: ImageFormat) throws(PipelineError) {
        let fitting = Set(names(fitting: format))
        let all = (quality != nil ? ["--quality"] : []) + webpSettingNames + pngSettingNames + jpegSettingNames
        let misfits = all.filter { !fitting.contains($0) }
        guard misfits.isEmpty else {
            throw PipelineError(.invalidOptions, "\(misfits.joined(separator: ", ")) do\(misfits.count == 1 ? "es" : "") not apply to \(format) output")
        }
        try validateRanges()
        if format == .jpeg, let quality, quality < 1 {
            throw PipelineError(.invalidOptions, "--quality \(quality) is out of range 1-100 for JPEG")
        }
    }

    /// Throws if a value is out of range, whatever the format.
    public func validateRanges() throws(PipelineError) {
        func check(_ value: Int?, _ range: ClosedRange<Int>, _ name: String) throws(PipelineError) {
            if let value, !range.contains(value) {
                throw PipelineError(.invalidOptions, "\(name) \(value) is out of range \(range.lowerBound)-\(range.upperBound)")
            }
        }
        try check(quality, 0...100, "--quality")
        try check(method, 0...6, "--method")
        try check(alphaQuality, 0...100, "--alpha-quality")
        try check(compressionLevel, 0...9, "--level")
    }

    /// The encoder options for `format`: its defaults with these settings applied.
    public func options(for format: ImageFormat) throws(PipelineError) -> EncodeOptions {
        switch format {
        case .png:
            var options = PNGEncodeOptions()
            if let compressionLevel { options.compressionLevel = compressionLevel }
            if let pngFilter { options.filter = pngFilter }
            return .png(options)
        case .webp:
            var options = WebPEncodeOptions(lossless: lossless, quality: quality)
            if let method { options.method = method }
            if let alphaQuality { options.alphaQuality = alphaQuality }
            options.exact = exact
            return .webp(options)
        case .jpeg:
            if let quality, quality < 1 {
                throw PipelineError(.invalidOptions, "--quality \(quality) is out of range 1-100 for JPEG")
            }
            return .jpeg(JPEGEncodeOptions(
                quality: quality ?? 80, progressive: progressive, optimizeCoding: !standardHuffmanTables, subsampling: subsampling
            ))
        case .pam:
            return .pam
        default:
            throw PipelineError(.unsupportedOutputFormat, "\(format) output is not supported (imagepipe writes PNG, WebP, JPEG and PAM)")
        }
    }
}
