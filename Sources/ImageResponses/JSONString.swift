/// Writing JSON strings: the one escaper that the request bodies of the generation client and the
/// responses of the sandbox share.
public enum JSONString {
    /// `text` as a JSON string literal, quotes included (RFC 8259 §7: `"`, `\` and control
    /// characters escaped; everything else written as UTF-8).
    ///
    /// ```swift
    /// JSONString.quoted("a \"red\" fox\n")   // "\"a \\\"red\\\" fox\\n\""
    /// ```
    public static func quoted(_ text: String) -> String {
        var output = "\""
        output.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
        return output
    }

    /// The text of a JSON string literal (`"a \"red\" fox"` → `a "red" fox`), or `nil` when
    /// `literal` is not exactly one JSON string.
    public static func unquoted(_ literal: String) -> String? {
        var bytes = Array(literal.utf8)
        return bytes.withUnsafeMutableBytes { buffer -> String? in
            var cursor = JSONCursor(body: UnsafeRawBufferPointer(buffer))
            guard let text = try? cursor.string() else { return nil }
            cursor.skipWhitespace()
            return cursor.atEnd ? text : nil
        }
    }
}
