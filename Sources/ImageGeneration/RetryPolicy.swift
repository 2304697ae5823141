/// When to try a request again and how long to wait first: pure decisions, no I/O and no clock,
/// so every rule is testable without a server.
///
/// Retried: connection failures before the request was sent in full, HTTP 408, 409, 429 rate
/// limits (not credit or quota), and every 5xx. Never retried: final 429s (credit, quota), 400,
/// 401, 403, 404, 422, any other status, the whole-request timeout, and (unless
/// ``retriesUnansweredRequests``) a connection lost after the request was sent in full, which the
/// service may have processed and billed. The wait before retry *k* (1-based) is the server's
/// `retry-after-ms` or `Retry-After` when given (up to ``maximumRetryAfter``; a longer one stops
/// the retries), else `min(maximumBackoff, initialBackoff × 2^(k−1))` with ``jitter``.
///
/// ```swift
/// let policy = RetryPolicy()
/// switch policy.decide(after: .status(503, isFinal429: false), attempt: 1, retryAfter: nil, random: 0.5) {
/// case .retry(let delay): try await Task.sleep(for: delay)
/// case .stop: break
/// }
/// ```
public struct RetryPolicy: Hashable, Sendable {
    /// How the backoff is randomised, so that many clients do not retry in step.
    public enum Jitter: Hashable, Sendable {
        /// Exactly the backoff.
        case none
        /// Uniform in `0 ... backoff` ("full jitter").
        case full
        /// `backoff/2` plus uniform in `0 ... backoff/2` ("equal jitter": never shorter than half).
        case equal
    }

    /// What went wrong with one attempt.
    public enum Failure: Hashable, Sendable {
        /// An HTTP response with this status; `isFinal429` when a 429 means no credit or quota.
        case status(Int, isFinal429: Bool)
        /// The connection failed before the request was sent in full: the service cannot have
        /// processed it.
        case connection
        /// The connection was lost after the request was sent in full, before a complete response:
        /// the service may have processed it, and a retry may be billed a second time.
        case unanswered
        /// The whole-request timeout passed.
        case timeout
    }

    /// Why no retry follows.
    public enum StopReason: Hashable, Sendable {
        /// The failure is final (a client error, credit or quota, a timeout, a request the service may
        /// have processed).
        case notRetryable
        /// ``maximumRetries`` retries were made.
        case attemptsExhausted
        /// The server asked to wait longer than ``maximumRetryAfter``.
        case retryAfterTooLong(Duration)
    }

    /// What to do after a failed attempt.
    public enum Decision: Hashable, Sendable {
        /// Wait this long, then try again.
        case retry(after: Duration)
        /// Give up.
        case stop(StopReason)
    }

    /// Retries after the first attempt (default 2, so at most 3 attempts).
    public var maximumRetries: Int
    /// The backoff before the first retry (default 0.5 s); it doubles each retry.
    public var initialBackoff: Duration
    /// The longest backoff (default 8 s).
    public var maximumBackoff: Duration
    /// The longest server-requested wait honoured (default 120 s).
    public var maximumRetryAfter: Duration
    /// How the backoff is randomised (default ``Jitter/equal``).
    public var jitter: Jitter
    /// Whether to retry ``Failure/unanswered`` too (default `false`): only for a service known not
    /// to bill requests it did not answer, or when a second bill is acceptable.
    public var retriesUnansweredRequests: Bool

    /// Creates a policy.
    public init(
        maximumRetries: Int = 2, initialBackoff: Duration = .milliseconds(500), maximumBackoff: Duration = .seconds(8),
        maximumRetryAfter: Duration = .seconds(120), jitter: Jitter = .equal, retriesUnansweredRequests: Bool = false
    ) {
        self.maximumRetries = maximumRetries
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.maximumRetryAfter = maximumRetryAfter
        self.jitter = jitter
        self.retriesUnansweredRequests = retriesUnansweredRequests
    }

    /// Whether a failure of this kind is worth another attempt under the default rules
    /// (``Failure/unanswered`` is not: see ``retriesUnansweredRequests``).
    public static func isRetryable(_ failure: Failure) -> Bool {
        switch failure {
        case .connection: true
        case .unanswered, .timeout: false
        case .status(let status, let isFinal429):
            switch status {
            case 408, 409: true
            case 429: !isFinal429
            case 500...599: true
            default: false
            }
        }
    }

