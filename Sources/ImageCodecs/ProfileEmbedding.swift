internal import CLibWebP
internal import CPNGShims
import ImageCore

/// Puts an ICC profile into encoded PNG, WebP or JPEG bytes, where each format keeps it: PNG
/// `iCCP` (zlib, right after `IHDR`), WebP `ICCP` (libwebpmux sets the VP8X flag), JPEG APP2
/// `ICC_PROFILE` segments (numbered, 65519 bytes each, after SOI and any JFIF APP0). A profile
/// already there is replaced (and a PNG's `sRGB` chunk, which would contradict it). For output
/// that keeps its source's colour space (`--keep-icc`); sRGB output is written untagged.
public enum ProfileEmbedding {
    /// `bytes` with `profile` embedded.
    ///
    /// - Throws: ``ImageCodecError`` with `.encodingFailed` when the container cannot be
    ///   rebuilt, `.invalidOptions` for a profile JPEG cannot hold (over 255 segments, 16 MiB)
    ///   or a format without profiles (PAM).
    public static func embedding(_ profile: [UInt8], in bytes: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        switch bytes.withUnsafeBytes({ ImageFormat.sniff($0) }) {
        case .png?: return try embeddingInPNG(profile, bytes)
        case .webp?:
            var muxer = try WebPMuxer(bytes)
            try muxer.setChunk("ICCP", profile)
            return try muxer.assemble()
        case .jpeg?: return try embeddingInJPEG(profile, bytes)
        case let other:
            throw ImageCodecError(.invalidOptions, "\(other.map { "\($0)" } ?? "this format") cannot carry an ICC profile")
        }
    }

    private static func embeddingInPNG(_ profile: [UInt8], _ bytes: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        guard bytes.count >= 33, bytes.withUnsafeBytes({ $0.matches("IHDR", at: 12) && $0.uint32BigEndian(at: 8) == 13 }) else {
            throw ImageCodecError(.encodingFailed, "cannot embed a profile: the PNG does not start with a 13-byte IHDR")
        }
        var compressed = [UInt8](repeating: 0, count: ipng_zlib_deflate_bound(profile.count))
        let size = profile.withUnsafeBufferPointer { input in
            compressed.withUnsafeMutableBufferPointer { ipng_zlib_deflate(input.baseAddress, input.count, $0.baseAddress, $0.count) }
        }
        guard size > 0 else { throw ImageCodecError(.encodingFailed, "cannot compress the ICC profile") }
        var chunk: [UInt8] = []
        ImageTextMetadata.appendChunk("iCCP", Array("ICC profile".utf8) + [0, 0] + compressed.prefix(size), to: &chunk)
        let afterHeader = 8 + 25  // signature, IHDR (length, type, 13 bytes, CRC)
        // A profile the file already has is replaced, not doubled.
        var rest = Array(bytes[afterHeader...])
        let existing = rest.withUnsafeBytes { buffer -> Range<Int>? in
            var offset = 0
            while offset + 12 <= buffer.count {
                let length = Int(buffer.uint32BigEndian(at: offset))
                guard offset + 12 + length <= buffer.count, !buffer.matches("IDAT", at: offset + 4) else { return nil }
                if buffer.matches("iCCP", at: offset + 4) || buffer.matches("sRGB", at: offset + 4) { return offset..<offset + 12 + length }
                offset += 12 + length
            }
            return nil
        }
        if let existing { rest.removeSubrange(existing) }
        return Array(bytes[..<afterHeader]) + chunk + rest
    }

    private static func embeddingInJPEG(_ profile: [UInt8], _ bytes: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        let perSegment = 65519
        let count = (profile.count + perSegment - 1) / perSegment
        guard count >= 1, count <= 255 else {
            throw ImageCodecError(.invalidOptions, "a JPEG holds an ICC profile of at most 255 segments (16 MiB); this one is \(profile.count) bytes")
        }
        // A profile the file already has is replaced: its APP2 segments (before the first scan,
        // found by the walk the reader makes) go.
        var profileSegments: [Range<Int>] = []
        var app0End: Int?
        bytes.withUnsafeBytes { buffer in
            EmbeddedMetadata.forEachJPEGSegment(buffer) { marker, segment, payload in
                if marker == 0xE0 && payload.lowerBound == 6 { app0End = payload.upperBound }
                // With the fill bytes before it: left behind, they would join what follows.
                if EmbeddedMetadata.isICCSegment(buffer, marker: marker, payload: payload) { profileSegments.append(segment) }
                return true
            }
        }
        let insertAt = app0End ?? 2
        var head = Array(bytes[..<insertAt]), tail = Array(bytes[insertAt...])
        for range in profileSegments.reversed() {
            if range.lowerBound >= insertAt { tail.removeSubrange(range.lowerBound - insertAt..<range.upperBound - insertAt) }
            else { head.removeSubrange(range) }
        }
        var segments: [UInt8] = []
        for index in 0..<count {
            let chunk = profile[index * perSegment..<min(profile.count, (index + 1) * perSegment)]
            let length = 2 + 14 + chunk.count
            segments += [0xFF, 0xE2, UInt8(length >> 8), UInt8(length & 0xFF)] + Array("ICC_PROFILE".utf8) + [0, UInt8(index + 1), UInt8(count)]
            segments += chunk
        }
        return head + segments + tail
    }
}
