import ImageCore

/// What a header probe knows about an encoded image, read without decoding any pixel.
public struct ImageInfo: Hashable, Sendable {
    /// How the samples of a pixel are stored in the file.
    public enum ColorModel: String, Hashable, Sendable {
        /// One luminance sample.
        case gray
        /// Luminance and alpha.
        case grayAlpha
        /// Red, green, blue.
        case rgb
        /// Red, green, blue, alpha.
        case rgba
        /// Indices into a palette of RGB (and optionally alpha) entries.
        case palette
        /// Cyan, magenta, yellow, black ink (JPEG; YCCK files too): decoded to RGB.
        case cmyk
    }

    /// How the pixels are compressed.
    public enum Compression: String, Hashable, Sendable {
        /// Lossless DEFLATE with PNG filters.
        case deflate
        /// Lossy (VP8 for WebP).
        case lossy
        /// Lossless (VP8L for WebP).
        case lossless
        /// Uncompressed samples (PAM).
        case none
        /// JPEG's DCT, sequential (baseline or extended) with Huffman coding.
        case dct
        /// JPEG's DCT, progressive.
        case progressiveDCT
        /// JPEG's DCT with arithmetic coding (sequential or progressive).
        case arithmeticDCT
    }

    /// The file format, from the magic bytes.
    public var format: ImageFormat
    /// Width and height (the canvas for animations).
    public var size: ImageSize
    /// How samples are stored.
    public var colorModel: ColorModel
    /// Whether any pixel can be transparent: an alpha channel, a PNG `tRNS` chunk, or WebP alpha.
    public var hasAlpha: Bool
    /// Bits per sample as stored (PNG: 1, 2, 4, 8 or 16; WebP: 8).
    public var bitDepth: Int
    /// Whether the pixels are stored interlaced (Adam7).
    public var isInterlaced: Bool
    /// Whether the file is an animation (WebP with ANIM, APNG with acTL).
    public var isAnimated: Bool
    /// Frames in the file: 1 for a still image; `nil` when the probed bytes did not reach far
    /// enough to count them.
    public var frameCount: Int?
    /// How the pixels are compressed.
    public var compression: Compression
    /// The EXIF Orientation (JPEG APP1, PNG `eXIf`, WebP `EXIF`): how the stored pixels are
    /// turned to show the image upright; `.up` without one. Set by ``ImageDecoder``, which
    /// applies it unless told not to (``ImageDecoder/autoOrient``).
    public var orientation: ImageOrientation = .up
    /// The colour space the file declares, for reports: `ICC profile "Display P3" (736 bytes)`,
    /// `sRGB (PNG sRGB chunk)`, `PNG gAMA 0.55556, cHRM`; `nil` when it declares none. Set by
    /// ``ImageDecoder``.
    public var colorSpace: String?
    /// A C2PA manifest store in the file (never verified), for reports and for callers that
    /// must not alter a signed original. Set by ``ImageDecoder``.
    public var contentCredentials: ContentCredentials?
    /// Whether the file declares a colour space other than sRGB (an ICC profile that is not
    /// sRGB in effect): a decoder that converts to sRGB changes its pixels. Set by
    /// ``ImageDecoder``.
    public var hasNonSRGBProfile = false

    /// The size the image is shown at: ``size`` with width and height swapped for orientations
    /// 5–8.
    public var displaySize: ImageSize { orientation.displaySize(of: size) }

    /// Creates probe results.
    public init(
        format: ImageFormat, size: ImageSize, colorModel: ColorModel, hasAlpha: Bool, bitDepth: Int,
        isInterlaced: Bool = false, isAnimated: Bool = false, frameCount: Int? = 1, compression: Compression
    ) {
        self.format = format
        self.size = size
        self.colorModel = colorModel
        self.hasAlpha = hasAlpha
        self.bitDepth = bitDepth
        self.isInterlaced = isInterlaced
        self.isAnimated = isAnimated
        self.frameCount = frameCount
        self.compression = compression
    }

    /// The pixel format a decoder produces for this image when not asked for RGBA:
    /// RGBA8 when it has alpha, RGB8 otherwise (PAM keeps its own depth).
    public var naturalPixelFormat: PixelFormat {
        switch (format, colorModel) {
        case (.pam, .gray): .gray8
        case (.pam, .grayAlpha): .grayAlpha8
        default: hasAlpha ? .rgba8 : .rgb8
        }
    }
}
