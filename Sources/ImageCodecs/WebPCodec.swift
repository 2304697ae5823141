import ImageCore
internal import CLibWebP

/// WebP decoding, header probing and encoding through the system libwebp.
///
/// Lossy (VP8), lossless (VP8L) and extended (VP8X) files with alpha decode to RGB8 or RGBA8 with
/// libwebp's default fancy upsampling, the output `dwebp` gives. An image decodes to RGBA8 when
/// it has alpha: the header says so, or (lossless) a pixel is transparent although the
/// bitstream's alpha hint says none is. Animated files are recognised
/// (frame count in ``ImageInfo``); decoding gives the first frame composited on the canvas, or
/// refuses them when asked.
public enum WebPCodec {
    // MARK: Probe

    /// Reads the RIFF container of a WebP: canvas size, alpha, lossy or lossless, animation and
    /// frame count (the number of `ANMF` chunks), without decoding pixels.
    ///
    /// - Throws: ``ImageCodecError`` naming the chunk and byte offset of the problem.
    public static func probe(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        guard bytes.count >= 12, bytes.matches("RIFF", at: 0), bytes.matches("WEBP", at: 8) else {
            if bytes.count < 12 {
                throw ImageCodecError(.truncated, "WebP ends at byte \(bytes.count), inside its 12-byte RIFF header", at: bytes.count)
            }
            throw ImageCodecError(.invalidSignature, "not a WebP file: missing RIFF....WEBP header", at: 0)
        }
        let riffEnd = Int(bytes.uint32LittleEndian(at: 4)) + 8
        guard riffEnd >= 20 else {
            throw ImageCodecError(.invalidHeader, "RIFF size \(riffEnd - 8) at byte 4 is too small for a WebP", at: 4)
        }
        let end = min(riffEnd, bytes.count)
        guard bytes.count >= 20 else {
            throw ImageCodecError(.truncated, "WebP ends at byte \(bytes.count), before its first chunk header", at: bytes.count)
        }
        let first = 12
        if bytes.matches("VP8 ", at: first) {
            return try probeLossy(bytes, chunk: first, hasAlpha: false, animated: false)
        }
        if bytes.matches("VP8L", at: first) {
            return try probeLossless(bytes, chunk: first)
        }
        guard bytes.matches("VP8X", at: first) else {
            throw ImageCodecError(.invalidHeader, "unknown first WebP chunk \(printable(bytes, first)) at byte \(first) (expected VP8, VP8L or VP8X)", at: first)
        }
        guard bytes.count >= 30 else {
            throw ImageCodecError(.truncated, "WebP ends at byte \(bytes.count), inside the VP8X chunk", at: bytes.count)
        }
        let flags = bytes[20]
        let canvas = ImageSize(width: Int(bytes.uint24LittleEndian(at: 24)) + 1, height: Int(bytes.uint24LittleEndian(at: 27)) + 1)
        let animated = flags & 0x02 != 0
        var hasAlpha = flags & 0x10 != 0
        var compression: ImageInfo.Compression?
        var frames = 0
        var offset = 30
        // Walk the chunks: count animation frames and find what the (first) image is coded with.
        while offset + 8 <= end {
            let size = Int(bytes.uint32LittleEndian(at: offset + 4))
            let payload = offset + 8
            if bytes.matches("ANMF", at: offset) {
                frames += 1
                if compression == nil, payload + 16 + 8 <= end {
                    let subchunk = payload + 16
                    if bytes.matches("ALPH", at: subchunk) { hasAlpha = true; compression = .lossy }
                    else if bytes.matches("VP8L", at: subchunk) { compression = .lossless }
                    else if bytes.matches("VP8 ", at: subchunk) { compression = .lossy }
                }
            } else if bytes.matches("VP8L", at: offset) {
                compression = compression ?? .lossless
            } else if bytes.matches("VP8 ", at: offset) {
                compression = compression ?? .lossy
            }
            let next = payload + size + (size & 1)
            guard next > offset, size <= 0x7FFF_FFFF else { break }
            offset = next
        }
        return ImageInfo(
            format: .webp, size: canvas, colorModel: hasAlpha ? .rgba : .rgb, hasAlpha: hasAlpha, bitDepth: 8,
            isInterlaced: false, isAnimated: animated,
            // Frames are only all counted when the probed bytes hold the whole RIFF container.
            frameCount: animated ? (riffEnd <= bytes.count ? frames : nil) : 1,
            compression: compression ?? .lossy
        )
    }

