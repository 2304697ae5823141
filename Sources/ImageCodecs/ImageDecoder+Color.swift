import ColorManagement
import ImageCore

/// What ``ImageDecoder`` does with the colour space an image declares.
public enum ColorHandling: Hashable, Sendable {
    /// Convert pixels to sRGB with this intent (an sRGB or untagged image is left as it is).
    case convertToSRGB(RenderingIntent)
    /// Leave pixels as stored and hand the profile on (``DecodedImage/iccProfile``) for the
    /// output to embed.
    case keepProfile
}

/// What the decoder did about an image's colour space, for reports and sidecars.
public enum ColorOutcome: Hashable, Sendable, CustomStringConvertible {
    /// No profile, no colour chunks: sRGB by convention, nothing done.
    case untagged
    /// Declared sRGB (an sRGB profile in effect, or a PNG `sRGB` chunk): nothing to do.
    case sRGB
    /// Converted from the named profile to sRGB.
    case converted(profile: String, intent: RenderingIntent)
    /// The named profile kept, pixels as stored.
    case kept(profile: String)
    /// A profile that could not be used; pixels as stored, treated as sRGB.
    case ignored(reason: String)

    public var description: String {
        switch self {
        case .untagged: "untagged (sRGB assumed)"
        case .sRGB: "sRGB"
        case .converted(let profile, let intent): "converted from \(profile) to sRGB (\(intent.rawValue) intent)"
        case .kept(let profile): "kept \(profile)"
        case .ignored(let reason): "profile ignored: \(reason)"
        }
    }
}

/// What an image's metadata declares about its colour, worked out once per probe or decode: the
/// ICC profile opened once (LittleCMS parses it, a CMYK LUT profile is about 1 MB) and whether it
/// is sRGB in effect. By PNG's precedence: an ICC profile, then `sRGB`. A PNG's `gAMA` and
/// `cHRM` alone are reported (``ImageInfo/colorSpace``) but not applied: samples stay as stored,
/// as libvips, sharp and Pillow leave them and as the PNG conformance key expects (browsers
/// disagree among themselves about them).
struct DeclaredColor {
    enum Kind {
        case none
        case sRGB
        case profile(ICCProfile)
        case unreadable
    }

    let kind: Kind
    /// In words, for ``ImageInfo/colorSpace``.
    let description: String?
    /// A readable profile that a conversion to sRGB changes pixels for
    /// (``ImageInfo/hasNonSRGBProfile``).
    let isNonSRGBProfile: Bool

    init(_ metadata: EmbeddedMetadata) {
        if let bytes = metadata.iccProfile {
            guard let profile = ICCProfile(bytes) else {
                kind = .unreadable
                description = "an ICC profile LittleCMS cannot read (\(bytes.count) bytes)"
                isNonSRGBProfile = false
                return
            }
            let isSRGB = (try? ColorConversion.isSRGB(profile)) == true
            kind = isSRGB ? .sRGB : .profile(profile)
            description = "ICC profile \"\(profile.description.isEmpty ? profile.colorSpace.rawValue.uppercased() : profile.description)\" (\(bytes.count) bytes)"
            isNonSRGBProfile = !isSRGB
            return
        }
        isNonSRGBProfile = false
        if metadata.pngSRGBIntent != nil {
            kind = .sRGB
            description = "sRGB (PNG sRGB chunk)"
            return
        }
        kind = .none
        var parts: [String] = []
        if let gamma = metadata.pngGamma { parts.append("gAMA \(Double(gamma) / 100_000)") }
        if metadata.pngChromaticities != nil { parts.append("cHRM") }
        description = parts.isEmpty ? nil : "PNG " + parts.joined(separator: ", ") + " (not applied)"
    }

    /// The profile, when it is one to convert from (not sRGB, readable).
    var profile: ICCProfile? {
        if case .profile(let profile) = kind { profile } else { nil }
    }
}

extension ImageDecoder {
    /// Whether decoding an image with this header changes its stored pixels: it turns them
    /// upright (``autoOrient`` and an orientation other than 1) or converts their colour
    /// (``color`` converting and a non-sRGB profile). A job that would copy a file unchanged
    /// must decode and re-encode it instead when this is true.
    public func changesPixels(of info: ImageInfo) -> Bool {
        let turns = autoOrient && info.orientation != .up
        let converts: Bool = switch color {
        case .convertToSRGB: info.hasNonSRGBProfile
        case .keepProfile: false
        }
        return turns || converts
    }

    /// The decoded image as ``color`` asks: converted to sRGB, or with its profile kept.
    func managingColor(of decoded: DecodedImage, declared: DeclaredColor) -> DecodedImage {
        var result = decoded
        switch (declared.kind, color) {
        case (.none, _):
            result.colorOutcome = .untagged
        case (.sRGB, _):
            result.colorOutcome = .sRGB
        case (.unreadable, _):
            result.colorOutcome = .ignored(reason: "LittleCMS cannot read the embedded ICC profile")
        case (.profile(let profile), .keepProfile):
            result.colorOutcome = .kept(profile: profile.name)
            result.iccProfile = profile.bytes
        case (.profile(let profile), .convertToSRGB(let intent)):
            var image = decoded.image
            if image.format.isGray { image = image.converted(to: image.format.hasAlpha ? .rgba8 : .rgb8) }
            do {
                result.image = try ColorConversion.toSRGB(image, from: profile, intent: intent)
                result.colorOutcome = .converted(profile: profile.name, intent: intent)
            } catch {
                result.colorOutcome = .ignored(reason: error.message)
            }
        }
        return result
    }

    /// A CMYK JPEG's samples (four bytes a pixel) converted with its CMYK profile; `nil` when
    /// LittleCMS cannot make the transform (the caller then decodes without the profile).
    func convertingCMYK(_ decoded: DecodedImage, inverted: Bool, profile: ICCProfile) -> DecodedImage? {
        let intent: RenderingIntent = switch color {
        case .convertToSRGB(let intent): intent
        case .keepProfile: .relative
        }
        guard let image = try? decoded.image.withUnsafeBytes({ samples throws(ColorConversionError) in
            try ColorConversion.cmykToSRGB(samples, size: decoded.image.size, inverted: inverted, profile: profile, intent: intent)
        }) else { return nil }
        var result = decoded
        result.image = image
        result.colorOutcome = .converted(profile: profile.name, intent: intent)
        return result
    }
}
