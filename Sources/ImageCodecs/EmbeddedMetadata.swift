import ImageCore

/// The metadata blocks of an image file that change how its pixels are shown, found by walking
/// the container without decoding anything: EXIF (for its Orientation), the ICC profile, the XMP
/// packet (kept by `--keep-metadata`) and content credentials.
///
/// | block | PNG | WebP | JPEG |
/// |---|---|---|---|
/// | EXIF | `eXIf` | `EXIF` chunk | APP1 `Exif\0\0` |
/// | ICC profile | `iCCP` (zlib, inflated here) | `ICCP` chunk | APP2 `ICC_PROFILE`, in up to 255 numbered segments, reassembled |
/// | XMP | `iTXt` `XML:com.adobe.xmp` (compressed ones inflated here) | `XMP ` chunk | APP1 `http://ns.adobe.com/xap/1.0/` (extended XMP not read) |
/// | colour chunks | `sRGB`, `gAMA`, `cHRM` | — | — |
/// | content credentials (C2PA) | `caBX` | `C2PA` chunk | APP11 JUMBF, reassembled |
///
/// Reading is bounded and forgiving, as libvips, sharp and Pillow are: a block larger than
/// ``Limits`` allows is skipped without being copied (its size is recorded in ``skipped``), a
/// damaged block or container ends the walk with what was found so far, and nothing here throws:
/// whether the pixels decode is the codec's business.
///
/// ```swift
/// let metadata = EmbeddedMetadata.read(from: bytes)
/// let upright = image.oriented(metadata.orientation)
/// ```
public struct EmbeddedMetadata: Hashable, Sendable {
    /// The EXIF block: a TIFF structure (`II*\0` or `MM\0*`), any `Exif\0\0` prefix removed.
    public var exif: [UInt8]?
    /// The ICC profile, whole (JPEG segments reassembled, PNG's inflated).
    public var iccProfile: [UInt8]?
    /// The XMP packet, as stored (UTF-8 XML).
    public var xmp: [UInt8]?
    /// PNG `sRGB`: the image is sRGB, with this rendering intent (0 perceptual, 1 relative,
    /// 2 saturation, 3 absolute).
    public var pngSRGBIntent: UInt8?
    /// PNG `gAMA`: the encoding gamma times 100000 (45455 for 1/2.2).
    public var pngGamma: UInt32?
    /// PNG `cHRM`: white point and red, green, blue chromaticities (x, y) times 100000.
    public var pngChromaticities: [UInt32]?
    /// A C2PA manifest store: where, how large, its claim generator (``ContentCredentials``;
    /// never verified).
    public var contentCredentials: ContentCredentials?
    /// Blocks that were found but not kept, for reports: `"ICC profile (20000000 bytes, over the 16 MiB limit)"`.
    public var skipped: [String] = []

    /// The Orientation tag of the EXIF block; `.up` without EXIF, without the tag, or with a
    /// value outside 1...8.
    public var orientation: ImageOrientation {
        exif.flatMap { ExifReader.orientation(in: $0) } ?? .up
    }

    /// Creates metadata from its blocks.
    public init(exif: [UInt8]? = nil, iccProfile: [UInt8]? = nil) {
        self.exif = exif
        self.iccProfile = iccProfile
    }

    /// How large a block may be before it is skipped instead of copied.
    public struct Limits: Hashable, Sendable {
        /// EXIF: 4 MiB (a JPEG's is under 64 KiB; a PNG or WebP chunk could claim 4 GiB).
        public var maxEXIFBytes = 4 << 20
        /// ICC: 16 MiB once inflated (large CMYK LUT profiles are about 1 MiB).
        public var maxICCBytes = 16 << 20
        /// XMP: 4 MiB once inflated (a JPEG's standard packet is under 64 KiB).
        public var maxXMPBytes = 4 << 20
        /// A JPEG's C2PA manifest store, reassembled from its APP11 segments to read the claim
        /// generator: 16 MiB (a manifest with a certificate chain is tens of KiB; larger ones are
        /// still reported, without the generator).
        public var maxManifestBytes = 16 << 20

        /// The default limits.
        public init() {}
    }