    private static func probeLossy(_ bytes: UnsafeRawBufferPointer, chunk: Int, hasAlpha: Bool, animated: Bool) throws -> ImageInfo {
        let frame = chunk + 8
        guard bytes.count >= frame + 10 else {
            throw ImageCodecError(.truncated, "WebP ends at byte \(bytes.count), inside the VP8 frame header", at: bytes.count)
        }
        guard bytes[frame + 3] == 0x9D, bytes[frame + 4] == 0x01, bytes[frame + 5] == 0x2A else {
            throw ImageCodecError(.invalidHeader, "VP8 key frame start code missing at byte \(frame + 3)", at: frame + 3)
        }
        let width = Int(bytes.uint16LittleEndian(at: frame + 6) & 0x3FFF)
        let height = Int(bytes.uint16LittleEndian(at: frame + 8) & 0x3FFF)
        guard width > 0, height > 0 else {
            throw ImageCodecError(.invalidHeader, "VP8 frame header declares an empty size \(width)x\(height) at byte \(frame + 6)", at: frame + 6)
        }
        return ImageInfo(
            format: .webp, size: ImageSize(width: width, height: height), colorModel: hasAlpha ? .rgba : .rgb,
            hasAlpha: hasAlpha, bitDepth: 8, compression: .lossy
        )
    }

    private static func probeLossless(_ bytes: UnsafeRawBufferPointer, chunk: Int) throws -> ImageInfo {
        let header = chunk + 8
        guard bytes.count >= header + 5 else {
            throw ImageCodecError(.truncated, "WebP ends at byte \(bytes.count), inside the VP8L header", at: bytes.count)
        }
        guard bytes[header] == 0x2F else {
            throw ImageCodecError(.invalidHeader, "VP8L signature byte at \(header) is \(hex8(bytes[header])), expected 0x2f", at: header)
        }
        let bits = bytes.uint32LittleEndian(at: header + 1)
        let width = Int(bits & 0x3FFF) + 1
        let height = Int((bits >> 14) & 0x3FFF) + 1
        let alpha = (bits >> 28) & 1 == 1
        guard bits >> 29 == 0 else {
            throw ImageCodecError(.invalidHeader, "VP8L version \(bits >> 29) at byte \(header + 4) is unknown (must be 0)", at: header + 4)
        }
        return ImageInfo(
            format: .webp, size: ImageSize(width: width, height: height), colorModel: alpha ? .rgba : .rgb,
            hasAlpha: alpha, bitDepth: 8, compression: .lossless
        )
    }

    // MARK: Decode

