internal import CJPEGShims
import ImageCore

/// Options for ``JPEGCodec/encode(_:options:)``, named as `cjpeg` and sharp name them.
public struct JPEGEncodeOptions: Hashable, Sendable {
    /// How much colour resolution is kept beside full-resolution luma.
    public enum ChromaSubsampling: String, Hashable, Sendable, CaseIterable {
        /// 4:4:4: chroma at full resolution (sharp edges in colour; larger).
        case none = "444"
        /// 4:2:2: chroma halved horizontally.
        case horizontal = "422"
        /// 4:2:0: chroma halved both ways (cjpeg's and sharp's default).
        case both = "420"
    }

    /// Quality 1–100 (libjpeg's scaling of the standard tables); default 80, as sharp.
    public var quality: Int
    /// A progressive file (libjpeg's default scan script), as `cjpeg -progressive`.
    public var progressive: Bool
    /// Huffman tables made for the image (`cjpeg -optimize`): a few per cent smaller, a little
    /// slower; on by default, as in sharp.
    public var optimizeCoding: Bool
    /// The chroma subsampling; `nil` chooses as libvips does: 4:4:4 at quality 90 and above,
    /// 4:2:0 below.
    public var subsampling: ChromaSubsampling?
    /// An ICC profile to embed (APP2 `ICC_PROFILE` segments); `nil` for none (sRGB by convention).
    public var iccProfile: [UInt8]?

    /// Creates options; the defaults are quality 80, baseline, optimised Huffman tables,
    /// subsampling by quality, no profile.
    public init(quality: Int = 80, progressive: Bool = false, optimizeCoding: Bool = true, subsampling: ChromaSubsampling? = nil, iccProfile: [UInt8]? = nil) {
        self.quality = quality
        self.progressive = progressive
        self.optimizeCoding = optimizeCoding
        self.subsampling = subsampling
        self.iccProfile = iccProfile
    }

    /// The subsampling the encoder uses: the one asked for, or the one the quality chooses.
    public var effectiveSubsampling: ChromaSubsampling {
        subsampling ?? (quality >= 90 ? .none : .both)
    }
}

extension JPEGCodec {
    /// What JPEG output does with alpha: it has none, so transparent pixels are composited
    /// over this colour (white, as ImageMagick and most viewers show them).
    public static let flattenBackground: UInt8 = 255

    /// Encodes an image as JPEG through libjpeg-turbo.
    ///
    /// Gray images stay one-component; RGB is written as YCbCr with the chosen subsampling;
    /// alpha, which JPEG cannot hold, is flattened over white (``flattenBackground``).
    ///
    /// - Throws: ``ImageCodecError`` with `.invalidOptions` (quality outside 1–100, a side over
    ///   65500 pixels) or `.encodingFailed` with libjpeg's message.
    public static func encode(_ image: Image, options: JPEGEncodeOptions = JPEGEncodeOptions()) throws(ImageCodecError) -> [UInt8] {
        guard (1...100).contains(options.quality) else {
            throw ImageCodecError(.invalidOptions, "JPEG quality \(options.quality) is out of range 1-100")
        }
        guard image.size.width <= 65500, image.size.height <= 65500 else {
            throw ImageCodecError(.invalidOptions, "JPEG cannot hold \(image.size): each side must be at most 65500 pixels")
        }
        let source = image.format.hasAlpha ? flattened(image) : image
        var settings = ijpeg_encode_options(
            quality: Int32(options.quality), progressive: options.progressive ? 1 : 0, optimize: options.optimizeCoding ? 1 : 0,
            subsampling: Int32(options.effectiveSubsampling.rawValue)!
        )
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: 256)
        let profile = options.iccProfile ?? []
        let status = source.withUnsafeBytes { pixels in
            profile.withUnsafeBufferPointer { icc in
                ijpeg_encode(
                    pixels.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(source.size.width), Int32(source.size.height),
                    Int32(source.format.channelCount), source.rowBytes, &settings, icc.baseAddress, icc.count, nil, 0,
                    &output, &outputSize, &message, message.count
                )
            }
        }
        guard status == Int32(IJPEG_OK), let output else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageCodecError(.encodingFailed, "JPEG encoding failed: \(text.isEmpty ? "libjpeg status \(status)" : text)")
        }
        defer { ijpeg_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }

    /// The image without alpha, composited over ``flattenBackground`` (straight alpha, rounded).
    static func flattened(_ image: Image) -> Image {
        let format: PixelFormat = image.format.isGray ? .gray8 : .rgb8
        let colourChannels = format.channelCount
        let background = Int(flattenBackground)
        return image.withUnsafeBytes { source in
            Image(size: image.size, format: format) { (target: UnsafeMutableRawBufferPointer) in
                var input = 0, output = 0
                let pixelCount = image.size.width * image.size.height
                for _ in 0..<pixelCount {
                    let alpha = Int(source[input + colourChannels])
                    for channel in 0..<colourChannels {
                        let value = Int(source[input + channel]) * alpha + background * (255 - alpha)
                        target[output + channel] = UInt8((value + 127) / 255)
                    }
                    input += colourChannels + 1
                    output += colourChannels
                }
            }
        }
    }

    /// The system libjpeg-turbo's version, e.g. `"2.1.5"`.
    public static var libraryVersion: String {
        let number = Int(ijpeg_library_version())
        return number == 0 ? "unknown" : "\(number / 1_000_000).\(number / 1000 % 1000).\(number % 1000)"
    }
}
