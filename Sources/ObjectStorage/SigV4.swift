import Crypto
import S3Wire

/// AWS Signature Version 4 for S3 requests (header-based): the canonical request, the string to
/// sign, the signing key and the `Authorization` header. Exact to AWS's published test suite.
///
/// The secret key goes into the signing key only; neither it nor a signature is ever printed
/// (``S3Credentials`` hides it from `description`).
public struct SigV4: Sendable {
    /// What one request's signature is made of, for tests against the published vectors.
    public struct Signed: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// The `Authorization` header's value.
        public var authorization: String
        public var signedHeaders: String
    }

    public var credentials: S3Credentials
    public var region: String
    public var service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The hex SHA-256 of `bytes` (the payload hash).
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    /// The hash of an empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Signs a request.
    ///
    /// - Parameters:
    ///   - path: the request's path as sent, already URI-encoded (`/bucket/a%20b.png`).
    ///   - query: the query's name-value pairs, not encoded.
    ///   - headers: every header to sign (`host` and `x-amz-date` among them), names in any case.
    ///   - payloadHash: the hex SHA-256 of the body (or `UNSIGNED-PAYLOAD`).
    ///   - date: `YYYYMMDDTHHMMSSZ`, the `x-amz-date` header's value.
    public func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, date: String
    ) -> Signed {
        let canonicalQuery = query
            .map { (AWSText.uriEncoded($0.0), AWSText.uriEncoded($0.1)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        var byName: [String: [String]] = [:]
        for (name, value) in headers {
            byName[name.lowercased(), default: []].append(Self.trimmed(value))
        }
        let names = byName.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [method, path.isEmpty ? "/" : path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        let day = String(date.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", date, scope, Self.sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, authorization: authorization, signedHeaders: signedHeaders)
    }

    /// A header value with leading and trailing spaces removed and inner runs of spaces made one.
    static func trimmed(_ value: String) -> String {
        var output = ""
        var lastWasSpace = false
        for character in value {
            if character == " " || character == "\t" {
                lastWasSpace = !output.isEmpty
                continue
            }
            if lastWasSpace { output.append(" ") }
            lastWasSpace = false
            output.append(character)
        }
        return output
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output = [UInt8]()
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 15)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// An access key, its secret and an optional session token; the secret never shows in text.
public struct S3Credentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The access key id only.
    public var description: String { "access key \(accessKeyID) (secret hidden)" }
}
