import ImageCore
internal import CLibWebP

/// Text metadata carried inside an image file: written into a PNG's `iTXt` chunks, a WebP's XMP
/// packet or a JPEG's APP1 XMP segment without touching the compressed pixels, and read back
/// from all three.
///
/// imagepipe records an image's provenance this way (prompt, provider, model, seed, …), so the
/// facts travel with the file even without its JSON sidecar.
///
/// ```swift
/// let tagged = try ImageTextMetadata(["Description": "a red fox", "Software": "imagepipe"])
///     .embedded(in: pngBytes)
/// let back = try ImageTextMetadata.read(from: tagged)   // back["Description"] == "a red fox"
/// ```
///
/// In a PNG each entry is one uncompressed `iTXt` chunk (UTF-8 text; keyword 1–79 printable
/// Latin-1 characters), placed just before `IEND`; text chunks the file already has under a key
/// being written (or in the namespace of a dotted one, `imagepipe.` for `imagepipe.provenance`)
/// are kept renamed to `source.KEY`, so that what is read back under those keys is only what
/// was embedded. In a WebP or JPEG the entries become one XMP packet:
/// `Description` as `dc:description`, `Software` as `xmp:CreatorTool`, `DigitalSourceType` as
/// IPTC's `Iptc4xmpExt:DigitalSourceType` (``aiGeneratedSourceType`` marks an AI image as the
/// industry reads it), every other key as an element of the `https://imagepipe.dev/ns/1.0/`
/// namespace; a WebP is rewritten by libwebpmux (extended `VP8X` header with the XMP flag), a
/// JPEG gets an APP1 segment (``MetadataEmbedding``), their image data copied unchanged. A PNG
/// carries `DigitalSourceType` the only way readers look for it, in an XMP packet (an `iTXt`
/// chunk `XML:com.adobe.xmp`, beside the text chunks, with `Description` and `Software` too).
public struct ImageTextMetadata: Hashable, Sendable {
    /// One key and its text.
    public struct Entry: Hashable, Sendable {
        /// The key: a PNG keyword, or the name of the XMP element.
        public var key: String
        /// The text, any Unicode.
        public var value: String
        /// How many stored bytes of the value were not read (a reader's cap); 0 when whole.
        public var omittedByteCount: Int

        /// Creates an entry.
        public init(key: String, value: String, omittedByteCount: Int = 0) {
            self.key = key
            self.value = value
            self.omittedByteCount = omittedByteCount
        }
    }

    /// The entries, in file order.
    public var entries: [Entry]

    /// Creates metadata from entries, in order.
    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// Creates metadata from key-value pairs, in order.
    public init(_ pairs: KeyValuePairs<String, String>) {
        self.entries = pairs.map { Entry(key: $0.key, value: $0.value) }
    }

    /// The first value stored under `key`.
    public subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value
    }

    /// Whether there are no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// The key written as IPTC's `Iptc4xmpExt:DigitalSourceType`.
    public static let digitalSourceTypeKey = "DigitalSourceType"
    /// IPTC's digital source type for media made by a trained model (what generation services return).
    public static let aiGeneratedSourceType = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    /// IPTC's digital source type for an image that combines generated content with other media
    /// (`compositeWithTrainedAlgorithmicMedia`): what an edit of a photo is.
    public static let compositeAISourceType = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"

    /// The `Iptc4xmpExt:DigitalSourceType` of an XMP packet (as an element or an attribute), if it has one.
    public static func digitalSourceType(inXMP packet: [UInt8]) -> String? {
        // Most packets (a camera's, an editor's) have none: a byte search says so before any parsing.
        guard contains(packet, "Iptc4xmpExt:DigitalSourceType") else { return nil }
        return ImageTextMetadata(xmp: String(decoding: packet, as: UTF8.self))[digitalSourceTypeKey]
    }

    /// Whether `bytes` hold `text`'s UTF-8 anywhere (memchr for its first byte, then a compare).
    static func contains(_ bytes: [UInt8], _ text: StaticString) -> Bool {
        let needle = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        guard let first = needle.first else { return true }
        return bytes.withUnsafeBytes { haystack in
            guard let base = haystack.baseAddress, haystack.count >= needle.count else { return false }
            var offset = 0
            while offset + needle.count <= haystack.count,
                  let hit = memchr(base + offset, Int32(first), haystack.count - needle.count + 1 - offset) {
                offset = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + offset, needle.baseAddress!, needle.count) == 0 { return true }
                offset += 1
            }
            return false
        }
    }

    /// Keys that exist only as XMP properties (a PNG carries them in its XMP packet, not as text chunks).
    static let xmpOnlyKeys: Set<String> = [digitalSourceTypeKey]
    /// Keys written as standard XMP properties rather than in imagepipe's namespace.
    static let standardXMPKeys: Set<String> = ["Description", "Software", digitalSourceTypeKey]
}

