import ImageCore

/// Content credentials found in an image file: a C2PA manifest store, where it is, how large,
/// and who made the claim when that can be read without a C2PA implementation. Never verified:
/// imagepipe does not check signatures, so it says "present", never "valid".
///
/// | container | PNG | JPEG | WebP |
/// |---|---|---|---|
/// | manifest store | `caBX` chunk | APP11 JUMBF segments (`JP`, reassembled) | `C2PA` chunk |
///
/// The claim generator is read from the active (last) manifest's claim: a walk of the JUMBF
/// boxes to the `c2pa.claim` (or `c2pa.claim.v2`) box and of its CBOR map to
/// `claim_generator` or `claim_generator_info`'s name and version. The walk is bounded by the
/// bytes it is given and by a depth limit; anything it does not understand leaves the
/// generator unknown.
public struct ContentCredentials: Hashable, Sendable, Codable {
    /// Where the manifest store is in the file.
    public enum Container: String, Hashable, Sendable, Codable {
        /// A PNG `caBX` chunk.
        case pngChunk = "PNG caBX chunk"
        /// JPEG APP11 segments carrying JUMBF.
        case jpegSegments = "JPEG APP11 segments"
        /// A WebP `C2PA` chunk.
        case webpChunk = "WebP C2PA chunk"
    }

    /// Where the manifest store is.
    public var container: Container
    /// The manifest store's size in bytes (its JUMBF superbox; for JPEG, without the segment
    /// headers).
    public var byteCount: Int
    /// JPEG: the APP11 segments it spans; 1 for PNG and WebP.
    public var segmentCount: Int
    /// The active manifest's claim generator (`name version`), when it could be read.
    public var claimGenerator: String?
    /// Always `false`: imagepipe does not verify C2PA signatures (it says so in JSON too).
    public var signatureVerified = false

    /// Creates a description.
    public init(container: Container, byteCount: Int, segmentCount: Int = 1, claimGenerator: String? = nil) {
        self.container = container
        self.byteCount = byteCount
        self.segmentCount = segmentCount
        self.claimGenerator = claimGenerator
    }

    /// One line for people: `present (not verified), 25473 bytes in a PNG caBX chunk, claim generator "X 1.0"`.
    public var summary: String {
        var text = "present (not verified), \(byteCount) bytes in \(container == .jpegSegments ? "\(segmentCount) JPEG APP11 segment\(segmentCount == 1 ? "" : "s")" : "a \(container.rawValue)")"
        if let claimGenerator { text += ", claim generator \"\(claimGenerator)\"" }
        return text
    }

    /// The claim generator of a manifest store (a JUMBF `jumb` superbox labelled `c2pa`).
    static func claimGenerator(inManifestStore store: UnsafeRawBufferPointer) -> String? {
        guard let top = JUMBFBox.first(in: store), top.type == "jumb", top.label(in: store) == "c2pa" else { return nil }
        // The active manifest is the last one in the store.
        guard let manifest = top.children(in: store).last(where: { $0.type == "jumb" }) else { return nil }
        for box in manifest.children(in: store) where box.type == "jumb" {
            guard let label = box.label(in: store), label == "c2pa.claim" || label == "c2pa.claim.v2" else { continue }
            guard let cbor = box.children(in: store).first(where: { $0.type == "cbor" }) else { return nil }
            var reader = CBORReader(UnsafeRawBufferPointer(rebasing: store[cbor.content]))
            return reader.claimGenerator()
        }
        return nil
    }
}

/// A JUMBF box (ISO/IEC 19566-5): its type and where its content is.
struct JUMBFBox {
    var type: String
    var content: Range<Int>

    /// The box at `offset` of `bytes`, if its header and length fit.
    static func at(_ offset: Int, in bytes: UnsafeRawBufferPointer, end: Int) -> (box: JUMBFBox, next: Int)? {
        guard offset + 8 <= end else { return nil }
        let length = Int(bytes.uint32BigEndian(at: offset))
        let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
        var header = 8
        var total = length
        if length == 1 {  // a 64-bit length follows
            guard offset + 16 <= end else { return nil }
            let high = UInt64(bytes.uint32BigEndian(at: offset + 8)), low = UInt64(bytes.uint32BigEndian(at: offset + 12))
            let wide = high << 32 | low
            guard wide <= UInt64(end - offset) else { return nil }
            total = Int(wide)
            header = 16
        } else if length == 0 {
            total = end - offset  // to the end
        }
        guard total >= header, offset + total <= end else { return nil }
        return (JUMBFBox(type: type, content: offset + header..<offset + total), offset + total)
    }