    /// Walks `bytes` (a PNG, WebP or JPEG; anything else has no blocks) for its metadata.
    public static func read(from bytes: UnsafeRawBufferPointer, limits: Limits = Limits()) -> EmbeddedMetadata {
        var metadata = EmbeddedMetadata()
        switch ImageFormat.sniff(bytes) {
        case .png?: metadata.readPNG(bytes, limits: limits)
        case .webp?: metadata.readWebP(bytes, limits: limits)
        case .jpeg?: metadata.readJPEG(bytes, limits: limits)
        default: break
        }
        return metadata
    }

    /// ``read(from:limits:)`` for bytes in an array.
    public static func read(from bytes: [UInt8], limits: Limits = Limits()) -> EmbeddedMetadata {
        bytes.withUnsafeBytes { read(from: $0, limits: limits) }
    }

    // MARK: PNG

    private mutating func readPNG(_ bytes: UnsafeRawBufferPointer, limits: Limits) {
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes.uint32BigEndian(at: offset))
            let type = offset + 4
            let data = offset + 8
            guard length <= Int(Int32.max), data + length + 4 <= bytes.count else { return }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[data..<data + length])
            if bytes.matches("IEND", at: type) { return }
            if bytes.matches("eXIf", at: type) && exif == nil {
                exif = kept(payload, limit: limits.maxEXIFBytes, what: "EXIF")
            } else if bytes.matches("iCCP", at: type) && iccProfile == nil {
                iccProfile = Self.inflatedICC(payload, limit: limits.maxICCBytes, skipped: &skipped)
            } else if bytes.matches("sRGB", at: type) && length == 1 {
                pngSRGBIntent = payload[0]
            } else if bytes.matches("gAMA", at: type) && length == 4 {
                pngGamma = payload.uint32BigEndian(at: 0)
            } else if bytes.matches("cHRM", at: type) && length == 32 {
                pngChromaticities = (0..<8).map { payload.uint32BigEndian(at: $0 * 4) }
            } else if bytes.matches("iTXt", at: type) && xmp == nil && MetadataEmbedding.isXMPKeyword(payload) {
                xmp = Self.xmpFromITXt(payload, limit: limits.maxXMPBytes, skipped: &skipped)
            } else if bytes.matches("caBX", at: type) && contentCredentials == nil {
                contentCredentials = ContentCredentials(
                    container: .pngChunk, byteCount: length, claimGenerator: ContentCredentials.claimGenerator(inManifestStore: payload)
                )
            }
            offset = data + length + 4
        }
    }

    /// An `iCCP` chunk's profile: a Latin-1 name, a zero, compression method 0 and a zlib stream.
    private static func inflatedICC(_ payload: UnsafeRawBufferPointer, limit: Int, skipped: inout [String]) -> [UInt8]? {
        guard let end = payload.prefix(80).firstIndex(of: 0), end >= 1, end + 2 <= payload.count, payload[end + 1] == 0 else {
            skipped.append("ICC profile (a damaged iCCP chunk header)")
            return nil
        }
        let stream = UnsafeRawBufferPointer(rebasing: payload[(end + 2)...])
        switch ZlibInflate.inflate(stream, maxOutput: limit) {
        case .success(let profile): return profile
        case .failure(.outputTooLarge): skipped.append("ICC profile (more than \(limit) bytes once inflated)")
        case .failure(.damaged): skipped.append("ICC profile (a damaged zlib stream in iCCP)")
        }
        return nil
    }

    /// An `XML:com.adobe.xmp` `iTXt` chunk's packet: after the keyword, the compression flag
    /// and method, the language tag and translated keyword (each NUL-ended), the text, deflated
    /// when the flag says so.
    private static func xmpFromITXt(_ payload: UnsafeRawBufferPointer, limit: Int, skipped: inout [String]) -> [UInt8]? {
        let flags = MetadataEmbedding.pngXMPKeyword.utf8.count + 1
        guard payload.count >= flags + 2,
              let languageEnd = payload[(flags + 2)...].prefix(256).firstIndex(of: 0),
              let translatedEnd = payload[(languageEnd + 1)...].prefix(1024).firstIndex(of: 0)
        else {
            skipped.append("XMP (a damaged iTXt chunk header)")
            return nil
        }
        let text = UnsafeRawBufferPointer(rebasing: payload[(translatedEnd + 1)...])
        guard payload[flags] != 0 else {
            guard text.count <= limit else {
                skipped.append("XMP (\(text.count) bytes, over the \(limit >> 20) MiB limit)")
                return nil
            }
            return [UInt8](text)
        }
        switch ZlibInflate.inflate(text, maxOutput: limit) {
        case .success(let packet): return packet
        case .failure(.outputTooLarge): skipped.append("XMP (more than \(limit) bytes once inflated)")
        case .failure(.damaged): skipped.append("XMP (a damaged zlib stream in iTXt)")
        }
        return nil
    }

    // MARK: WebP

    private mutating func readWebP(_ bytes: UnsafeRawBufferPointer, limits: Limits) {
        var offset = 12
        let end = min(bytes.count, 8 + Int(bytes.uint32LittleEndian(at: 4)))
        while offset + 8 <= end {
            let length = Int(bytes.uint32LittleEndian(at: offset + 4))
            let data = offset + 8
            guard data + length <= end else { return }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[data..<data + length])
            if bytes.matches("EXIF", at: offset) && exif == nil {
                // Some writers keep JPEG's "Exif\0\0" prefix in the chunk.
                let body = payload.count >= 6 && payload.matches("Exif\0\0", at: 0) ? UnsafeRawBufferPointer(rebasing: payload[6...]) : payload
                exif = kept(body, limit: limits.maxEXIFBytes, what: "EXIF")
            } else if bytes.matches("ICCP", at: offset) && iccProfile == nil {
                iccProfile = kept(payload, limit: limits.maxICCBytes, what: "ICC profile")
            } else if bytes.matches("XMP ", at: offset) && xmp == nil {
                xmp = kept(payload, limit: limits.maxXMPBytes, what: "XMP")
            } else if bytes.matches("C2PA", at: offset) && contentCredentials == nil {
                contentCredentials = ContentCredentials(
                    container: .webpChunk, byteCount: length, claimGenerator: ContentCredentials.claimGenerator(inManifestStore: payload)
                )
            }
            offset = data + length + (length & 1)
        }
    }

    // MARK: JPEG

    /// Calls `body` with each marker segment of a JPEG before its first scan (marker, the whole
    /// segment with the fill bytes before it, the payload), skipping the markers without a
    /// length, until `body` returns `false`, the scan or the end of the image starts, or a
    /// segment runs past the end.
    static func forEachJPEGSegment(_ bytes: UnsafeRawBufferPointer, _ body: (_ marker: UInt8, _ segment: Range<Int>, _ payload: Range<Int>) -> Bool) {
        var offset = 2
        var segmentStart = offset
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            switch marker {
            case 0xFF:
                offset += 1  // fill byte: part of the segment that follows
                continue
            case 0xD8, 0x01, 0xD0...0xD7:
                offset += 2  // markers without a length
                segmentStart = offset
                continue
            case 0xDA, 0xD9:
                return  // start of scan, end of image: no metadata after these that a reader uses
            default:
                break
            }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return }
            guard body(marker, segmentStart..<offset + 2 + length, offset + 4..<offset + 2 + length) else { return }
            offset += 2 + length
            segmentStart = offset
        }
    }

    /// Whether a JPEG segment is one of an ICC profile's (APP2 `ICC_PROFILE\0`).
    static func isICCSegment(_ bytes: UnsafeRawBufferPointer, marker: UInt8, payload: Range<Int>) -> Bool {
        marker == 0xE2 && payload.count >= 14 && bytes.matches("ICC_PROFILE\0", at: payload.lowerBound)
    }

    private mutating func readJPEG(_ bytes: UnsafeRawBufferPointer, limits: Limits) {
        var iccSegments: [Int: UnsafeRawBufferPointer] = [:]
        var iccCount = 0
        var iccBytes = 0
        var jumbf: [(instance: Int, sequence: Int, payload: UnsafeRawBufferPointer)] = []
        Self.forEachJPEGSegment(bytes) { marker, _, range in
            let payload = UnsafeRawBufferPointer(rebasing: bytes[range])
            if marker == 0xEB && payload.count > 16 && payload.matches("JP", at: 0) {
                // JUMBF: "JP", the box instance (2 bytes), the packet sequence (4), then the box.
                let instance = Int(payload[2]) << 8 | Int(payload[3])
                jumbf.append((instance, Int(payload.uint32BigEndian(at: 4)), UnsafeRawBufferPointer(rebasing: payload[8...])))
            } else if marker == 0xE1 && exif == nil && payload.matches("Exif\0\0", at: 0) {
                exif = kept(UnsafeRawBufferPointer(rebasing: payload[6...]), limit: limits.maxEXIFBytes, what: "EXIF")
            } else if marker == 0xE1 && xmp == nil && payload.starts(with: MetadataEmbedding.jpegXMPHeader) {
                xmp = kept(UnsafeRawBufferPointer(rebasing: payload[MetadataEmbedding.jpegXMPHeader.count...]), limit: limits.maxXMPBytes, what: "XMP")
            } else if Self.isICCSegment(bytes, marker: marker, payload: range) {
                let sequence = Int(payload[12]), count = Int(payload[13])
                if sequence >= 1, sequence <= count, iccCount == 0 || iccCount == count, iccSegments[sequence] == nil {
                    iccCount = count
                    iccSegments[sequence] = UnsafeRawBufferPointer(rebasing: payload[14...])
                    iccBytes += payload.count - 14
                } else {
                    iccCount = -1  // inconsistent numbering: the profile cannot be trusted
                }
            }
            return true
        }
        if !jumbf.isEmpty { contentCredentials = Self.manifestStore(in: jumbf, limit: limits.maxManifestBytes) }
        guard iccCount > 0 else {
            if iccCount < 0 { skipped.append("ICC profile (APP2 segments numbered inconsistently)") }
            return
        }
        guard iccSegments.count == iccCount else {
            skipped.append("ICC profile (\(iccSegments.count) of its \(iccCount) APP2 segments)")
            return
        }
        guard iccBytes <= limits.maxICCBytes else {
            skipped.append("ICC profile (\(iccBytes) bytes, over the \(limits.maxICCBytes >> 20) MiB limit)")
            return
        }
        var profile: [UInt8] = []
        profile.reserveCapacity(iccBytes)
        for sequence in 1...iccCount { profile.append(contentsOf: iccSegments[sequence]!) }
        iccProfile = profile
    }

    /// The C2PA manifest store among a JPEG's JUMBF segments: the box instance whose first
    /// packet starts a superbox labelled `c2pa`, reassembled in sequence order (each later packet
    /// repeats the box header, which is dropped) to read its claim generator.
    private static func manifestStore(in segments: [(instance: Int, sequence: Int, payload: UnsafeRawBufferPointer)], limit: Int) -> ContentCredentials? {
        for first in segments where first.sequence == 1 && first.payload.count >= 16 {
            // The superbox runs on into the later packets; its description box is in this one.
            let cut = JUMBFBox(type: String(decoding: first.payload[4..<8], as: UTF8.self), content: 8..<first.payload.count)
            guard cut.type == "jumb", cut.label(in: first.payload) == "c2pa" else { continue }
            let packets = segments.filter { $0.instance == first.instance }.sorted { $0.sequence < $1.sequence }
            let length = Int(first.payload.uint32BigEndian(at: 0))
            let repeated = length == 1 ? 16 : 8
            var byteCount = length == 1 ? Int(first.payload.uint32BigEndian(at: 12)) : length
            var generator: String?
            if packets.reduce(0, { $0 + $1.payload.count }) <= limit {
                var store: [UInt8] = []
                for (index, packet) in packets.enumerated() {
                    store.append(contentsOf: index == 0 ? packet.payload[...] : packet.payload.dropFirst(repeated))
                }
                if length == 1 { byteCount = store.count }
                generator = store.withUnsafeBytes { ContentCredentials.claimGenerator(inManifestStore: $0) }
            }
            return ContentCredentials(container: .jpegSegments, byteCount: byteCount, segmentCount: packets.count, claimGenerator: generator)
        }
        return nil
    }

    private mutating func kept(_ payload: UnsafeRawBufferPointer, limit: Int, what: String) -> [UInt8]? {
        guard payload.count <= limit else {
            skipped.append("\(what) (\(payload.count) bytes, over the \(limit >> 20) MiB limit)")
            return nil
        }
        return [UInt8](payload)
    }
}