// MARK: - Embedding

extension ImageTextMetadata {
    /// Returns the encoded image with these entries added; the pixel data is not re-encoded.
    ///
    /// - Parameter bytes: a complete PNG, WebP or JPEG file.
    /// - Returns: a new file: for PNG the same bytes with `iTXt` chunks inserted before `IEND`, and
    ///   existing `tEXt`/`zTXt`/`iTXt` chunks whose keys these entries claim renamed to
    ///   `source.KEY` (dropped if that name would pass 79 bytes; an XMP packet written here claims
    ///   `XML:com.adobe.xmp`); for WebP the container rebuilt with an `XMP ` chunk, for JPEG an
    ///   APP1 XMP segment after the JFIF and EXIF headers (an existing XMP packet is replaced).
    /// - Throws: ``ImageCodecError`` with `.invalidOptions` for a key that cannot be a PNG keyword
    ///   or XML element name, or (JPEG) a packet over ``MetadataEmbedding/maxJPEGXMPBytes``;
    ///   `.unsupportedFormat` for other formats, or the container error (`.truncated`,
    ///   `.corruptData`, `.checksumMismatch`) with its byte offset.
    public func embedded(in bytes: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        guard !entries.isEmpty else { return bytes }
        try validateKeys()
        switch bytes.withUnsafeBytes({ ImageFormat.sniff($0) }) {
        case .png?:
            return try embeddedInPNG(bytes)
        case .webp?:
            return try embeddedInWebP(bytes)
        case .jpeg?:
            return try MetadataEmbedding.rewriting(bytes, xmp: .set(Array(xmpPacket().utf8)))
        case let other:
            throw ImageCodecError(.unsupportedFormat, "text metadata can be embedded in PNG, WebP and JPEG, not \(other.map { "\($0)" } ?? "unrecognised data")")
        }
    }

    /// Reads the text metadata of a PNG (`tEXt` and uncompressed `iTXt` chunks, then what its
    /// XMP packet adds under keys not already read) or a WebP or JPEG (the entries of an XMP
    /// packet written by ``embedded(in:)``; other XMP yields its `dc:description`,
    /// `xmp:CreatorTool` and `Iptc4xmpExt:DigitalSourceType` when present).
    ///
    /// Compressed text (`zTXt`, compressed `iTXt`) is not inflated, so a deflate bomb costs
    /// nothing here.
    ///
    /// - Parameter maxValueBytes: read at most this many stored bytes of each value (cut at a
    ///   character boundary); the rest is counted in ``Entry/omittedByteCount``, never copied. A
    ///   display sets it so that a huge text chunk costs no more memory than the cap.
    /// - Throws: ``ImageCodecError`` when the container is damaged, with the byte offset.
    /// - Complexity: O(n) in the file for the chunk walk (text chunks' CRCs), plus O(cap) per entry.
    public static func read(from bytes: [UInt8], maxValueBytes: Int = .max) throws(ImageCodecError) -> ImageTextMetadata {
        precondition(maxValueBytes >= 0, "maxValueBytes must not be negative")
        switch bytes.withUnsafeBytes({ ImageFormat.sniff($0) }) {
        case .png?:
            return try readPNG(bytes, maxValueBytes: maxValueBytes)
        case .webp?:
            guard let packet = try xmpPacket(in: bytes) else { return ImageTextMetadata() }
            return ImageTextMetadata(xmp: packet).capped(at: maxValueBytes)
        case .jpeg?:
            guard let packet = EmbeddedMetadata.read(from: bytes).xmp else { return ImageTextMetadata() }
            return ImageTextMetadata(xmp: String(decoding: packet, as: UTF8.self)).capped(at: maxValueBytes)
        default:
            return ImageTextMetadata()
        }
    }

