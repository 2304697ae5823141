import ImageCore

/// Puts an ICC profile into encoded PNG, WebP or JPEG bytes, where each format keeps it (PNG
/// `iCCP`, WebP `ICCP`, JPEG APP2 `ICC_PROFILE` segments; ``MetadataEmbedding`` does the work). A
/// profile already there is replaced (and a PNG's `sRGB` chunk, which would contradict it). For
/// output that keeps its source's colour space (`--keep-icc`); sRGB output is written untagged.
public enum ProfileEmbedding {
    /// `bytes` with `profile` embedded.
    ///
    /// - Throws: ``ImageCodecError`` with `.encodingFailed` when the container cannot be
    ///   rebuilt, `.invalidOptions` for a profile JPEG cannot hold (over 255 segments, 16 MiB)
    ///   or a format without profiles (PAM).
    public static func embedding(_ profile: [UInt8], in bytes: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        try MetadataEmbedding.rewriting(bytes, icc: .set(profile))
    }
}