/// Reads tags from an EXIF block (a TIFF structure), bounded by its bytes: every offset is
/// checked before it is followed.
public enum ExifReader {
    /// The Orientation tag (0x0112) of IFD0, or `nil` when absent, malformed or outside 1...8.
    public static func orientation(in exif: [UInt8]) -> ImageOrientation? {
        exif.withUnsafeBytes { orientationEntry(in: $0).flatMap { ImageOrientation(tagValue: Int($0.value)) } }
    }

    /// Whether IFD0 points to a GPS IFD (tag 0x8825): the block records where the photo was taken.
    public static func hasGPSPosition(in exif: [UInt8]) -> Bool {
        exif.withUnsafeBytes { ifd0Entry(0x8825, in: $0) != nil }
    }

    /// The EXIF block with its Orientation tag set to `orientation` (the rest byte for byte), or
    /// `nil` when it has no Orientation tag to set: for metadata kept after the pixels were
    /// turned upright.
    public static func settingOrientation(_ orientation: ImageOrientation, in exif: [UInt8]) -> [UInt8]? {
        guard let entry = exif.withUnsafeBytes({ orientationEntry(in: $0) }) else { return nil }
        var patched = exif
        let value = UInt16(orientation.rawValue)
        patched[entry.valueOffset] = UInt8(entry.bigEndian ? value >> 8 : value & 0xFF)
        patched[entry.valueOffset + 1] = UInt8(entry.bigEndian ? value & 0xFF : value >> 8)
        return patched
    }