    /// These entries with each value cut to at most `maxValueBytes` of UTF-8.
    private func capped(at maxValueBytes: Int) -> ImageTextMetadata {
        ImageTextMetadata(entries.map { entry in
            let utf8 = entry.value.utf8
            guard utf8.count > maxValueBytes else { return entry }
            var end = utf8.index(utf8.startIndex, offsetBy: maxValueBytes)
            while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
            let kept = utf8.distance(from: utf8.startIndex, to: end)
            return Entry(key: entry.key, value: String(entry.value[..<end]), omittedByteCount: entry.omittedByteCount + utf8.count - kept)
        })
    }

    private func validateKeys() throws(ImageCodecError) {
        // The XML-name rule (ASCII letters, digits, '-', '_', '.') is stricter than PNG's keyword
        // rule (printable Latin-1 without edge spaces), so one check serves both containers.
        for entry in entries {
            guard entry.key.utf8.count <= 79, xmpElementName(entry.key) != nil else {
                throw ImageCodecError(.invalidOptions, "metadata key \"\(entry.key)\" is not usable: keys are 1–79 ASCII letters, digits, '-', '_' or '.', starting with a letter")
            }
        }
    }
}

// MARK: - PNG

extension ImageTextMetadata {
    /// Walks the chunk list (checking lengths, and the CRCs of text chunks) and returns the offset of `IEND`.
    static func pngChunks(
        _ bytes: UnsafeRawBufferPointer, visit: (_ type: String, _ data: UnsafeRawBufferPointer) -> Void = { _, _ in }
    ) throws(ImageCodecError) -> Int {
        var offset = 8
        while true {
            guard offset + 12 <= bytes.count else {
                throw ImageCodecError(.truncated, "PNG ends at byte \(bytes.count), before its IEND chunk", at: bytes.count)
            }
            let length = Int(bytes.uint32BigEndian(at: offset))
            guard length <= 0x7FFF_FFFF, offset + 12 + length <= bytes.count else {
                throw ImageCodecError(.truncated, "PNG chunk \(printable(bytes, offset + 4)) at byte \(offset) claims \(length) bytes, past the end of the file", at: offset)
            }
            // Only text chunks are checksummed here: the decoder checks the image data's CRCs,
            // and hashing megabytes of IDAT just to find IEND would cost more than the insert.
            let isText = bytes.matches("tEXt", at: offset + 4) || bytes.matches("iTXt", at: offset + 4)
                || bytes.matches("zTXt", at: offset + 4)
            let typeAndData = UnsafeRawBufferPointer(rebasing: bytes[offset + 4..<offset + 8 + length])
            guard !isText || CRC32.checksum(typeAndData) == bytes.uint32BigEndian(at: offset + 8 + length) else {
                throw ImageCodecError(.checksumMismatch, "PNG chunk \(printable(bytes, offset + 4)) at byte \(offset) has a CRC mismatch", at: offset)
            }
            if bytes.matches("IEND", at: offset + 4) { return offset }
            visit(bytes.fourCC(at: offset + 4), UnsafeRawBufferPointer(rebasing: bytes[offset + 8..<offset + 8 + length]))
            offset += 12 + length
        }
    }

    /// The prefix given to the keyword of a text chunk already in a file when the entries being
    /// embedded claim its key.
    public static let sourceKeyPrefix = "source."

    /// Whether an existing text chunk's keyword is claimed by these entries: the same key, or a
    /// key in the namespace (the part up to the first `.`) of a dotted key being written.
    func claims(keyword: some Collection<UInt8>) -> Bool {
        entries.contains { entry in
            let key = entry.key.utf8
            if keyword.elementsEqual(key) { return true }
            guard let dot = key.firstIndex(of: UInt8(ascii: ".")) else { return false }
            return keyword.starts(with: key[...dot])
        }
    }

