internal import CColorShims
import ImageCore
import Synchronization

/// How colours outside the destination's gamut are brought in (the ICC rendering intents).
public enum RenderingIntent: String, Hashable, Sendable, CaseIterable {
    /// Compress the whole gamut, keeping relations between colours (photos from wide gamuts).
    case perceptual
    /// Keep in-gamut colours exactly, clip the rest, map white to white (libvips' default).
    case relative
    /// Keep saturation (charts and business graphics).
    case saturation
    /// Keep colours exactly, white point included.
    case absolute

    var lcmsValue: Int32 {
        switch self {
        case .perceptual: 0
        case .relative: 1
        case .saturation: 2
        case .absolute: 3
        }
    }
}

/// An ICC profile that LittleCMS can read: its bytes, colour space and description.
public struct ICCProfile: Hashable, Sendable {
    /// The data colour space the profile describes.
    public enum ColorSpace: String, Hashable, Sendable {
        case rgb, gray, cmyk, other
    }

    /// The profile, byte for byte as embedded.
    public let bytes: [UInt8]
    /// What the profile's samples are.
    public let colorSpace: ColorSpace
    /// Its description tag (`Display P3`, `Compatible with Adobe RGB (1998)`), or `""`.
    public let description: String

    /// Reads a profile's header; `nil` when LittleCMS cannot open it.
    public init?(_ bytes: [UInt8]) {
        var space: Int32 = 0
        var text = [CChar](repeating: 0, count: 128)
        guard bytes.withUnsafeBufferPointer({ icms_profile_info($0.baseAddress, $0.count, &space, &text, text.count) }) != 0 else {
            return nil
        }
        self.bytes = bytes
        self.colorSpace = switch space {
        case Int32(ICMS_SPACE_RGB): .rgb
        case Int32(ICMS_SPACE_GRAY): .gray
        case Int32(ICMS_SPACE_CMYK): .cmyk
        default: .other
        }
        self.description = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The description, or the colour space when there is none, for messages.
    public var name: String { description.isEmpty ? "an unnamed \(colorSpace.rawValue.uppercased()) profile" : description }
}

/// Why a conversion to sRGB could not be made.
public struct ColorConversionError: Error, Sendable, CustomStringConvertible {
    /// What LittleCMS or the layout check said.
    public let message: String
    public var description: String { message }
}

/// Conversions to sRGB with LittleCMS (the system liblcms2), as libvips, sharp and Pillow make
/// them.
///
/// Transforms are made once per profile, layout and intent and kept (up to 32): a gallery of
/// photos from one camera or phone pays for one. Pixels are converted in place where input and
/// output pixels are the same size. A profile that is sRGB in effect (it maps a 6x6x6 grid of
/// colours to themselves within one level) leaves pixels untouched, so an sRGB-tagged image
/// decodes to exactly its samples.
public enum ColorConversion {
    /// Converts an RGB8 or RGBA8 image (alpha kept) whose samples `profile` describes to sRGB.
    /// A gray profile reads the first sample of each pixel (gray images decode to RGB with the
    /// gray replicated) and writes RGB.
    ///
    /// - Returns: the converted image, or the image itself when the profile is sRGB in effect.
    /// - Throws: ``ColorConversionError`` when the profile does not describe RGB or gray, or
    ///   LittleCMS cannot make the transform.
    public static func toSRGB(_ image: Image, from profile: ICCProfile, intent: RenderingIntent) throws(ColorConversionError) -> Image {
        let hasAlpha = image.format == .rgba8
        guard image.format == .rgb8 || hasAlpha else {
            throw ColorConversionError(message: "colour conversion needs RGB8 or RGBA8 pixels, not \(image.format)")
        }
        let layout: Int32 = switch (profile.colorSpace, hasAlpha) {
        case (.rgb, false): Int32(ICMS_IN_RGB8)
        case (.rgb, true): Int32(ICMS_IN_RGBA8)
        case (.gray, false): Int32(ICMS_IN_GRAY_IN_RGB8)
        case (.gray, true): Int32(ICMS_IN_GRAY_IN_RGBA8)
        default: throw ColorConversionError(message: "a \(profile.colorSpace.rawValue.uppercased()) profile (\(profile.name)) cannot describe RGB samples")
        }
        if profile.colorSpace == .rgb && intent != .absolute && profile.isSRGBMatrixShaper { return image }
        let transform = try Transforms.shared.transform(for: profile, layout: layout, intent: intent)
        if transform.isIdentity { return image }
        var converted = image
        converted.withUnsafeMutableBytes { pixels in
            icms_transform_apply(transform.handle, pixels.baseAddress!.assumingMemoryBound(to: UInt8.self), pixels.baseAddress!.assumingMemoryBound(to: UInt8.self), image.size.width * image.size.height)
        }
        return converted
    }

