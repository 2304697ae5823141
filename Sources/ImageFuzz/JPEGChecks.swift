import ImageCodecs
import ImageCore

/// The JPEG probe and decoder (libjpeg-turbo behind CJPEGShims), as ImageDecoder calls them.
///
/// - Nothing crashes (libjpeg's error exit never crosses Swift), strict or lenient.
/// - A file that decodes was probed to the size it decodes to, in gray8 or RGB8.
/// - A strict decode that succeeds accepted no damage, and a lenient decode of it agrees.
/// - Decoding in parts split at restart markers (three threads) gives the one-piece pixels.
/// - Each DCT scaling gives the size ``JPEGCodec/reductionDenominator(for:atLeast:)`` promises.
/// - 1/8 and 1/4 of a progressive file by imagepipe's own decoder, tried on every input
///   (whatever the full decode says): never a crash; where libjpeg's decode at that scale
///   succeeds too, the same pixels; at 1/4, where every scan is decoded, never a success where
///   strict libjpeg refuses the file.
/// - Through ``ImageDecoder`` (orientation and colour management on): the output has the
///   displayed size of the header, and a decoded image re-encodes to a JPEG that decodes.
func checkJPEG(_ data: UnsafeRawBufferPointer) {
    if case .success(let managed) = outcome({ try ImageDecoder(limits: fuzzLimits).decodeWithInfo(data) }) {
        guard managed.image.size == managed.info.displaySize else {
            fatalError("ImageDecoder gave \(managed.image.size) for a \(managed.info.size) JPEG with orientation \(managed.info.orientation)")
        }
        if managed.image.size.width * managed.image.size.height <= 1 << 16 {
            guard let again = try? JPEGCodec.encode(managed.image, options: JPEGEncodeOptions(quality: 50)),
                  let back = try? ImageDecoder(limits: fuzzLimits).decode(again), back.size == managed.image.size else {
                fatalError("a decoded \(managed.image.size) JPEG does not re-encode and decode")
            }
        }
    }
    let probe = outcome { try JPEGCodec.probe(data) }
    let strict = outcome { try JPEGCodec.decodeWithInfo(data, limits: fuzzLimits) }
    var damage = 0
    let lenient = outcome { try JPEGCodec.decodeWithInfo(data, limits: fuzzLimits, lenient: true, warningCount: &damage, minimumSize: { _ in nil }) }

    if case .success(let decoded) = strict {
        guard case .success(let info) = probe, info == decoded.info, info.size == decoded.image.size else {
            fatalError("JPEG decodes to \(decoded.image.size) but probes to \(probe)")
        }
        guard decoded.image.format == (info.colorModel == .gray ? .gray8 : .rgb8), decoded.acceptedDamage == 0 else {
            fatalError("JPEG strict decode gave \(decoded.image.format) with \(decoded.acceptedDamage) accepted warnings")
        }
        guard case .success(let relaxed) = lenient, relaxed.image == decoded.image, damage == 0 else {
            fatalError("JPEG decodes strictly but the lenient decode differs: \(describe(lenient)), \(damage) warnings")
        }
        // Split at restart markers over three threads: the same pixels.
        var ignored = 0
        guard case .success(let parts) = outcome({
            try JPEGCodec.decodeWithInfo(data, limits: fuzzLimits, lenient: false, warningCount: &ignored, minimumSize: { _ in nil }, threads: 3)
        }), parts.image == decoded.image else {
            fatalError("JPEG decodes in one piece but not the same in parts")
        }
        for denominator in [2, 4, 8] {
            let minimum = ImageSize(width: max(1, info.size.width / denominator), height: max(1, info.size.height / denominator))
            let chosen = JPEGCodec.reductionDenominator(for: info.size, atLeast: minimum)
            if let scaled = try? JPEGCodec.decodeWithInfo(data, limits: fuzzLimits, minimumSize: { _ in minimum }) {
                let size = scaled.image.size
                guard size.width >= minimum.width, size.height >= minimum.height,
                      size.width <= info.size.width, size.height <= info.size.height, chosen >= 1 else {
                    fatalError("JPEG scaled decode for at least \(minimum) gave \(size) of \(info.size)")
                }
            }
        }
    } else if case .success(let relaxed) = lenient, case .success(let info) = probe, relaxed.image.size != info.size {
        fatalError("JPEG lenient decode gave \(relaxed.image.size), the header says \(info.size)")
    }
    checkDCScans(data)
}

/// The own progressive decoder against libjpeg at 1/8 and 1/4.
private func checkDCScans(_ data: UnsafeRawBufferPointer) {
    guard let info = try? JPEGCodec.probe(data) else { return }
    for denominator in [8, 4] {
        guard case .success(let image) = outcome({ try JPEGCodec.progressiveReduced(data, denominator: denominator, limits: fuzzLimits) }),
              let ours = image else { continue }
        // libjpeg at the same scale (a tiny image may be as large at 1/8 as at 1/4).
        guard JPEGCodec.reductionDenominator(for: info.size, atLeast: ours.size) == denominator else { continue }
        var warnings = 0
        switch outcome({
            try JPEGCodec.decodeWithInfo(data, limits: fuzzLimits, lenient: false, warningCount: &warnings, minimumSize: { _ in ours.size }, ownProgressiveDecoder: false)
        }) {
        case .success(let libjpeg):
            if libjpeg.image != ours {
                fatalError("JPEG 1/\(denominator) by the own progressive decoder differs from libjpeg's: \(ours.size) \(ours.format), libjpeg \(libjpeg.image.size) \(libjpeg.image.format)")
            }
        case .failure(let error):
            if denominator == 4 {
                fatalError("JPEG 1/4 by the own progressive decoder succeeded where libjpeg refuses the file: \(error)")
            }
        }
    }
}