    private static func orientationEntry(in tiff: UnsafeRawBufferPointer) -> (value: UInt16, valueOffset: Int, bigEndian: Bool)? {
        // Orientation: SHORT (3), one value, held in the first two bytes of the value field.
        guard let entry = ifd0Entry(0x0112, in: tiff), entry.type == 3 else { return nil }
        let value = entry.bigEndian
            ? UInt16(tiff[entry.valueOffset]) << 8 | UInt16(tiff[entry.valueOffset + 1])
            : UInt16(tiff[entry.valueOffset + 1]) << 8 | UInt16(tiff[entry.valueOffset])
        return (value, entry.valueOffset, entry.bigEndian)
    }

    /// The IFD0 entry for `tag`: its type and where its 4-byte value field starts.
    private static func ifd0Entry(_ tag: UInt16, in tiff: UnsafeRawBufferPointer) -> (type: UInt16, valueOffset: Int, bigEndian: Bool)? {
        guard tiff.count >= 8 else { return nil }
        let bigEndian: Bool
        if tiff.matches("MM\0*", at: 0) {
            bigEndian = true
        } else if tiff.matches("II*\0", at: 0) {
            bigEndian = false
        } else {
            return nil
        }
        func u16(_ at: Int) -> UInt16 {
            bigEndian ? UInt16(tiff[at]) << 8 | UInt16(tiff[at + 1]) : UInt16(tiff[at + 1]) << 8 | UInt16(tiff[at])
        }
        let ifd = Int(bigEndian ? tiff.uint32BigEndian(at: 4) : tiff.uint32LittleEndian(at: 4))
        guard ifd >= 8, ifd <= tiff.count - 2 else { return nil }
        let count = Int(u16(ifd))
        for index in 0..<count {
            let entry = ifd + 2 + index * 12
            guard entry + 12 <= tiff.count else { return nil }
            if u16(entry) == tag { return (u16(entry + 2), entry + 8, bigEndian) }
        }
        return nil
    }
}

