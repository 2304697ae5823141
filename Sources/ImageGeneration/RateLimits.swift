import Synchronization

/// What a service's `x-ratelimit-*` headers said about the account's limits (OpenAI's names):
/// `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`
/// and the same for `-tokens` (and `-images`, which some compatible servers send).
public struct RateLimitStatus: Hashable, Sendable, CustomStringConvertible {
    /// One limited quantity: requests, tokens or images.
    public struct Window: Hashable, Sendable {
        /// The limit per window.
        public var limit: Int?
        /// What is left of it.
        public var remaining: Int?
        /// When it is whole again, from the response's arrival.
        public var reset: Duration?

        /// Creates a window.
        public init(limit: Int? = nil, remaining: Int? = nil, reset: Duration? = nil) {
            self.limit = limit
            self.remaining = remaining
            self.reset = reset
        }

        var isEmpty: Bool { limit == nil && remaining == nil && reset == nil }
    }

    /// Requests.
    public var requests = Window()
    /// Tokens.
    public var tokens = Window()
    /// Images.
    public var images = Window()

    /// Creates a status.
    public init(requests: Window = Window(), tokens: Window = Window(), images: Window = Window()) {
        self.requests = requests
        self.tokens = tokens
        self.images = images
    }

    /// Reads the headers (names compared case-insensitively); `nil` when there are none.
    public init?(headers: [(name: String, value: String)]) {
        var status = RateLimitStatus()
        var found = false
        for (name, value) in headers {
            let lowered = name.lowercased()
            guard lowered.hasPrefix("x-ratelimit-") else { continue }
            let parts = lowered.dropFirst("x-ratelimit-".count).split(separator: "-", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let text = value.trimmingWhitespace()
            var window: Window
            switch parts[1] {
            case "requests": window = status.requests
            case "tokens": window = status.tokens
            case "images": window = status.images
            default: continue
            }
            switch parts[0] {
            case "limit": window.limit = Int(text)
            case "remaining": window.remaining = Int(text)
            case "reset": window.reset = Self.parseReset(text)
            default: continue
            }
            found = true
            switch parts[1] {
            case "requests": status.requests = window
            case "tokens": status.tokens = window
            default: status.images = window
            }
        }
        guard found else { return nil }
        self = status
    }

    /// A reset time as OpenAI writes it (`1s`, `6m0s`, `20ms`, `1h2m3.5s`) or plain seconds
    /// (`0.5`); `nil` when it is neither.
    public static func parseReset(_ text: String) -> Duration? {
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return .milliseconds(Int64((seconds * 1000).rounded(.up))) }
        var total = 0.0
        var number = ""
        var rest = Substring(text)
        var sawUnit = false
        while let character = rest.first {
            if character.isNumber || character == "." {
                number.append(character)
                rest = rest.dropFirst()
                continue
            }
            guard let value = Double(number) else { return nil }
            let scale: Double
            if rest.hasPrefix("ms") {
                scale = 0.001
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("h") {
                scale = 3600
                rest = rest.dropFirst()
            } else if rest.hasPrefix("m") {
                scale = 60
                rest = rest.dropFirst()
            } else if rest.hasPrefix("s") {
                scale = 1
                rest = rest.dropFirst()
            } else {
                return nil
            }
            total += value * scale
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty, total.isFinite else { return nil }
        return .milliseconds(Int64((total * 1000).rounded(.up)))
    }

    /// `requests 3/60 left, reset in 1.5 s; tokens 9000/10000 left, reset in 6 s`.
    public var description: String {
        [("requests", requests), ("tokens", tokens), ("images", images)].compactMap { name, window in
            guard !window.isEmpty else { return nil }
            var text = name
            if let remaining = window.remaining { text += " \(remaining)" + (window.limit.map { "/\($0)" } ?? "") + " left" }
            else if let limit = window.limit { text += " limit \(limit)" }
            if let reset = window.reset { text += ", reset in \(GenerationClient.describe(reset))" }
            return text
        }.joined(separator: "; ")
    }
}

/// Keeps a client's requests under the limits its service announces: once the headers say no
/// request (or token, or image) is left in the window, the next request waits for the window's
/// reset instead of running into a 429. Shared by every request of one client, so a batch with
/// several requests in flight counts the ones it has started since the last answer.
///
/// Time is the client's ``GenerationClient/Configuration/now`` (a test's fake clock makes waits
/// exact); a wait ends the window it waited for, whatever the clock then says.
final class RateLimitPacer: Sendable {
    private struct State {
        /// Requests the last answer allowed, less those started since.
        var allowance: Int?
        /// When the window the allowance belongs to resets.
        var resetAt: Duration = .zero
        /// A window the last answer said was spent for tokens or images.
        var blockedUntil: Duration?
    }

    private let state = Mutex(State())

    /// Records what an answer's headers said, at `now`.
    func update(_ status: RateLimitStatus, now: Duration) {
        state.withLock { state in
            if let remaining = status.requests.remaining {
                state.allowance = remaining
                state.resetAt = now + (status.requests.reset ?? .seconds(1))
            }
            let spent = [status.tokens, status.images].compactMap { window -> Duration? in
                guard window.remaining == 0 else { return nil }
                return now + (window.reset ?? .seconds(1))
            }.max()
            state.blockedUntil = spent
        }
    }

    /// Takes one request from the allowance, or says how long to wait first (then call
    /// ``waited(until:)`` and ask again).
    func admit(now: Duration) -> (wait: Duration, until: Duration)? {
        state.withLock { state in
            if let blockedUntil = state.blockedUntil, blockedUntil > now {
                return (blockedUntil - now, blockedUntil)
            }
            state.blockedUntil = nil
            guard let allowance = state.allowance, state.resetAt > now else {
                state.allowance = nil
                return nil
            }
            if allowance <= 0 { return (state.resetAt - now, state.resetAt) }
            state.allowance = allowance - 1
            return nil
        }
    }

    /// The window ending at `deadline` is over: its spent allowance no longer holds.
    func waited(until deadline: Duration) {
        state.withLock { state in
            if state.blockedUntil == deadline { state.blockedUntil = nil }
            if state.resetAt == deadline { state.allowance = nil }
        }
    }
}

/// A client-side request rate (`--rate-limit 5/s`): requests are spaced at least
/// `window / requests` apart, the generic cell rate algorithm with a burst of one, on the
/// configuration's clock. Each of N workers sharing one account takes its share of the limit.
public struct RequestRate: Hashable, Sendable, CustomStringConvertible {
    /// Requests per window.
    public var requests: Int
    /// The window.
    public var window: Duration

    /// A rate of `requests` per `window`; both must be positive.
    public init(requests: Int, window: Duration) {
        precondition(requests > 0 && window > .zero, "a request rate must be positive")
        self.requests = requests
        self.window = window
    }

    /// Parses `N/s`, `N/m` (`N/min`), `N/h`, or `N/` with a count of seconds (`10/30s`).
    public init?(parsing text: String) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let count = Int(pieces[0]), count > 0 else { return nil }
        let unit = pieces[1].lowercased()
        let seconds: Int64
        switch unit {
        case "s", "sec", "second": seconds = 1
        case "m", "min", "minute": seconds = 60
        case "h", "hour": seconds = 3600
        default:
            guard unit.hasSuffix("s"), let value = Int64(unit.dropLast()), value > 0 else { return nil }
            seconds = value
        }
        self.init(requests: count, window: .seconds(seconds))
    }

    /// The spacing between two requests.
    public var interval: Duration { window / requests }

    public var description: String { "\(requests) per \(window)" }
}

/// Spaces requests by a ``RequestRate``: one theoretical arrival time, advanced by the interval at
/// each request.
final class RequestSpacer: Sendable {
    private let interval: Duration
    private let nextAllowed = Mutex<Duration?>(nil)

    init(_ rate: RequestRate) {
        interval = rate.interval
    }

    /// Books the next slot at or after `now`; how long to wait for it.
    func reserve(now: Duration) -> Duration {
        nextAllowed.withLock { next in
            let slot = max(next ?? now, now)
            next = slot + interval
            return slot - now
        }
    }
}
