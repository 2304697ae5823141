#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A `multipart/form-data` body (RFC 7578 over RFC 2046's multipart syntax), parsed without
/// copying: each part's content is a range of the body.
///
/// Read as the OpenAI edits endpoint reads it: parts are delimited by `--BOUNDARY` at the start
/// of a line, each has headers (`Content-Disposition: form-data; name="…"; filename="…"` and an
/// optional `Content-Type`) and a blank line, and the body ends with `--BOUNDARY--`. A preamble
/// before the first delimiter and an epilogue after the last are ignored. Limits: at most
/// ``maximumParts`` parts and ``maximumHeaderBytes`` of headers per part; every failure says
/// what is wrong and at which byte.
package struct MultipartForm: Sendable {
    /// One part.
    package struct Part: Sendable, Hashable {
        /// The `name` parameter of its `Content-Disposition`.
        package var name: String
        /// The `filename` parameter, for a file part.
        package var fileName: String?
        /// Its `Content-Type`, lowercased without parameters; `nil` when absent.
        package var contentType: String?
        /// Where its content is in the body.
        package var content: Range<Int>
    }

    /// A body that is not a well-formed form.
    package struct Problem: Error, Sendable, CustomStringConvertible {
        package var message: String
        /// The byte of the body where the problem is.
        package var byteOffset: Int
        package var description: String { "\(message) (at byte \(byteOffset))" }
    }

    /// The parts, in order.
    package var parts: [Part]

    package static let maximumParts = 64
    package static let maximumHeaderBytes = 8 << 10

    /// The `boundary` parameter of a `multipart/form-data` content type, or `nil` when the type
    /// is another one or has no usable boundary (1–70 characters).
    package static func boundary(ofContentType contentType: String) -> String? {
        let pieces = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard let type = pieces.first, type.trimmingCharacters(in: .whitespaces).lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let parameter = piece.trimmingCharacters(in: .whitespaces)
            guard let equals = parameter.firstIndex(of: "="), parameter[..<equals].lowercased() == "boundary" else { continue }
            var value = Substring(parameter[parameter.index(after: equals)...])
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            guard (1...70).contains(value.utf8.count), !value.utf8.contains(where: { $0 < 0x20 || $0 > 0x7E }) else { return nil }
            return String(value)
        }
        return nil
    }

    /// Parses `body` delimited by `boundary`.
    ///
    /// - Throws: ``Problem`` naming the malformed piece and its byte offset.
    package init(parsing body: UnsafeRawBufferPointer, boundary: String) throws(Problem) {
        let delimiter = Array("--\(boundary)".utf8)
        let lineDelimiter = [0x0D, 0x0A] + delimiter
        // The first delimiter: at the start, or after a CRLF that ends a preamble.
        var position: Int
        if Self.matches(body, at: 0, delimiter) {
            position = delimiter.count
        } else if let found = Self.find(lineDelimiter, in: body, from: 0) {
            position = found + lineDelimiter.count
        } else {
            throw Problem(message: "no --\(boundary) delimiter: the body is not a form with this boundary", byteOffset: 0)
        }
        var parts: [Part] = []
        while true {
            // After a delimiter: "--" closes the form; else transport padding, then CRLF.
            if Self.matches(body, at: position, [0x2D, 0x2D]) { break }
            while position < body.count, body[position] == 0x20 || body[position] == 0x09 { position += 1 }
            guard Self.matches(body, at: position, [0x0D, 0x0A]) else {
                throw Problem(
                    message: position >= body.count ? "the body ends after a delimiter, before the closing --\(boundary)--" : "a delimiter is not followed by a line break",
                    byteOffset: position
                )
            }
            position += 2
            guard parts.count < Self.maximumParts else {
                throw Problem(message: "more than \(Self.maximumParts) parts", byteOffset: position)
            }
            let headerStart = position
            let searchEnd = min(body.count, headerStart + Self.maximumHeaderBytes + 4)
            let headerEnd: Int
            if Self.matches(body, at: headerStart, [0x0D, 0x0A]) {
                headerEnd = headerStart  // no headers at all
            } else if let found = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: UnsafeRawBufferPointer(rebasing: body[..<searchEnd]), from: headerStart) {
                headerEnd = found + 2
            } else {
                throw Problem(
                    message: searchEnd < body.count ? "a part's headers are longer than \(Self.maximumHeaderBytes) bytes" : "a part's headers do not end (no blank line)",
                    byteOffset: headerStart
                )
            }
            var part = try Self.headers(body, headerStart..<headerEnd)
            let contentStart = headerEnd + 2
            guard let contentEnd = Self.find(lineDelimiter, in: body, from: contentStart) else {
                throw Problem(message: "part \"\(part.name)\" does not end: no --\(boundary) delimiter follows it (the body is cut off)", byteOffset: contentStart)
            }
            part.content = contentStart..<contentEnd
            parts.append(part)
            position = contentEnd + lineDelimiter.count
        }
        self.parts = parts
    }

    /// Parses a part's header lines (`range` holds them, each ending in CRLF).
    private static func headers(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) throws(Problem) -> Part {
        var name: String?
        var fileName: String?
        var contentType: String?
        var lineStart = range.lowerBound
        while lineStart < range.upperBound {
            guard let lineEnd = find([0x0D, 0x0A], in: UnsafeRawBufferPointer(rebasing: body[..<range.upperBound]), from: lineStart) else { break }
            let line = String(decoding: body[lineStart..<lineEnd], as: UTF8.self)
            guard let colon = line.firstIndex(of: ":") else {
                throw Problem(message: "a part header line has no ':'", byteOffset: lineStart)
            }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                let (type, parameters) = try Self.parameters(value, at: lineStart)
                guard type.lowercased() == "form-data" else {
                    throw Problem(message: "a part's Content-Disposition is \"\(type)\", not form-data", byteOffset: lineStart)
                }
                name = parameters["name"]
                fileName = parameters["filename"]
            case "content-type":
                contentType = value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            default:
                break
            }
            lineStart = lineEnd + 2
        }
        guard let name, !name.isEmpty else {
            throw Problem(message: "a part has no Content-Disposition name", byteOffset: range.lowerBound)
        }
        return Part(name: name, fileName: fileName, contentType: contentType, content: 0..<0)
    }

    /// `type; key="value"; key=value`: the type and the parameters (keys lowercased; quoted
    /// values with backslash escapes undone).
    private static func parameters(_ text: String, at offset: Int) throws(Problem) -> (String, [String: String]) {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func skipSpaces() { while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 } }
        func token() -> String {
            var output = ""
            while index < scalars.count, scalars[index] != ";", scalars[index] != "=" { output.unicodeScalars.append(scalars[index]); index += 1 }
            return output.trimmingCharacters(in: .whitespaces)
        }
        let type = token()
        var parameters: [String: String] = [:]
        while index < scalars.count {
            guard scalars[index] == ";" else { throw Problem(message: "a malformed Content-Disposition parameter", byteOffset: offset) }
            index += 1
            skipSpaces()
            if index >= scalars.count { break }
            let key = token().lowercased()
            guard index < scalars.count, scalars[index] == "=" else {
                throw Problem(message: "Content-Disposition parameter \"\(key)\" has no value", byteOffset: offset)
            }
            index += 1
            skipSpaces()
            var value = ""
            if index < scalars.count, scalars[index] == "\"" {
                index += 1
                var closed = false
                while index < scalars.count {
                    let scalar = scalars[index]
                    index += 1
                    if scalar == "\"" { closed = true; break }
                    if scalar == "\\", index < scalars.count {
                        value.unicodeScalars.append(scalars[index])
                        index += 1
                    } else {
                        value.unicodeScalars.append(scalar)
                    }
                }
                guard closed else { throw Problem(message: "Content-Disposition parameter \"\(key)\" has an unclosed quote", byteOffset: offset) }
                skipSpaces()
            } else {
                value = token()
            }
            if parameters[key] == nil { parameters[key] = value }
        }
        return (type, parameters)
    }

    private static func matches(_ body: UnsafeRawBufferPointer, at position: Int, _ bytes: [UInt8]) -> Bool {
        guard position >= 0, position + bytes.count <= body.count else { return false }
        for (offset, byte) in bytes.enumerated() where body[position + offset] != byte { return false }
        return true
    }

    /// The offset of the first `needle` in `body` at or after `start` (`memchr` finds each
    /// candidate first byte, then the rest is compared).
    private static func find(_ needle: [UInt8], in body: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start >= 0, let base = body.baseAddress, let first = needle.first else { return nil }
        var position = start
        while position + needle.count <= body.count {
            guard let found = memchr(base + position, Int32(first), body.count - position - needle.count + 1) else { return nil }
            let candidate = UnsafeRawPointer(found) - base
            if matches(body, at: candidate, needle) { return candidate }
            position = candidate + 1
        }
        return nil
    }
}
