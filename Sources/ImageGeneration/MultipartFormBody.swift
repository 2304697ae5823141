import AsyncHTTPClient
import ImageCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A `multipart/form-data` body (RFC 7578) whose file parts are read from disk as the request is
/// written, in chunks: an edit of sixteen 50 MB images never holds them in memory.
///
/// Each part is `--BOUNDARY CRLF`, its headers, a blank line, its content and `CRLF`; the body
/// ends with `--BOUNDARY-- CRLF`. The length is known before sending (`Content-Length`), so a
/// file whose length changed since it was checked fails the request instead of sending a
/// malformed body.
struct MultipartFormBody: Sendable {
    /// One part: a text field or a file.
    enum Part: Sendable {
        case field(name: String, value: String)
        case file(name: String, file: EditImageFile)
    }

    /// The delimiter; random, so no content holds it.
    let boundary: String
    let parts: [Part]

    /// The bytes read from a file at a time.
    static let chunkSize = 1 << 20

    init(parts: [Part], boundary: String = MultipartFormBody.randomBoundary()) {
        self.parts = parts
        self.boundary = boundary
    }

    /// `imagepipe-` and 32 random hex digits.
    static func randomBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        return "imagepipe-" + (0..<2).map { _ in
            let digits = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    /// The request's `Content-Type`.
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// A part's delimiter and headers, up to and including the blank line.
    func head(of part: Part) -> [UInt8] {
        var text = "--\(boundary)\r\n"
        switch part {
        case .field(let name, _):
            text += "Content-Disposition: form-data; name=\"\(Self.escaped(name))\"\r\n"
        case .file(let name, let file):
            text += "Content-Disposition: form-data; name=\"\(Self.escaped(name))\"; filename=\"\(Self.escaped(file.fileName))\"\r\n"
            text += "Content-Type: \(file.format.mimeType)\r\n"
        }
        return Array((text + "\r\n").utf8)
    }

    /// The closing delimiter.
    var tail: [UInt8] { Array("--\(boundary)--\r\n".utf8) }

    /// The body's length in bytes.
    var contentLength: Int {
        parts.reduce(tail.count) { total, part in
            let content = switch part {
            case .field(_, let value): value.utf8.count
            case .file(_, let file): file.byteCount
            }
            return total + head(of: part).count + content + 2
        }
    }

    /// The body as AsyncHTTPClient streams it: called again for each attempt, reading the files
    /// afresh.
    func requestBody(on group: any EventLoopGroup) -> HTTPClient.Body {
        .stream(contentLength: Int64(contentLength)) { writer in
            let promise = group.any().makePromise(of: Void.self)
            promise.completeWithTask { try await self.write(to: writer) }
            return promise.futureResult
        }
    }

    /// Writes the whole body, waiting for each write (the connection's back-pressure).
    func write(to writer: HTTPClient.Body.StreamWriter) async throws {
        for part in parts {
            try await writer.write(.byteBuffer(ByteBuffer(bytes: head(of: part)))).get()
            switch part {
            case .field(_, let value):
                try await writer.write(.byteBuffer(ByteBuffer(string: value + "\r\n"))).get()
            case .file(_, let file):
                try await Self.stream(file) { chunk in try await writer.write(.byteBuffer(chunk)).get() }
                try await writer.write(.byteBuffer(ByteBuffer(string: "\r\n"))).get()
            }
        }
        try await writer.write(.byteBuffer(ByteBuffer(bytes: tail))).get()
    }

    /// Reads `file` in chunks, handing each on; fails when the file's length is no longer the
    /// one checked.
    static func stream(_ file: EditImageFile, _ body: (ByteBuffer) async throws -> Void) async throws {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw UploadFileError(path: file.path, message: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var sent = 0
        while true {
            try Task.checkCancellation()
            var chunk = ByteBufferAllocator().buffer(capacity: chunkSize)
            let count = chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: chunkSize) { buffer in
                var count: Int
                repeat { count = read(descriptor, buffer.baseAddress, chunkSize) } while count < 0 && errno == EINTR
                return max(0, count)
            }
            if count == 0 { break }
            sent += count
            guard sent <= file.byteCount else { break }
            try await body(chunk)
        }
        guard sent == file.byteCount else {
            throw UploadFileError(path: file.path, message: "changed while it was being sent (\(file.byteCount) bytes when checked, \(sent > file.byteCount ? "more" : "\(sent)") now)")
        }
    }

    /// A part name or file name inside a quoted header parameter, as browsers write it: `"` as
    /// `%22`, CR and LF as `%0D` and `%0A`.
    static func escaped(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "%22"
            case "\r": output += "%0D"
            case "\n": output += "%0A"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}

/// An input file could not be sent as it was checked.
struct UploadFileError: Error, CustomStringConvertible {
    var path: String
    var message: String
    var description: String { "\(path) \(message)" }
}