/// The `tiff:Orientation` property some XMP packets repeat (Lightroom, Photoshop), kept in step
/// with EXIF's when the pixels are turned upright.
public enum XMPOrientation {
    /// The packet with its `tiff:Orientation` (as an attribute, `tiff:Orientation="6"`, or an
    /// element, `<tiff:Orientation>6</tiff:Orientation>`) set to 1, every other byte kept; `nil`
    /// when it has none, or it is already 1.
    public static func settingUp(in packet: [UInt8]) -> [UInt8]? {
        let name = Array("tiff:Orientation".utf8)
        var patched = packet
        var changed = false
        var index = 0
        while let found = packet[index...].firstRange(of: name) {
            var value = found.upperBound
            if value + 1 < packet.count, packet[value] == UInt8(ascii: "="), packet[value + 1] == UInt8(ascii: "\"") || packet[value + 1] == UInt8(ascii: "'") {
                value += 2  // tiff:Orientation="6"
            } else if value < packet.count, packet[value] == UInt8(ascii: ">"), found.lowerBound > 0, packet[found.lowerBound - 1] == UInt8(ascii: "<") {
                value += 1  // <tiff:Orientation>6</tiff:Orientation>
            } else {
                index = found.upperBound
                continue
            }
            if value < packet.count, (UInt8(ascii: "2")...UInt8(ascii: "8")).contains(packet[value]),
               value + 1 < packet.count, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(packet[value + 1]) {
                patched[value] = UInt8(ascii: "1")
                changed = true
            }
            index = found.upperBound
        }
        return changed ? patched : nil
    }
}