    /// Decodes a WebP to RGB8 or RGBA8 with libwebp's default (fancy) upsampling.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - limits: checked against the canvas size before any allocation.
    ///   - forceRGBA: decode to RGBA8 even when the image has no alpha.
    ///   - animation: what to do with an animated file (default: decode its first frame).
    ///   - scaledSize: decode straight to this (smaller) size with libwebp's rescaler, so the
    ///     full-size image is never held ("shrink on load"); ignored for animations.
    /// - Throws: ``ImageCodecError``: truncation, bitstream errors, limits, refused animation.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: DecodeLimits = .default, forceRGBA: Bool = false,
        animation: AnimationPolicy = .firstFrame, scaledSize: ImageSize? = nil
    ) throws -> Image {
        try decodeWithInfo(bytes, limits: limits, forceRGBA: forceRGBA, animation: animation) { _ in scaledSize }.image
    }

    /// ``decode(_:limits:forceRGBA:animation:scaledSize:)`` that also returns the probe's
    /// findings, with the scaled size chosen from them (so the header is read once).
    static func decodeWithInfo(
        _ bytes: UnsafeRawBufferPointer, limits: DecodeLimits, forceRGBA: Bool, animation: AnimationPolicy,
        scaledSize: (ImageInfo) -> ImageSize?
    ) throws -> DecodedImage {
        try limits.enforceInput(byteCount: bytes.count)
        let info = try probe(bytes)
        try limits.enforce(info.size)
        let data = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var features = WebPBitstreamFeatures()
        let featureStatus = WebPGetFeatures(data, bytes.count, &features)
        guard featureStatus == VP8_STATUS_OK else {
            throw error(featureStatus, stage: "reading the WebP header", byteCount: bytes.count)
        }
        if features.has_animation != 0 {
            if animation == .reject {
                throw ImageCodecError(.animationRefused, "animated WebP (\(info.frameCount.map { "\($0) frames" } ?? "several frames")) refused: only still images are accepted here")
            }
            return DecodedImage(info: info, image: try decodeFirstFrame(bytes, info: info))
        }
        let fullSize = ImageSize(width: Int(features.width), height: Int(features.height))
        try limits.enforce(fullSize)
        var size = fullSize
        if let scaledSize = scaledSize(info), scaledSize.width > 0, scaledSize.height > 0,
           scaledSize.width < fullSize.width || scaledSize.height < fullSize.height {
            size = ImageSize(width: min(scaledSize.width, fullSize.width), height: min(scaledSize.height, fullSize.height))
        }
        // A lossless bitstream's alpha_is_used bit is only a hint (RFC 9649, the WebP lossless
        // format): libwebp decodes the alpha it finds whatever the bit says, and `dwebp -pam`
        // writes it. So a lossless image is decoded with its alpha and drops it only when every pixel
        // proves opaque; an RGB decode would turn transparent pixels opaque.
        let alphaHintedAway = features.format == 2 && features.has_alpha == 0
        let format: PixelFormat = forceRGBA || features.has_alpha != 0 || alphaHintedAway ? .rgba8 : .rgb8
        var image = try Image(size: size, format: format) { (pixels: UnsafeMutableRawBufferPointer) throws -> Void in
            var config = WebPDecoderConfig()
            guard WebPInitDecoderConfig(&config) != 0 else {
                throw ImageCodecError(.corruptData, "libwebp decoder version mismatch")
            }
            config.output.colorspace = format == .rgba8 ? MODE_RGBA : MODE_RGB
            if size != fullSize {
                config.options.use_scaling = 1
                config.options.scaled_width = Int32(size.width)
                config.options.scaled_height = Int32(size.height)
            }
            config.output.is_external_memory = 1
            config.output.u.RGBA.rgba = pixels.baseAddress!.assumingMemoryBound(to: UInt8.self)
            config.output.u.RGBA.stride = Int32(size.width * format.bytesPerPixel)
            config.output.u.RGBA.size = pixels.count
            let status = WebPDecode(data, bytes.count, &config)
            WebPFreeDecBuffer(&config.output)
            guard status == VP8_STATUS_OK else {
                throw error(status, stage: "decoding the WebP image", byteCount: bytes.count)
            }
        }
        if alphaHintedAway && !forceRGBA && image.isOpaque {
            image = image.converted(to: .rgb8)
        }
        return DecodedImage(info: info, image: image)
    }

    /// The size to decode at so that the result is at least `minimum` on both axes, keeping the
    /// aspect ratio: `nil` when that is the full size (or more).
    static func reducedSize(of size: ImageSize, atLeast minimum: ImageSize) -> ImageSize? {
        let scale = max(Double(minimum.width) / Double(size.width), Double(minimum.height) / Double(size.height))
        guard scale < 1 else { return nil }
        return ImageSize(
            width: min(size.width, max(minimum.width, Int((Double(size.width) * scale).rounded(.up)))),
            height: min(size.height, max(minimum.height, Int((Double(size.height) * scale).rounded(.up))))
        )
    }

    /// The first frame of an animation, composited on its canvas (libwebp's WebPAnimDecoder).
    private static func decodeFirstFrame(_ bytes: UnsafeRawBufferPointer, info: ImageInfo) throws -> Image {
        let decoder = try AnimationDecoder(bytes)
        let size = try decoder.canvasSize()
        guard size == info.size else {
            throw ImageCodecError(.corruptData, "animated WebP canvas \(size) differs from its VP8X header \(info.size)")
        }
        let frame = try decoder.nextFrame()
        return try Image(size: size, format: .rgba8, copying: UnsafeBufferPointer(start: frame, count: size.width * size.height * 4))
    }

    private static func error(_ status: VP8StatusCode, stage: String, byteCount: Int) -> ImageCodecError {
        switch status {
        case VP8_STATUS_NOT_ENOUGH_DATA:
            return ImageCodecError(.truncated, "WebP is truncated: the data (\(byteCount) bytes) ends before the image does, while \(stage)", at: byteCount)
        case VP8_STATUS_BITSTREAM_ERROR:
            return ImageCodecError(.corruptData, "corrupt WebP bitstream while \(stage)")
        case VP8_STATUS_UNSUPPORTED_FEATURE:
            return ImageCodecError(.unsupportedFormat, "WebP uses a feature libwebp \(libraryVersion) does not support, while \(stage)")
        case VP8_STATUS_OUT_OF_MEMORY:
            return ImageCodecError(.outOfMemory, "out of memory while \(stage)")
        case VP8_STATUS_SUSPENDED:
            return ImageCodecError(.corruptData, "corrupt WebP bitstream: a partition ends before its data does, while \(stage)")
        case VP8_STATUS_INVALID_PARAM:
            return ImageCodecError(.corruptData, "WebP has invalid parameters, while \(stage)")
        default:
            return ImageCodecError(.corruptData, "WebP decoding failed (libwebp status \(status.rawValue)) while \(stage)")
        }
    }

    // MARK: Encode

    /// Encodes an image as WebP, lossy or lossless.
    ///
    /// Gray images are expanded to RGB (WebP has no gray mode); images with alpha keep it.
    ///
    /// - Throws: ``ImageCodecError`` with `.invalidOptions` or `.encodingFailed`.
    public static func encode(_ image: Image, options: WebPEncodeOptions = WebPEncodeOptions()) throws -> [UInt8] {
        var config = WebPConfig()
        guard WebPConfigInit(&config) != 0 else {
            throw ImageCodecError(.encodingFailed, "libwebp encoder version mismatch")
        }
        config.lossless = options.lossless ? 1 : 0
        config.quality = Float(options.quality)
        config.method = Int32(options.method)
        config.alpha_quality = Int32(options.alphaQuality)
        config.exact = options.exact ? 1 : 0
        guard (0...100).contains(options.quality), (0...6).contains(options.method), (0...100).contains(options.alphaQuality),
              WebPValidateConfig(&config) != 0 else {
            throw ImageCodecError(.invalidOptions, "invalid WebP options: quality \(options.quality) (0-100), method \(options.method) (0-6), alpha quality \(options.alphaQuality) (0-100)")
        }
        guard image.size.width <= Int(WEBP_MAX_DIMENSION), image.size.height <= Int(WEBP_MAX_DIMENSION) else {
            throw ImageCodecError(.invalidOptions, "WebP cannot hold \(image.size): each side must be at most \(WEBP_MAX_DIMENSION) pixels")
        }
        let source = image.format.isGray ? image.converted(to: image.format.hasAlpha ? .rgba8 : .rgb8) : image
        var picture = WebPPicture()
        guard WebPPictureInit(&picture) != 0 else {
            throw ImageCodecError(.encodingFailed, "libwebp picture version mismatch")
        }
        defer { WebPPictureFree(&picture) }
        picture.width = Int32(source.size.width)
        picture.height = Int32(source.size.height)
        // Lossless works on ARGB; lossy converts straight to YUV on import, as cwebp does.
        picture.use_argb = options.lossless ? 1 : 0
        let imported = source.withUnsafeBytes { pixels in
            let base = pixels.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return source.format == .rgba8
                ? WebPPictureImportRGBA(&picture, base, Int32(source.rowBytes))
                : WebPPictureImportRGB(&picture, base, Int32(source.rowBytes))
        }
        guard imported != 0 else {
            throw ImageCodecError(.outOfMemory, "out of memory importing \(source.size) pixels into libwebp")
        }
        var writer = WebPMemoryWriter()
        WebPMemoryWriterInit(&writer)
        defer { WebPMemoryWriterClear(&writer) }
        let succeeded = withUnsafeMutablePointer(to: &writer) { writerPointer in
            picture.writer = WebPMemoryWrite
            picture.custom_ptr = UnsafeMutableRawPointer(writerPointer)
            return WebPEncode(&config, &picture)
        }
        guard succeeded != 0 else {
            throw ImageCodecError(.encodingFailed, "WebP encoding failed: libwebp error \(picture.error_code.rawValue)")
        }
        return Array(UnsafeBufferPointer(start: writer.mem, count: writer.size))
    }

    /// The version of the system libwebp decoder in use, e.g. `"1.2.4"`.
    public static var libraryVersion: String {
        let version = WebPGetDecoderVersion()
        return "\(version >> 16).\((version >> 8) & 0xFF).\(version & 0xFF)"
    }
}

