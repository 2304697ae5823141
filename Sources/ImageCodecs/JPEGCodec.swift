internal import CJPEGShims
import ImageCore

/// JPEG through the system libjpeg-turbo: header probe and decode (baseline, progressive,
/// arithmetic, every chroma subsampling, restart markers, grayscale, CMYK and YCCK), with
/// libjpeg's DCT scaling for shrink on load.
///
/// Pixels are libjpeg's defaults, the same as `djpeg`'s (accurate integer IDCT, fancy upsampling):
/// gray8 for a one-component file, RGB8 otherwise. Limits hold before anything is allocated: the
/// pixel limit from the SOF header, a bound on libjpeg's own memory (a progressive image keeps its
/// coefficients), and ``DecodeLimits/maxScans``. Strict by default: what libjpeg only warns about
/// (corrupt data, a premature end) is an error, as `djpeg -strict`; ``decodeWithInfo(_:limits:lenient:minimumSize:)``
/// with `lenient` accepts it and counts the warnings. Bytes after the end-of-image marker are ignored.
public enum JPEGCodec {
    /// What libjpeg-turbo's shim reported, for messages.
    private static let messageCapacity = 256

    /// Reads the header (markers up to the first SOF) without decoding pixels.
    ///
    /// - Throws: ``ImageCodecError`` with `.invalidHeader` or `.truncated` and libjpeg's message.
    public static func probe(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        try header(bytes).info
    }

    struct Header {
        var info: ImageInfo
        var components: Int
        /// An Adobe APP14 marker: CMYK samples are stored inverted (255 = no ink).
        var adobe: Bool
        /// libjpeg's colour space of the file (`J_COLOR_SPACE`: 1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK).
        var colorSpace: Int32
    }

    static func header(_ bytes: UnsafeRawBufferPointer) throws(ImageCodecError) -> Header {
        var raw = ijpeg_info()
        var offset = 0
        var message = [CChar](repeating: 0, count: messageCapacity)
        let status = ijpeg_probe(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &raw, &message, message.count, &offset)
        guard status == Int32(IJPEG_OK) else {
            throw failure(status, message, offset: offset, size: bytes.count, during: "header")
        }
        let colorModel: ImageInfo.ColorModel = switch raw.components {
        case 1: .gray
        case 4: .cmyk
        default: .rgb
        }
        let compression: ImageInfo.Compression = raw.arithmetic != 0 ? .arithmeticDCT : raw.progressive != 0 ? .progressiveDCT : .dct
        let info = ImageInfo(
            format: .jpeg, size: ImageSize(width: Int(raw.width), height: Int(raw.height)), colorModel: colorModel,
            hasAlpha: false, bitDepth: Int(raw.precision), isInterlaced: raw.progressive != 0, compression: compression
        )
        return Header(info: info, components: Int(raw.components), adobe: raw.adobe != 0, colorSpace: raw.color_space)
    }

    /// The largest DCT scaling (1, 1/2, 1/4, 1/8) whose output is at least `minimum` on both axes.
    public static func reductionDenominator(for size: ImageSize, atLeast minimum: ImageSize) -> Int {
        for denominator in [8, 4, 2] {
            let scaled = scaledSize(size, denominator: denominator)
            if scaled.width >= minimum.width && scaled.height >= minimum.height { return denominator }
        }
        return 1
    }

    static func scaledSize(_ size: ImageSize, denominator: Int) -> ImageSize {
        var width: Int32 = 0, height: Int32 = 0
        ijpeg_scaled_size(Int32(size.width), Int32(size.height), Int32(denominator), &width, &height)
        return ImageSize(width: Int(width), height: Int(height))
    }

