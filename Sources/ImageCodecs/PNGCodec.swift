import ImageCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CPNGShims
internal import CLibPNG

/// PNG decoding, header probing and encoding through the system libpng.
///
/// Decoding gives the pixel semantics of the project's conformance key: samples as stored (gAMA,
/// cHRM, sRGB and iCCP do not change values), palette and `tRNS` expanded to RGBA, bit depths 1–4
/// scaled to 8 bits, 16-bit samples reduced with rounding, interlacing undone.
public enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    // MARK: Probe

    /// Reads the header of a PNG: size, color type, bit depth, interlacing, transparency and APNG
    /// animation, from the chunks before the image data.
    ///
    /// Only `IHDR` (the first 33 bytes) is required; `tRNS` and `acTL` are found when the bytes
    /// reach them. The IHDR CRC and every field are validated.
    ///
    /// - Throws: ``ImageCodecError`` naming the field and byte offset of the problem.
    public static func probe(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        try walkHeader(bytes).info
    }

    struct Header {
        var info: ImageInfo
        /// Whether the walk reached the first IDAT chunk.
        var reachedImageData: Bool
        /// Whether an `acTL` chunk (APNG) comes before the image data.
        var hasAnimationControl = false
    }

    static func walkHeader(_ bytes: UnsafeRawBufferPointer) throws -> Header {
        try checkSignature(bytes)
        guard bytes.count >= 33 else {
            throw ImageCodecError(.truncated, "PNG ends at byte \(bytes.count), inside the IHDR chunk (which ends at byte 33)", at: bytes.count)
        }
        guard bytes.uint32BigEndian(at: 8) == 13, bytes.matches("IHDR", at: 12) else {
            throw ImageCodecError(.invalidHeader, "PNG does not start with a 13-byte IHDR chunk (found \(bytes.uint32BigEndian(at: 8))-byte \(printable(bytes, 12)))", at: 8)
        }
        let storedCRC = bytes.uint32BigEndian(at: 29)
        let computedCRC = crc32OfChunk(bytes, typeOffset: 12, dataLength: 13)
        guard storedCRC == computedCRC else {
            throw ImageCodecError(.checksumMismatch, "IHDR chunk CRC mismatch at byte 29 (stored \(hex(storedCRC)), computed \(hex(computedCRC)))", at: 29)
        }
        let width = bytes.uint32BigEndian(at: 16), height = bytes.uint32BigEndian(at: 20)
        let bitDepth = Int(bytes[24]), colorType = bytes[25]
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw ImageCodecError(.invalidHeader, "IHDR declares an invalid size \(width)x\(height) (each side must be 1 to 2^31-1)", at: 16)
        }
        let colorModel: ImageInfo.ColorModel
        let allowedDepths: Set<Int>
        switch colorType {
        case 0: colorModel = .gray; allowedDepths = [1, 2, 4, 8, 16]
        case 2: colorModel = .rgb; allowedDepths = [8, 16]
        case 3: colorModel = .palette; allowedDepths = [1, 2, 4, 8]
        case 4: colorModel = .grayAlpha; allowedDepths = [8, 16]
        case 6: colorModel = .rgba; allowedDepths = [8, 16]
        default:
            throw ImageCodecError(.invalidHeader, "IHDR color type \(colorType) at byte 25 is invalid (valid: 0, 2, 3, 4, 6)", at: 25)
        }
        guard allowedDepths.contains(bitDepth) else {
            throw ImageCodecError(.invalidHeader, "IHDR bit depth \(bitDepth) at byte 24 is invalid for color type \(colorType) (valid: \(allowedDepths.sorted().map(String.init).joined(separator: ", ")))", at: 24)
        }
        guard bytes[26] == 0 else {
            throw ImageCodecError(.invalidHeader, "IHDR compression method \(bytes[26]) at byte 26 is invalid (must be 0)", at: 26)
        }
        guard bytes[27] == 0 else {
            throw ImageCodecError(.invalidHeader, "IHDR filter method \(bytes[27]) at byte 27 is invalid (must be 0)", at: 27)
        }
        guard bytes[28] <= 1 else {
            throw ImageCodecError(.invalidHeader, "IHDR interlace method \(bytes[28]) at byte 28 is invalid (must be 0 or 1)", at: 28)
        }

        var info = ImageInfo(
            format: .png, size: ImageSize(width: Int(width), height: Int(height)), colorModel: colorModel,
            hasAlpha: colorType & 4 != 0, bitDepth: bitDepth, isInterlaced: bytes[28] == 1,
            isAnimated: false, frameCount: nil, compression: .deflate
        )
        // Walk the chunks between IHDR and the first IDAT: that is where tRNS and APNG's acTL live.
        var offset = 33
        var hasAnimationControl = false
        while offset + 8 <= bytes.count {
            let length = Int(bytes.uint32BigEndian(at: offset))
            guard length <= 0x7FFF_FFFF else {
                throw ImageCodecError(.corruptData, "chunk at byte \(offset) declares an invalid length \(length)", at: offset)
            }
            if bytes.matches("IDAT", at: offset + 4) {
                if info.frameCount == nil { info.frameCount = 1 }
                return Header(info: info, reachedImageData: true, hasAnimationControl: hasAnimationControl)
            }
            if bytes.matches("IEND", at: offset + 4) {
                throw ImageCodecError(.corruptData, "PNG has no IDAT chunk: IEND at byte \(offset) comes before any image data", at: offset)
            }
            if bytes.matches("tRNS", at: offset + 4) {
                info.hasAlpha = true
            }
            if bytes.matches("acTL", at: offset + 4), length >= 8, offset + 16 <= bytes.count {
                hasAnimationControl = true
                let frames = Int(bytes.uint32BigEndian(at: offset + 8))
                info.isAnimated = frames > 1
                info.frameCount = frames
            }
            offset += 12 + length
        }
        return Header(info: info, reachedImageData: false, hasAnimationControl: hasAnimationControl)
    }

    private static func checkSignature(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 8 else {
            throw ImageCodecError(.truncated, "PNG ends at byte \(bytes.count), inside its 8-byte signature", at: bytes.count)
        }
        for index in 0..<8 where bytes[index] != signature[index] {
            throw ImageCodecError(
                .invalidSignature,
                "damaged PNG signature: byte \(index) is \(hex8(bytes[index])), expected \(hex8(signature[index]))"
                    + (bytes[index] == 0x0A || bytes[index] == 0x0D ? " (line endings converted by a text-mode transfer?)" : ""),
                at: index
            )
        }
    }

    /// Whether `bytes` look like a PNG whose signature was damaged (a line-ending conversion, a bit flip):
    /// most signature bytes match, or an IHDR chunk type sits where it belongs.
    static func looksLikeDamagedPNG(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 16 else { return false }
        let matching = (0..<8).filter { bytes[$0] == signature[$0] }.count
        return matching >= 5 || bytes.matches("IHDR", at: 12) || bytes.matches("IHDR", at: 11) || bytes.matches("IHDR", at: 13)
    }

    static func crc32OfChunk(_ bytes: UnsafeRawBufferPointer, typeOffset: Int, dataLength: Int) -> UInt32 {
        let start = bytes.baseAddress!.advanced(by: typeOffset).assumingMemoryBound(to: UInt8.self)
        return UInt32(truncatingIfNeeded: crc32(0, start, UInt32(4 + dataLength)))
    }

    // MARK: Decode

    /// Decodes a whole PNG to 8-bit RGB or RGBA pixels.
    ///
    /// The header is probed and checked against `limits` before anything is allocated for the pixels.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - limits: pixel and byte limits, checked before allocation.
    ///   - forceRGBA: decode to RGBA8 even when the image has no alpha (opaque pixels get 255).
    /// - Returns: RGBA8 when the image has alpha (or `forceRGBA`), RGB8 otherwise.
    /// - Throws: ``ImageCodecError``: a damaged header, truncation, CRC or zlib errors, limits.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits = .default, forceRGBA: Bool = false) throws -> Image {
        try decodeWithInfo(bytes, limits: limits, forceRGBA: forceRGBA).image
    }

    /// ``decode(_:limits:forceRGBA:)`` that also returns what the header walk found.
    ///
    /// The PNGs image services return (8-bit gray, gray+alpha, RGB or RGBA, not interlaced, no
    /// `tRNS`) take a fast path: the image data inflated in one call to libdeflate, the rows
    /// unfiltered in C. Every other file, and every file the fast path finds anything wrong
    /// with, is decoded by libpng, so accepted files, pixels and errors are libpng's.
    ///
    /// - Parameter path: which decoders may run (tests and the `ImageFuzz png` target compare them).
    /// - Parameter animation: whether an APNG is refused, or decoded to its default image (the
    ///   first frame) after every frame is checked (``verifyFrames(_:info:)``).
    package static func decodeWithInfo(
        _ bytes: UnsafeRawBufferPointer, limits: DecodeLimits, forceRGBA: Bool, animation: AnimationPolicy = .firstFrame,
        path: DecodePath = .automatic
    ) throws -> DecodedImage {
        try decodeWithInfo(bytes, releasable: nil, mayRelease: { _ in false }, reload: { [] }, limits: limits, forceRGBA: forceRGBA, animation: animation, path: path)
    }

    /// ``decodeWithInfo(_:limits:forceRGBA:animation:path:)`` for a caller that owns the file's
    /// bytes and lets the decode release them as it goes: the fast path gives the pages of image
    /// data it has inflated back to the kernel, so the file and the image are never both in
    /// memory (at 2048x2048 the file is 8.8 MiB of a 12 MiB image). Afterwards `bytes` hold
    /// zeros wherever pages were released; do not use them for anything else.
    ///
    /// Pixels and errors are the read-only call's: when the fast path gives up on a file after
    /// releasing part of it (a damaged stream), `reload` is called once for the original bytes
    /// and libpng decodes those.
    ///
    /// - Parameters:
    ///   - mayRelease: asked once with the header's findings; `false` keeps the bytes intact (a
    ///     caller that writes them out unchanged).
    ///   - reload: the file's bytes again (read from disk); only called for a file the fast path
    ///     declined after releasing some of it.
    package static func decodeWithInfo(
        releasing bytes: UnsafeMutableRawBufferPointer, when mayRelease: (ImageInfo) -> Bool = { _ in true },
        reload: () throws -> [UInt8], limits: DecodeLimits, forceRGBA: Bool,
        animation: AnimationPolicy = .firstFrame, path: DecodePath = .automatic
    ) throws -> DecodedImage {
        try decodeWithInfo(
            UnsafeRawBufferPointer(bytes), releasable: bytes, mayRelease: mayRelease, reload: reload, limits: limits,
            forceRGBA: forceRGBA, animation: animation, path: path
        )
    }

    /// How many bytes the calling thread's last releasing decode gave back to the kernel: for
    /// tests of what the releasing variant saves.
    package static var lastReleasedByteCount: Int { ipng_fast_released_bytes() }

    private static func decodeWithInfo(
        _ bytes: UnsafeRawBufferPointer, releasable: UnsafeMutableRawBufferPointer?, mayRelease: (ImageInfo) -> Bool,
        reload: () throws -> [UInt8],
        limits: DecodeLimits, forceRGBA: Bool, animation: AnimationPolicy, path: DecodePath
    ) throws -> DecodedImage {
        try limits.enforceInput(byteCount: bytes.count)
        let header = try walkHeader(bytes)
        let info = header.info
        guard header.reachedImageData else {
            throw ImageCodecError(.truncated, "PNG ends at byte \(bytes.count) before its image data (no IDAT chunk found)", at: bytes.count)
        }
        try limits.enforce(info.size)
        if header.hasAnimationControl {
            if animation == .reject && info.isAnimated {
                throw ImageCodecError(.animationRefused, "animated PNG (\(info.frameCount.map { "\($0) frames" } ?? "several frames")) refused: only still images are accepted here")
            }
            try verifyFrames(bytes, info: info)
        }
        let format: PixelFormat = forceRGBA || info.hasAlpha ? .rgba8 : .rgb8
        let releasable = mayRelease(info) ? releasable : nil
        // Ancillary chunks (iCCP, zTXt, ...) may not make libpng allocate more than the input could justify.
        let maxChunkBytes = min(max(bytes.count * 4, 1 << 20), 64 << 20)
        // The fast path inflates the filtered rows into the image's own buffer (one byte a row
        // longer than the pixels, and some slack) and unfilters them there.
        let capacity = ipng_fast_buffer_size(UInt32(info.size.width), UInt32(info.size.height), Int32(info.colorModel.pngColorType), Int32(format.channelCount))
        guard capacity < Int.max else {
            throw ImageCodecError(.limitExceeded, "PNG of \(info.size.width)x\(info.size.height) is too large to address")
        }
        /// libpng's decode of `bytes` (the file, or the file read again) into the image's buffer.
        func decodeWithLibPNG(into buffer: UnsafeMutableRawBufferPointer, _ bytes: UnsafeRawBufferPointer) throws {
            let pixelCount = info.size.width * info.size.height * format.channelCount
            var consumed = 0
            var report = ipng_inflate_report()
            var message = [CChar](repeating: 0, count: 256)
            let status = message.withUnsafeMutableBufferPointer { text in
                ipng_decode(
                    bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                    UInt32(info.size.width), UInt32(info.size.height), Int32(format.channelCount),
                    buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), pixelCount,
                    maxChunkBytes, &consumed, &report, text.baseAddress, text.count
                )
            }
            if status == IPNG_ERROR_TOO_MUCH_DATA {
                throw tooMuchData("IDAT", of: info, size: info.size, report: report, total: bytes.count)
            }
            guard status == IPNG_OK else {
                let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw decodeError(status: status, libpngMessage: text, consumed: consumed, total: bytes.count)
            }
        }
        let image = try Image(size: info.size, format: format, capacity: Int(capacity)) { (buffer: UnsafeMutableRawBufferPointer) throws -> Void in
            let pixelCount = info.size.width * info.size.height * format.channelCount
            if path != .libpngOnly {
                let pixels = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
                let (width, height, channels) = (UInt32(info.size.width), UInt32(info.size.height), Int32(format.channelCount))
                var released = 0
                let status = if let releasable {
                    ipng_decode_fast_releasing(
                        releasable.baseAddress?.assumingMemoryBound(to: UInt8.self), releasable.count,
                        width, height, channels, pixels, pixelCount, buffer.count, &released
                    )
                } else {
                    ipng_decode_fast(
                        bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                        width, height, channels, pixels, pixelCount, buffer.count
                    )
                }
                if status == IPNG_OK { return }
                if status == IPNG_ERROR_OUT_OF_MEMORY {
                    throw ImageCodecError(.outOfMemory, "out of memory decoding PNG of \(info.size.width)x\(info.size.height)")
                }
                if path == .fastOnly {
                    throw ImageCodecError(.unsupportedFormat, "the fast path declined this PNG (status \(status.rawValue))")
                }
                // Anything else (not a case the fast path takes, or not perfectly clean): libpng,
                // on the file as it was.
                if released > 0 {
                    let original = try reload()
                    return try original.withUnsafeBytes { try decodeWithLibPNG(into: buffer, $0) }
                }
            }
            try decodeWithLibPNG(into: buffer, bytes)
        }
        return DecodedImage(info: info, image: image)
    }


    /// Lets the fast path use its SSE4.1 Paeth loop where the CPU has it (the default), or makes
    /// it use the scalar loop: tests and the fuzz target check both on the same files.
    package static func allowVectorPaeth(_ allowed: Bool) {
        ipng_fast_set_vector_paeth(allowed ? 1 : 0)
    }

    /// Which decoders ``decodeWithInfo(_:limits:forceRGBA:path:)`` may use.
    package enum DecodePath {
        /// The fast path when it takes the file, libpng otherwise (what every caller uses).
        case automatic
        /// libpng alone.
        case libpngOnly
        /// The fast path alone; a file it declines is an `.unsupportedFormat` error.
        case fastOnly
    }

    /// The error for image data that inflates far past what the rows need (a zlib bomb):
    /// `IDAT inflates past the 1040 bytes a 16x16 8-bit RGBA image needs (stopped at 66577 bytes, at byte 8312 of 4000120)`.
    static func tooMuchData(_ what: String, of info: ImageInfo, size: ImageSize, report: ipng_inflate_report, total: Int) -> ImageCodecError {
        ImageCodecError(
            .corruptData,
            "\(what) inflates past the \(report.expected) bytes a \(size.width)x\(size.height) \(info.bitDepth)-bit \(info.colorModel.name) image needs (stopped at \(report.produced) bytes, at byte \(report.stopped_at) of \(total))",
            at: report.stopped_at
        )
    }

    static func decodeError(status: ipng_status, libpngMessage: String, consumed: Int, total: Int) -> ImageCodecError {
        let lowered = libpngMessage.lowercased()
        let place = "at byte \(consumed) of \(total)"
        switch status {
        case IPNG_ERROR_TRUNCATED:
            return ImageCodecError(.truncated, "PNG is truncated: the file ends at byte \(total), inside the chunk libpng was reading after byte \(consumed)", at: total)
        case IPNG_ERROR_OUT_OF_MEMORY:
            return ImageCodecError(.outOfMemory, "out of memory decoding PNG: \(libpngMessage)")
        case IPNG_ERROR_MISMATCH, IPNG_ERROR_ARGUMENT:
            return ImageCodecError(.corruptData, "PNG decode failed: \(libpngMessage)", at: consumed)
        default:
            break
        }
        if lowered.contains("crc") || lowered.contains("adler") || lowered.contains("incorrect data check") {
            return ImageCodecError(.checksumMismatch, "PNG checksum mismatch: \(libpngMessage) (\(place))", at: consumed)
        }
        if lowered.contains("not enough") || lowered.contains("truncated") || lowered.contains("unexpected end") {
            return ImageCodecError(.truncated, "PNG image data is incomplete: \(libpngMessage) (\(place))", at: consumed)
        }
        if lowered.contains("ihdr") || lowered.contains("invalid") && (lowered.contains("width") || lowered.contains("height") || lowered.contains("depth") || lowered.contains("color type")) {
            return ImageCodecError(.invalidHeader, "invalid PNG header: \(libpngMessage) (\(place))", at: consumed)
        }
        if lowered.contains("memory") {
            return ImageCodecError(.outOfMemory, "out of memory decoding PNG: \(libpngMessage)")
        }
        return ImageCodecError(.corruptData, "corrupt PNG: \(libpngMessage) (\(place))", at: consumed)
    }

    // MARK: Encode

    /// Encodes an image as PNG.
    ///
    /// The smallest faithful color type is written: no alpha channel when every pixel is opaque,
    /// gray when every pixel has equal red, green and blue (unless the options say otherwise).
    ///
    /// - Throws: ``ImageCodecError`` with `.invalidOptions` or `.encodingFailed`.
    public static func encode(_ image: Image, options: PNGEncodeOptions = PNGEncodeOptions()) throws -> [UInt8] {
        guard (0...9).contains(options.compressionLevel) else {
            throw ImageCodecError(.invalidOptions, "PNG compression level \(options.compressionLevel) is out of range 0-9")
        }
        let keepAlpha = image.format.hasAlpha && !(options.reduceColorType && image.isOpaque)
        if options.reduceColorType && !image.format.isGray && image.isGrayscale {
            // Gray content in a color buffer: pack it to gray (+ alpha) first, a one-pass copy.
            let grayImage = image.converted(to: keepAlpha ? .grayAlpha8 : .gray8)
            return try encodeDirect(grayImage, colorType: keepAlpha ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY, options: options)
        }
        let colorType: Int32
        switch (image.format.isGray, keepAlpha) {
        case (true, true): colorType = PNG_COLOR_TYPE_GRAY_ALPHA
        case (true, false): colorType = PNG_COLOR_TYPE_GRAY
        case (false, true): colorType = PNG_COLOR_TYPE_RGB_ALPHA
        case (false, false): colorType = PNG_COLOR_TYPE_RGB
        }
        return try encodeDirect(image, colorType: colorType, options: options)
    }

    private static func encodeDirect(_ image: Image, colorType: Int32, options: PNGEncodeOptions) throws -> [UInt8] {
        var buffer = ipng_buffer(data: nil, size: 0, capacity: 0)
        defer { ipng_buffer_free(&buffer) }
        var message = [CChar](repeating: 0, count: 256)
        let texts = options.textChunks
        let status = withCStrings(texts.flatMap { [$0.key, $0.value] }) { cStrings in
            var chunkList = texts.indices.map { index in
                ipng_text(key: cStrings[2 * index], text: cStrings[2 * index + 1], utf8: texts[index].value.utf8.contains { $0 >= 0x80 } ? 1 : 0)
            }
            return image.withUnsafeBytes { pixels in
                message.withUnsafeMutableBufferPointer { text in
                    chunkList.withUnsafeMutableBufferPointer { chunks in
                        ipng_encode(
                            pixels.baseAddress?.assumingMemoryBound(to: UInt8.self),
                            UInt32(image.size.width), UInt32(image.size.height), image.rowBytes,
                            Int32(image.format.channelCount), colorType,
                            Int32(options.compressionLevel), options.filter.libpngMask,
                            chunks.baseAddress, Int32(chunks.count),
                            &buffer, text.baseAddress, text.count
                        )
                    }
                }
            }
        }
        guard status == IPNG_OK else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImageCodecError(status == IPNG_ERROR_OUT_OF_MEMORY ? .outOfMemory : .encodingFailed, "PNG encoding failed: \(text)")
        }
        return Array(UnsafeBufferPointer(start: buffer.data, count: buffer.size))
    }

    /// The version of the system libpng in use, e.g. `"1.6.39"`.
    public static var libraryVersion: String { String(cString: ipng_libpng_version()) }
}

