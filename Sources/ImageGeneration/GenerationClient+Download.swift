import AsyncHTTPClient
import ImageCore
import ImageResponses
import NIOCore
import NIOHTTP1

extension GenerationClient {
    /// Downloads one `url` result: `http`/`https` only on every hop, at most
    /// ``Configuration/Download/maximumRedirects`` redirects, at most
    /// ``Configuration/Download/maximumBytes``, within ``Configuration/Download/timeout``, and the
    /// bytes must be an image by their magic numbers.
    ///
    /// The token is not sent: result URLs are signed by the service, and may be on another host.
    /// Messages show the URL with its query hidden (``RedactedURL``).
    ///
    /// - Parameter index: the entry's index in the response's `data`, for messages.
    /// - Returns: the bytes and their format.
    /// - Throws: ``GenerationError/Code/download`` (or `.cancelled`, `.timeout`).
    public func download(_ url: String, index: Int = 0) async throws(GenerationError) -> ([UInt8], ImageFormat) {
        // The URL, a redirect's Location and the error text all come from services that may echo
        // the token; every message leaves through here.
        do { return try await downloadUnscrubbed(url, index: index) } catch { throw error.scrubbed(of: token) }
    }

    private func downloadUnscrubbed(_ url: String, index: Int) async throws(GenerationError) -> ([UInt8], ImageFormat) {
        let limits = configuration.download
        let shown = RedactedURL(url)
        func failure(_ message: String) -> GenerationError {
            GenerationError(.download, provider: profile.name, "data[\(index)].url \(shown): \(message)")
        }
        let httpClient = self.httpClient
        let userAgent = configuration.userAgent
        let outcome: Result<(status: Int, body: ByteBuffer, finalURL: String), DownloadFailure>
        do {
            outcome = .success(try await Self.withTimeout(limits.timeout) { () async throws -> (status: Int, body: ByteBuffer, finalURL: String) in
                var current = url
                var redirects = 0
                while true {
                    guard Self.isHTTP(current) else { throw DownloadFailure.scheme(RedactedURL(current)) }
                    var request = HTTPClientRequest(url: current)
                    request.method = .GET
                    request.headers.add(name: "User-Agent", value: userAgent)
                    request.headers.add(name: "Accept", value: "image/*")
                    let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(limits.timeout))
                    let status = Int(response.status.code)
                    if [301, 302, 303, 307, 308].contains(status) {
                        guard let location = response.headers.first(name: "Location") else {
                            throw DownloadFailure.message("HTTP \(status) redirect without a Location header")
                        }
                        redirects += 1
                        guard redirects <= limits.maximumRedirects else { throw DownloadFailure.tooManyRedirects }
                        guard let next = Self.resolve(location, against: current) else {
                            throw DownloadFailure.message("HTTP \(status) redirect to an unusable Location \(RedactedURL(location))")
                        }
                        current = next
                        continue
                    }
                    let body = try await response.body.collect(upTo: limits.maximumBytes)
                    return (status, body, current)
                }
            })
        } catch let error as DownloadFailure {
            outcome = .failure(error)
        } catch {
            switch Self.transportFailure(error) {
            case .cancelled: throw GenerationError(.cancelled, provider: profile.name, "the download of data[\(index)].url \(shown) was cancelled")
            case .timeout: throw GenerationError(.timeout, provider: profile.name, "data[\(index)].url \(shown): not downloaded within \(Self.describe(limits.timeout))")
            case .tooLarge: throw failure("larger than \(Self.describeBytes(limits.maximumBytes)); not read further")
            case .connection(let description, _), .upload(let description): throw failure(GenerationError.scrub(description, token: token))
            }
        }
        switch outcome {
        case .failure(.scheme(let where_)):
            throw failure("only http and https URLs are downloaded, not \(where_)")
        case .failure(.tooManyRedirects):
            throw failure("more than \(limits.maximumRedirects) redirects")
        case .failure(.message(let message)):
            throw failure(message)
        case .success(let (status, body, finalURL)):
            let suffix = finalURL == url ? "" : " (redirected to \(RedactedURL(finalURL)))"
            guard (200..<300).contains(status) else {
                let text = body.withUnsafeReadableBytes { ProviderErrorText.plainText($0) }
                throw failure("HTTP \(status)\(suffix)\(text.isEmpty ? "" : ": " + GenerationError.scrub(text, token: token))")
            }
            let bytes = body.withUnsafeReadableBytes { [UInt8]($0) }
            guard let format = ImageFormat.sniff(bytes) else {
                throw failure("the \(bytes.count) bytes downloaded\(suffix) are not an image (they start with \(Self.hexPrefix(bytes)))")
            }
            return (bytes, format)
        }
    }

    /// Why a download stopped, found inside the timed operation.
    enum DownloadFailure: Error {
        case scheme(RedactedURL), tooManyRedirects, message(String)
    }

    /// Whether `url` is `http://` or `https://` (case-insensitive).
    static func isHTTP(_ url: String) -> Bool {
        let lowered = url.prefix(8).lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }

    /// A redirect's `Location` made absolute against the URL that answered (RFC 9110 §10.2.2):
    /// absolute URLs as they are, `//host/path` with the current scheme, `/path` on the current
    /// origin, other relative paths beside the current path. `nil` when `current` has no origin.
    static func resolve(_ location: String, against current: String) -> String? {
        let location = location.trimmingWhitespace()
        guard !location.isEmpty else { return nil }
        if location.contains("://") { return location }
        guard let authorityStart = RedactedURL.authorityStart(current) else { return nil }
        let scheme = String(current[..<current.index(authorityStart, offsetBy: -3)])
        if location.hasPrefix("//") { return "\(scheme):\(location)" }
        let pathStart = current[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? current.endIndex
        let origin = String(current[..<pathStart])
        if location.hasPrefix("/") { return origin + location }
        var path = current[pathStart...]
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return origin + directory + location
    }
}
