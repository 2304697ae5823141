import ImageCore

/// How to encode an image: the format and its options.
public enum EncodeOptions: Hashable, Sendable {
    /// PNG with compression level, filter strategy and color-type reduction.
    case png(PNGEncodeOptions)
    /// WebP, lossy or lossless.
    case webp(WebPEncodeOptions)
    /// JPEG: quality, progressive, Huffman optimisation, chroma subsampling.
    case jpeg(JPEGEncodeOptions)
    /// PAM, RGBA with the `dwebp -pam` header.
    case pam

    /// The format these options produce.
    public var format: ImageFormat {
        switch self {
        case .png: .png
        case .webp: .webp
        case .jpeg: .jpeg
        case .pam: .pam
        }
    }

    /// Default options for `format`, or `nil` when imagepipe cannot encode it.
    public static func defaults(for format: ImageFormat) -> EncodeOptions? {
        switch format {
        case .png: .png(PNGEncodeOptions())
        case .webp: .webp(WebPEncodeOptions())
        case .jpeg: .jpeg(JPEGEncodeOptions())
        case .pam: .pam
        default: nil
        }
    }
}

extension Image {
    /// Encodes this image.
    ///
    /// ```swift
    /// let webp = try image.encoded(as: .webp(WebPEncodeOptions(quality: 80)))
    /// ```
    /// - Throws: ``ImageCodecError`` with `.invalidOptions` or `.encodingFailed`.
    public func encoded(as options: EncodeOptions) throws -> [UInt8] {
        switch options {
        case .png(let png): try PNGCodec.encode(self, options: png)
        case .webp(let webp): try WebPCodec.encode(self, options: webp)
        case .jpeg(let jpeg): try JPEGCodec.encode(self, options: jpeg)
        case .pam: PAMCodec.encode(self)
        }
    }
}
