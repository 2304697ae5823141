/// The few S3 XML answers imagepipe reads (`ListBucketResult`, `InitiateMultipartUploadResult`,
/// `Error`), read by a small scanner for elements by name: S3's answers are flat, their text
/// escaped with the five XML entities and character references.
///
/// Nothing here trusts the input: element names are matched exactly, text is unescaped or the
/// answer refused with the byte offset, and nesting beyond what the answers have is not followed.
public enum S3XML {
    /// An answer that is not what it should be.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var byteOffset: Int
        public var description: String { "\(message) (at byte \(byteOffset))" }
    }

    /// One object of a listing.
    public struct ListedObject: Sendable, Hashable {
        public var key: String
        public var size: Int
        /// `LastModified`, in nanoseconds since 1970 (0 when absent or unreadable).
        public var modifiedNanoseconds: Int64
        /// The ETag without its quotes.
        public var etag: String
    }

    /// A `ListObjectsV2` page.
    public struct ListPage: Sendable, Hashable {
        public var objects: [ListedObject]
        public var isTruncated: Bool
        public var nextContinuationToken: String?
    }

    /// An S3 error answer: `<Error><Code>…</Code><Message>…</Message></Error>`.
    public struct ErrorAnswer: Sendable, Hashable {
        public var code: String
        public var message: String
    }

    /// Reads a `ListBucketResult`.
    ///
    /// - Throws: ``Problem`` when it is not one, or an object lacks its key or has a bad size.
    public static func listPage(_ bytes: [UInt8]) throws(Problem) -> ListPage {
        let root = try element("ListBucketResult", in: bytes, range: 0..<bytes.count)
        var objects: [ListedObject] = []
        var position = root.lowerBound
        while let contents = try? element("Contents", in: bytes, range: position..<root.upperBound) {
            guard let keyRange = try? element("Key", in: bytes, range: contents) else {
                throw Problem(message: "a Contents element has no Key", byteOffset: contents.lowerBound)
            }
            let key = try text(bytes, keyRange)
            var size = 0
            if let sizeRange = try? element("Size", in: bytes, range: contents) {
                guard let value = Int(try text(bytes, sizeRange)), value >= 0 else {
                    throw Problem(message: "the Size of \(key.debugDescription) is not a size", byteOffset: sizeRange.lowerBound)
                }
                size = value
            }
            let modified = (try? element("LastModified", in: bytes, range: contents)).flatMap { try? text(bytes, $0) }.flatMap(nanoseconds(iso8601:)) ?? 0
            var etag = (try? element("ETag", in: bytes, range: contents)).flatMap { try? text(bytes, $0) } ?? ""
            if etag.count >= 2, etag.hasPrefix("\""), etag.hasSuffix("\"") { etag = String(etag.dropFirst().dropLast()) }
            objects.append(ListedObject(key: key, size: size, modifiedNanoseconds: modified, etag: etag))
            position = contents.upperBound
        }
        let truncated = (try? element("IsTruncated", in: bytes, range: root)).flatMap { try? text(bytes, $0) } == "true"
        let token = (try? element("NextContinuationToken", in: bytes, range: root)).flatMap { try? text(bytes, $0) }
        if truncated && (token ?? "").isEmpty {
            throw Problem(message: "a truncated listing without a NextContinuationToken", byteOffset: root.lowerBound)
        }
        return ListPage(objects: objects, isTruncated: truncated, nextContinuationToken: truncated ? token : nil)
    }

    /// The `UploadId` of an `InitiateMultipartUploadResult`.
    public static func uploadID(_ bytes: [UInt8]) throws(Problem) -> String {
        let root = try element("InitiateMultipartUploadResult", in: bytes, range: 0..<bytes.count)
        let id = try text(bytes, try element("UploadId", in: bytes, range: root))
        guard !id.isEmpty else { throw Problem(message: "an empty UploadId", byteOffset: root.lowerBound) }
        return id
    }

    /// An `Error` answer's code and message, or `nil` when the bytes hold none.
    public static func error(_ bytes: [UInt8]) -> ErrorAnswer? {
        guard let root = try? element("Error", in: bytes, range: 0..<bytes.count),
              let code = (try? element("Code", in: bytes, range: root)).flatMap({ try? text(bytes, $0) }) else { return nil }
        let message = (try? element("Message", in: bytes, range: root)).flatMap { try? text(bytes, $0) } ?? ""
        return ErrorAnswer(code: code, message: message)
    }

    /// Text made safe for XML content (what a `CompleteMultipartUpload` body carries).
    public static func escaped(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    // MARK: - Scanning

    /// The content range of the first `<name>…</name>` (or `<name attributes>…`) within `range`;
    /// `<name/>` gives an empty range.
    static func element(_ name: String, in bytes: [UInt8], range: Range<Int>) throws(Problem) -> Range<Int> {
        let open = Array("<\(name)".utf8)
        let close = Array("</\(name)>".utf8)
        var position = range.lowerBound
        while let start = find(open, in: bytes, from: position, before: range.upperBound) {
            let after = start + open.count
            guard after < range.upperBound else { break }
            let next = bytes[after]
            // `<Key>` but not `<KeyMarker>`.
            guard next == UInt8(ascii: ">") || next == UInt8(ascii: " ") || next == UInt8(ascii: "/") || next == UInt8(ascii: "\t") || next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r") else {
                position = after
                continue
            }
            guard let tagEnd = find([UInt8(ascii: ">")], in: bytes, from: after, before: range.upperBound) else {
                throw Problem(message: "the <\(name)> tag does not end", byteOffset: start)
            }
            if bytes[tagEnd - 1] == UInt8(ascii: "/") { return (tagEnd + 1)..<(tagEnd + 1) }
            guard let end = find(close, in: bytes, from: tagEnd + 1, before: range.upperBound) else {
                throw Problem(message: "<\(name)> is not closed", byteOffset: start)
            }
            return (tagEnd + 1)..<end
        }
        throw Problem(message: "no <\(name)> element", byteOffset: range.lowerBound)
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int, before end: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, end <= bytes.count, end - start >= needle.count else { return nil }
        var index = start
        while index + needle.count <= end {
            if bytes[index] == needle[0] {
                var matched = true
                for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    /// An element's text with entities and character references undone (CDATA taken as is).
    static func text(_ bytes: [UInt8], _ range: Range<Int>) throws(Problem) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var index = range.lowerBound
        let cdataOpen = Array("<![CDATA[".utf8), cdataClose = Array("]]>".utf8)
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                guard find(cdataOpen, in: bytes, from: index, before: min(range.upperBound, index + cdataOpen.count)) == index,
                      let end = find(cdataClose, in: bytes, from: index + cdataOpen.count, before: range.upperBound) else {
                    throw Problem(message: "markup inside a text element", byteOffset: index)
                }
                output += bytes[(index + cdataOpen.count)..<end]
                index = end + cdataClose.count
                continue
            }
            guard byte == UInt8(ascii: "&") else {
                output.append(byte)
                index += 1
                continue
            }
            guard let semicolon = find([UInt8(ascii: ";")], in: bytes, from: index, before: min(range.upperBound, index + 12)) else {
                throw Problem(message: "an unterminated entity", byteOffset: index)
            }
            let entity = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "amp": output.append(UInt8(ascii: "&"))
            case "lt": output.append(UInt8(ascii: "<"))
            case "gt": output.append(UInt8(ascii: ">"))
            case "quot": output.append(UInt8(ascii: "\""))
            case "apos": output.append(UInt8(ascii: "'"))
            default:
                let value: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    value = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    value = UInt32(entity.dropFirst(), radix: 10)
                } else {
                    value = nil
                }
                guard let value, let scalar = Unicode.Scalar(value), value != 0 else {
                    throw Problem(message: "an unknown entity &\(entity);", byteOffset: index)
                }
                output += Array(String(Character(scalar)).utf8)
            }
            index = semicolon + 1
        }
        guard let string = String(validating: output, as: UTF8.self) else {
            throw Problem(message: "text that is not UTF-8", byteOffset: range.lowerBound)
        }
        return string
    }

    /// `2026-12-04T19:18:44.000Z` (fraction optional) as nanoseconds since 1970, or `nil` (also for
    /// years past 2261, which 64-bit nanoseconds cannot hold).
    public static func nanoseconds(iso8601 text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61, (1970...2261).contains(year) else { return nil }
        var fraction: Int64 = 0
        if bytes[19] == UInt8(ascii: ".") {
            let digits = bytes[20..<(bytes.count - 1)]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
            fraction = Int64(String(decoding: digits, as: UTF8.self))! * Int64(pow10(9 - digits.count))
        } else if bytes.count != 20 {
            return nil
        }
        // Days since 1970 (civil calendar, proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1_000_000_000 + fraction
    }

    private static func pow10(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { value, _ in value * 10 }
    }
}
