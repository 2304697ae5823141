/// Limits a decoder enforces from a file's header, before it allocates anything for the pixels.
///
/// Image files are untrusted input: a 100-byte PNG can declare 100000×100000 pixels (40 GB as RGBA).
/// Every decoder in imagepipe checks the declared size against these limits first, so such a file
/// is refused at once and memory stays small.
///
/// ```swift
/// var limits = DecodeLimits.default
/// limits.maxPixels = 16 * 1024 * 1024
/// try limits.check(ImageSize(width: 100_000, height: 100_000))   // throws .limitExceeded
/// ```
public struct DecodeLimits: Hashable, Sendable {
    /// The largest number of pixels a decoder will allocate for (default 128 megapixels,
    /// 128 × 2^20 = 134 217 728: a 16384×8192 image).
    public var maxPixels: Int
    /// The largest encoded input, in bytes, a reader will load (default 512 MiB).
    public var maxInputBytes: Int

    /// 128 megapixels and 512 MiB of input.
    /// The most scans a progressive JPEG may have (encoders write about 10; a file with
    /// thousands of tiny scans is a known CPU bomb, refused as `djpeg -maxscans` does).
    public var maxScans = 100

    public static let `default` = DecodeLimits(maxPixels: 128 << 20, maxInputBytes: 512 << 20)

    /// Creates limits; both must be positive.
    public init(maxPixels: Int, maxInputBytes: Int) {
        precondition(maxPixels > 0 && maxInputBytes > 0, "limits must be positive")
        self.maxPixels = maxPixels
        self.maxInputBytes = maxInputBytes
    }

    /// Throws unless `size` is a valid size within ``maxPixels``.
    public func check(_ size: ImageSize) throws(ImageError) {
        guard size.width > 0, size.height > 0, let pixels = size.pixelCount else {
            throw ImageError(code: .invalidSize, message: "invalid image size \(size.width)x\(size.height)")
        }
        guard pixels <= maxPixels else {
            throw ImageError(
                code: .limitExceeded,
                message: "image is \(size) (\(Self.megapixels(pixels)) megapixels), over the limit of \(Self.megapixels(maxPixels)) megapixels"
            )
        }
    }

    /// Throws if `byteCount` is over ``maxInputBytes``.
    public func checkInput(byteCount: Int) throws(ImageError) {
        guard byteCount <= maxInputBytes else {
            throw ImageError(
                code: .limitExceeded,
                message: "input is \(byteCount) bytes, over the limit of \(maxInputBytes) bytes"
            )
        }
    }

    private static func megapixels(_ pixels: Int) -> String {
        let tenths = (pixels * 10 + (1 << 19)) >> 20
        return "\(tenths / 10).\(tenths % 10)"
    }
}
