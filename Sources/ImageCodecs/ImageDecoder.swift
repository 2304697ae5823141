import ImageCore

/// Decodes any supported image, recognising its format from the magic bytes.
///
/// ```swift
/// let decoder = ImageDecoder(limits: .default)
/// let info = try decoder.probe(bytes)      // header only
/// let image = try decoder.decode(bytes)    // RGB8 or RGBA8
/// ```
public struct ImageDecoder: Sendable {
    /// Pixel and byte limits, checked from the header before any allocation.
    public var limits: DecodeLimits
    /// What to do with animated files.
    public var animation: AnimationPolicy
    /// Decode everything to RGBA8 (otherwise RGB8 for opaque images, RGBA8 with alpha).
    public var forceRGBA: Bool

    /// Creates a decoder.
    public init(limits: DecodeLimits = .default, animation: AnimationPolicy = .firstFrame, forceRGBA: Bool = false) {
        self.limits = limits
        self.animation = animation
        self.forceRGBA = forceRGBA
    }

    /// The format of `bytes` if imagepipe can decode it.
    ///
    /// - Throws: ``ImageCodecError`` with `.empty`, `.unrecognizedFormat`, `.invalidSignature`
    ///   (a damaged PNG signature) or `.unsupportedFormat` (JPEG, GIF, BMP, TIFF, AVIF).
    public func decodableFormat(of bytes: UnsafeRawBufferPointer) throws -> ImageFormat {
        guard !bytes.isEmpty else {
            throw ImageCodecError(.empty, "file is empty (0 bytes)", at: 0)
        }
        guard let format = ImageFormat.sniff(bytes) else {
            if PNGCodec.looksLikeDamagedPNG(bytes) {
                _ = try PNGCodec.probe(bytes)  // throws the precise signature error
            }
            let shown = bytes.prefix(8).map { hex8($0).dropFirst(2) }.joined(separator: " ")
            throw ImageCodecError(.unrecognizedFormat, "not a recognised image format (first bytes: \(shown))", at: 0)
        }
        guard format.canDecode else {
            throw ImageCodecError(.unsupportedFormat, "\(format) is recognised but not supported yet (imagepipe reads PNG, WebP and PAM)")
        }
        return format
    }

    /// Reads an image's header without decoding pixels.
    public func probe(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        switch try decodableFormat(of: bytes) {
        case .png: try PNGCodec.probe(bytes)
        case .webp: try WebPCodec.probe(bytes)
        default: try PAMCodec.probe(bytes)
        }
    }

    /// Reads an image's header without decoding pixels.
    public func probe(_ bytes: [UInt8]) throws -> ImageInfo {
        try bytes.withUnsafeBytes { try probe($0) }
    }

    /// Decodes a whole image.
    ///
    /// - Throws: ``ImageCodecError`` naming the problem and, where known, its byte offset.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> Image {
        switch try decodableFormat(of: bytes) {
        case .png: try PNGCodec.decode(bytes, limits: limits, forceRGBA: forceRGBA)
        case .webp: try WebPCodec.decode(bytes, limits: limits, forceRGBA: forceRGBA, animation: animation)
        default: try PAMCodec.decode(bytes, limits: limits, forceRGBA: forceRGBA)
        }
    }

    /// Decodes an image at a reduced size where the format can do it cheaply (WebP: libwebp's
    /// decode-time rescaling), otherwise at full size. The result is never smaller than
    /// `minimumSize` on either axis, nor larger than the image: resample it to the exact size.
    ///
    /// - Parameter minimumSize: the smallest size the caller needs.
    public func decode(_ bytes: UnsafeRawBufferPointer, reducingTo minimumSize: ImageSize) throws -> Image {
        let format = try decodableFormat(of: bytes)
        guard format == .webp else { return try decode(bytes) }
        let info = try WebPCodec.probe(bytes)
        // The same scale on both axes (aspect kept), just enough for both minimums.
        let scale = max(Double(minimumSize.width) / Double(info.size.width), Double(minimumSize.height) / Double(info.size.height))
        guard scale < 1, !info.isAnimated else { return try decode(bytes) }
        let scaled = ImageSize(
            width: min(info.size.width, max(minimumSize.width, Int((Double(info.size.width) * scale).rounded(.up)))),
            height: min(info.size.height, max(minimumSize.height, Int((Double(info.size.height) * scale).rounded(.up))))
        )
        return try WebPCodec.decode(bytes, limits: limits, forceRGBA: forceRGBA, animation: animation, scaledSize: scaled)
    }

    /// Decodes a whole image.
    public func decode(_ bytes: [UInt8]) throws -> Image {
        try bytes.withUnsafeBytes { try decode($0) }
    }
}
