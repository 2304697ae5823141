/// A URL safe to show: the query, fragment and any `user:password@` removed, because signed
/// result URLs carry credentials in them (`https://host/path?…`).
///
/// ```swift
/// RedactedURL("https://cdn.example/img/1.png?X-Amz-Signature=abc").description
/// // "https://cdn.example/img/1.png?…"
/// ```
public struct RedactedURL: Hashable, Sendable, CustomStringConvertible {
    /// The URL without credentials; `?…` marks a removed query.
    public let text: String

    /// Redacts `url`.
    public init(_ url: String) {
        var rest = Substring(url)
        var hidQuery = false
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let question = rest.firstIndex(of: "?") {
            rest = rest[..<question]
            hidQuery = true
        }
        var result = String(rest)
        if let authorityStart = Self.authorityStart(result) {
            let authorityEnd = result[authorityStart...].firstIndex(of: "/") ?? result.endIndex
            if let at = result[authorityStart..<authorityEnd].lastIndex(of: "@") {
                result.replaceSubrange(authorityStart...at, with: "…@")
            }
        }
        text = hidQuery ? result + "?…" : result
    }

    /// Where the authority begins: just after the first `://`.
    package static func authorityStart(_ url: String) -> String.Index? {
        var index = url.startIndex
        while index < url.endIndex {
            if url[index...].hasPrefix("://") { return url.index(index, offsetBy: 3) }
            index = url.index(after: index)
        }
        return nil
    }

    /// The redacted text.
    public var description: String { text }
}
