import ImageCodecs
import ImageCore
import PipelineCore

/// What `imagepipe info` reports for one file: the probe's findings plus the file size.
public struct FileInfo: Sendable, Hashable, Codable {
    /// The path as given.
    public var path: String
    /// `"png"`, `"webp"`, `"pam"`.
    public var format: String
    /// Width in pixels, as stored.
    public var width: Int
    /// Height in pixels, as stored.
    public var height: Int
    /// The EXIF Orientation (2–8) when the file has one that turns or mirrors the stored pixels;
    /// absent for 1 or none.
    public var orientation: Int?
    /// The width the image is shown at (and decoded to, unless `--no-auto-orient`), when
    /// ``orientation`` is present.
    public var displayWidth: Int?
    /// The height the image is shown at, when ``orientation`` is present.
    public var displayHeight: Int?
    /// The colour space the file declares (an ICC profile's description, PNG `sRGB`, `gAMA`,
    /// `cHRM`); absent when it declares none (sRGB by convention).
    public var colorSpace: String?
    /// A C2PA manifest store in the file: where, its size and claim generator. Present means
    /// present, not valid: signatures are not verified (``ContentCredentials``).
    public var contentCredentials: ContentCredentials?
    /// `gray`, `grayAlpha`, `rgb`, `rgba` or `palette`.
    public var colorModel: String
    /// Whether pixels can be transparent.
    public var hasAlpha: Bool
    /// Bits per sample as stored.
    public var bitDepth: Int
    /// Adam7 interlacing.
    public var interlaced: Bool
    /// An animation (WebP ANIM, APNG).
    public var animated: Bool
    /// Frames, when known.
    public var frameCount: Int?
    /// `deflate`, `lossy`, `lossless` or `none`.
    public var compression: String
    /// File size in bytes.
    public var bytes: Int
    /// `true` when every pixel was decoded without error (`info --verify`); absent when not checked.
    public var verified: Bool?
    /// The text metadata embedded in the file (PNG `tEXt`/`iTXt`, WebP XMP), by key; absent when
    /// not read (`info --metadata`). A value longer than ``metadataValueLimit`` bytes is cut
    /// there and ends with `… (N more bytes)`; where a key appears twice, the first is kept.
    public var metadata: [String: String]?

    /// How many bytes of each metadata value are read for a report (1 MiB: far more than any
    /// prompt or provenance record, and little enough that a huge or hostile text chunk costs no
    /// more than that; compressed text is not inflated at all).
    public static let metadataValueLimit = 1 << 20

    /// Reads the file's embedded text metadata (provenance written by `generate`, among others)
    /// into ``metadata``.
    ///
    /// - Throws: ``PipelineError`` when the file cannot be read or its container is damaged.
    public mutating func readMetadata(maxBytes: Int) throws(PipelineError) {
        try readMetadata(from: FileIO.readFile(path, maxBytes: maxBytes))
    }

    /// Reads the embedded text metadata from the file's bytes, already in memory.
    mutating func readMetadata(from bytes: [UInt8]) throws(PipelineError) {
        do throws(ImageCodecError) {
            let entries = try ImageTextMetadata.read(from: bytes, maxValueBytes: Self.metadataValueLimit).entries
            var values: [String: String] = [:]
            for entry in entries where values[entry.key] == nil {
                values[entry.key] = entry.omittedByteCount == 0 ? entry.value : entry.value + "… (\(entry.omittedByteCount) more bytes)"
            }
            metadata = values
        } catch {
            throw PipelineError(path: path, codecError: error)
        }
    }

    /// Probes a file: its first 64 KiB, or the whole file (within the input limit) when the header
    /// walk needs more (chunks before PNG image data, frames of an animated WebP).
    ///
    /// - Throws: ``PipelineError`` naming the file.
    /// - Parameter readingMetadata: also read the embedded text metadata (the whole file).
    public static func probe(path: String, decoder: ImageDecoder = ImageDecoder(), readingMetadata: Bool = false) throws(PipelineError) -> FileInfo {
        let size = try FileIO.fileSize(path)
        let prefix = try FileIO.readPrefix(path, count: headerReadLength)
        return try probe(path: path, size: size, prefix: prefix, decoder: decoder, readingMetadata: readingMetadata)
    }

