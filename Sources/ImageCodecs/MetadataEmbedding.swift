internal import CLibWebP
internal import CPNGShims
import ImageCore

/// Replaces or removes the EXIF block, the XMP packet and the ICC profile of an encoded PNG, WebP
/// or JPEG without touching its compressed pixels, all in one rewrite: for metadata kept from a
/// source (`--keep-metadata`, `--keep-icc`) and for copies that drop it (a photo's GPS position
/// must not reach a published copy).
///
/// Where each format keeps them: PNG `iCCP` (zlib), `eXIf` and an uncompressed `iTXt` chunk with
/// the keyword `XML:com.adobe.xmp`, written right after `IHDR`; WebP `ICCP`, `EXIF` and `XMP `
/// chunks (libwebpmux sets the `VP8X` flags); JPEG APP1 segments `Exif\0\0` and
/// `http://ns.adobe.com/xap/1.0/\0`, then APP2 `ICC_PROFILE` segments (numbered, 65,519 bytes
/// each), after SOI and any JFIF APP0. A block of the kind being replaced or removed that the file
/// already has goes (in JPEG with any extended-XMP segments, which belong to the packet they
/// extend; in PNG an `sRGB` chunk, which a profile would contradict).
///
/// ```swift
/// let copy = try MetadataEmbedding.rewriting(photo, exif: .remove, xmp: .remove)
/// let kept = try MetadataEmbedding.rewriting(thumbnail, exif: .set(exif), xmp: .set(packet))
/// ```
public enum MetadataEmbedding {
    /// What to do with one kind of block.
    public enum Change: Hashable, Sendable {
        /// Leave the file's block (or its absence) as it is.
        case keep
        /// Remove the file's block.
        case remove
        /// Replace the file's block with these bytes (a TIFF structure for EXIF, without JPEG's
        /// `Exif\0\0` prefix; a whole XMP packet for XMP; a whole ICC profile), or add it.
        case set([UInt8])

        var touches: Bool { self != .keep }
        var bytes: [UInt8]? {
            if case .set(let bytes) = self { bytes } else { nil }
        }
    }

    /// The largest EXIF block one JPEG APP1 segment holds (65,533 payload bytes less the
    /// 6-byte `Exif\0\0` header).
    public static let maxJPEGEXIFBytes = 65_527
    /// The largest XMP packet one JPEG APP1 segment holds (65,533 payload bytes less the
    /// 29-byte namespace header); larger packets need extended XMP, which imagepipe does not write.
    public static let maxJPEGXMPBytes = 65_504

    static let jpegXMPHeader: [UInt8] = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
    static let jpegExtendedXMPHeader: [UInt8] = Array("http://ns.adobe.com/xmp/extension/\0".utf8)
    static let pngXMPKeyword = "XML:com.adobe.xmp"

    /// `bytes` with its EXIF block, XMP packet and ICC profile changed as asked.
    ///
    /// - Throws: ``ImageCodecError``: `.invalidOptions` for a block JPEG cannot hold
    ///   (``maxJPEGEXIFBytes``, ``maxJPEGXMPBytes``, a profile over 255 segments) or a format
    ///   without these blocks (PAM),
    ///   `.truncated`/`.corruptData` (with the byte offset) for a damaged container,
    ///   `.encodingFailed` when libwebpmux cannot rebuild a WebP.
    public static func rewriting(_ bytes: [UInt8], exif: Change = .keep, xmp: Change = .keep, icc: Change = .keep) throws(ImageCodecError) -> [UInt8] {
        guard exif.touches || xmp.touches || icc.touches else { return bytes }
        switch bytes.withUnsafeBytes({ ImageFormat.sniff($0) }) {
        case .png?: return try rewritingPNG(bytes, exif: exif, xmp: xmp, icc: icc)
        case .webp?: return try rewritingWebP(bytes, exif: exif, xmp: xmp, icc: icc)
        case .jpeg?: return try rewritingJPEG(bytes, exif: exif, xmp: xmp, icc: icc)
        case let other:
            throw ImageCodecError(.invalidOptions, "\(other.map { "\($0)" } ?? "this format") cannot carry EXIF, XMP or an ICC profile")
        }
    }

    // MARK: PNG

    private static func rewritingPNG(_ bytes: [UInt8], exif: Change, xmp: Change, icc: Change) throws(ImageCodecError) -> [UInt8] {
        let afterHeader = 8 + 25  // signature, IHDR (length, type, 13 bytes, CRC)
        guard bytes.count >= afterHeader, bytes.withUnsafeBytes({ $0.matches("IHDR", at: 12) && $0.uint32BigEndian(at: 8) == 13 }) else {
            throw ImageCodecError(.corruptData, "the PNG does not start with a 13-byte IHDR chunk", at: 8)
        }
        var removed: [Range<Int>] = []
        _ = try bytes.withUnsafeBytes { buffer in Result { () throws(ImageCodecError) in
            try ImageTextMetadata.pngChunks(buffer) { type, data in
                if exif.touches && type == "eXIf" || xmp.touches && type == "iTXt" && isXMPKeyword(data)
                    || icc.touches && (type == "iCCP" || type == "sRGB") {
                    let start = data.baseAddress! - buffer.baseAddress! - 8
                    removed.append(start..<start + 12 + data.count)
                }
            }
        } }.get()
        var inserted: [UInt8] = []
        if let profile = icc.bytes { ImageTextMetadata.appendChunk("iCCP", try iccpData(profile), to: &inserted) }
        if let block = exif.bytes { ImageTextMetadata.appendChunk("eXIf", block, to: &inserted) }
        if let packet = xmp.bytes { ImageTextMetadata.appendChunk("iTXt", xmpITXtData(packet), to: &inserted) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + inserted.count)
        output += bytes[..<afterHeader]
        output += inserted
        var copied = afterHeader
        for range in removed {
            output += bytes[copied..<range.lowerBound]
            copied = range.upperBound
        }
        output += bytes[copied...]
        return output
    }