    /// The backoff before retry number `retry` (1-based), randomised by `random` in `0..<1`.
    ///
    /// `min(maximumBackoff, initialBackoff × 2^(retry−1))`, then: ``Jitter/none`` keeps it,
    /// ``Jitter/full`` scales it by `random`, ``Jitter/equal`` gives `half + half × random`.
    public func backoff(beforeRetry retry: Int, random: Double) -> Duration {
        let doublings = max(0, min(retry - 1, 62))
        let base = initialBackoff.seconds * Double(UInt64(1) << UInt64(doublings))
        let capped = min(base, maximumBackoff.seconds)
        let unit = min(max(random, 0), 1)
        let seconds = switch jitter {
        case .none: capped
        case .full: capped * unit
        case .equal: capped / 2 + capped / 2 * unit
        }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Decides whether to retry after attempt number `attempt` (1-based) failed.
    ///
    /// - Parameters:
    ///   - failure: what went wrong.
    ///   - attempt: how many attempts have been made, this one included.
    ///   - retryAfter: the server's requested wait (see ``retryAfter(headers:now:)``).
    ///   - random: a number in `0..<1` for the jitter.
    public func decide(after failure: Failure, attempt: Int, retryAfter: Duration?, random: Double) -> Decision {
        guard Self.isRetryable(failure) || (failure == .unanswered && retriesUnansweredRequests) else { return .stop(.notRetryable) }
        guard attempt <= maximumRetries else { return .stop(.attemptsExhausted) }
        if let retryAfter {
            if retryAfter > maximumRetryAfter { return .stop(.retryAfterTooLong(retryAfter)) }
            return .retry(after: max(retryAfter, .zero))
        }
        return .retry(after: backoff(beforeRetry: attempt, random: random))
    }

    /// The wait a response asks for: `retry-after-ms` (milliseconds, OpenAI) when present, else
    /// `Retry-After` as seconds or an HTTP-date (RFC 9110 §10.2.3). A date in the past gives zero.
    ///
    /// - Parameters:
    ///   - headers: the response headers (names compared case-insensitively).
    ///   - now: the current time as seconds since 1970, for HTTP-dates.
    /// - Returns: the wait, or `nil` when neither header is present and valid.
    public static func retryAfter(headers: [(name: String, value: String)], now: Double) -> Duration? {
        func value(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value.trimmingWhitespace()
        }
        if let text = value("retry-after-ms"), let milliseconds = Double(text), milliseconds.isFinite, milliseconds >= 0 {
            return .nanoseconds(Int64(min(milliseconds, 1e12) * 1e6))
        }
        guard let text = value("retry-after") else { return nil }
        if let seconds = Int(text) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
        }
        guard let date = HTTPDate.secondsSince1970(text) else { return nil }
        let wait = Double(date) - now
        return wait <= 0 ? .zero : .nanoseconds(Int64(min(wait, 1e9) * 1e9))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// HTTP-dates (RFC 9110 §5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete
/// RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994` forms.
enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since 1970-01-01T00:00:00Z, or `nil` when `text` is not an HTTP-date.
    static func secondsSince1970(_ text: String) -> Int64? {
        var day: Int?, month: Int?, year: Int?, time: (Int, Int, Int)?
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        for token in tokens {
            if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if token.contains("-") {
                // RFC 850: 06-Nov-94
                let parts = token.split(separator: "-").map(String.init)
                guard parts.count == 3, let d = Int(parts[0]), let m = months.firstIndex(of: parts[1].lowercased()),
                      let y = Int(parts[2]) else { return nil }
                day = d
                month = m + 1
                // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
                year = y < 100 ? (y + 2000 > 2026 + 50 ? y + 1900 : y + 2000) : y
            } else if let m = months.firstIndex(of: token.lowercased()) {
                month = m + 1
            } else if let number = Int(token) {
                if token.count == 4 { year = number } else { day = number }
            }
        }
        guard let day, let month, let year, let time, (1...31).contains(day),
              (0...23).contains(time.0), (0...59).contains(time.1), (0...60).contains(time.2) else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(time.0 * 3600 + time.1 * 60 + time.2)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
