#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCore

/// How a ``SandboxServer`` behaves: where it listens, and which real-service behaviours it emulates.
///
/// The defaults answer every valid request at once with a correct PNG:
///
/// ```swift
/// var configuration = SandboxConfiguration()
/// configuration.port = 0                               // any free port
/// configuration.latency = .range(.milliseconds(50) ... .milliseconds(200))
/// configuration.faults = [SandboxFault(.unavailable, retryAfter: 0, firstRequests: 2)]
/// let server = try await SandboxServer.start(configuration)
/// ```
public struct SandboxConfiguration: Sendable {
    /// The address to bind (default `127.0.0.1`).
    public var host: String
    /// The TCP port to bind; `0` picks any free port (read the bound one from ``SandboxServer/port``).
    public var port: Int
    /// How long to wait before answering each generation request.
    public var latency: SandboxLatency
    /// Failures to inject into generation requests; the first fault that fires answers the request.
    public var faults: [SandboxFault]
    /// When set, generation requests must carry `Authorization: Bearer <token>` or get 401.
    public var requiredToken: String?
    /// Images come back at half the requested width and height (rounded down, at least 1 pixel),
    /// as a misbehaving service would.
    public var wrongSize: Bool
    /// Images come back all black, as a content filter would answer.
    public var blackImages: Bool
    /// The format of images when the request does not name one.
    public var defaultFormat: SandboxImageFormat
    /// Seeds the random choices (latency in a range, fault rates, response ids): the same seed
    /// gives the same sequence of choices.
    public var seed: UInt64
    /// The largest request body accepted; a larger one gets 413.
    public var maximumBodySize: Int
    /// The largest edit (multipart) body accepted, images included (default 64 MiB); a larger
    /// one gets 413.
    public var maximumUploadSize: Int = 64 << 20
    /// The most bytes (encoded image plus its base64 text) the image cache keeps; the oldest
    /// entries are evicted past it.
    public var cacheByteLimit: Int
    /// When set, only the first this-many generation requests are answered; later ones are held
    /// open without an answer, as a service that stopped responding would, until the client gives
    /// up or the server shuts down (then they get 503). Tests use it to interrupt or time out a
    /// batch at a known point instead of racing a clock.
    public var answeredRequests: Int?
    /// The most images rendered at once (default: one fewer than the cores, at least one). Renders
    /// past it wait without holding a thread, so a burst of large requests leaves a thread free
    /// for `/health`, cache hits and downloads.
    public var concurrentRenders: Int
    /// Called on the rendering thread before each render: a test hook that can hold renders.
    package var beforeRender: (@Sendable () -> Void)?
    /// How long a connection may sit without sending a complete request part (default 30 s): a
    /// client that opens connections and trickles or never sends its headers is disconnected.
    public var idleTimeout: Duration
    /// When set, at most this many generation requests per window, as OpenAI limits an account:
    /// every answer carries `x-ratelimit-limit-requests`, `-remaining-requests` and
    /// `-reset-requests`, and a request past the limit gets 429 `rate_limit_exceeded` with
    /// `Retry-After`. The window starts at its first request.
    public var rateLimit: (requests: Int, window: Duration)?

    /// Creates a configuration; the defaults listen on `127.0.0.1:8080`, answer at once, inject no
    /// faults, need no token, serve PNG, accept bodies up to 1 MiB and cache up to 512 MiB.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        latency: SandboxLatency = .none,
        faults: [SandboxFault] = [],
        requiredToken: String? = nil,
        wrongSize: Bool = false,
        blackImages: Bool = false,
        defaultFormat: SandboxImageFormat = .png,
        seed: UInt64 = 0,
        maximumBodySize: Int = 1 << 20,
        cacheByteLimit: Int = 512 << 20,
        answeredRequests: Int? = nil,
        concurrentRenders: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1),
        idleTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.latency = latency
        self.faults = faults
        self.requiredToken = requiredToken
        self.wrongSize = wrongSize
        self.blackImages = blackImages
        self.defaultFormat = defaultFormat
        self.seed = seed
        self.maximumBodySize = maximumBodySize
        self.cacheByteLimit = cacheByteLimit
        self.answeredRequests = answeredRequests
        self.concurrentRenders = concurrentRenders
        self.idleTimeout = idleTimeout
        self.rateLimit = nil
    }
}