    /// An `iCCP` chunk's data: a name, a zero, compression method 0, the profile deflated.
    private static func iccpData(_ profile: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        var compressed = [UInt8](repeating: 0, count: ipng_zlib_deflate_bound(profile.count))
        let size = profile.withUnsafeBufferPointer { input in
            compressed.withUnsafeMutableBufferPointer { ipng_zlib_deflate(input.baseAddress, input.count, $0.baseAddress, $0.count) }
        }
        guard size > 0 else { throw ImageCodecError(.encodingFailed, "cannot compress the ICC profile") }
        return Array("ICC profile".utf8) + [0, 0] + compressed.prefix(size)
    }

    /// Whether an `iTXt` chunk's data starts with the XMP keyword and its NUL.
    static func isXMPKeyword(_ data: UnsafeRawBufferPointer) -> Bool {
        let keyword = pngXMPKeyword.utf8
        return data.count > keyword.count && data[keyword.count] == 0 && data.prefix(keyword.count).elementsEqual(keyword)
    }

    /// An uncompressed `iTXt` chunk's data for an XMP packet: keyword, NUL, no compression,
    /// method 0, empty language tag and translated keyword, the packet.
    static func xmpITXtData(_ packet: [UInt8]) -> [UInt8] {
        Array(pngXMPKeyword.utf8) + [0, 0, 0, 0, 0] + packet
    }

    // MARK: WebP

    private static func rewritingWebP(_ bytes: [UInt8], exif: Change, xmp: Change, icc: Change) throws(ImageCodecError) -> [UInt8] {
        var muxer = try WebPMuxer(bytes)
        for (fourCC, change) in [("ICCP", icc), ("EXIF", exif), ("XMP ", xmp)] {
            switch change {
            case .keep: break
            case .remove: muxer.deleteChunk(fourCC)
            case .set(let block): try muxer.setChunk(fourCC, block)
            }
        }
        return try muxer.assemble()
    }

    // MARK: JPEG

    private static func rewritingJPEG(_ bytes: [UInt8], exif: Change, xmp: Change, icc: Change) throws(ImageCodecError) -> [UInt8] {
        let profileSegments = icc.bytes.map { ($0.count + iccBytesPerSegment - 1) / iccBytesPerSegment }
        if let profileSegments, profileSegments < 1 || profileSegments > 255 {
            throw ImageCodecError(.invalidOptions, "a JPEG holds an ICC profile of at most 255 segments (16 MiB); this one is \(icc.bytes!.count) bytes")
        }
        if let block = exif.bytes, block.count > maxJPEGEXIFBytes {
            throw ImageCodecError(.invalidOptions, "an EXIF block of \(block.count) bytes does not fit in a JPEG APP1 segment (at most \(maxJPEGEXIFBytes))")
        }
        if let packet = xmp.bytes, packet.count > maxJPEGXMPBytes {
            throw ImageCodecError(.invalidOptions, "an XMP packet of \(packet.count) bytes does not fit in a JPEG APP1 segment (at most \(maxJPEGXMPBytes); imagepipe does not write extended XMP)")
        }
        var removed: [Range<Int>] = []
        var insertAt = 2
        var leading = true
        bytes.withUnsafeBytes { buffer in
            EmbeddedMetadata.forEachJPEGSegment(buffer) { marker, segment, payload in
                let data = UnsafeRawBufferPointer(rebasing: buffer[payload])
                let isEXIF = marker == 0xE1 && data.matches("Exif\0\0", at: 0)
                let isXMP = marker == 0xE1 && (data.starts(with: jpegXMPHeader) || data.starts(with: jpegExtendedXMPHeader))
                if exif.touches && isEXIF || xmp.touches && isXMP
                    || icc.touches && EmbeddedMetadata.isICCSegment(buffer, marker: marker, payload: payload) {
                    removed.append(segment)
                } else if leading && (marker == 0xE0 && payload.lowerBound == 6 || isEXIF) {
                    // After SOI, the JFIF APP0 and an EXIF APP1 that stays: where readers expect ours.
                    insertAt = segment.upperBound
                } else {
                    leading = false
                }
                return true
            }
        }
        var inserted: [UInt8] = []
        if let block = exif.bytes { appendSegment(0xE1, Array("Exif\0\0".utf8) + block, to: &inserted) }
        if let packet = xmp.bytes { appendSegment(0xE1, jpegXMPHeader + packet, to: &inserted) }
        if let profile = icc.bytes, let profileSegments {
            for index in 0..<profileSegments {
                let chunk = profile[index * iccBytesPerSegment..<min(profile.count, (index + 1) * iccBytesPerSegment)]
                appendSegment(0xE2, Array("ICC_PROFILE".utf8) + [0, UInt8(index + 1), UInt8(profileSegments)] + chunk, to: &inserted)
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + inserted.count)
        var copied = 0
        var didInsert = false
        for range in removed + [bytes.count..<bytes.count] {
            if !didInsert && insertAt <= range.lowerBound {
                output += bytes[copied..<max(copied, insertAt)]
                copied = max(copied, insertAt)
                output += inserted
                didInsert = true
            }
            output += bytes[copied..<range.lowerBound]
            copied = range.upperBound
        }
        return output
    }

    /// Profile bytes in one APP2 segment: 65,533 payload bytes less the 14-byte header.
    private static let iccBytesPerSegment = 65_519

    private static func appendSegment(_ marker: UInt8, _ payload: [UInt8], to output: inout [UInt8]) {
        let length = payload.count + 2
        output += [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)]
        output += payload
    }
}
