import Foundation
import ImageCore
import ImageGeneration
import ImageResponses
import Synchronization
import Testing
import TestSupport

/// The client against a scripted HTTP server on loopback: real sockets, real AsyncHTTPClient.
@Suite("Generation client on loopback")
struct GenerationClientTests {
    static let token = "tok-SECRET-0123456789"

    /// Records the waits the client asks for instead of waiting.
    final class Sleeps: Sendable {
        let waits = Mutex<[Duration]>([])
        var all: [Duration] { waits.withLock { $0 } }
    }

    static func configuration(
        _ sleeps: Sleeps = Sleeps(), connectTimeout: Duration = .seconds(600), requestTimeout: Duration = .seconds(3600), maximumResponseBytes: Int = 512 << 20
    ) -> GenerationClient.Configuration {
        // Timeouts long enough never to fire on a loaded machine (a redirect chain timed out at 10 s
        // under AddressSanitizer with both cores busy); the tests of timeouts set short ones
        // against servers that never answer.
        GenerationClient.Configuration(
            connectTimeout: connectTimeout, requestTimeout: requestTimeout, maximumResponseBytes: maximumResponseBytes,
            retry: RetryPolicy(jitter: .none),
            download: .init(timeout: .seconds(3600)),
            sleep: { delay in
                sleeps.waits.withLock { $0.append(delay) }
                try Task.checkCancellation()
            }
        )
    }

    /// Runs `body` with a client for `profile` pointed at `server`, shutting it down afterwards.
    static func withClient<T>(
        _ server: StubServer, profile: ProviderProfile = .sandbox, token: String? = token,
        configuration: GenerationClient.Configuration = configuration(), _ body: (GenerationClient) async throws -> T
    ) async throws -> T {
        let client = GenerationClient(profile: profile, token: token, baseURL: server.baseURL, configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            try await server.stop()
            return result
        } catch {
            try await client.shutdown()
            try await server.stop()
            throw error
        }
    }

    /// Runs `generate` and returns its error, recording an issue when it succeeds.
    static func failure(_ client: GenerationClient, _ request: GenerationRequest = GenerationRequest(prompt: "a fox")) async -> GenerationError? {
        do {
            let result = try await client.generate(request)
            Issue.record("expected an error, got \(result.images.count) images")
            return nil
        } catch {
            return error
        }
    }

    static func base64(_ name: String) throws -> String {
        try Data(TestPaths.fixture(name)).base64EncodedString()
    }

    @Test("Two base64 images: decoded, recognised, bearer token and body sent")
    func successBase64() async throws {
        let body = #"{"created": 1700000000, "data": [{"b64_json": "\#(try Self.base64("gray.png"))"}, {"b64_json": "\#(try Self.base64("disc-lossy-alpha.webp"))", "revised_prompt": "a red fox"}], "usage": {"input_tokens": 5, "output_tokens": 10, "total_tokens": 15}}"#
        let server = try await StubServer.start(script: [.json(200, body)])
        let result = try await Self.withClient(server, profile: .openAI) { client in
            try await client.generate(GenerationRequest(prompt: "a fox", count: 2, quality: "low"))
        }
        #expect(result.images.count == 2)
        #expect(result.images[0].bytes == (try TestPaths.fixture("gray.png")))
        #expect(result.images[0].format == .png && result.images[0].source == .base64)
        #expect(result.images[1].bytes == (try TestPaths.fixture("disc-lossy-alpha.webp")))
        #expect(result.images[1].format == .webp && result.images[1].revisedPrompt == "a red fox")
        #expect(result.created == 1_700_000_000 && result.usage?.totalTokens == 15)
        #expect(result.status == 200 && result.attempts == 1 && result.provider == "openai")
        #expect(result.timings.total >= result.timings.responseHead)
        #expect(result.requestBody.json == #"{"model":"gpt-image-1","prompt":"a fox","n":2,"size":"1024x1024","quality":"low"}"#)
        #expect(!result.requestBody.json.contains(Self.token))

        let requests = server.requests
        #expect(requests.count == 1)
        #expect(requests[0].method == "POST" && requests[0].path == "/v1/images/generations")
        #expect(requests[0].header("Authorization") == "Bearer \(Self.token)")
        #expect(requests[0].header("Content-Type") == "application/json")
        #expect(requests[0].bodyText == result.requestBody.json)
    }

