#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A position in a JSON body and the few moves the response parser needs: walk an object's
/// members or an array's elements, find a string's extent, skip any value. Strings are located,
/// not copied; only small fields are ever unescaped into `String`s.
struct JSONCursor {
    let body: UnsafeRawBufferPointer
    var position = 0

    /// Nesting deeper than this is refused rather than followed (no real response comes close).
    static let maximumDepth = 512

    init(body: UnsafeRawBufferPointer) {
        self.body = body
    }

    var atEnd: Bool { position >= body.count }

    func peek() -> UInt8? { position < body.count ? body[position] : nil }

    mutating func skipWhitespace() {
        while position < body.count {
            switch body[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The current byte for messages: `'x'` or `end of data`.
    func describeCurrent() -> String {
        guard let byte = peek() else { return "the end of the data" }
        return (0x21...0x7E).contains(byte) ? "'\(Character(UnicodeScalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    func malformed(_ expectation: String) -> ImagesResponseError {
        ImagesResponseError(.malformedJSON, "malformed JSON: expected \(expectation) at byte \(position), found \(describeCurrent())", at: position)
    }

    // MARK: Structure

    /// Calls `body` for each member of the object at the cursor with the key's text range; `body`
    /// must consume the member's value. Leaves the cursor after the closing brace.
    mutating func forEachMember(_ body: (Range<Int>, inout JSONCursor) throws(ImagesResponseError) -> Void) throws(ImagesResponseError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw malformed("'{'") }
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { position += 1; return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw malformed("a quoted member name") }
            let key = try stringRange(field: "member name")
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw malformed("':' after a member name") }
            position += 1
            skipWhitespace()
            try body(key, &self)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return
            default: throw malformed("',' or '}' in an object")
            }
        }
    }

    /// Calls `body` for each element of the array at the cursor; `body` must consume the element.
    mutating func forEachElement(_ body: (Int, inout JSONCursor) throws(ImagesResponseError) -> Void) throws(ImagesResponseError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { throw malformed("'['") }
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { position += 1; return }
        var index = 0
        while true {
            skipWhitespace()
            try body(index, &self)
            index += 1
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw malformed("',' or ']' in an array")
            }
        }
    }

    /// Skips one value of any kind.
    mutating func skipValue(depth: Int = 0) throws(ImagesResponseError) {
        guard depth < Self.maximumDepth else {
            throw ImagesResponseError(.tooDeep, "JSON nested more than \(Self.maximumDepth) levels deep at byte \(position)", at: position)
        }
        skipWhitespace()
        switch peek() ?? 0 {
        case UInt8(ascii: "{"):
            try forEachMember { _, cursor throws(ImagesResponseError) in try cursor.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            try forEachElement { _, cursor throws(ImagesResponseError) in try cursor.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try stringRange(field: "string")
        case UInt8(ascii: "t"):
            try literal("true")
        case UInt8(ascii: "f"):
            try literal("false")
        case UInt8(ascii: "n"):
            try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try numberRange()
        default:
            throw malformed("a JSON value")
        }
    }

    mutating func literal(_ word: StaticString) throws(ImagesResponseError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= body.count else { throw malformed("\(word)") }
        for index in 0..<count where body[position + index] != word.utf8Start[index] {
            throw malformed("\(word)")
        }
        position += count
    }

    /// Consumes `null` if it is next.
    mutating func consumeNull() throws(ImagesResponseError) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    // MARK: Strings

    /// The range of the string's text (inside the quotes, escapes untouched) at the cursor, which
    /// moves past the closing quote.
    ///
    /// The closing quote is found with `memchr` (vectorised in the C library), then checked for
    /// being escaped by an odd run of backslashes: a multi-megabyte base64 string is crossed at
    /// memory speed.
    mutating func stringRange(field: String) throws(ImagesResponseError) -> Range<Int> {
        guard peek() == UInt8(ascii: "\"") else { throw malformed("a string for \(field)") }
        let start = position + 1
        var searchFrom = start
        let base = body.baseAddress!
        while true {
            guard searchFrom < body.count,
                  let found = memchr(base + searchFrom, Int32(UInt8(ascii: "\"")), body.count - searchFrom) else {
                throw ImagesResponseError(.malformedJSON, "malformed JSON: the string for \(field) starting at byte \(start - 1) never ends (body is \(body.count) bytes)", at: start - 1)
            }
            let quote = base.distance(to: UnsafeRawPointer(found))
            var backslashes = 0
            while quote - backslashes - 1 >= start && body[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 {
                position = quote + 1
                return start..<quote
            }
            searchFrom = quote + 1
        }
    }

    /// Whether a member name equals `name` (comparing the unescaped text when it has escapes).
    func key(_ range: Range<Int>, is name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        if range.count == count {
            var equal = true
            for index in 0..<count where body[range.lowerBound + index] != name.utf8Start[index] {
                equal = false
                break
            }
            if equal { return true }
        }
        guard body[range].contains(UInt8(ascii: "\\")) else { return false }
        return (try? unescape(range)) == String(decoding: UnsafeRawBufferPointer(start: name.utf8Start, count: count), as: UTF8.self)
    }

    /// The bytes of `range` as text, escapes untouched (for messages).
    func text(_ range: Range<Int>) -> String {
        String(decoding: body[range], as: UTF8.self)
    }

    /// Reads the string at the cursor, unescaped.
    mutating func string() throws(ImagesResponseError) -> String {
        try unescape(stringRange(field: "string"))
    }

    /// Reads a string, or `nil` for `null`.
    mutating func stringOrNull() throws(ImagesResponseError) -> String? {
        if try consumeNull() { return nil }
        return try string()
    }

    /// A string, number or boolean as text (`null` and containers give `nil`, and are skipped).
    mutating func scalarText() throws(ImagesResponseError) -> String? {
        skipWhitespace()
        switch peek() ?? 0 {
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return text(try numberRange())
        case UInt8(ascii: "t"): try literal("true"); return "true"
        case UInt8(ascii: "f"): try literal("false"); return "false"
        default: try skipValue(); return nil
        }
    }

    /// Decodes the JSON escapes of a string's text: `\" \\ \/ \b \f \n \r \t` and `\uXXXX`
    /// (with surrogate pairs).
    func unescape(_ range: Range<Int>) throws(ImagesResponseError) -> String {
        let slice = body[range]
        guard slice.contains(UInt8(ascii: "\\")) else { return String(decoding: slice, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var index = range.lowerBound
        func invalid(_ at: Int) -> ImagesResponseError {
            ImagesResponseError(.malformedJSON, "malformed JSON: invalid escape at byte \(at)", at: at)
        }
        func hex4(_ at: Int) throws(ImagesResponseError) -> UInt32 {
            guard at + 4 <= range.upperBound else { throw invalid(at - 2) }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = body[at + offset]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw invalid(at - 2)
                }
                value = value << 4 | digit
            }
            return value
        }
        while index < range.upperBound {
            let byte = body[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 1 < range.upperBound else { throw invalid(index) }
            let escape = body[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(index)
                index += 4
                if (0xD800..<0xDC00).contains(scalar), index + 6 <= range.upperBound,
                   body[index] == UInt8(ascii: "\\"), body[index + 1] == UInt8(ascii: "u") {
                    let low = try hex4(index + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                }
                let character = UnicodeScalar(scalar) ?? "\u{FFFD}"
                output.append(contentsOf: Array(String(Character(character)).utf8))
            default:
                throw invalid(index - 2)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Numbers

    mutating func numberRange() throws(ImagesResponseError) -> Range<Int> {
        let start = position
        scan: while position < body.count {
            switch body[position] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                position += 1
            default:
                break scan
            }
        }
        guard position > start, Double(text(start..<position)) != nil else {
            position = start
            throw malformed("a number")
        }
        return start..<position
    }

    /// Reads an integer (a JSON number without fraction, or with `.0`), or `nil` for `null`.
    mutating func integerOrNull() throws(ImagesResponseError) -> Int? {
        if try consumeNull() { return nil }
        let start = position
        let range = try numberRange()
        let text = text(range)
        if let value = Int(text) { return value }
        if let value = Double(text), value.rounded() == value, abs(value) < 9e18 { return Int(value) }
        throw ImagesResponseError(.malformedJSON, "expected an integer at byte \(start), found \(text)", at: start)
    }
}
