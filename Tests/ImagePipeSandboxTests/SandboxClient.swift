import AsyncHTTPClient
import Foundation
import ImageCodecs
import ImageCore
import ImagePipeSandbox
import Testing

/// One HTTP answer from the sandbox, with its body parsed as JSON when it is JSON.
struct Reply {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object; records an issue and returns `[:]` when it is not one.
    var json: [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            Issue.record("not a JSON object: \(text.prefix(200))")
            return [:]
        }
        return object
    }

    /// `data[]` of a successful generation.
    var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }

    /// The images in `data[].b64_json`, base64-decoded.
    var images: [[UInt8]] {
        data.compactMap { ($0["b64_json"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } }
    }

    /// `error` of an OpenAI- or Nscale-dialect error.
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
}

/// A loopback client for a sandbox started in this process.
struct SandboxClient {
    let server: SandboxServer

    func post(_ object: [String: Any], token: String? = nil, path: String = "images/generations") async throws -> Reply {
        try await HTTPProbe.post(url: "\(server.baseURL)/\(path)", object, token: token)
    }

    func post(raw body: Data, token: String? = nil, path: String = "images/generations") async throws -> Reply {
        try await HTTPProbe.post(url: "\(server.baseURL)/\(path)", raw: body, token: token)
    }

    func get(_ url: String) async throws -> Reply {
        try await HTTPProbe.get(url)
    }

    /// Posts a multipart form to the edits endpoint.
    func edit(_ form: TestForm, token: String? = nil) async throws -> Reply {
        try await HTTPProbe.post(url: "\(server.baseURL)/images/edits", raw: Data(form.body), token: token, contentType: form.contentType)
    }
}

/// Plain HTTP requests with AsyncHTTPClient's shared client.
enum HTTPProbe {
    static func post(url: String, _ object: [String: Any], token: String? = nil) async throws -> Reply {
        try await post(url: url, raw: JSONSerialization.data(withJSONObject: object), token: token)
    }

    static func post(url: String, raw body: Data, token: String? = nil, contentType: String = "application/json") async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes([UInt8](body))
        return try await execute(request)
    }

    static func get(_ url: String) async throws -> Reply {
        try await execute(HTTPClientRequest(url: url))
    }

    private static func execute(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))  // a hang guard only
        var buffer = try await response.body.collect(upTo: 64 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
    }
}

/// Runs `body` against a fresh sandbox on a free loopback port, and stops it afterwards.
@discardableResult
func withSandbox<R>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in },
    _ body: (SandboxClient) async throws -> R
) async throws -> R {
    var configuration = SandboxConfiguration(port: 0)
    configure(&configuration)
    let server = try await SandboxServer.start(configuration)
    do {
        let result = try await body(SandboxClient(server: server))
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// Decodes PNG or WebP bytes, recording the format found.
func decodeImage(_ bytes: [UInt8]) throws -> (format: ImageFormat?, image: Image) {
    let format = ImageFormat.sniff(bytes)
    let image = try bytes.withUnsafeBytes { try ImageDecoder().decode($0) }
    return (format, image)
}
