import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PipelineCore
import S3Wire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A small, exact S3 client: the requests imagepipe's storage needs (GET with a range, HEAD, PUT
/// with `If-None-Match: *`, multipart upload, ListObjectsV2, DELETE), signed with ``SigV4``,
/// retried with backoff on 5xx, `SlowDown` and lost connections. Keys are URI-encoded byte by
/// byte (spaces, `+`, Unicode), so what is listed is what is read.
public final class S3Client: Sendable {
    /// One answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public let configuration: S3Configuration
    let httpClient: HTTPClient
    let signer: SigV4?
    /// Waits between attempts (replaced in tests).
    let sleep: @Sendable (Duration) async -> Void

    public init(configuration: S3Configuration, sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }) {
        self.configuration = configuration
        self.sleep = sleep
        signer = configuration.credentials.map { SigV4(credentials: $0, region: configuration.region) }
        // The process-wide client: nothing to shut down, connections pooled across storages.
        httpClient = HTTPClient.shared
    }

    /// `host[:port]` and the path of an object (or the bucket, for `key == nil`), URI-encoded.
    func address(bucket: String, key: String?) -> (base: String, host: String, path: String) {
        let encodedKey = key.map { AWSText.uriEncoded($0, keepingSlashes: true) }
        let endpoint = configuration.endpoint
        let schemeEnd = endpoint.range(of: "://")!.upperBound
        let scheme = String(endpoint[..<schemeEnd])
        let authority = String(endpoint[schemeEnd...])
        if configuration.pathStyle {
            return (scheme + authority, authority, "/" + bucket + (encodedKey.map { "/" + $0 } ?? "/"))
        }
        let host = "\(bucket).\(authority)"
        return (scheme + host, host, "/" + (encodedKey ?? ""))
    }

    /// Sends one request, retrying what may be retried; `what` names the object for messages.
    public func send(
        _ method: String, bucket: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: [UInt8] = [], maximumBodyBytes: Int = 1 << 30, what: String
    ) async throws(PipelineError) -> Answer {
        let (base, host, path) = address(bucket: bucket, key: key)
        let queryText = query.map { AWSText.uriEncoded($0.0) + "=" + AWSText.uriEncoded($0.1) }.joined(separator: "&")
        let url = base + path + (queryText.isEmpty ? "" : "?" + queryText)
        let payloadHash = body.isEmpty ? SigV4.emptyPayloadHash : SigV4.sha256Hex(body)
        var attempt = 0
        while true {
            attempt += 1
            var signedHeaders = headers + [("host", host), ("x-amz-content-sha256", payloadHash)]
            let date = Self.amzDate()
            signedHeaders.append(("x-amz-date", date))
            if let token = configuration.credentials?.sessionToken { signedHeaders.append(("x-amz-security-token", token)) }
            var request = HTTPClientRequest(url: url)
            request.method = HTTPMethod(rawValue: method)
            for (name, value) in signedHeaders where name != "host" { request.headers.add(name: name, value: value) }
            request.headers.replaceOrAdd(name: "Host", value: host)
            if let signer {
                let signed = signer.sign(method: method, path: path, query: query, headers: signedHeaders, payloadHash: payloadHash, date: date)
                request.headers.add(name: "Authorization", value: signed.authorization)
            }
            if !body.isEmpty || method == "PUT" || method == "POST" {
                request.body = .bytes(ByteBuffer(bytes: body))
                request.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
            }
            let outcome: Result<Answer, any Error>
            do {
                let response = try await httpClient.execute(request, timeout: .seconds(300))
                // The limit is the object's: an error answer is read up to 1 MiB whatever it is.
                let succeeded = (200..<300).contains(Int(response.status.code))
                if succeeded, let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maximumBodyBytes {
                    throw PipelineError(.inputTooLarge, path: what, "object is \(length) bytes, over the input limit of \(maximumBodyBytes) bytes")
                }
                var collected = try await response.body.collect(upTo: succeeded ? max(maximumBodyBytes, 1) : 1 << 20)
                let bytes = collected.readBytes(length: collected.readableBytes) ?? []
                outcome = .success(Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes))
            } catch let error as PipelineError {
                throw error
            } catch is NIOTooManyBytesError {
                // A body without a length that ran past the limit: too large, not a failure to retry.
                throw PipelineError(.inputTooLarge, path: what, "object is over the input limit of \(maximumBodyBytes) bytes")
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let answer):
                let code = (answer.status >= 300 ? S3XML.error(answer.body)?.code : nil) ?? ""
                let retryable = answer.status >= 500 || code == "SlowDown" || code == "RequestTimeout" || code == "InternalError"
                if retryable && attempt < configuration.maximumAttempts {
                    await sleep(.milliseconds(100 << min(attempt - 1, 6)))
                    continue
                }
                return answer
            case .failure(let error):
                if attempt < configuration.maximumAttempts {
                    await sleep(.milliseconds(100 << min(attempt - 1, 6)))
                    continue
                }
                throw PipelineError(.readFailed, path: what, "S3 request failed after \(attempt) attempts: \(Self.describe(error))")
            }
        }
    }

    /// A failed answer as an error naming the object, the status and S3's code and message
    /// (never a header, so never a signature or a token).
    public static func failure(_ answer: Answer, what: String, code: PipelineError.Code) -> PipelineError {
        let error = S3XML.error(answer.body)
        let detail = error.map { "\($0.code)" + ($0.message.isEmpty ? "" : ": \($0.message)") } ?? (answer.status == 404 ? "NoSuchKey" : "no error body")
        let hint: String
        switch error?.code {
        case "SignatureDoesNotMatch": hint = " (check AWS_SECRET_ACCESS_KEY)"
        case "InvalidAccessKeyId": hint = " (check AWS_ACCESS_KEY_ID)"
        case "AccessDenied": hint = " (the credentials may not allow this; none set means anonymous)"
        case "NoSuchBucket": hint = " (create the bucket first)"
        default: hint = ""
        }
        return PipelineError(code, path: what, "S3 answered HTTP \(answer.status) \(detail)\(hint)")
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "could not connect"
            case .remoteConnectionClosed: return "the server closed the connection"
            case .deadlineExceeded, .readTimeout: return "timed out"
            default: break
            }
        }
        return "\(error)"
    }

    /// Now as `YYYYMMDDTHHMMSSZ`.
    static func amzDate() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