    /// How much of a file a header probe reads first.
    static let headerReadLength = 64 << 10

    /// Probes a file whose first bytes (up to ``headerReadLength``) are already read.
    ///
    /// When `prefix` is the whole file (`prefix.count == size`), nothing more is read.
    static func probe(path: String, size: Int, prefix: [UInt8], decoder: ImageDecoder, readingMetadata: Bool) throws(PipelineError) -> FileInfo {
        let (info, bytes) = try readHeader(path: path, size: size, prefix: prefix, decoder: decoder)
        var result = FileInfo(path: path, info: info, bytes: size)
        if readingMetadata {
            // The header walk may have read the whole file already (the limit still applies).
            if bytes.count == size && size <= decoder.limits.maxInputBytes {
                try result.readMetadata(from: bytes)
            } else {
                try result.readMetadata(maxBytes: decoder.limits.maxInputBytes)
            }
        }
        return result
    }

    /// Probes an image already in memory (one embedded in an API response).
    ///
    /// - Parameter path: what to call the image in reports and errors (`response.json data[0]`).
    static func probe(path: String, bytes: [UInt8], decoder: ImageDecoder, readingMetadata: Bool) throws(PipelineError) -> FileInfo {
        try probe(path: path, size: bytes.count, prefix: bytes, decoder: decoder, readingMetadata: readingMetadata)
    }

    /// Probes a file and decodes all its pixels, so that truncation, CRC and bitstream errors
    /// anywhere in the file are found (what a header probe cannot see).
    ///
    /// - Throws: ``PipelineError`` naming the file and the problem.
    /// - Parameter readingMetadata: also read the embedded text metadata (from the same read).
    public static func verify(path: String, decoder: ImageDecoder = ImageDecoder(), readingMetadata: Bool = false) throws(PipelineError) -> FileInfo {
        let bytes = try FileIO.readFile(path, maxBytes: decoder.limits.maxInputBytes)
        return try verify(path: path, bytes: bytes, decoder: decoder, readingMetadata: readingMetadata)
    }

    /// Decodes all the pixels of an image already in memory (a whole file, or one embedded in an
    /// API response).
    ///
    /// - Parameter path: what to call the image in reports and errors.
    static func verify(path: String, bytes: [UInt8], decoder: ImageDecoder, readingMetadata: Bool) throws(PipelineError) -> FileInfo {
        let info = try PipelineError.codec(path: path) {
            try bytes.withUnsafeBytes { try decoder.decodeWithInfo($0).info }
        }
        var result = FileInfo(path: path, info: info, bytes: bytes.count)
        result.verified = true
        if readingMetadata { try result.readMetadata(from: bytes) }
        return result
    }

    init(path: String, info: ImageInfo, bytes: Int) {
        self.init(
            path: path, format: info.format.fileExtension, width: info.size.width, height: info.size.height,
            colorModel: info.colorModel.rawValue, hasAlpha: info.hasAlpha, bitDepth: info.bitDepth,
            interlaced: info.isInterlaced, animated: info.isAnimated, frameCount: info.frameCount,
            compression: info.compression.rawValue, bytes: bytes
        )
        colorSpace = info.colorSpace
        contentCredentials = info.contentCredentials
        if info.orientation != .up {
            orientation = info.orientation.rawValue
            displayWidth = info.displaySize.width
            displayHeight = info.displaySize.height
        }
    }

