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

extension ImageDecoder {
    /// The colour space the metadata declares, by PNG's precedence: an ICC profile, then `sRGB`.
    /// A PNG's `gAMA` and `cHRM` alone are reported (``ImageInfo/colorSpace``) but not applied:
    /// samples stay as stored, as libvips, sharp and Pillow leave them and as the PNG
    /// conformance key expects (browsers disagree among themselves about them).
    private enum Declared {
        case none
        case sRGB
        case profile(ICCProfile)
        case unreadable
    }

    private func declared(by metadata: EmbeddedMetadata) -> Declared {
        if let bytes = metadata.iccProfile {
            return ICCProfile(bytes).map(Declared.profile) ?? .unreadable
        }
        return metadata.pngSRGBIntent != nil ? .sRGB : .none
    }

    /// Whether the metadata declares a profile a conversion to sRGB would change pixels for
    /// (``ImageInfo/hasNonSRGBProfile``); an unreadable one is not applied, so it is not.
    static func declaresNonSRGBProfile(_ metadata: EmbeddedMetadata) -> Bool {
        guard let bytes = metadata.iccProfile, let profile = ICCProfile(bytes) else { return false }
        return (try? ColorConversion.isSRGB(profile)) != true
    }

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

    /// What the metadata declares, in words (``ImageInfo/colorSpace``).
    static func colorSpaceDescription(_ metadata: EmbeddedMetadata) -> String? {
        if let bytes = metadata.iccProfile {
            guard let profile = ICCProfile(bytes) else { return "an ICC profile LittleCMS cannot read (\(bytes.count) bytes)" }
            return "ICC profile \"\(profile.description.isEmpty ? profile.colorSpace.rawValue.uppercased() : profile.description)\" (\(bytes.count) bytes)"
        }
        if metadata.pngSRGBIntent != nil { return "sRGB (PNG sRGB chunk)" }
        var parts: [String] = []
        if let gamma = metadata.pngGamma { parts.append("gAMA \(Double(gamma) / 100_000)") }
        if metadata.pngChromaticities != nil { parts.append("cHRM") }
        return parts.isEmpty ? nil : "PNG " + parts.joined(separator: ", ") + " (not applied)"
    }

    /// The decoded image as ``color`` asks: converted to sRGB, or with its profile kept.
    func managingColor(of decoded: DecodedImage, metadata: EmbeddedMetadata) -> DecodedImage {
        var result = decoded
        switch (declared(by: metadata), color) {
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
                if try ColorConversion.isSRGB(profile) {
                    result.colorOutcome = .sRGB
                } else {
                    result.image = try ColorConversion.toSRGB(image, from: profile, intent: intent)
                    result.colorOutcome = .converted(profile: profile.name, intent: intent)
                }
            } catch {
                result.colorOutcome = .ignored(reason: error.message)
            }
        }
        return result
    }

    /// A CMYK JPEG's samples (four bytes a pixel) converted with its CMYK profile.
    func convertingCMYK(_ decoded: DecodedImage, inverted: Bool, profile: ICCProfile) -> DecodedImage {
        var result = decoded
        let intent: RenderingIntent = switch color {
        case .convertToSRGB(let intent): intent
        case .keepProfile: .relative
        }
        do {
            result.image = try decoded.image.withUnsafeBytes { samples throws(ColorConversionError) in
                try ColorConversion.cmykToSRGB(samples, size: decoded.image.size, inverted: inverted, profile: profile, intent: intent)
            }
            result.colorOutcome = .converted(profile: profile.name, intent: intent)
        } catch {
            // Not reached for a CMYK profile LittleCMS opened; kept simple rather than silent.
            result.image = Self.naiveRGB(fromCMYK: decoded.image, inverted: inverted)
            result.colorOutcome = .ignored(reason: error.message)
        }
        return result
    }

    /// CMYK samples to RGB without a profile (as the JPEG shim does for files without one).
    private static func naiveRGB(fromCMYK samples: Image, inverted: Bool) -> Image {
        samples.withUnsafeBytes { input in
            Image(size: samples.size, format: .rgb8) { (output: UnsafeMutableRawBufferPointer) in
                for pixel in 0..<samples.size.width * samples.size.height {
                    var ink = (0..<4).map { Int(input[pixel * 4 + $0]) }
                    if !inverted { ink = ink.map { 255 - $0 } }
                    for channel in 0..<3 { output[pixel * 3 + channel] = UInt8((ink[channel] * ink[3] + 127) / 255) }
                }
            }
        }
    }
}