    /// The entries a PNG carries in an XMP packet (its standard properties), when any entry
    /// exists only in XMP; empty otherwise.
    private var pngXMPEntries: ImageTextMetadata {
        guard entries.contains(where: { Self.xmpOnlyKeys.contains($0.key) }) else { return ImageTextMetadata() }
        return ImageTextMetadata(entries.filter { Self.standardXMPKeys.contains($0.key) })
    }

    private func embeddedInPNG(_ bytes: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        var chunks: [UInt8] = []
        let xmpEntries = pngXMPEntries
        if !xmpEntries.isEmpty {
            Self.appendChunk("iTXt", MetadataEmbedding.xmpITXtData(Array(xmpEntries.xmpPacket().utf8)), to: &chunks)
        }
        for entry in entries where !Self.xmpOnlyKeys.contains(entry.key) {
            // iTXt: keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text.
            var data = Array(entry.key.utf8)
            data += [0, 0, 0, 0, 0]
            data += Array(entry.value.utf8)
            Self.appendChunk("iTXt", data, to: &chunks)
        }
        // Text the file already carries under a key written here (a service's own `Description`,
        // or a forged `imagepipe.provenance`) would be read before ours or beside it: it is kept,
        // renamed into `source.`, so that the keys written here hold only what was written here.
        // A renamed chunk whose keyword would pass PNG's 79-byte limit is dropped.
        var renamed: [(start: Int, end: Int, replacement: [UInt8])] = []
        let end = try bytes.withUnsafeBytes { buffer in Result { () throws(ImageCodecError) in
            try Self.pngChunks(buffer) { type, data in
                guard type == "tEXt" || type == "zTXt" || type == "iTXt",
                      let keywordEnd = data.prefix(80).firstIndex(of: 0),
                      claims(keyword: data[..<keywordEnd])
                        || !xmpEntries.isEmpty && data[..<keywordEnd].elementsEqual(MetadataEmbedding.pngXMPKeyword.utf8)
                else { return }
                let start = data.baseAddress! - buffer.baseAddress! - 8
                var replacement: [UInt8] = []
                let prefix = Self.sourceKeyPrefix.utf8
                if prefix.count + keywordEnd <= 79 {
                    Self.appendChunk(type, Array(prefix) + Array(data), to: &replacement)
                }
                renamed.append((start, start + 12 + data.count, replacement))
            }
        } }.get()
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + chunks.count + renamed.count * Self.sourceKeyPrefix.utf8.count)
        var copied = 0
        for chunk in renamed {
            output += bytes[copied..<chunk.start]
            output += chunk.replacement
            copied = chunk.end
        }
        output += bytes[copied..<end]
        output += chunks
        output += bytes[end...]
        return output
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to output: inout [UInt8]) {
        precondition(type.utf8.count == 4, "a PNG chunk type is four bytes")
        let length = UInt32(data.count)
        output += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        let typeStart = output.count
        output += type.utf8
        output += data
        let crc = output.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[typeStart...])) }
        output += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }

    private static func readPNG(_ bytes: [UInt8], maxValueBytes: Int) throws(ImageCodecError) -> ImageTextMetadata {
        var metadata = ImageTextMetadata()
        var xmp: ImageTextMetadata?
        _ = try bytes.withUnsafeBytes { buffer in Result { () throws(ImageCodecError) in
            try pngChunks(buffer) { type, data in
                // A keyword is at most 79 bytes; searching further for its NUL would scan a huge value.
                guard let keywordEnd = data.prefix(80).firstIndex(of: 0) else { return }
                let key = latin1String(UnsafeRawBufferPointer(rebasing: data[..<keywordEnd]))
                switch type {
                case "tEXt":
                    let text = UnsafeRawBufferPointer(rebasing: data[(keywordEnd + 1)...])
                    let kept = min(text.count, maxValueBytes)
                    metadata.entries.append(Entry(
                        key: key, value: latin1String(UnsafeRawBufferPointer(rebasing: text[..<(text.startIndex + kept)])),
                        omittedByteCount: text.count - kept
                    ))
                case "iTXt":
                    let rest = data[(keywordEnd + 1)...]
                    guard rest.count >= 2, rest[rest.startIndex] == 0 else { return }  // compressed iTXt: not read
                    // The language tag and translated keyword are short by nature; bound their search likewise.
                    guard let languageEnd = rest[(rest.startIndex + 2)...].prefix(256).firstIndex(of: 0),
                          let translatedEnd = rest[(languageEnd + 1)...].prefix(1024).firstIndex(of: 0)
                    else { return }
                    let text = UnsafeRawBufferPointer(rebasing: rest[(translatedEnd + 1)...])
                    if xmp == nil && key == MetadataEmbedding.pngXMPKeyword {
                        xmp = ImageTextMetadata(xmp: String(decoding: text, as: UTF8.self)).capped(at: maxValueBytes)
                        return
                    }
                    var end = text.startIndex + min(text.count, maxValueBytes)
                    if end < text.endIndex {
                        while end > text.startIndex, UTF8.isContinuation(text[end]) { end -= 1 }
                    }
                    metadata.entries.append(Entry(
                        key: key, value: String(decoding: text[..<end], as: UTF8.self), omittedByteCount: text.endIndex - end
                    ))
                default:
                    break
                }
            }
        } }.get()
        // The XMP packet adds what the text chunks do not say (IPTC's digital source type).
        for entry in xmp?.entries ?? [] where metadata[entry.key] == nil {
            metadata.entries.append(entry)
        }
        return metadata
    }

    /// Latin-1 bytes (each byte the code point of the same value) as a string, transcoded
    /// straight into the string's UTF-8 storage.
    private static func latin1String(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { utf8 in
            var count = 0
            for byte in bytes {
                if byte < 0x80 {
                    utf8[count] = byte
                    count += 1
                } else {
                    utf8[count] = 0xC0 | byte >> 6
                    utf8[count + 1] = 0x80 | byte & 0x3F
                    count += 2
                }
            }
            return count
        }
    }
}