/// How long the sandbox waits before answering a generation request.
public enum SandboxLatency: Hashable, Sendable {
    /// Answer at once.
    case none
    /// Wait this long every time.
    case fixed(Duration)
    /// Wait a duration drawn uniformly from this range (with the configuration's seeded generator).
    case range(ClosedRange<Duration>)
}

/// The image formats the sandbox can serve.
public enum SandboxImageFormat: String, Hashable, Sendable, CaseIterable {
    /// PNG, RGB 8-bit, zlib level 6.
    case png
    /// Lossy WebP, quality 90 (or the request's `output_compression`).
    case webp
    /// JPEG, quality 90 (or the request's `output_compression`), 4:2:0 below 90 (as Together,
    /// Black Forest Labs, OpenAI with `output_format: jpeg` and Nebius with
    /// `response_extension: jpg` answer).
    case jpeg

    /// The image format of the bytes served.
    public var imageFormat: ImageFormat {
        switch self {
        case .png: .png
        case .webp: .webp
        case .jpeg: .jpeg
        }
    }
}

/// A failure the sandbox injects into generation requests, as a real service sometimes answers.
///
/// ```swift
/// // The first two requests get 503 with `Retry-After: 0`, every later one succeeds.
/// SandboxFault(.unavailable, retryAfter: 0, firstRequests: 2)
/// // One request in ten, at random, gets a final "insufficient credit" 429.
/// SandboxFault(.insufficientCredit, rate: 0.1)
/// ```
public struct SandboxFault: Hashable, Sendable {
    /// What the failure looks like.
    public enum Kind: Hashable, Sendable {
        /// 429 with the dialect's "out of credit / quota" error: final, retrying does not help.
        case insufficientCredit
        /// 429 with `Retry-After` (1 second unless ``SandboxFault/retryAfter`` says otherwise).
        case rateLimited
        /// 503 with `Retry-After` (1 second unless ``SandboxFault/retryAfter`` says otherwise).
        case unavailable
        /// 500 with the dialect's server error.
        case serverError
        /// Any HTTP status (400…599), with a generic error body in the dialect.
        case status(Int)
        /// 400 with OpenAI's safety refusal (`type: image_generation_user_error`,
        /// `code: moderation_blocked`): final, retrying does not help.
        case moderation
    }

    /// What the failure looks like.
    public var kind: Kind
    /// The probability, 0…1, that an eligible request gets this fault.
    public var rate: Double
    /// The `Retry-After` value in seconds (also sent as `retry-after-ms`); `nil` sends none, except
    /// for `.rateLimited` and `.unavailable`, which then send 1 second.
    public var retryAfter: Int?
    /// When set, only the first this-many generation requests the server receives are eligible.
    public var firstRequests: Int?

    /// Creates a fault.
    ///
    /// - Parameters:
    ///   - kind: What the failure looks like.
    ///   - rate: The probability (clamped to 0…1) that an eligible request fails; default 1.
    ///   - retryAfter: Seconds to send in `Retry-After`, when any.
    ///   - firstRequests: Only the first this-many generation requests are eligible.
    public init(_ kind: Kind, rate: Double = 1, retryAfter: Int? = nil, firstRequests: Int? = nil) {
        self.kind = kind
        self.rate = min(max(rate, 0), 1)
        self.retryAfter = retryAfter
        self.firstRequests = firstRequests
    }

    /// The HTTP status this fault answers with.
    public var status: Int {
        switch kind {
        case .insufficientCredit, .rateLimited: 429
        case .unavailable: 503
        case .serverError: 500
        case .status(let code): code
        case .moderation: 400
        }
    }

    /// The `Retry-After` seconds actually sent, after the per-kind default.
    var effectiveRetryAfter: Int? {
        if let retryAfter { return retryAfter }
        switch kind {
        case .rateLimited, .unavailable: return 1
        default: return nil
        }
    }
}
