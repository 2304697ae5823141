import ImageCodecs
import ImageCore

/// The WebP probe and decoder, as the library and the CLI (``ImageDecoder``) call them.
///
/// - The probe never crashes, and a file that decodes was probed to the size it decodes to.
/// - RGB and forced-RGBA decodes agree: same success, same color values, opaque alpha for RGB.
/// - A decode scaled to at most half size gives the size asked for.
/// - An animation is refused when the caller refuses animations.
func checkWebP(_ data: UnsafeRawBufferPointer) {
    let probe = outcome { try WebPCodec.probe(data) }
    let decoder = ImageDecoder(limits: fuzzLimits)
    let natural = outcome { try decoder.decodeWithInfo(data) }
    let rgba = outcome { try WebPCodec.decode(data, limits: fuzzLimits, forceRGBA: true) }

    // ImageDecoder sniffs the format: what it reads as PNG or PAM is the other targets' business.
    if case .success(let other) = natural, other.info.format != .webp { return }
    guard case .success(let decoded) = natural else {
        if case .success(let image) = rgba {
            fatalError("WebP decodes with forceRGBA (\(image.size)) but not without: \(describe(natural))")
        }
        return
    }
    guard case .success(let info) = probe, info == decoded.info, info.size == decoded.image.size else {
        fatalError("WebP decodes to \(decoded.image.size) but probes to \(probe)")
    }
    guard case .success(let image) = rgba else {
        fatalError("WebP decodes without forceRGBA but not with it: \(rgba)")
    }
    guard image == decoded.image.converted(to: .rgba8) else {
        fatalError("WebP forced-RGBA pixels differ from the \(decoded.image.format) decode of \(decoded.image.size)")
    }

    if !info.isAnimated {
        let half = ImageSize(width: max(1, info.size.width / 2), height: max(1, info.size.height / 2))
        if let scaled = try? WebPCodec.decode(data, limits: fuzzLimits, scaledSize: half), scaled.size != half {
            fatalError("WebP scaled decode asked for \(half), gave \(scaled.size)")
        }
    } else {
        let refusing = ImageDecoder(limits: fuzzLimits, animation: .reject)
        if let image = try? refusing.decode(data) {
            fatalError("animated WebP (\(info.frameCount.map(String.init) ?? "?") frames) decoded to \(image.size) although animations are refused")
        }
    }
}