// MARK: - WebP (XMP)

extension ImageTextMetadata {
    private static let namespace = "https://imagepipe.dev/ns/1.0/"

    /// The XMP packet these entries become in a WebP or JPEG (UTF-8 XML, with its `xpacket`
    /// wrapper): to check its size against ``MetadataEmbedding/maxJPEGXMPBytes`` before embedding.
    public func xmpPacket() -> String {
        var properties = ""
        for entry in entries {
            let value = Self.escapeXML(entry.value)
            switch entry.key {
            case "Description":
                properties += "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">\(value)</rdf:li></rdf:Alt></dc:description>\n"
            case "Software":
                properties += "   <xmp:CreatorTool>\(value)</xmp:CreatorTool>\n"
            case Self.digitalSourceTypeKey:
                properties += "   <Iptc4xmpExt:DigitalSourceType>\(value)</Iptc4xmpExt:DigitalSourceType>\n"
            default:
                // A key that is no XML name cannot be written (``embedded(in:)`` refuses it first).
                guard let name = xmpElementName(entry.key) else { continue }
                properties += "   <imagepipe:\(name)>\(value)</imagepipe:\(name)>\n"
            }
        }
        return """
        <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about=""
            xmlns:dc="http://purl.org/dc/elements/1.1/"
            xmlns:xmp="http://ns.adobe.com/xap/1.0/"
            xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
            xmlns:imagepipe="\(Self.namespace)">
        \(properties)  </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>
        <?xpacket end="r"?>
        """
    }

