import ImageGeneration
import Testing

@Suite("Retry decisions")
struct RetryPolicyTests {
    let policy = RetryPolicy(jitter: .none)

    @Test("Retried: connection failures, 408, 409, rate-limit 429s and every 5xx", arguments: [408, 409, 429, 500, 502, 503, 504, 599])
    func retried(status: Int) {
        #expect(RetryPolicy.isRetryable(.status(status, isFinal429: false)))
        #expect(policy.decide(after: .status(status, isFinal429: false), attempt: 1, retryAfter: nil, random: 0) == .retry(after: .milliseconds(500)))
    }

    @Test("Never retried: credit 429s, 400, 401, 403, 404, 422, other 4xx, timeouts", arguments: [400, 401, 403, 404, 405, 413, 422])
    func final(status: Int) {
        #expect(!RetryPolicy.isRetryable(.status(status, isFinal429: false)))
        #expect(policy.decide(after: .status(status, isFinal429: false), attempt: 1, retryAfter: .zero, random: 0) == .stop(.notRetryable))
    }

    @Test("Credit or quota 429s, and the request timeout, are final")
    func finalOthers() {
        #expect(policy.decide(after: .status(429, isFinal429: true), attempt: 1, retryAfter: .zero, random: 0) == .stop(.notRetryable))
        #expect(policy.decide(after: .timeout, attempt: 1, retryAfter: nil, random: 0) == .stop(.notRetryable))
        #expect(policy.decide(after: .connection, attempt: 1, retryAfter: nil, random: 0) == .retry(after: .milliseconds(500)))
    }

    @Test("At most maximumRetries retries")
    func exhaustion() {
        let failure = RetryPolicy.Failure.status(503, isFinal429: false)
        #expect(policy.decide(after: failure, attempt: 2, retryAfter: nil, random: 0) == .retry(after: .seconds(1)))
        #expect(policy.decide(after: failure, attempt: 3, retryAfter: nil, random: 0) == .stop(.attemptsExhausted))
        let none = RetryPolicy(maximumRetries: 0)
        #expect(none.decide(after: failure, attempt: 1, retryAfter: nil, random: 0) == .stop(.attemptsExhausted))
    }

    @Test("Backoff doubles from 0.5 s up to the 8 s cap")
    func backoffGrowth() {
        let waits = (1...8).map { policy.backoff(beforeRetry: $0, random: 0.3) }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8), .seconds(8)])
        #expect(policy.backoff(beforeRetry: 1000, random: 0) == .seconds(8))
    }

    @Test("Full jitter stays in 0...backoff, equal jitter in backoff/2...backoff")
    func jitterBounds() {
        let full = RetryPolicy(jitter: .full)
        let equal = RetryPolicy(jitter: .equal)
        for retry in 1...6 {
            let cap = policy.backoff(beforeRetry: retry, random: 0)
            #expect(full.backoff(beforeRetry: retry, random: 0) == .zero)
            #expect(full.backoff(beforeRetry: retry, random: 1) == cap)
            #expect(equal.backoff(beforeRetry: retry, random: 0) == cap / 2)
            #expect(equal.backoff(beforeRetry: retry, random: 1) == cap)
            for random in stride(from: 0.0, to: 1.0, by: 0.125) {
                let f = full.backoff(beforeRetry: retry, random: random)
                let e = equal.backoff(beforeRetry: retry, random: random)
                #expect(f >= .zero && f <= cap)
                #expect(e >= cap / 2 && e <= cap)
            }
        }
        #expect(full.backoff(beforeRetry: 2, random: 0.5) == .milliseconds(500))
        #expect(equal.backoff(beforeRetry: 2, random: 0.5) == .milliseconds(750))
    }

    @Test("A server-requested wait replaces the backoff, up to the 120 s cap")
    func serverWait() {
        let failure = RetryPolicy.Failure.status(429, isFinal429: false)
        #expect(policy.decide(after: failure, attempt: 1, retryAfter: .seconds(30), random: 0) == .retry(after: .seconds(30)))
        #expect(policy.decide(after: failure, attempt: 1, retryAfter: .zero, random: 0) == .retry(after: .zero))
        #expect(policy.decide(after: failure, attempt: 1, retryAfter: .seconds(120), random: 0) == .retry(after: .seconds(120)))
        #expect(policy.decide(after: failure, attempt: 1, retryAfter: .seconds(121), random: 0) == .stop(.retryAfterTooLong(.seconds(121))))
    }

    @Test("Retry-After in seconds, retry-after-ms first, case-insensitive names")
    func retryAfterHeaders() {
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "7")], now: 0) == .seconds(7))
        #expect(RetryPolicy.retryAfter(headers: [("retry-after", " 0 ")], now: 0) == .zero)
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "1.5")], now: 0) == .milliseconds(1500))
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "7"), ("Retry-After-Ms", "250")], now: 0) == .milliseconds(250))
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "-3")], now: 0) == nil)
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "soon")], now: 0) == nil)
        #expect(RetryPolicy.retryAfter(headers: [("Content-Type", "text/plain")], now: 0) == nil)
    }

    @Test("Retry-After as an HTTP-date, in all three forms; past dates wait zero")
    func retryAfterDates() {
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777 seconds after 1970.
        let now = 784_111_777.0 - 30
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")], now: now) == .seconds(30))
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "Sunday, 06-Nov-94 08:49:37 GMT")], now: now) == .seconds(30))
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "Sun Nov  6 08:49:37 1994")], now: now) == .seconds(30))
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")], now: now + 100) == .zero)
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "Wed, 29 Feb 2028 00:00:00 GMT")], now: 1_835_395_200 - 1) == .seconds(1))
        #expect(RetryPolicy.retryAfter(headers: [("Retry-After", "Sun, 06 Nov 1994 25:49:37 GMT")], now: now) == nil)
    }
}
