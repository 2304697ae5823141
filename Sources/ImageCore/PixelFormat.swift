/// How the samples of one pixel are laid out in an ``Image``: 8 bits per sample, interleaved.
public enum PixelFormat: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// One luminance sample.
    case gray8
    /// Luminance then alpha (straight, not premultiplied).
    case grayAlpha8
    /// Red, green, blue.
    case rgb8
    /// Red, green, blue, alpha (straight, not premultiplied).
    case rgba8

    /// Samples per pixel.
    @inlinable
    public var channelCount: Int {
        switch self {
        case .gray8: 1
        case .grayAlpha8: 2
        case .rgb8: 3
        case .rgba8: 4
        }
    }

    /// Bytes per pixel (one byte per sample).
    @inlinable
    public var bytesPerPixel: Int { channelCount }

    /// Whether the last sample of each pixel is alpha.
    @inlinable
    public var hasAlpha: Bool { self == .grayAlpha8 || self == .rgba8 }

    /// Whether the pixel has a single color sample.
    @inlinable
    public var isGray: Bool { self == .gray8 || self == .grayAlpha8 }

    /// `"RGBA8"`, `"RGB8"`, `"GrayAlpha8"`, `"Gray8"`.
    public var description: String {
        switch self {
        case .gray8: "Gray8"
        case .grayAlpha8: "GrayAlpha8"
        case .rgb8: "RGB8"
        case .rgba8: "RGBA8"
        }
    }
}