    /// Decodes a whole JPEG at full size.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits = .default, lenient: Bool = false) throws -> Image {
        try decodeWithInfo(bytes, limits: limits, lenient: lenient).image
    }

    /// Decodes a JPEG, at a reduced size when `minimumSize` allows (libjpeg's DCT scaling: the
    /// output is never smaller than the size asked for on either axis).
    ///
    /// - Parameter lenient: accept what libjpeg only warns about (corrupt data, a truncated file:
    ///   missing rows come out grey); ``DecodedImage`` does not say how many warnings there were —
    ///   `warningCount` of ``decodeWithInfo(_:limits:lenient:warningCount:minimumSize:)`` does.
    /// - Throws: ``ImageCodecError``: `.limitExceeded` (pixels, scans, memory), `.truncated`,
    ///   `.corruptData`, `.invalidHeader`, `.unsupportedFormat` (12-bit), with libjpeg's message
    ///   and the byte offset it had reached.
    public static func decodeWithInfo(
        _ bytes: UnsafeRawBufferPointer, limits: DecodeLimits = .default, lenient: Bool = false,
        minimumSize: (ImageInfo) -> ImageSize? = { _ in nil }
    ) throws -> DecodedImage {
        var warnings = 0
        return try decodeWithInfo(bytes, limits: limits, lenient: lenient, warningCount: &warnings, minimumSize: minimumSize)
    }

    /// ``decodeWithInfo(_:limits:lenient:minimumSize:)`` that also reports how many warnings
    /// libjpeg gave (always 0 unless `lenient`: strict decoding stops at the first).
    ///
    /// - Parameters:
    ///   - ownProgressiveDecoder: make a progressive JPEG's 1/8- or 1/4-scale image with
    ///     imagepipe's own entropy decoder and libjpeg's arithmetic (the default;
    ///     ``progressiveReduced(_:denominator:limits:)``); `false` has libjpeg decode it.
    ///   - threads: how many threads the decode may use (0: one a core). A sequential file with
    ///     restart markers (most cameras write them) is then split at the markers into parts
    ///     decoded at once, each by its own libjpeg, with the same pixels; other files, and
    ///     lenient decodes, use one.
    public static func decodeWithInfo(
        _ bytes: UnsafeRawBufferPointer, limits: DecodeLimits, lenient: Bool, warningCount: inout Int,
        minimumSize: (ImageInfo) -> ImageSize?, ownProgressiveDecoder: Bool = true, threads: Int = 1
    ) throws(ImageCodecError) -> DecodedImage {
        try decode(
            bytes, limits: limits, lenient: lenient, warningCount: &warningCount, minimumSize: minimumSize, cmykSamples: false,
            ownProgressiveDecoder: ownProgressiveDecoder, threads: threads
        ).decoded
    }

    /// The decode behind the public ones. With `cmykSamples`, a CMYK or YCCK file comes out as
    /// its CMYK samples, four bytes a pixel in an image labelled RGBA8 (for a conversion with
    /// the file's ICC profile; `inverted` says whether 255 means no ink).
    static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: DecodeLimits, lenient: Bool, warningCount: inout Int,
        minimumSize: (ImageInfo) -> ImageSize?, cmykSamples: Bool, ownProgressiveDecoder: Bool = true, threads: Int = 1
    ) throws(ImageCodecError) -> (decoded: DecodedImage, inverted: Bool) {
        try limits.enforceInput(byteCount: bytes.count)
        let header = try header(bytes)
        try limits.enforce(header.info.size)
        let denominator = minimumSize(header.info).map { reductionDenominator(for: header.info.size, atLeast: $0) } ?? 1
        let size = scaledSize(header.info.size, denominator: denominator)
        let format: PixelFormat = header.components == 1 ? .gray8 : cmykSamples && header.components == 4 ? .rgba8 : .rgb8
        // libjpeg's own buffers: a progressive image keeps every DCT coefficient (2 bytes a sample,
        // up to 3 samples a pixel at 4:4:4, 4 for CMYK), sequential ones a few rows.
        let memory = header.info.size.width * header.info.size.height * max(3, header.components) * 2 + (16 << 20)
        if ownProgressiveDecoder && (denominator == 8 || denominator == 4),
           let image = try progressiveReduced(bytes, header: header, denominator: denominator, limits: limits) {
            warningCount = 0
            return (DecodedImage(info: header.info, image: image, acceptedDamage: 0), header.adobe)
        }
        var message = [CChar](repeating: 0, count: messageCapacity)
        var offset = 0
        var warnings: Int32 = 0
        // Several threads: a sequential file with restart markers is decoded in parts at once.
        let split = threads != 1 && !lenient && format != .rgba8 && header.info.compression == .dct
        let threadCount = threads > 0 ? threads : Processors.online
        // A failed decode throws out of the initializer, which frees the buffer: nothing to fill.
        let image = try Image(size: size, format: format) { (buffer: UnsafeMutableRawBufferPointer) throws(ImageCodecError) in
            if split && decodeInParts(bytes, into: buffer, size: size, channels: format.channelCount, denominator: denominator, memory: memory, threads: threadCount) {
                return
            }
            let status = ijpeg_decode(
                bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, Int32(denominator),
                buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(size.width), Int32(size.height),
                Int32(format.channelCount), Int32(limits.maxScans), memory, lenient ? 1 : 0, &warnings,
                &message, message.count, &offset
            )
            guard status == Int32(IJPEG_OK) else {
                throw failure(status, message, offset: offset, size: bytes.count, during: "image data")
            }
        }
        warningCount = Int(warnings)
        return (DecodedImage(info: header.info, image: image, acceptedDamage: Int(warnings)), header.adobe)
    }

    /// A strict decode split at restart markers over `threads` threads; `false`, the buffer
    /// undefined, when the file cannot be split (no restart markers, too few, progressive,
    /// several scans) or a part fails: then decode it in one piece.
    static func decodeInParts(
        _ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer, size: ImageSize, channels: Int,
        denominator: Int, memory: Int, threads: Int
    ) -> Bool {
        ijpeg_decode_split(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, Int32(denominator),
            buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(size.width), Int32(size.height),
            Int32(channels), memory, Int32(threads)
        ) == Int32(IJPEG_OK)
    }

    /// The 1/8- or 1/4-scale image (`denominator` 8 or 4) of a progressive JPEG made with
    /// imagepipe's own entropy decoder, or `nil` when the file is not one this takes (then
    /// ``decodeWithInfo(_:limits:lenient:warningCount:minimumSize:ownProgressiveDecoder:threads:)``
    /// has libjpeg decode it, as it does with `ownProgressiveDecoder: false`).
    ///
    /// libjpeg decodes every scan of a progressive file into a buffer of all its coefficients
    /// (two bytes for each sample) before its inverse DCT, which at a reduced size reads a few
    /// frequencies of each block. Here only those are kept: 25 of the 64 for a 2x2 transform, 49
    /// for a 4x4, the DC alone at 1/8, where the AC scans of full-resolution components (most of
    /// a file's bytes) are stepped over undecoded. The transforms, range limiting, upsampling and
    /// colour conversion are libjpeg's arithmetic, so the pixels are libjpeg's, bit for bit.
    ///
    /// Taken: Huffman-coded progressive 8-bit files, gray or three components (YCbCr or RGB), in
    /// the sampling layouts libjpeg handles at that scale by replication (1/8) or by h2v1
    /// upsampling (1/4): 4:4:4, 4:2:2, 4:2:0 and gray. Declined (`nil`) for anything else, and for
    /// anything libjpeg would warn about or treat otherwise: a damaged scan or marker that is
    /// decoded, an inconsistent scan order, first AC coefficients left incomplete (libjpeg then
    /// smooths the blocks), a missing end of image. libjpeg then reports the damage as it always
    /// does, or accepts it when lenient. At 1/8, damage inside the skipped AC scans goes
    /// unnoticed; a full decode finds it.
    ///
    /// - Throws: ``ImageCodecError`` `.limitExceeded` past ``DecodeLimits/maxScans``, and the
    ///   header's errors.
    public static func progressiveReduced(_ bytes: UnsafeRawBufferPointer, denominator: Int, limits: DecodeLimits = .default) throws(ImageCodecError) -> Image? {
        try limits.enforceInput(byteCount: bytes.count)
        let header = try header(bytes)
        try limits.enforce(header.info.size)
        return try progressiveReduced(bytes, header: header, denominator: denominator, limits: limits)
    }

    /// ``progressiveReduced(_:denominator:limits:)``; `portable` keeps the entropy decoder to the
    /// baseline instruction set (the tests compare it with the BMI2 tier).
    static func progressiveReduced(_ bytes: UnsafeRawBufferPointer, header: Header, denominator: Int, limits: DecodeLimits, portable: Bool = false) throws(ImageCodecError) -> Image? {
        guard denominator == 8 || denominator == 4, header.info.compression == .progressiveDCT, header.components == 1 || header.components == 3 else { return nil }
        let size = scaledSize(header.info.size, denominator: denominator)
        let format: PixelFormat = header.components == 1 ? .gray8 : .rgb8
        var message = [CChar](repeating: 0, count: messageCapacity)
        var offset = 0
        var declined = false
        let image = try Image(size: size, format: format) { (buffer: UnsafeMutableRawBufferPointer) throws(ImageCodecError) in
            let status = ijpeg_decode_progressive_scaled(
                bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, Int32(denominator),
                buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(size.width), Int32(size.height),
                Int32(format.channelCount), header.colorSpace, Int32(limits.maxScans), portable ? 1 : 0, &message, message.count, &offset
            )
            declined = status == Int32(IJPEG_FALLBACK)
            guard status == Int32(IJPEG_OK) || declined else {
                throw failure(status, message, offset: offset, size: bytes.count, during: "image data")
            }
        }
        return declined ? nil : image
    }

    /// An error from the shim's status and libjpeg's message, classified by what libjpeg said.
    private static func failure(_ status: Int32, _ message: [CChar], offset: Int, size: Int, during part: String) -> ImageCodecError {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let place = offset > 0 ? " (at byte \(offset) of \(size))" : ""
        switch status {
        case Int32(IJPEG_TOO_MANY_SCANS):
            return ImageCodecError(.limitExceeded, "JPEG has " + text, at: offset)
        case Int32(IJPEG_WARNING):
            let truncated = text.contains("Premature end") || offset >= size
            return ImageCodecError(
                truncated ? .truncated : .corruptData,
                "JPEG \(part): \(text)\(place)" + (truncated ? "; the file is cut short" : "") + " (--lenient accepts it)",
                at: offset
            )
        default:
            let lowered = text.lowercased()
            let code: ImageCodecError.Code =
                lowered.contains("insufficient memory") ? .limitExceeded
                : lowered.contains("unsupported jpeg data precision") || lowered.contains("unsupported") ? .unsupportedFormat
                : offset >= size || lowered.contains("empty") ? .truncated
                : part == "header" ? .invalidHeader : .corruptData
            return ImageCodecError(code, "JPEG \(part): \(text)\(place)", at: offset)
        }
    }
}