extension ImageInfo.ColorModel {
    /// The IHDR color type of this color model.
    var pngColorType: UInt8 {
        switch self {
        case .gray: 0
        case .rgb: 2
        case .palette: 3
        case .grayAlpha: 4
        case .rgba: 6
        case .cmyk: preconditionFailure("a PNG header never says CMYK")
        }
    }

    /// How messages name it: `RGBA`, `gray+alpha`.
    var name: String {
        switch self {
        case .gray: "gray"
        case .grayAlpha: "gray+alpha"
        case .rgb: "RGB"
        case .rgba: "RGBA"
        case .palette: "palette"
        case .cmyk: "CMYK"
        }
    }
}

/// Options for ``PNGCodec/encode(_:options:)``.
public struct PNGEncodeOptions: Hashable, Sendable {
    /// Which PNG row filters the encoder may choose from.
    public enum Filter: String, Hashable, Sendable, CaseIterable {
        /// No filtering (best with level 0 or for palette-like images).
        case none
        /// Difference from the pixel to the left.
        case sub
        /// Difference from the pixel above.
        case up
        /// Difference from the average of left and above.
        case average
        /// Paeth predictor.
        case paeth
        /// Per row, the filter that compresses best (libpng's heuristic): the default.
        case adaptive

        var libpngMask: Int32 {
            switch self {
            case .none: PNG_FILTER_NONE
            case .sub: PNG_FILTER_SUB
            case .up: PNG_FILTER_UP
            case .average: PNG_FILTER_AVG
            case .paeth: PNG_FILTER_PAETH
            case .adaptive: PNG_FILTER_NONE | PNG_FILTER_SUB | PNG_FILTER_UP | PNG_FILTER_AVG | PNG_FILTER_PAETH
            }
        }
    }