    /// Converts CMYK samples (4 bytes a pixel, rows packed) that a CMYK `profile` describes to
    /// an sRGB RGB8 image.
    ///
    /// - Parameter inverted: the samples are Adobe-inverted (255 = no ink), as in JPEGs with an
    ///   Adobe marker; otherwise 0 = no ink.
    public static func cmykToSRGB(
        _ samples: UnsafeRawBufferPointer, size: ImageSize, inverted: Bool, profile: ICCProfile, intent: RenderingIntent
    ) throws(ColorConversionError) -> Image {
        guard profile.colorSpace == .cmyk else {
            throw ColorConversionError(message: "a \(profile.colorSpace.rawValue.uppercased()) profile (\(profile.name)) cannot describe CMYK samples")
        }
        precondition(samples.count >= size.width * size.height * 4, "CMYK samples shorter than the image")
        let transform = try Transforms.shared.transform(
            for: profile, layout: Int32(inverted ? ICMS_IN_CMYK8_INVERTED : ICMS_IN_CMYK8), intent: intent
        )
        return Image(size: size, format: .rgb8) { (output: UnsafeMutableRawBufferPointer) in
            icms_transform_apply(
                transform.handle, samples.baseAddress!.assumingMemoryBound(to: UInt8.self),
                output.baseAddress!.assumingMemoryBound(to: UInt8.self), size.width * size.height
            )
        }
    }

    /// Whether an RGB profile is sRGB in effect: its tags are sRGB's colorants and tone curves,
    /// or its relative colorimetric transform to sRGB maps a 6x6x6 grid of colours to themselves
    /// within one level (an sRGB profile of another maker or version). Gray and CMYK profiles
    /// are not.
    public static func isSRGB(_ profile: ICCProfile) throws(ColorConversionError) -> Bool {
        guard profile.colorSpace == .rgb else { return false }
        // Told from the tags when they are sRGB's (most embedded profiles; no transform to make).
        if profile.isSRGBMatrixShaper { return true }
        return try mapsToItself(profile)
    }

    /// Whether an RGB profile's relative colorimetric transform to sRGB maps a 6x6x6 grid of
    /// colours to themselves within one level: the test ``isSRGB(_:)`` makes when the profile's
    /// tags do not tell (``ICCProfile/isSRGBMatrixShaper``).
    public static func mapsToItself(_ profile: ICCProfile) throws(ColorConversionError) -> Bool {
        guard profile.colorSpace == .rgb else { return false }
        return try Transforms.shared.transform(for: profile, layout: Int32(ICMS_IN_RGB8), intent: .relative).isIdentity
    }

    /// The system LittleCMS version, e.g. `"2.14"`.
    public static var libraryVersion: String {
        let number = Int(icms_library_version())
        return "\(number / 1000).\(number % 1000 / 10)"
    }
}

/// One LittleCMS transform, freed with its last reference.
final class Transform: Sendable {
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer
    /// It maps colours to themselves (an sRGB profile under another name or version).
    let isIdentity: Bool

    init(handle: UnsafeMutableRawPointer, isIdentity: Bool) {
        self.handle = handle
        self.isIdentity = isIdentity
    }

    deinit { icms_transform_free(handle) }
}

/// The transforms made so far, by profile digest, layout and intent.
final class Transforms: Sendable {
    static let shared = Transforms()
    private static let capacity = 32

    private struct Key: Hashable {
        var digest: String
        var layout: Int32
        var intent: RenderingIntent
    }

    private let cache = Mutex<[Key: Transform]>([:])

    func transform(for profile: ICCProfile, layout: Int32, intent: RenderingIntent) throws(ColorConversionError) -> Transform {
        let key = Key(digest: SHA256.hex(of: profile.bytes), layout: layout, intent: intent)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        var message = [CChar](repeating: 0, count: 160)
        let handle = profile.bytes.withUnsafeBufferPointer {
            icms_transform_new($0.baseAddress, $0.count, layout, intent.lcmsValue, &message, message.count)
        }
        guard let handle else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ColorConversionError(message: "\(profile.name): \(text)")
        }
        let made = Transform(handle: handle, isIdentity: Self.isIdentity(handle, layout: layout))
        return cache.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll() }
            if let raced = cache[key] { return raced }
            cache[key] = made
            return made
        }
    }

    /// Whether an RGB transform maps a 6x6x6 grid of colours to themselves within one level.
    private static func isIdentity(_ handle: UnsafeMutableRawPointer, layout: Int32) -> Bool {
        guard layout == Int32(ICMS_IN_RGB8) || layout == Int32(ICMS_IN_RGBA8) else { return false }
        let stride = layout == Int32(ICMS_IN_RGB8) ? 3 : 4
        var grid: [UInt8] = []
        for red in 0..<6 { for green in 0..<6 { for blue in 0..<6 {
            grid += [UInt8(red * 51), UInt8(green * 51), UInt8(blue * 51)] + (stride == 4 ? [255] : [])
        } } }
        var output = [UInt8](repeating: 0, count: grid.count)
        grid.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { icms_transform_apply(handle, input.baseAddress, $0.baseAddress, 216) }
        }
        return zip(grid, output).allSatisfy { abs(Int($0) - Int($1)) <= 1 }
    }
}
