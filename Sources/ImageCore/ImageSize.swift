/// The width and height of an image in pixels.
///
/// Both dimensions are at least 1 for any image that holds pixels; an `ImageSize` read from a file
/// header is validated against ``DecodeLimits`` before anything is allocated for it.
public struct ImageSize: Hashable, Sendable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a size from a width and a height in pixels.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The number of pixels, or `nil` if it does not fit in an `Int`.
    public var pixelCount: Int? {
        let (product, overflow) = width.multipliedReportingOverflow(by: height)
        return overflow || width < 0 || height < 0 ? nil : product
    }

    /// `"1024x768"`, the form users type on the command line.
    public var description: String { "\(width)x\(height)" }

    /// Parses `"WxH"` (also `"W×H"`); `nil` when either side is not a positive integer.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" })
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
              width > 0, height > 0 else { return nil }
        self.init(width: width, height: height)
    }
}
