import PipelineCore
import S3Wire

/// Where an S3-compatible service is and how to sign for it, read as every AWS tool reads it:
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` /
/// `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, else the profile
/// (`AWS_PROFILE`, default `default`) of `~/.aws/credentials` and `~/.aws/config`
/// (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`).
///
/// A custom endpoint (SeaweedFS, MinIO, R2, …) is addressed path-style
/// (`http://127.0.0.1:8333/bucket/key`); AWS itself virtual-hosted
/// (`https://bucket.s3.eu-west-1.amazonaws.com/key`).
public struct S3Configuration: Sendable, CustomStringConvertible {
    public var credentials: S3Credentials?
    public var region: String
    /// The endpoint, `scheme://host[:port]`, without a trailing slash.
    public var endpoint: String
    public var pathStyle: Bool
    /// Objects larger than this are uploaded in parts (default 16 MiB), each this large.
    public var multipartThreshold = 16 << 20
    public var partSize = 8 << 20
    /// Attempts per request on 5xx, `SlowDown` and connection errors (default 5), with
    /// exponential backoff from 100 ms.
    public var maximumAttempts = 5

    public init(credentials: S3Credentials?, region: String, endpoint: String? = nil) {
        self.credentials = credentials
        self.region = region
        if var endpoint, !endpoint.isEmpty {
            while endpoint.hasSuffix("/") { endpoint.removeLast() }
            self.endpoint = endpoint
            pathStyle = true
        } else {
            self.endpoint = "https://s3.\(region).amazonaws.com"
            pathStyle = false
        }
    }

    /// No secret: the endpoint, region and access key id.
    public var description: String {
        "\(endpoint) (\(region), \(credentials.map(\.description) ?? "anonymous"))"
    }

    /// The configuration the environment and the shared files give.
    ///
    /// - Throws: ``PipelineError`` with `.invalidOptions` when only one of the key id and the
    ///   secret is set, or a named profile does not exist.
    public static func fromEnvironment(_ environment: [String: String]) throws(PipelineError) -> S3Configuration {
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        let home = value("HOME") ?? "/root"
        let profileName = value("AWS_PROFILE") ?? "default"
        let credentialsFile = value("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials"
        let configFile = value("AWS_CONFIG_FILE") ?? home + "/.aws/config"
        let fileCredentials = (try? FileIO.readFile(credentialsFile, maxBytes: 1 << 20)).map { AWSText.profiles(String(decoding: $0, as: UTF8.self)) } ?? [:]
        let fileConfig = (try? FileIO.readFile(configFile, maxBytes: 1 << 20)).map { AWSText.profiles(String(decoding: $0, as: UTF8.self)) } ?? [:]
        if value("AWS_PROFILE") != nil, fileCredentials[profileName] == nil, fileConfig[profileName] == nil {
            throw PipelineError(.invalidOptions, "AWS_PROFILE=\(profileName): no such profile in \(credentialsFile) or \(configFile)")
        }
        let profile = (fileConfig[profileName] ?? [:]).merging(fileCredentials[profileName] ?? [:]) { _, credential in credential }

        var credentials: S3Credentials?
        switch (value("AWS_ACCESS_KEY_ID"), value("AWS_SECRET_ACCESS_KEY")) {
        case let (id?, secret?):
            credentials = S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        case (nil, nil):
            if let id = profile["aws_access_key_id"], let secret = profile["aws_secret_access_key"] {
                credentials = S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: profile["aws_session_token"])
            }
        default:
            throw PipelineError(.invalidOptions, "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
        }
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? profile["region"] ?? "us-east-1"
        let endpoint = value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL") ?? profile["endpoint_url"]
        return S3Configuration(credentials: credentials, region: region, endpoint: endpoint)
    }
}

/// `s3://bucket/prefix`: a bucket and a key prefix (no leading or trailing `/`).
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var prefix: String

    /// Parses `s3://bucket[/prefix]`, or `nil` for anything else.
    public init?(_ text: String) {
        guard text.hasPrefix("s3://") else { return nil }
        let rest = text.dropFirst(5)
        let bucket = rest.prefix { $0 != "/" }
        guard bucket.count >= 3, bucket.count <= 63,
              bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }), bucket.allSatisfy(\.isASCII) else { return nil }
        self.bucket = String(bucket)
        var prefix = String(rest.dropFirst(bucket.count))
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.prefix = prefix
    }

    /// Whether `text` names an S3 location (`s3://…`), valid or not.
    public static func isS3(_ text: String) -> Bool { text.hasPrefix("s3://") }

    public var description: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") }
}