    @Test("URL results are downloaded at once, without the token; sources are redacted")
    func urlResults() async throws {
        let png = try TestPaths.fixture("disc-rgba.png")
        let webp = try TestPaths.fixture("gradient-lossy.webp")
        let server = try await StubServer.start { request, _, port in
            switch request.path {
            case "/v1/images/generations":
                return .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/files/a.png?sig=SECRET"},{"url":"http://127.0.0.1:\#(port)/files/b?X-Amz-Signature=SECRET"}],"id":"gen-42"}"#)
            case "/files/a.png?sig=SECRET": return StubResponse(status: 200, headers: [("Content-Type", "image/png")], body: png)
            case "/files/b?X-Amz-Signature=SECRET": return StubResponse(status: 200, body: webp)
            default: return .json(404, "{}")
            }
        }
        let port = server.port
        let result = try await Self.withClient(server, profile: .nebius) { client in
            try await client.generate(GenerationRequest(prompt: "a fox", count: 2, responseFormat: .url))
        }
        #expect(result.id == "gen-42" && result.created == nil)
        #expect(result.images.map(\.bytes) == [png, webp])
        #expect(result.images.map(\.format) == [.png, .webp])
        #expect(result.images[0].source == .url(RedactedURL("http://127.0.0.1:\(port)/files/a.png?sig=SECRET")))
        #expect(result.images[0].source.description == "http://127.0.0.1:\(port)/files/a.png?…")
        let downloads = server.requests.filter { $0.path.hasPrefix("/files/") }
        #expect(downloads.count == 2)
        #expect(downloads.allSatisfy { $0.method == "GET" && $0.header("Authorization") == nil })
        #expect(server.requests[0].bodyText.contains(#""response_format":"url""#))
    }

    @Test("A URL result that is not an image is an error naming the URL with its query hidden")
    func urlNotAnImage() async throws {
        let server = try await StubServer.start { request, _, port in
            if request.path.hasPrefix("/v1/") {
                return .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/files/x.txt?token=SECRET"}]}"#)
            }
            return StubResponse(status: 200, headers: [("Content-Type", "text/html")], body: Array("<html>expired</html>".utf8))
        }
        let port = server.port
        let error = try await Self.withClient(server, profile: .nebius) { await Self.failure($0) }
        #expect(error?.code == .download)
        let text = error?.description ?? ""
        #expect(text.contains("http://127.0.0.1:\(port)/files/x.txt?…"), "\(text)")
        #expect(text.contains("not an image"))
        #expect(!text.contains("SECRET"))
    }

    @Test("Redirects are followed up to the cap, and no further")
    func redirects() async throws {
        let png = try TestPaths.fixture("gray.png")
        let server = try await StubServer.start { request, _, port in
            let path = request.path
            if path.hasPrefix("/v1/") {
                let start = request.bodyText.contains("loop") ? "loop" : "ok"
                return .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/\#(start)/0?sig=SECRET"}]}"#)
            }
            let parts = path.split(separator: "?")[0].split(separator: "/")
            let hop = Int(parts[1]) ?? 0
            if parts[0] == "ok" && hop == 3 { return StubResponse(status: 200, body: png) }
            // A relative Location on one hop, absolute ones on the others.
            let next = hop == 1 ? "\(hop + 1)" : "http://127.0.0.1:\(port)/\(parts[0])/\(hop + 1)?sig=SECRET"
            return StubResponse(status: hop % 2 == 0 ? 302 : 307, headers: [("Location", next)])
        }
        let (result, error) = try await Self.withClient(server, profile: .nebius) { client in
            (try await client.generate(GenerationRequest(prompt: "ok")), await Self.failure(client, GenerationRequest(prompt: "loop")))
        }
        #expect(result.images.first?.bytes == png, "three redirects are followed")
        #expect(server.requests.contains { $0.path == "/ok/2" }, "the relative Location resolved beside the path")
        #expect(error?.code == .download)
        #expect(error?.message.contains("more than 3 redirects") == true, "\(error?.message ?? "")")
        #expect(error?.description.contains("SECRET") == false)
        let loopHops = server.requests.filter { $0.path.hasPrefix("/loop/") }.count
        #expect(loopHops == 4, "the first request and three redirects")
    }

