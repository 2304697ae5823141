import ImageGeneration
import Synchronization
import Testing
import TestSupport

/// `x-ratelimit-*` headers read, reported, and honoured: the client waits for a window's reset
/// instead of running into a 429. Time is a fake clock, so every wait is exact.
@Suite("Rate-limit headers: read, reported, paced")
struct RateLimitTests {
    typealias Client = GenerationClientTests

    static func ok(_ headers: [(name: String, value: String)]) throws -> StubResponse {
        .json(200, #"{"created":1,"data":[{"b64_json":"\#(try Client.base64("gray.png"))"}],"usage":{"input_tokens":12,"output_tokens":4160,"total_tokens":4172}}"#, headers: headers)
    }

    static func requests(remaining: Int, reset: String, limit: Int = 5) -> [(name: String, value: String)] {
        [("x-ratelimit-limit-requests", String(limit)), ("x-ratelimit-remaining-requests", String(remaining)), ("x-ratelimit-reset-requests", reset)]
    }

    /// A configuration whose clock stands still at 100 s and whose sleeps are recorded.
    static func configuration(_ sleeps: Client.Sleeps) -> GenerationClient.Configuration {
        var configuration = Client.configuration(sleeps)
        configuration.now = { .seconds(100) }
        return configuration
    }

    @Test("reset times as OpenAI writes them, and plain seconds", arguments: [
        ("1s", Duration.seconds(1)), ("6m0s", .seconds(360)), ("20ms", .milliseconds(20)), ("1h2m3.5s", .milliseconds(3_723_500)),
        ("0.5", .milliseconds(500)), ("17", .seconds(17)),
    ])
    func resets(_ text: String, _ expected: Duration) {
        #expect(RateLimitStatus.parseReset(text) == expected)
    }

    @Test("unreadable reset times are not guessed", arguments: ["", "abc", "5x", "1s2", "-3", "m"])
    func badResets(_ text: String) {
        #expect(RateLimitStatus.parseReset(text) == nil)
    }

    @Test("headers by quantity, case-insensitive; none means nil")
    func headers() throws {
        let status = try #require(RateLimitStatus(headers: [
            ("X-RateLimit-Limit-Requests", "60"), ("x-ratelimit-remaining-requests", "59"), ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "9000"), ("x-ratelimit-limit-images", "10"), ("Content-Type", "application/json"),
        ]))
        #expect(status.requests == RateLimitStatus.Window(limit: 60, remaining: 59, reset: .seconds(1)))
        #expect(status.tokens.remaining == 9000 && status.images.limit == 10)
        #expect(status.description == "requests 59/60 left, reset in 1 s; tokens 9000 left; images limit 10")
        #expect(RateLimitStatus(headers: [("Retry-After", "3")]) == nil)
    }

    @Test("a spent request window is waited out before the next request, exactly; the answer's headers reach the result")
    func pacesRequests() async throws {
        let server = try await StubServer.start(script: [
            try Self.ok(Self.requests(remaining: 1, reset: "10s")),
            try Self.ok(Self.requests(remaining: 0, reset: "7s")),
            try Self.ok(Self.requests(remaining: 4, reset: "12s")),
        ])
        let sleeps = Client.Sleeps()
        let results = try await Client.withClient(server, configuration: Self.configuration(sleeps)) { client in
            var results: [GenerationResult] = []
            for _ in 0..<3 { results.append(try await client.generate(GenerationRequest(prompt: "a fox"))) }
            return results
        }
        #expect(sleeps.all == [.seconds(7)], "one wait, for the window the second answer said was spent")
        #expect(server.requests.count == 3)
        #expect(results[1].rateLimits?.requests == RateLimitStatus.Window(limit: 5, remaining: 0, reset: .seconds(7)))
        #expect(results[2].timings.rateLimitWaits >= .zero)
        #expect(results[0].usage?.totalTokens == 4172)
    }

    @Test("a spent token or image window is waited out too; with pacing off nothing waits")
    func pacesTokens() async throws {
        let spent: [(name: String, value: String)] = [("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "2s")]
        for paces in [true, false] {
            let server = try await StubServer.start(script: [try Self.ok(spent), try Self.ok([])])
            let sleeps = Client.Sleeps()
            var configuration = Self.configuration(sleeps)
            configuration.pacesByRateLimitHeaders = paces
            _ = try await Client.withClient(server, configuration: configuration) { client in
                for _ in 0..<2 { _ = try await client.generate(GenerationRequest(prompt: "a fox")) }
            }
            #expect(sleeps.all == (paces ? [.seconds(2)] : []))
        }
    }

    @Test("a 429's headers count too: after its Retry-After, the retry waits for the rest of the window the headers say is spent (a still clock: the whole of it)")
    func rateLimited429() async throws {
        let limited = StubResponse.json(
            429, #"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#,
            headers: Self.requests(remaining: 0, reset: "3s") + [("Retry-After", "1")]
        )
        let server = try await StubServer.start(script: [limited, try Self.ok([])])
        let sleeps = Client.Sleeps()
        let result = try await Client.withClient(server, configuration: Self.configuration(sleeps)) { client in
            try await client.generate(GenerationRequest(prompt: "a fox"))
        }
        #expect(result.attempts == 2)
        #expect(sleeps.all == [.seconds(1), .seconds(3)], "\(sleeps.all)")
    }

    @Test("--rate-limit spaces requests by window/N on the client's clock: 3/s waits 1/3 s, then 2/3 s, when the clock stands still")
    func requestRate() async throws {
        #expect(RequestRate(parsing: "5/s") == RequestRate(requests: 5, window: .seconds(1)))
        #expect(RequestRate(parsing: "300/min") == RequestRate(requests: 300, window: .seconds(60)))
        #expect(RequestRate(parsing: "10/30s") == RequestRate(requests: 10, window: .seconds(30)))
        for bad in ["0/s", "5", "5/fortnight"] { #expect(RequestRate(parsing: bad) == nil, "\(bad)") }

        let server = try await StubServer.start(script: Array(repeating: try Self.ok([]), count: 3))
        let sleeps = Client.Sleeps()
        var configuration = Self.configuration(sleeps)
        configuration.requestRate = RequestRate(requests: 3, window: .seconds(1))
        _ = try await Client.withClient(server, configuration: configuration) { client in
            for _ in 0..<3 { _ = try await client.generate(GenerationRequest(prompt: "a fox")) }
        }
        let expected: [Duration] = [.seconds(1) / 3, .seconds(1) * 2 / 3]
        #expect(sleeps.all == expected, "\(sleeps.all)")
    }
}
