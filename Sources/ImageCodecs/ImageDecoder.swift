import ColorManagement
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
    /// Accept JPEG data libjpeg only warns about (corrupt or truncated: missing rows grey)
    /// instead of refusing it, as `--lenient` does.
    public var lenient = false
    /// Apply the EXIF Orientation on decode, so the pixels come out upright (libvips
    /// `autorotate`, sharp `.rotate()`, Pillow `exif_transpose`); `false` keeps the stored
    /// pixels, as `--no-auto-orient` does. The header's ``ImageInfo/orientation`` says what the
    /// file asks for either way.
    public var autoOrient = true
    /// What to do with an embedded ICC profile (or a PNG's `gAMA`/`cHRM`): convert the pixels to
    /// sRGB (the default, relative colorimetric as libvips), or keep them and the profile
    /// (`--keep-icc`). ``DecodedImage/colorOutcome`` says what was done.
    public var color: ColorHandling = .convertToSRGB(.relative)
    /// Decode a progressive JPEG shrunk on load to 1/8 or 1/4 with imagepipe's own entropy
    /// decoder (the default; ``JPEGCodec/progressiveReduced(_:denominator:limits:)``): the pixels
    /// libjpeg would give, bit for bit, in less time and without libjpeg's whole-image coefficient
    /// buffer. At 1/8 the AC scans of full-resolution components are not read, so damage inside
    /// them goes unnoticed; a full decode (`info --verify`) finds it. `false` has libjpeg decode
    /// every scan.
    public var shrinksProgressiveWithOwnDecoder = true
    /// How many threads one decode may use (0: one a core). A sequential JPEG with restart
    /// markers, as most cameras write, is then decoded in parts at once with the same pixels
    /// (``JPEGCodec/decodeWithInfo(_:limits:lenient:warningCount:minimumSize:ownProgressiveDecoder:threads:)``).
    /// 1, the default, suits a caller that decodes several files at once already.
    public var threads = 1

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
            throw ImageCodecError(.unsupportedFormat, "\(format) is recognised but not supported yet (imagepipe reads PNG, WebP, JPEG and PAM)")
        }
        return format
    }

    /// Reads an image's header without decoding pixels, with the orientation its EXIF asks for.
    public func probe(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        let info: ImageInfo = switch try decodableFormat(of: bytes) {
        case .png: try PNGCodec.probe(bytes)
        case .webp: try WebPCodec.probe(bytes)
        case .jpeg: try JPEGCodec.probe(bytes)
        default: try PAMCodec.probe(bytes)
        }
        let metadata = EmbeddedMetadata.read(from: bytes)
        return Self.annotated(info, metadata, DeclaredColor(metadata))
    }

    /// The size a decode of an image with this header gives at full size: its displayed size
    /// when the decoder applies the orientation, its stored size otherwise. Sizes the
    /// `minimumSize` closures return are in this orientation.
    public func outputSize(for info: ImageInfo) -> ImageSize {
        autoOrient ? info.displaySize : info.size
    }

    /// Reads an image's header without decoding pixels.
    public func probe(_ bytes: [UInt8]) throws -> ImageInfo {
        try bytes.withUnsafeBytes { try probe($0) }
    }

    /// Decodes a whole image.
    ///
    /// - Throws: ``ImageCodecError`` naming the problem and, where known, its byte offset.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> Image {
        try decodeWithInfo(bytes).image
    }

    /// Decodes an image at a reduced size where the format can do it cheaply (WebP: libwebp's
    /// decode-time rescaling), otherwise at full size. The result is never smaller than
    /// `minimumSize` on either axis, nor larger than the image: resample it to the exact size.
    ///
    /// - Parameter minimumSize: the smallest size the caller needs.
    public func decode(_ bytes: UnsafeRawBufferPointer, reducingTo minimumSize: ImageSize) throws -> Image {
        try decodeWithInfo(bytes) { _ in minimumSize }.image
    }

    /// Decodes an image and returns it with what its header says, reading the header once.
    ///
    /// - Parameter minimumSize: given the header (with its ``ImageInfo/orientation``), the
    ///   smallest size the caller needs, in the orientation of the output
    ///   (``outputSize(for:)``), or `nil` for full size. Formats that can decode at a reduced size (WebP) decode no larger than
    ///   needed, keeping the aspect ratio; others decode at full size. Animations decode at full
    ///   size.
    /// - Throws: ``ImageCodecError`` naming the problem and, where known, its byte offset.
    public func decodeWithInfo(
        _ bytes: UnsafeRawBufferPointer, minimumSize: (ImageInfo) -> ImageSize? = { _ in nil }
    ) throws -> DecodedImage {
        let format = try decodableFormat(of: bytes)
        let metadata = EmbeddedMetadata.read(from: bytes)
        let declared = DeclaredColor(metadata)
        let decoded: DecodedImage
        switch format {
        case .png:
            decoded = try PNGCodec.decodeWithInfo(bytes, limits: limits, forceRGBA: forceRGBA, animation: animation)
        case .webp:
            decoded = try WebPCodec.decodeWithInfo(bytes, limits: limits, forceRGBA: forceRGBA, animation: animation) { info in
                guard !info.isAnimated, let minimum = storedMinimum(minimumSize, info, metadata, declared) else { return nil }
                return WebPCodec.reducedSize(of: info.size, atLeast: minimum)
            }
        case .jpeg:
            let jpeg = try decodeJPEG(bytes, declared: declared) { storedMinimum(minimumSize, $0, metadata, declared) }
            return finished(jpeg, metadata: metadata, declared: declared)
        default:
            decoded = try PAMCodec.decodeWithInfo(bytes, limits: limits, forceRGBA: forceRGBA)
        }
        return finished(managingColor(of: decoded, declared: declared), metadata: metadata, declared: declared)
    }

    /// The caller's minimum size (asked in the output's orientation, with the header's
    /// orientation in `info`) as a minimum on the stored pixels.
    private func storedMinimum(
        _ minimumSize: (ImageInfo) -> ImageSize?, _ info: ImageInfo, _ metadata: EmbeddedMetadata, _ declared: DeclaredColor
    ) -> ImageSize? {
        let oriented = Self.annotated(info, metadata, declared)
        guard let minimum = minimumSize(oriented) else { return nil }
        return autoOrient ? oriented.orientation.storedSize(of: minimum) : minimum
    }

    /// A codec's header findings with what the metadata adds: orientation and colour space.
    static func annotated(_ info: ImageInfo, _ metadata: EmbeddedMetadata, _ declared: DeclaredColor) -> ImageInfo {
        var annotated = info
        annotated.orientation = metadata.orientation
        annotated.colorSpace = declared.description
        annotated.hasNonSRGBProfile = declared.isNonSRGBProfile
        annotated.contentCredentials = metadata.contentCredentials
        return annotated
    }

    /// The decoded image with the header's orientation recorded and, when ``autoOrient``,
    /// applied.
    private func finished(_ decoded: DecodedImage, metadata: EmbeddedMetadata, declared: DeclaredColor) -> DecodedImage {
        var result = decoded
        result.info = Self.annotated(decoded.info, metadata, declared)
        result.metadata = metadata
        if autoOrient && metadata.orientation != .up {
            result.image = result.image.oriented(metadata.orientation)
            result.appliedOrientation = metadata.orientation
        }
        return result
    }

    /// A JPEG at the smallest DCT scaling that gives `minimumSize`, colour-managed, in the format
    /// asked for (RGB8, or RGBA8 with `forceRGBA`; gray files come out RGB8 too, as every other
    /// format's do). A CMYK file with a CMYK profile is decoded to its CMYK samples and converted
    /// with the profile (whatever ``color`` says: its RGB pixels have no other meaning).
    private func decodeJPEG(
        _ bytes: UnsafeRawBufferPointer, declared: DeclaredColor, minimumSize: (ImageInfo) -> ImageSize?
    ) throws -> DecodedImage {
        let cmykProfile = declared.profile.flatMap { $0.colorSpace == .cmyk ? $0 : nil }
        var warnings = 0
        let (raw, inverted) = try JPEGCodec.decode(
            bytes, limits: limits, lenient: lenient, warningCount: &warnings, minimumSize: minimumSize,
            cmykSamples: cmykProfile != nil, ownProgressiveDecoder: shrinksProgressiveWithOwnDecoder, threads: threads
        )
        var decoded: DecodedImage
        if raw.info.colorModel == .cmyk, let cmykProfile {
            if let converted = convertingCMYK(raw, inverted: inverted, profile: cmykProfile) {
                decoded = converted
            } else {
                // No transform from the profile: the shim's own CMYK to RGB, as without one.
                decoded = try JPEGCodec.decode(
                    bytes, limits: limits, lenient: lenient, warningCount: &warnings, minimumSize: minimumSize, cmykSamples: false
                ).decoded
                decoded.colorOutcome = .ignored(reason: "LittleCMS cannot convert from \(cmykProfile.name)")
            }
        } else {
            decoded = managingColor(of: raw, declared: declared)
        }
        let wanted: PixelFormat = forceRGBA ? .rgba8 : .rgb8
        if decoded.image.format != wanted { decoded.image = decoded.image.converted(to: wanted) }
        return decoded
    }

    /// ``decodeWithInfo(_:minimumSize:)`` for a caller that owns the file's bytes and has no use
    /// for them once decoded: a PNG's image data is given back to the kernel page by page as it is
    /// inflated, so the file and the image are never both in memory (a 2048x2048 PNG is 8.8 MiB
    /// beside a 12 MiB image). WebP and PAM are decoded from the bytes as they are.
    ///
    /// Afterwards the bytes read as zeros wherever pages were released: use them for nothing
    /// else, and let nothing else use them during the call. Pixels and errors are the read-only
    /// call's; for the rare PNG the fast path declines after releasing part of it (a damaged
    /// stream), `reload` is called once for the original bytes, which libpng then decodes.
    /// `mayRelease` is asked once with the header's findings: `false` keeps the bytes intact (a
    /// caller that writes them out unchanged), without a second read of the header.
    ///
    /// ```swift
    /// var bytes = try FileIO.readFile(path, maxBytes: limits.maxInputBytes)
    /// let decoded = try bytes.withUnsafeMutableBytes { buffer in
    ///     try decoder.decodeWithInfo(releasing: buffer, reload: { try FileIO.readFile(path, maxBytes: limits.maxInputBytes) })
    /// }
    /// bytes = []
    /// ```
    public func decodeWithInfo(
        releasing bytes: UnsafeMutableRawBufferPointer, when mayRelease: (ImageInfo) -> Bool = { _ in true },
        reload: () throws -> [UInt8], minimumSize: (ImageInfo) -> ImageSize? = { _ in nil }
    ) throws -> DecodedImage {
        let readOnly = UnsafeRawBufferPointer(bytes)
        guard try decodableFormat(of: readOnly) == .png else { return try decodeWithInfo(readOnly, minimumSize: minimumSize) }
        let metadata = EmbeddedMetadata.read(from: readOnly)  // before any page is released
        let declared = DeclaredColor(metadata)
        var decoded = try PNGCodec.decodeWithInfo(
            releasing: bytes, when: { info in mayRelease(Self.annotated(info, metadata, declared)) }, reload: reload, limits: limits, forceRGBA: forceRGBA, animation: animation
        )
        decoded = managingColor(of: decoded, declared: declared)
        return finished(decoded, metadata: metadata, declared: declared)
    }

    /// Decodes a whole image.
    public func decode(_ bytes: [UInt8]) throws -> Image {
        try bytes.withUnsafeBytes { try decode($0) }
    }
}

