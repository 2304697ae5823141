extension SandboxLatency {
    /// Parses a latency as written on the command line: `0`, `200ms`, `1.5s`, or a range
    /// `100ms...800ms` drawn uniformly per request.
    ///
    /// - Throws: ``SandboxError`` with `.invalidConfiguration` naming the text.
    public init(parsing text: String) throws(SandboxError) {
        let parts = text.split(separator: "...", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            let duration = try Self.duration(parts[0], in: text)
            self = duration == .zero ? .none : .fixed(duration)
        case 2:
            let lower = try Self.duration(parts[0], in: text), upper = try Self.duration(parts[1], in: text)
            guard lower <= upper else {
                throw SandboxError(.invalidConfiguration, "latency range '\(text)' runs backwards")
            }
            self = .range(lower...upper)
        default:
            throw SandboxError(.invalidConfiguration, "latency '\(text)' is neither a duration (200ms, 1.5s) nor a range (100ms...800ms)")
        }
    }

    private static func duration(_ text: Substring, in whole: String) throws(SandboxError) -> Duration {
        let (number, scale): (Substring, Double) =
            text.hasSuffix("ms") ? (text.dropLast(2), 1e-3)
            : text.hasSuffix("s") ? (text.dropLast(1), 1)
            : (text, 1e-3)
        guard let value = Double(number), value >= 0, value.isFinite, value * scale <= 3600 else {
            throw SandboxError(.invalidConfiguration, "latency '\(whole)': '\(text)' is not a duration such as 200ms or 1.5s (at most 1 hour)")
        }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }
}

extension SandboxFault {
    /// Parses a fault as written on the command line: `KIND[:RATE][:first=N][:retry-after=S]`.
    ///
    /// `KIND` is `429` (rate limited), `429-credit` or `credit` (insufficient credit, final),
    /// `503` (unavailable), `500` (server error), or any other status 400…599. `RATE` is 0…1
    /// (default 1); `first=N` limits the fault to the first N generation requests; `retry-after=S`
    /// is 0 to 86400 seconds (one day).
    ///
    /// ```swift
    /// try SandboxFault(parsing: "503:0.2")            // one request in five gets 503
    /// try SandboxFault(parsing: "503:first=2")        // the first two requests get 503
    /// try SandboxFault(parsing: "429-credit:0.1")     // one in ten runs out of credit
    /// ```
    /// - Parameter defaultRetryAfter: The `Retry-After` seconds when the text names none.
    /// - Throws: ``SandboxError`` with `.invalidConfiguration` naming the part that is wrong.
    public init(parsing text: String, defaultRetryAfter: Int? = nil) throws(SandboxError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let kind: Kind
        switch parts[0].lowercased() {
        case "429": kind = .rateLimited
        case "429-credit", "credit": kind = .insufficientCredit
        case "503": kind = .unavailable
        case "500": kind = .serverError
        case "moderation": kind = .moderation
        case let other:
            guard let code = Int(other), (400...599).contains(code) else {
                throw SandboxError(.invalidConfiguration, "fault '\(text)': '\(other)' is not 429, 429-credit, 503, 500, moderation or a status 400-599")
            }
            kind = .status(code)
        }
        var rate = 1.0
        var retryAfter = defaultRetryAfter
        var first: Int?
        for part in parts.dropFirst() {
            if part.hasPrefix("first=") {
                guard let count = Int(part.dropFirst(6)), count >= 0 else {
                    throw SandboxError(.invalidConfiguration, "fault '\(text)': '\(part)' needs a count, such as first=2")
                }
                first = count
            } else if part.hasPrefix("retry-after=") {
                guard let seconds = Int(part.dropFirst(12)), (0...86400).contains(seconds) else {
                    throw SandboxError(.invalidConfiguration, "fault '\(text)': '\(part)' needs whole seconds from 0 to 86400, such as retry-after=0")
                }
                retryAfter = seconds
            } else if let value = Double(part), (0...1).contains(value) {
                rate = value
            } else {
                throw SandboxError(.invalidConfiguration, "fault '\(text)': '\(part)' is not a rate 0-1, first=N or retry-after=S")
            }
        }
        self.init(kind, rate: rate, retryAfter: retryAfter, firstRequests: first)
    }
}
