import ImageResponses

/// The little JSON writing and checking the request body needs: string escaping and a validator
/// for `--extra` values. The body is a dozen short fields, so plain `String` work is fine here.
enum JSONText {
    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> String { JSONString.quoted(text) }

    /// Whether `text` is exactly one JSON value, optionally surrounded by whitespace.
    static func isSingleValue(_ text: String) -> Bool {
        var validator = Validator(bytes: Array(text.utf8))
        guard validator.value(depth: 0) else { return false }
        validator.skipWhitespace()
        return validator.position == validator.bytes.count
    }

    private struct Validator {
        let bytes: [UInt8]
        var position = 0

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < 64 else { return false }
            skipWhitespace()
            switch current {
            case UInt8(ascii: "{"):
                position += 1
                skipWhitespace()
                if current == UInt8(ascii: "}") { position += 1; return true }
                while true {
                    skipWhitespace()
                    guard current == UInt8(ascii: "\""), string() else { return false }
                    skipWhitespace()
                    guard current == UInt8(ascii: ":") else { return false }
                    position += 1
                    guard value(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if current == UInt8(ascii: ",") { position += 1; continue }
                    if current == UInt8(ascii: "}") { position += 1; return true }
                    return false
                }
            case UInt8(ascii: "["):
                position += 1
                skipWhitespace()
                if current == UInt8(ascii: "]") { position += 1; return true }
                while true {
                    guard value(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if current == UInt8(ascii: ",") { position += 1; continue }
                    if current == UInt8(ascii: "]") { position += 1; return true }
                    return false
                }
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case .some(let byte) where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
                return number()
            default: return false
            }
        }

        mutating func literal(_ word: String) -> Bool {
            let word = Array(word.utf8)
            guard position + word.count <= bytes.count, Array(bytes[position..<position + word.count]) == word else { return false }
            position += word.count
            return true
        }

        mutating func string() -> Bool {
            position += 1
            while let byte = current {
                position += 1
                switch byte {
                case UInt8(ascii: "\""): return true
                case UInt8(ascii: "\\"):
                    guard let escape = current else { return false }
                    position += 1
                    if escape == UInt8(ascii: "u") {
                        for _ in 0..<4 {
                            guard let hex = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(hex)
                                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(hex | 0x20) else { return false }
                            position += 1
                        }
                    } else if !"\"\\/bfnrt".utf8.contains(escape) {
                        return false
                    }
                case 0..<0x20: return false
                default: break
                }
            }
            return false
        }

        /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        mutating func number() -> Bool {
            func digits() -> Int {
                let start = position
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
                return position - start
            }
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
            } else if digits() == 0 {
                return false
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { return false }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { return false }
            }
            return true
        }
    }
}