/// A decoded image and what its file's header said.
public struct DecodedImage: Sendable {
    /// The header's findings (format, stored size, color model, animation, …).
    public var info: ImageInfo
    /// The pixels, at the stored size or, when asked, a reduced one.
    public var image: Image
    /// How many problems the decoder accepted because it was lenient (JPEG: libjpeg's warnings
    /// about corrupt or missing data); 0 for a clean file.
    public var acceptedDamage = 0
    /// The orientation the decoder applied to the stored pixels (`.up` when none was, or the
    /// decoder was told not to): ``image`` is upright when this equals `info.orientation`.
    public var appliedOrientation: ImageOrientation = .up
    /// What the decoder did about colour: nothing to do, converted to sRGB, kept a profile, or
    /// ignored one it could not use.
    public var colorOutcome: ColorOutcome = .untagged
    /// The ICC profile that describes ``image``'s pixels when it is not sRGB (``ImageDecoder/color``
    /// `.keepProfile`): for an encoder to embed. `nil` for sRGB pixels.
    public var iccProfile: [UInt8]?
    /// The file's metadata blocks (EXIF, ICC, XMP, content credentials), as read before decoding:
    /// for an encoder that keeps them (`--keep-metadata`) and for reports.
    public var metadata = EmbeddedMetadata()

    /// An image and its header's findings.
    public init(info: ImageInfo, image: Image, acceptedDamage: Int = 0) {
        self.info = info
        self.image = image
        self.acceptedDamage = acceptedDamage
    }
}