    /// zlib compression level, 0 (store) to 9 (smallest); 6 by default, as libpng and Pillow.
    public var compressionLevel: Int
    /// Row filter strategy.
    public var filter: Filter
    /// Write no alpha channel when every pixel is opaque, and gray when every pixel is gray (default on).
    public var reduceColorType: Bool
    /// Text chunks (key, value) written before the image data: `tEXt` for ASCII, `iTXt` for other UTF-8.
    public var textChunks: [TextChunk]

    /// One PNG text chunk.
    public struct TextChunk: Hashable, Sendable {
        /// The keyword, 1–79 Latin-1 characters (`"Description"`, `"Software"`, …).
        public var key: String
        /// The text.
        public var value: String
        /// Creates a text chunk.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Creates options; the defaults are level 6, adaptive filtering, color type reduction on.
    public init(compressionLevel: Int = 6, filter: Filter = .adaptive, reduceColorType: Bool = true, textChunks: [TextChunk] = []) {
        self.compressionLevel = compressionLevel
        self.filter = filter
        self.reduceColorType = reduceColorType
        self.textChunks = textChunks
    }
}

/// Calls `body` with NUL-terminated copies of `strings`, freed when it returns.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>]) -> R) -> R {
    let copies = strings.map { strdup($0)! }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}