    /// Creates a report from its fields.
    public init(
        path: String, format: String, width: Int, height: Int, colorModel: String, hasAlpha: Bool, bitDepth: Int,
        interlaced: Bool, animated: Bool, frameCount: Int?, compression: String, bytes: Int, verified: Bool? = nil
    ) {
        self.path = path
        self.format = format
        self.width = width
        self.height = height
        self.colorModel = colorModel
        self.hasAlpha = hasAlpha
        self.bitDepth = bitDepth
        self.interlaced = interlaced
        self.animated = animated
        self.frameCount = frameCount
        self.compression = compression
        self.bytes = bytes
        self.verified = verified
    }

    /// The header's findings, and the bytes they were read from (the prefix, or the whole file
    /// when the walk needed more).
    private static func readHeader(path: String, size: Int, prefix: [UInt8], decoder: ImageDecoder) throws(PipelineError) -> (ImageInfo, [UInt8]) {
        func probe(_ bytes: [UInt8]) throws(PipelineError) -> ImageInfo {
            try PipelineError.codec(path: path) { try decoder.probe(bytes) }
        }
        var bytes = prefix
        var info: ImageInfo
        do throws(PipelineError) {
            info = try probe(bytes)
        } catch {
            // A header walk that ran off the prefix: the whole file decides.
            guard error.codecError?.code == .truncated && bytes.count < size else { throw error }
            bytes = try FileIO.readFile(path, maxBytes: decoder.limits.maxInputBytes)
            return (try probe(bytes), bytes)
        }
        if bytes.count < size && info.frameCount == nil {
            bytes = try FileIO.readFile(path, maxBytes: decoder.limits.maxInputBytes)
            info = try probe(bytes)
        }
        return (info, bytes)
    }

    /// The metadata as lines for a terminal, sorted by key: `Description: a red fox`.
    ///
    /// Keys and values are shown escaped (``escapedForTerminal(_:)``): text from a file must not
    /// drive the terminal nor fake further lines.
    public var metadataLines: [String] {
        guard let metadata else { return [] }
        return metadata.keys.sorted().map { "\(Self.escapedForTerminal($0)): \(Self.escapedForTerminal(metadata[$0]!))" }
    }

    /// Text from a file made safe to print on one terminal line, without loss: a backslash
    /// becomes `\\`; line feed, carriage return and tab `\n`, `\r`, `\t`; escape `\e`; other
    /// control characters (C0, DEL, C1 such as the one-byte CSI U+009B), line and paragraph
    /// separators and bidirectional-text controls `\u{XX}` (hex code point). Everything else,
    /// including emoji joiners, is kept.
    public static func escapedForTerminal(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case "\u{1B}": escaped += "\\e"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || isBidirectionalControl(scalar):
                escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// The Unicode bidirectional formatting characters, which can make printed text read in an
    /// order other than its bytes'.
    private static func isBidirectionalControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// One line for people: `photo.png: PNG 1024x768 rgb 8-bit deflate, 1057622 bytes`.
    public var summary: String { "\(path): \(details)" }

    /// The summary without the path: `PNG 1024x768 rgb 8-bit deflate, 1057622 bytes`.
    public var details: String {
        var parts = ["\(ImageFormat(fileExtension: format)?.description ?? format) \(width)x\(height) \(colorModel) \(bitDepth)-bit \(compression)"]
        if let orientation, let displayWidth, let displayHeight {
            let name = ImageOrientation(rawValue: orientation)?.description ?? String(orientation)
            parts.append("EXIF orientation \(name): shown \(displayWidth)x\(displayHeight)")
        }
        if let colorSpace { parts.append(Self.escapedForTerminal(colorSpace)) }
        if hasAlpha && colorModel != "rgba" && colorModel != "grayAlpha" { parts.append("transparency") }
        if interlaced { parts.append("interlaced") }
        if animated { parts.append("animated, \(frameCount.map(String.init) ?? "?") frames") }
        parts.append("\(bytes) bytes")
        if verified == true { parts.append("pixels verified") }
        if let contentCredentials { parts.append("content credentials: " + Self.escapedForTerminal(contentCredentials.summary)) }
        return parts.joined(separator: ", ")
    }
}