    @Test("A non-http redirect is refused")
    func redirectScheme() async throws {
        let server = try await StubServer.start { request, _, port in
            request.path.hasPrefix("/v1/")
                ? .json(200, #"{"data":[{"url":"http://127.0.0.1:\#(port)/a"}]}"#)
                : StubResponse(status: 302, headers: [("Location", "file:///etc/passwd")])
        }
        let error = try await Self.withClient(server, profile: .nebius) { await Self.failure($0) }
        #expect(error?.code == .download)
        #expect(error?.message.contains("only http and https") == true)
    }

    @Test("503 with Retry-After: 0, then success: two attempts, the server's wait honoured")
    func retryAfterThenSuccess() async throws {
        let body = #"{"created":1,"data":[{"b64_json":"\#(try Self.base64("one-pixel.png"))"}]}"#
        let server = try await StubServer.start(script: [
            .json(503, #"{"error":{"message":"overloaded"}}"#, headers: [("Retry-After", "0")]),
            .json(200, body),
        ])
        let sleeps = Sleeps()
        let result = try await Self.withClient(server, configuration: Self.configuration(sleeps)) { client in
            try await client.generate(GenerationRequest(prompt: "a fox"))
        }
        #expect(result.attempts == 2)
        #expect(sleeps.all == [.zero])
        #expect(server.requests.count == 2)
        #expect(server.requests[0].bodyText == server.requests[1].bodyText)
    }

    @Test("Nscale's credit 429 is final: one attempt, with the hint")
    func creditNotRetried() async throws {
        let server = try await StubServer.start(script: [
            .json(429, #"{"error": {"message": "Insufficient credit to run this request", "error_type": "INSUFFICIENT_CREDIT", "code": 429}}"#),
        ])
        let error = try await Self.withClient(server, profile: .nscale) { await Self.failure($0) }
        #expect(error?.code == .insufficientCredit)
        #expect(error?.attempts == 1)
        #expect(error?.description == "nscale: HTTP 429 insufficient credit: Insufficient credit to run this request (INSUFFICIENT_CREDIT) (after 1 attempt) — hint: add credit to your Nscale account")
        #expect(server.requests.count == 1)
    }

    @Test("a safety refusal (moderation_blocked) is its own final error: one attempt, whatever its status, never retried",
          arguments: [400, 429, 503])
    func moderationNotRetried(_ status: Int) async throws {
        let server = try await StubServer.start(script: [
            .json(status, #"{"error":{"message":"Your request was rejected by the safety system.","type":"image_generation_user_error","param":null,"code":"moderation_blocked"}}"#),
        ])
        let error = try await Self.withClient(server, profile: .openAI) { await Self.failure($0) }
        #expect(error?.code == .moderationBlocked)
        #expect(error?.attempts == 1)
        #expect(server.requests.count == 1)
        #expect(error?.description.contains("refused by the provider's safety system: Your request was rejected by the safety system.") == true, "\(error?.description ?? "")")
        #expect(error?.hint?.contains("retrying the same request will not help") == true)
    }

    @Test("Rate-limit 429s are retried with growing backoff")
    func rateLimitRetried() async throws {
        let limited = StubResponse.json(429, #"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#)
        let body = #"{"data":[{"b64_json":"\#(try Self.base64("gray.png"))"}]}"#
        let server = try await StubServer.start(script: [limited, limited, .json(200, body)])
        let sleeps = Sleeps()
        let result = try await Self.withClient(server, profile: .openAI, configuration: Self.configuration(sleeps)) { client in
            try await client.generate(GenerationRequest(prompt: "a fox"))
        }
        #expect(result.attempts == 3)
        #expect(sleeps.all == [.milliseconds(500), .seconds(1)])
    }

    @Test("Rate limits that outlast the retries end as rateLimited after three attempts")
    func rateLimitExhausted() async throws {
        let limited = StubResponse.json(429, #"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#, headers: [("retry-after-ms", "20")])
        let server = try await StubServer.start(script: [limited, limited, limited])
        let sleeps = Sleeps()
        let error = try await Self.withClient(server, profile: .openAI, configuration: Self.configuration(sleeps)) { await Self.failure($0) }
        #expect(error?.code == .rateLimited && error?.attempts == 3)
        #expect(sleeps.all == [.milliseconds(20), .milliseconds(20)])
    }

    @Test("5xx that outlast the retries end as server errors")
    func serverExhausted() async throws {
        let server = try await StubServer.start(script: Array(repeating: StubResponse(status: 500, body: Array("boom".utf8)), count: 3))
        let error = try await Self.withClient(server) { await Self.failure($0) }
        #expect(error?.code == .server && error?.attempts == 3 && error?.status == 500)
        #expect(error?.message == "boom")
    }

    @Test("401 is not retried, hints at the variable, and never shows the token")
    func unauthorized() async throws {
        let server = try await StubServer.start(script: [
            .json(401, #"{"error":{"message":"Incorrect API key provided: \#(Self.token)","type":"invalid_request_error","code":"invalid_api_key"}}"#),
        ])
        let error = try await Self.withClient(server, profile: .openAI) { await Self.failure($0) }
        #expect(error?.code == .authentication && error?.attempts == 1)
        #expect(error?.hint == "check the token in $OPENAI_API_KEY (or --token)")
        let text = error.map { "\($0) \($0.message) \($0.providerErrorType ?? "")" } ?? ""
        #expect(!text.contains(Self.token))
        #expect(text.contains("Incorrect API key provided: ***"))
        #expect(server.requests.count == 1)
    }

    @Test("Nebius 422: the detail[] message")
    func nebiusValidation() async throws {
        let server = try await StubServer.start(script: [
            .json(422, #"{"detail": [{"loc": ["body", "width"], "msg": "ensure this value is less than or equal to 2048", "type": "value_error.number.not_le"}]}"#),
        ])
        let error = try await Self.withClient(server, profile: .nebius) { client in
            await Self.failure(client, GenerationRequest(prompt: "x", size: ImageSize(width: 4096, height: 512)))
        }
        #expect(error?.code == .validation && error?.status == 422 && error?.attempts == 1)
        #expect(error?.message.hasPrefix("width: ensure this value is less than or equal to 2048") == true)
        #expect(server.requests[0].bodyText.contains(#""width":4096,"height":512"#))
    }

    @Test("A response slower than the request timeout is a timeout, not retried", .timeLimit(.minutes(3)))
    func timeout() async throws {
        // The stub never answers within the test's time limit, so any failure at all can only come
        // from the client's timeout. No wall-clock bound: under the parallel suite on two cores the
        // test's task can wait a minute for a thread (it did in CI).
        let server = try await StubServer.start(script: [.json(200, #"{"data":[]}"#, delay: .seconds(3600))])
        let error = try await Self.withClient(server, configuration: Self.configuration(requestTimeout: .milliseconds(300))) {
            await Self.failure($0)
        }
        #expect(error?.code == .timeout && error?.attempts == 1)
        #expect(server.requests.count == 1)
    }

    @Test("A body larger than the limit is refused")
    func tooLarge() async throws {
        let big = #"{"data":[{"b64_json":"\#(String(repeating: "A", count: 8000))"}]}"#
        let server = try await StubServer.start(script: [.json(200, big)])
        let error = try await Self.withClient(server, configuration: Self.configuration(maximumResponseBytes: 4096)) { await Self.failure($0) }
        #expect(error?.code == .responseTooLarge)
        #expect(error?.message.contains("4096 bytes") == true)
    }

    @Test("Malformed JSON is an invalid response with its byte offset")
    func malformed() async throws {
        let server = try await StubServer.start(script: [.json(200, #"{"data":[{"b64_json":"iVBORw0KGgo" "#)])
        let error = try await Self.withClient(server) { await Self.failure($0) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.byteOffset == 35)
        #expect(error?.message.contains("byte 35") == true, "\(error?.message ?? "")")
    }

    @Test("Base64 that decodes to something other than an image is refused")
    func payloadNotAnImage() async throws {
        let text = Data("hello, not a png".utf8).base64EncodedString()
        let server = try await StubServer.start(script: [.json(200, #"{"data":[{"b64_json":"\#(text)"}]}"#)])
        let error = try await Self.withClient(server) { await Self.failure($0) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.message.contains("not an image") == true)
    }

    @Test("An error object in a 200 body is an error (a safety refusal keeps its own class)")
    func errorIn200() async throws {
        let server = try await StubServer.start(script: [
            .json(200, #"{"error":{"message":"Your request was rejected by the safety system","type":"image_generation_user_error","code":"moderation_blocked"}}"#),
        ])
        let refusal = try await Self.withClient(server) { await Self.failure($0) }
        #expect(refusal?.code == .moderationBlocked && refusal?.status == 200)
        #expect(refusal?.message.hasPrefix("Your request was rejected by the safety system") == true)
        let warming = try await StubServer.start(script: [.json(200, #"{"error":{"message":"The engine is warming up","type":"server_error"}}"#)])
        let other = try await Self.withClient(warming) { await Self.failure($0) }
        #expect(other?.code == .providerError && other?.status == 200)
    }

    @Test("A refused connection is retried, then a connection error")
    func connectionRefused() async throws {
        // A port bound but not listening refuses connections, and no other test can take it.
        let socket = try ClosedPort()
        defer { socket.release() }
        let baseURL = "http://127.0.0.1:\(socket.port)/v1"
        let sleeps = Sleeps()
        // AsyncHTTPClient keeps trying to connect until the connect timeout, so keep it short.
        let client = GenerationClient(profile: .sandbox, token: nil, baseURL: baseURL, configuration: Self.configuration(sleeps, connectTimeout: .milliseconds(300)))
        let error = await Self.failure(client)
        try await client.shutdown()
        #expect(error?.code == .connection && error?.attempts == 3)
        #expect(error?.message.contains("127.0.0.1") == true, "\(error?.message ?? "")")
        #expect(sleeps.all.count == 2)
    }

    @Test("Cancelling the task stops the request promptly", .timeLimit(.minutes(3)))
    func cancellation() async throws {
        // The stub never answers within the test's time limit, so the task can only end through
        // the cancellation (no wall-clock bound: see the timeout test).
        let server = try await StubServer.start(script: [.json(200, #"{"data":[]}"#, delay: .seconds(3600))])
        let error = try await Self.withClient(server) { client in
            let task = Task { await Self.failure(client) }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            return await task.value
        }
        #expect(error?.code == .cancelled)
    }

    @Test("A provider that needs a token refuses to send without one")
    func missingToken() async throws {
        let server = try await StubServer.start(script: [])
        let error = try await Self.withClient(server, profile: .nscale, token: "  ") { await Self.failure($0) }
        #expect(error?.code == .missingToken && error?.attempts == 0)
        #expect(error?.hint == "check the token in $NSCALE_SERVICE_TOKEN (or --token)")
        #expect(server.requests.isEmpty)
    }
}

/// Prints one error of each kind, so a reader can see the messages users get.
@Suite("Generation error messages")
struct GenerationErrorMessageTests {
    @Test("Messages of a connection failure and a timeout read well")
    func messages() async throws {
        let server = try await StubServer.start(script: [.json(200, #"{"data":[]}"#, delay: .seconds(3600))])
        let client = GenerationClient(profile: .sandbox, token: nil, baseURL: server.baseURL, configuration: GenerationClientTests.configuration(requestTimeout: .milliseconds(200)))
        let timeout = await GenerationClientTests.failure(client)
        try await client.shutdown()
        try await server.stop()
        #expect(timeout?.description == "sandbox: timed out: no complete response within 0.2 s (after 1 attempt) — hint: raise the timeout, or ask for fewer or smaller images")
    }
}