    static func first(in bytes: UnsafeRawBufferPointer) -> JUMBFBox? {
        at(0, in: bytes, end: bytes.count)?.box
    }

    /// The boxes inside a superbox (at most 10,000).
    func children(in bytes: UnsafeRawBufferPointer) -> [JUMBFBox] {
        var boxes: [JUMBFBox] = []
        var offset = content.lowerBound
        while boxes.count < 10_000, let (box, next) = Self.at(offset, in: bytes, end: content.upperBound) {
            boxes.append(box)
            offset = next
        }
        return boxes
    }

    /// A superbox's label: its description box (`jumd`: a 16-byte type, a toggles byte, then the
    /// label, NUL-terminated, when toggle bit 1 is set).
    func label(in bytes: UnsafeRawBufferPointer) -> String? {
        guard let description = children(in: bytes).first, description.type == "jumd" else { return nil }
        let start = description.content.lowerBound + 17
        guard start <= description.content.upperBound, bytes[description.content.lowerBound + 16] & 2 != 0 else { return nil }
        let rest = bytes[start..<description.content.upperBound]
        guard let end = rest.firstIndex(of: 0) else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// Just enough CBOR (RFC 8949) to read a C2PA claim's generator: bounded by its bytes, a depth
/// limit and item counts; anything unexpected ends the read with nothing.
struct CBORReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// `claim_generator_info`'s name and version (v1's array of maps, v2's one map), else
    /// `claim_generator` (claim v1); what was read before anything unexpected.
    mutating func claimGenerator() -> String? {
        guard let (major, count) = head(), major == 5 else { return nil }
        var generator: String?
        var info: String?
        for _ in 0..<count {
            guard let key = text() else { break }
            let value = offset
            if key == "claim_generator" {
                generator = text()
            } else if key == "claim_generator_info" {
                info = generatorInfo()
            }
            offset = value
            guard skip(depth: 0) else { break }
        }
        return info ?? generator
    }

    /// A generator-info map's `name version`, or the first of an array of them.
    private mutating func generatorInfo() -> String? {
        guard let (major, count) = head() else { return nil }
        if major == 4 {
            return count > 0 ? generatorInfo() : nil
        }
        guard major == 5 else { return nil }
        var name: String?, version: String?
        for _ in 0..<count {
            guard let key = text() else { return nil }
            if key == "name" { name = text() } else if key == "version" { version = text() } else if !skip(depth: 1) { return nil }
        }
        guard let name else { return nil }
        return version.map { "\(name) \($0)" } ?? name
    }

    /// An item's major type and argument (a length or a value); indefinite lengths are not read.
    private mutating func head() -> (major: UInt8, argument: Int)? {
        guard offset < bytes.count else { return nil }
        let initial = bytes[offset]
        offset += 1
        let major = initial >> 5, extra = initial & 31
        let size: Int
        switch extra {
        case 0..<24: return (major, Int(extra))
        case 24: size = 1
        case 25: size = 2
        case 26: size = 4
        case 27: size = 8
        default: return nil
        }
        guard offset + size <= bytes.count else { return nil }
        var value: UInt64 = 0
        for index in 0..<size { value = value << 8 | UInt64(bytes[offset + index]) }
        offset += size
        guard value <= UInt64(bytes.count) || major == 0 || major == 1 || major == 6 || major == 7 else { return nil }
        return (major, Int(truncatingIfNeeded: value))
    }

    /// A text string's value.
    private mutating func text() -> String? {
        guard let (major, length) = head(), major == 3, length >= 0, offset + length <= bytes.count else { return nil }
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }

    /// Steps over one item; `false` when it runs past the bytes or nests too deep.
    private mutating func skip(depth: Int) -> Bool {
        guard depth < 16, let (major, argument) = head() else { return false }
        switch major {
        case 0, 1, 7: return true
        case 2, 3:
            guard argument >= 0, offset + argument <= bytes.count else { return false }
            offset += argument
            return true
        case 4, 5:
            let items = major == 5 ? argument * 2 : argument
            guard argument >= 0, items <= bytes.count - offset else { return false }
            for _ in 0..<items {
                guard skip(depth: depth + 1) else { return false }
            }
            return true
        case 6: return skip(depth: depth + 1)
        default: return false
        }
    }
}