    /// Parses the elements this type writes back out of an XMP packet.
    ///
    /// The markup is found by its UTF-8 bytes, never by `Character`: a value that begins with a
    /// combining mark joins the `>` before it into one grapheme cluster (and one that ends in a
    /// prepended mark such as U+0600 joins the `<` after it), which a `Character` search passes over.
    init(xmp packet: String) {
        let text = packet.utf8[...]
        var entries: [Entry] = []
        if let description = Self.elementContent("dc:description", in: text).flatMap({ Self.elementContent("rdf:li", in: $0) }) {
            entries.append(Entry(key: "Description", value: Self.unescapeXML(description)))
        }
        if let tool = Self.elementContent("xmp:CreatorTool", in: text) {
            entries.append(Entry(key: "Software", value: Self.unescapeXML(tool)))
        }
        // As an element (as written here) or as an attribute of rdf:Description (as some tools write it).
        let sourceType = "Iptc4xmpExt:DigitalSourceType"
        if let value = Self.elementContent(sourceType, in: text) ?? Self.attributeValue(sourceType, in: text) {
            entries.append(Entry(key: Self.digitalSourceTypeKey, value: Self.unescapeXML(value)))
        }
        var rest = text
        while let open = rest.firstRange(of: "<imagepipe:".utf8) {
            let nameStart = open.upperBound
            guard let nameEnd = rest[nameStart...].firstIndex(where: { $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "/") })
            else { break }
            let name = rest[nameStart..<nameEnd]
            guard rest[nameEnd] == UInt8(ascii: ">"),
                  let close = rest[nameEnd...].firstRange(of: Array("</imagepipe:".utf8) + name + [UInt8(ascii: ">")])
            else {
                rest = rest[nameEnd...]
                continue
            }
            entries.append(Entry(key: String(decoding: name, as: UTF8.self), value: Self.unescapeXML(rest[rest.index(after: nameEnd)..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        self.init(entries)
    }

    /// The raw (still escaped) content of the first element called `name`, as UTF-8.
    private static func elementContent(_ name: String, in text: Substring.UTF8View) -> Substring.UTF8View? {
        guard let open = text.firstRange(of: "<\(name)".utf8),
              let openEnd = text[open.upperBound...].firstIndex(of: UInt8(ascii: ">")),
              let close = text[openEnd...].firstRange(of: "</\(name)>".utf8)
        else { return nil }
        return text[text.index(after: openEnd)..<close.lowerBound]
    }

    /// The raw value of the first attribute `name="…"` (or `'…'`), as UTF-8.
    private static func attributeValue(_ name: String, in text: Substring.UTF8View) -> Substring.UTF8View? {
        guard let match = text.firstRange(of: (name + "=").utf8), match.upperBound < text.endIndex else { return nil }
        let quote = text[match.upperBound]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        let start = text.index(after: match.upperBound)
        guard let end = text[start...].firstIndex(of: quote) else { return nil }
        return text[start..<end]
    }

    static func escapeXML(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: escaped += "&#\(scalar.value);"  // not representable in XML 1.0; kept visible
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// `text` (UTF-8) with XML's five predefined entities and numeric character references
    /// replaced by the characters they stand for; any other `&…;` is kept as it is.
    ///
    /// Searched by byte, not by `Character`: a `;` followed by a combining mark is one grapheme
    /// cluster, in which a `Character` search finds no `;` (and `&` likewise).
    static func unescapeXML(_ text: Substring.UTF8View) -> String {
        guard text.contains(UInt8(ascii: "&")) else { return String(decoding: text, as: UTF8.self) }
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var rest = text
        while let ampersand = rest.firstIndex(of: UInt8(ascii: "&")) {
            result += rest[..<ampersand]
            guard let semicolon = rest[ampersand...].firstIndex(of: UInt8(ascii: ";")) else { break }
            if let scalar = entityValue(rest[rest.index(after: ampersand)..<semicolon]) {
                result += UTF8.encode(scalar)!
            } else {
                result += rest[ampersand...semicolon]
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        result += rest
        return String(decoding: result, as: UTF8.self)
    }

    /// XML's five predefined entities, by name as UTF-8: built once, not per entity read.
    private static let predefinedEntities: [(name: [UInt8], scalar: Unicode.Scalar)] = [
        (Array("amp".utf8), "&"), (Array("lt".utf8), "<"), (Array("gt".utf8), ">"), (Array("quot".utf8), "\""), (Array("apos".utf8), "'"),
    ]

    /// The scalar an entity (the bytes between `&` and `;`) stands for: `amp`, `lt`, `gt`, `quot`,
    /// `apos`, or a character reference `#DIGITS` / `#xHEXDIGITS`; `nil` for anything else.
    private static func entityValue(_ entity: Substring.UTF8View) -> Unicode.Scalar? {
        if let match = predefinedEntities.first(where: { entity.elementsEqual($0.name) }) { return match.scalar }
        guard entity.first == UInt8(ascii: "#") else { return nil }
        var digits = entity.dropFirst()
        var radix: UInt32 = 10
        if digits.first == UInt8(ascii: "x") {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt32(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = UInt32(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            value = value * radix + digit
            // Past the last code point: stop before the product could overflow.
            guard value <= 0x10FFFF else { return nil }
        }
        return Unicode.Scalar(value)
    }

    private func embeddedInWebP(_ bytes: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        let packet = Array(xmpPacket().utf8)
        var muxer = try WebPMuxer(bytes)
        try muxer.setChunk("XMP ", packet)
        return try muxer.assemble()
    }

    private static func xmpPacket(in bytes: [UInt8]) throws(ImageCodecError) -> String? {
        let muxer = try WebPMuxer(bytes)
        return muxer.withChunk("XMP ") { String(decoding: $0, as: UTF8.self) }
    }
}

/// The XML element name for a metadata key, or `nil` when the key cannot be one.
private func xmpElementName(_ key: String) -> String? {
    let utf8 = Array(key.utf8)
    guard let first = utf8.first, (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first) else { return nil }
    let allowed = utf8.allSatisfy { byte in
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
    return allowed ? key : nil
}

/// The one owner of a libwebp `WebPMux`, deleted in `deinit`. The mux holds its own copy of the
/// input (`copy_data` = 1), so it does not depend on the caller's buffer.
struct WebPMuxer: ~Copyable {
    private let handle: OpaquePointer

    init(_ bytes: [UInt8]) throws(ImageCodecError) {
        let handle = bytes.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var data = WebPData(bytes: buffer.baseAddress, size: buffer.count)
            return WebPMuxCreate(&data, 1)
        }
        guard let handle else {
            throw ImageCodecError(.corruptData, "the WebP container is invalid or truncated (libwebpmux refused it)")
        }
        self.handle = handle
    }

    mutating func setChunk(_ fourCC: String, _ payload: [UInt8]) throws(ImageCodecError) {
        let status = payload.withUnsafeBufferPointer { buffer in
            var data = WebPData(bytes: buffer.baseAddress, size: buffer.count)
            return WebPMuxSetChunk(handle, fourCC, &data, 1)
        }
        guard status == WEBP_MUX_OK else {
            throw ImageCodecError(.encodingFailed, "libwebpmux could not add the \(fourCC) chunk (status \(status.rawValue))")
        }
    }

    /// Removes every chunk `fourCC` (none there is not an error).
    mutating func deleteChunk(_ fourCC: String) {
        _ = WebPMuxDeleteChunk(handle, fourCC)
    }

    /// Calls `body` with the payload of the first chunk `fourCC`, read in place (valid only
    /// during the call), or returns `nil` when there is none.
    func withChunk<R>(_ fourCC: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        var data = WebPData()
        guard WebPMuxGetChunk(handle, fourCC, &data) == WEBP_MUX_OK, let start = data.bytes else { return nil }
        return body(UnsafeBufferPointer(start: start, count: data.size))
    }

    func assemble() throws(ImageCodecError) -> [UInt8] {
        var output = WebPData()
        let status = WebPMuxAssemble(handle, &output)
        defer { WebPDataClear(&output) }
        guard status == WEBP_MUX_OK, let start = output.bytes else {
            throw ImageCodecError(.encodingFailed, "libwebpmux could not rebuild the WebP container (status \(status.rawValue))")
        }
        return Array(UnsafeBufferPointer(start: start, count: output.size))
    }

    deinit {
        WebPMuxDelete(handle)
    }
}

/// CRC-32 (ISO 3309, as PNG chunks use), table-driven.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return ~crc
    }
}