/// What a decoder does with an animated image.
public enum AnimationPolicy: String, Hashable, Sendable {
    /// Decode the first frame, composited on the canvas.
    case firstFrame
    /// Refuse the file with ``ImageCodecError/Code/animationRefused``.
    case reject
}

/// Options for ``WebPCodec/encode(_:options:)``.
public struct WebPEncodeOptions: Hashable, Sendable {
    /// Lossless (VP8L) instead of lossy (VP8).
    public var lossless: Bool
    /// Lossy: quality 0–100 (default 80). Lossless: effort 0–100, higher is smaller and slower
    /// (default 75, as `cwebp -lossless`).
    public var quality: Int
    /// Speed/size trade-off 0 (fast) to 6 (slowest, smallest); default 4 as `cwebp`.
    public var method: Int
    /// Lossy alpha plane quality 0–100 (default 100).
    public var alphaQuality: Int
    /// Keep the RGB values under fully transparent pixels (default: libwebp may change them).
    public var exact: Bool

    /// Creates options; the defaults are lossy, quality 80 (lossless: effort 75), method 4, alpha quality 100.
    public init(lossless: Bool = false, quality: Int? = nil, method: Int = 4, alphaQuality: Int = 100, exact: Bool = false) {
        self.lossless = lossless
        self.quality = quality ?? (lossless ? 75 : 80)
        self.method = method
        self.alphaQuality = alphaQuality
        self.exact = exact
    }
}

