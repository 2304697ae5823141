import ImageCodecs
import ImageCore

/// The PNG decoder, differentially: the fast path (with its vector and its scalar Paeth loop)
/// against libpng, and the automatic choice against both.
///
/// - Whatever the fast path accepts, libpng accepts with the same pixels and header findings.
/// - The vector and scalar Paeth loops give the same result.
/// - The automatic path gives the fast path's pixels when it took the file, libpng's pixels or
///   libpng's error otherwise.
/// - An error the fast path raises before it runs (signature, header, limits) is libpng's too.
/// - The releasing decode (the file's pages given back as they are inflated) gives the automatic
///   decode's pixels or error, and reads the original bytes again at most once.
func checkPNG(_ data: UnsafeRawBufferPointer) {
    for forceRGBA in [false, true] {
        func decode(_ path: PNGCodec.DecodePath) -> Result<DecodedImage, any Error> {
            outcome { try PNGCodec.decodeWithInfo(data, limits: fuzzLimits, forceRGBA: forceRGBA, path: path) }
        }
        let libpng = decode(.libpngOnly)
        let fast = decode(.fastOnly)
        PNGCodec.allowVectorPaeth(false)
        let fastScalar = decode(.fastOnly)
        PNGCodec.allowVectorPaeth(true)
        let automatic = decode(.automatic)
        var lent = Array(data)
        var reloads = 0
        let releasing = lent.withUnsafeMutableBytes { buffer in
            outcome {
                try PNGCodec.decodeWithInfo(
                    releasing: buffer, reload: { reloads += 1; return Array(data) }, limits: fuzzLimits, forceRGBA: forceRGBA
                )
            }
        }
        requireSame(releasing, automatic, "releasing vs automatic", forceRGBA)
        guard reloads <= 1 else { fatalError("the releasing decode read the bytes again \(reloads) times") }

        requireSame(fast, fastScalar, "fast path, vector vs scalar Paeth", forceRGBA)
        switch fast {
        case .success:
            requireSame(fast, libpng, "fast path vs libpng", forceRGBA)
            requireSame(automatic, fast, "automatic vs fast path", forceRGBA)
        case .failure(let error as ImageCodecError) where error.code == .unsupportedFormat:
            // The fast path declined: libpng alone decides.
            requireSame(automatic, libpng, "automatic vs libpng", forceRGBA)
        case .failure:
            // Refused before either decoder ran, or out of memory: libpng must refuse as well.
            guard case .failure = libpng else {
                fatalError("fast path refuses (\(describe(fast))) but libpng decodes (forceRGBA \(forceRGBA))")
            }
            guard case .failure = automatic else {
                fatalError("fast path refuses (\(describe(fast))) but the automatic path decodes (forceRGBA \(forceRGBA))")
            }
        }
    }
}

/// Crashes unless both decodes gave the same header findings and pixels, or the same error.
private func requireSame(
    _ first: Result<DecodedImage, any Error>, _ second: Result<DecodedImage, any Error>, _ what: String, _ forceRGBA: Bool
) {
    switch (first, second) {
    case (.success(let a), .success(let b)):
        guard a.info == b.info else { fatalError("\(what): header findings differ: \(a.info) vs \(b.info)") }
        guard a.image == b.image else {
            let index = zip(a.image.bytes, b.image.bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            fatalError("\(what): pixels differ (\(a.image.size) \(a.image.format) vs \(b.image.size) \(b.image.format), first different byte \(index.map(String.init) ?? "none"), forceRGBA \(forceRGBA))")
        }
    case (.failure(let a as ImageCodecError), .failure(let b as ImageCodecError)):
        guard a == b else { fatalError("\(what): errors differ: \(a) vs \(b)") }
    case (.failure, .failure):
        break
    default:
        fatalError("\(what): one decodes, the other refuses: \(describe(first)) vs \(describe(second)) (forceRGBA \(forceRGBA))")
    }
}

func describe(_ result: Result<DecodedImage, any Error>) -> String {
    switch result {
    case .success(let decoded): "\(decoded.image.size) \(decoded.image.format)"
    case .failure(let error): "error: \(error)"
    }
}
