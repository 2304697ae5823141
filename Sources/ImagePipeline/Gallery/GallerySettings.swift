import ImageCodecs
import ImageCore
import ImageOps
import PipelineCore

/// What `imagepipe gallery` makes of each source image: thumbnail sizes, format, quality and fit.
///
/// ```swift
/// var settings = GallerySettings()
/// settings.sizes = [512, 256, 128]
/// settings.aspect = ImageSize(width: 1, height: 1)   // square crops
/// ```
public struct GallerySettings: Hashable, Sendable {
    /// How each smaller thumbnail is made once the largest exists.
    public enum Derivation: String, Hashable, Sendable, CaseIterable {
        /// Each size from the one above it (512 → 256 → 128): each step reads a quarter of the
        /// pixels of the one before. Against `direct` on the fixtures and corpus: PSNR above
        /// 40 dB for every image (contain); its speed gain is not yet measured on a quiet machine.
        case cascade
        /// Each size from the decoded source.
        case direct
    }

    /// The thumbnails' longer edges (with ``aspect``, the box's longer edge), in pixels.
    public var sizes: [Int] = [512, 256, 128]
    /// The thumbnails' format: WebP (default), JPEG or PNG.
    public var format: ImageFormat = .webp
    /// The WebP quality, 0–100 (default 80); ignored for PNG.
    public var quality: Int = 80
    /// `contain` (default: the whole image, aspect kept) or `cover` (fill the ``aspect`` box, crop
    /// the rest with attention gravity: the most detailed region stays).
    public var fit: ResizeGeometry.Fit = .contain
    /// The box's width:height for `cover` (default 1:1 when `fit` is `cover`); setting it implies
    /// `cover`.
    public var aspect: ImageSize?
    /// The resampling filter (default Lanczos3).
    public var filter: ResamplingFilter = .lanczos3
    /// How smaller sizes are made.
    public var derivation: Derivation = .cascade
    /// What thumbnails keep of their sources' metadata (by default colour meaning only: no EXIF,
    /// no GPS position, no XMP). With ``MetadataPolicy/keep``, decode with
    /// ``ImageDecoder/color`` `.keepProfile`.
    public var metadata: MetadataPolicy = .colorOnly

    /// Creates the default settings: 512, 256 and 128 pixels, WebP quality 80, contain.
    public init() {}

    /// The sizes, largest first, without duplicates.
    public var orderedSizes: [Int] { Array(Set(sizes)).sorted(by: >) }

    /// Whether thumbnails are cropped to a box.
    public var crops: Bool { fit == .cover || aspect != nil }

    /// The geometry for one size: never enlarging.
    public func geometry(for size: Int) -> ResizeGeometry {
        guard crops else {
            return ResizeGeometry(box: ImageSize(width: size, height: size), fit: .contain)
        }
        let ratio = aspect ?? ImageSize(width: 1, height: 1)
        let box = ratio.width >= ratio.height
            ? ImageSize(width: size, height: max(1, Int((Double(size) * Double(ratio.height) / Double(ratio.width)).rounded())))
            : ImageSize(width: max(1, Int((Double(size) * Double(ratio.width) / Double(ratio.height)).rounded())), height: size)
        return ResizeGeometry(box: box, fit: .cover, gravity: .attention)
    }

    /// A text that changes whenever the thumbnails would: stored in the manifest, so a run with
    /// other settings redoes every source.
    public var fingerprint: String {
        let aspectText = crops ? "\((aspect ?? ImageSize(width: 1, height: 1)).width):\((aspect ?? ImageSize(width: 1, height: 1)).height)" : "-"
        let qualityText = format == .webp || format == .jpeg ? "q\(quality)" : "-"
        return "v1 sizes=\(orderedSizes.map(String.init).joined(separator: ",")) format=\(format.fileExtension) quality=\(qualityText) fit=\(crops ? "cover" : "contain") aspect=\(aspectText) filter=\(filter.rawValue) derivation=\(derivation.rawValue)"
            + (metadata == .colorOnly ? "" : " metadata=\(metadata.rawValue)")
    }

    /// Throws when a value is out of range.
    ///
    /// - Throws: ``PipelineError`` with `.invalidOptions` or `.unsupportedOutputFormat`.
    public func validate() throws(PipelineError) {
        guard !sizes.isEmpty else { throw PipelineError(.invalidOptions, "--sizes needs at least one size") }
        if let bad = sizes.first(where: { $0 < 1 || $0 > 16384 }) {
            throw PipelineError(.invalidOptions, "thumbnail size \(bad) is out of range 1…16384")
        }
        guard format == .webp || format == .png || format == .jpeg else {
            throw PipelineError(.unsupportedOutputFormat, "gallery thumbnails are WebP, JPEG or PNG, not \(format)")
        }
        guard (0...100).contains(quality) else { throw PipelineError(.invalidOptions, "--quality \(quality) is out of range 0-100") }
        if fit == .fill { throw PipelineError(.invalidOptions, "--fit is contain or cover for a gallery") }
        if let aspect, aspect.width < 1 || aspect.height < 1 {
            throw PipelineError(.invalidOptions, "--aspect takes W:H with positive integers, such as 1:1 or 4:3")
        }
    }

    /// The encoder options for the thumbnails.
    var encodeOptions: EncodeOptions {
        switch format {
        case .webp: .webp(WebPEncodeOptions(lossless: false, quality: quality))
        case .jpeg: .jpeg(JPEGEncodeOptions(quality: max(1, quality)))
        default: .png(PNGEncodeOptions())
        }
    }
}

extension ImageSize {
    /// Parses an aspect ratio `W:H` (such as `1:1`, `4:3`).
    public init?(aspect text: some StringProtocol) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else { return nil }
        self.init(width: width, height: height)
    }
}