/// The one owner of a libwebp `WebPAnimDecoder`, deleted in `deinit`.
///
/// The decoder reads `bytes` in place: they must outlive it (it never escapes the decode call).
private struct AnimationDecoder: ~Copyable {
    private let handle: OpaquePointer

    init(_ bytes: UnsafeRawBufferPointer) throws {
        var data = WebPData(bytes: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), size: bytes.count)
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else {
            throw ImageCodecError(.corruptData, "libwebp demux version mismatch")
        }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        guard let handle = WebPAnimDecoderNew(&data, &options) else {
            throw ImageCodecError(.corruptData, "animated WebP container is invalid or truncated (libwebp demux refused it)")
        }
        self.handle = handle
    }

    /// The canvas size from the animation header.
    func canvasSize() throws -> ImageSize {
        var info = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(handle, &info) != 0 else {
            throw ImageCodecError(.corruptData, "animated WebP: cannot read the animation header")
        }
        return ImageSize(width: Int(info.canvas_width), height: Int(info.canvas_height))
    }

    /// The next frame composited on the canvas, as RGBA owned by the decoder (valid until the next call).
    func nextFrame() throws -> UnsafeMutablePointer<UInt8> {
        var frame: UnsafeMutablePointer<UInt8>?
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(handle, &frame, &timestamp) != 0, let frame else {
            throw ImageCodecError(.corruptData, "animated WebP: the frame does not decode (truncated or corrupt)")
        }
        return frame
    }

    deinit {
        WebPAnimDecoderDelete(handle)
    }
}
