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
        // Magic numbers compared in place: no array is built per call.
        func starts(with magic: StaticString, at offset: Int = 0) -> Bool {
            let count = magic.utf8CodeUnitCount
            guard prefix.count >= offset + count else { return false }
            for index in 0..<count where prefix[offset + index] != magic.utf8Start[index] { return false }
            return true
        }
        func bigEndian32(at offset: Int) -> UInt32? {
            guard prefix.count >= offset + 4 else { return nil }
            return UInt32(bigEndian: prefix.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }
        if prefix.count >= 8, UInt64(bigEndian: prefix.loadUnaligned(as: UInt64.self)) == 0x8950_4E47_0D0A_1A0A { return .png }
        if starts(with: "RIFF") && starts(with: "WEBP", at: 8) { return .webp }
        if starts(with: "P7\n") { return .pam }
        if prefix.count >= 3, prefix[0] == 0xFF, prefix[1] == 0xD8, prefix[2] == 0xFF { return .jpeg }
        if starts(with: "GIF87a") || starts(with: "GIF89a") { return .gif }
        if starts(with: "BM") && prefix.count >= 14 { return .bmp }
        if let first = bigEndian32(at: 0), first == 0x4949_2A00 || first == 0x4D4D_002A { return .tiff }
        if starts(with: "ftyp", at: 4) && (starts(with: "avif", at: 8) || starts(with: "avis", at: 8)) { return .avif }
        return nil
    }

    /// Recognises a format from the first bytes of a byte array.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        bytes.withUnsafeBytes { sniff($0) }
    }

    /// Whether imagepipe can decode this format.
    public var canDecode: Bool { self == .png || self == .webp || self == .pam || self == .jpeg }

    /// Whether imagepipe can encode this format.
    public var canEncode: Bool { self == .png || self == .webp || self == .pam || self == .jpeg }

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
