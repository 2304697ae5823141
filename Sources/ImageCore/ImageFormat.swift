/// An encoded image file format, recognised from its first bytes (never from a file name).
public enum ImageFormat: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Portable Network Graphics.
    case png
    /// WebP (RIFF container: lossy VP8, lossless VP8L, extended VP8X).
    case webp
    /// Netpbm PAM (`P7`), the raw interchange format `dwebp -pam` writes.
    case pam
    /// JPEG: recognised, not supported yet.
    case jpeg
    /// GIF: recognised, not supported yet.
    case gif
    /// BMP: recognised, not supported yet.
    case bmp
    /// TIFF: recognised, not supported yet.
    case tiff
    /// AVIF (ISO-BMFF `ftyp` brand `avif`/`avis`): recognised, not supported yet.
    case avif

    /// How many leading bytes ``sniff(_:)`` needs to recognise every format.
    public static let sniffLength = 16

    /// Recognises a format from the first bytes of a file (at least ``sniffLength`` for certainty).
    ///
    /// - Returns: the format, or `nil` when the bytes match none that imagepipe knows.
    public static func sniff(_ prefix: UnsafeRawBufferPointer) -> ImageFormat? {
        func starts(with magic: [UInt8], at offset: Int = 0) -> Bool {
            guard prefix.count >= offset + magic.count else { return false }
            for (index, byte) in magic.enumerated() where prefix[offset + index] != byte { return false }
            return true
        }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) { return .webp }
        if starts(with: Array("P7\n".utf8)) { return .pam }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(with: Array("GIF87a".utf8)) || starts(with: Array("GIF89a".utf8)) { return .gif }
        if starts(with: Array("BM".utf8)) && prefix.count >= 14 { return .bmp }
        if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(with: Array("ftyp".utf8), at: 4)
            && (starts(with: Array("avif".utf8), at: 8) || starts(with: Array("avis".utf8), at: 8)) {
            return .avif
        }
        return nil
    }

    /// Recognises a format from the first bytes of a byte array.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        bytes.withUnsafeBytes { sniff($0) }
    }

    /// Whether imagepipe can decode this format.
    public var canDecode: Bool { self == .png || self == .webp || self == .pam }

    /// Whether imagepipe can encode this format.
    public var canEncode: Bool { canDecode }

    /// The usual file name extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .webp: "webp"
        case .pam: "pam"
        case .jpeg: "jpg"
        case .gif: "gif"
        case .bmp: "bmp"
        case .tiff: "tiff"
        case .avif: "avif"
        }
    }

    /// The MIME type.
    public var mimeType: String {
        switch self {
        case .png: "image/png"
        case .webp: "image/webp"
        case .pam: "image/x-portable-arbitrarymap"
        case .jpeg: "image/jpeg"
        case .gif: "image/gif"
        case .bmp: "image/bmp"
        case .tiff: "image/tiff"
        case .avif: "image/avif"
        }
    }

    /// The format an output file name asks for by its extension (`png`, `webp`, `pam`, `jpg`, …), case-insensitive.
    public init?(fileExtension: some StringProtocol) {
        switch fileExtension.lowercased() {
        case "png": self = .png
        case "webp": self = .webp
        case "pam": self = .pam
        case "jpg", "jpeg": self = .jpeg
        case "gif": self = .gif
        case "bmp": self = .bmp
        case "tif", "tiff": self = .tiff
        case "avif": self = .avif
        default: return nil
        }
    }

    /// `"PNG"`, `"WebP"`, …
    public var description: String {
        switch self {
        case .png: "PNG"
        case .webp: "WebP"
        case .pam: "PAM"
        case .jpeg: "JPEG"
        case .gif: "GIF"
        case .bmp: "BMP"
        case .tiff: "TIFF"
        case .avif: "AVIF"
        }
    }
}
