/// The text formats around S3 requests: RFC 3986 encoding as SigV4 wants it, and the AWS shared
/// configuration files (`~/.aws/credentials`, `~/.aws/config`).
public enum AWSText {
    /// `text` with every byte but the unreserved `A-Z a-z 0-9 - . _ ~` written `%XX` (uppercase
    /// hex of its UTF-8), and `/` kept when `keepingSlashes` (an object key in a path).
    public static func uriEncoded(_ text: String, keepingSlashes: Bool = false) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlashes:
                output.append("/")
            default:
                output.unicodeScalars.append("%")
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 15)]))
            }
        }
        return output
    }

    /// The sections of an AWS shared configuration file: `[name]` (or `[profile name]` in
    /// `~/.aws/config`, read as `name`), each `key = value`; `#` and `;` lines are comments.
    public static func profiles(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters }
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingCharacters.lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingCharacters
            sections[current]?[key] = value
        }
        return sections
    }
}

extension StringProtocol {
    fileprivate var trimmingCharacters: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
