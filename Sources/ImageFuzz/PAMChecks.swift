import ImageCodecs
import ImageCore

/// The PAM reader: probe and decode agree, forced RGBA is the natural decode converted, and what
/// decodes survives a round trip through the encoder.
func checkPAM(_ data: UnsafeRawBufferPointer) {
    let probe = outcome { try PAMCodec.probe(data) }
    guard case .success(let decoded) = outcome({ try ImageDecoder(limits: fuzzLimits).decodeWithInfo(data) }),
          decoded.info.format == .pam
    else { return }
    guard case .success(let info) = probe, info == decoded.info, info.size == decoded.image.size else {
        fatalError("PAM decodes to \(decoded.image.size) \(decoded.image.format) but probes to \(probe)")
    }
    let rgba = decoded.image.converted(to: .rgba8)
    guard let forced = try? PAMCodec.decode(data, limits: fuzzLimits, forceRGBA: true), forced == rgba else {
        fatalError("PAM forced-RGBA decode differs from the natural decode converted to RGBA")
    }
    let encoded = PAMCodec.encode(decoded.image)
    let again = encoded.withUnsafeBytes { bytes in outcome { try PAMCodec.decode(bytes, limits: fuzzLimits) } }
    guard case .success(let roundTrip) = again, roundTrip == rgba else {
        fatalError("PAM round trip of \(decoded.image.size) \(decoded.image.format) fails: \(again.map { "\($0.size) \($0.format)" })")
    }
}
