public import AsyncHTTPClient
import ImageCore
import ImageResponses
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Calls an image-generation service (`POST {base}/images/generations`) and returns verified
/// image bytes: base64 payloads decoded straight from the response body, `url` results downloaded
/// at once, every image recognised by its magic numbers.
///
/// ```swift
/// let client = GenerationClient(profile: .nscale, token: ProviderProfile.nscale.token(in: environment))
/// do {
///     let result = try await client.generate(GenerationRequest(prompt: "a red fox", count: 2))
///     for image in result.images { print(image.index, image.format, image.bytes.count) }
/// } catch {
///     print("error: \(error)")  // one line: provider, status, message, hint; never the token
/// }
/// try await client.shutdown()
/// ```
///
/// Call ``shutdown()`` when done: a client that created its own `HTTPClient` must shut it down.
/// The token is sent only in the `Authorization: Bearer` header; it never appears in errors,
/// results or logs, and nothing here logs headers.
public final class GenerationClient: Sendable {
    /// Limits, timeouts and retry rules.
    public struct Configuration: Sendable {
        /// Limits for downloading `url` results.
        public struct Download: Hashable, Sendable {
            /// The largest image accepted, in bytes (default 256 MiB); a larger one is an error and
            /// is not read further.
            public var maximumBytes: Int
            /// Redirects followed per URL (default 3); each hop must be `http` or `https`.
            public var maximumRedirects: Int
            /// The time one download may take, redirects included (default 120 s).
            public var timeout: Duration

            /// Creates download limits.
            public init(maximumBytes: Int = 256 << 20, maximumRedirects: Int = 3, timeout: Duration = .seconds(120)) {
                self.maximumBytes = maximumBytes
                self.maximumRedirects = maximumRedirects
                self.timeout = timeout
            }
        }

        /// The time to open a connection (default 10 s). Applies to clients this one creates.
        public var connectTimeout: Duration
        /// The time one attempt may take, from sending to the last body byte (default 600 s).
        /// Not retried when it passes.
        public var requestTimeout: Duration
        /// The largest response body accepted, in bytes (default 512 MiB); a larger one is an
        /// error and is not buffered beyond the limit.
        public var maximumResponseBytes: Int
        /// When to retry and how long to wait.
        public var retry: RetryPolicy
        /// Limits for `url` results.
        public var download: Download
        /// The `User-Agent` header.
        public var userAgent: String
        /// Waits between attempts; replace it in tests so they do not wait. It must throw when the
        /// task is cancelled.
        public var sleep: @Sendable (Duration) async throws -> Void
        /// A number in `0..<1` for the backoff jitter.
        public var random: @Sendable () -> Double
        /// Wait for the window's reset when the service's `x-ratelimit-*` headers say nothing is
        /// left, rather than run into a 429 (default on; ``RateLimitStatus``).
        public var pacesByRateLimitHeaders: Bool = true
        /// At most this many requests per window from this client, attempts and retries included
        /// (`--rate-limit`); `nil` for no limit of our own. Waits count as `rate_limit_wait`.
        public var requestRate: RequestRate?
        /// The time now, on any fixed origin: what rate-limit windows are measured with. Replace
        /// it in tests with a fake clock.
        public var now: @Sendable () -> Duration = { ContinuousClock.now - GenerationClient.clockOrigin }

        /// Creates a configuration; every parameter has the documented default.
        public init(
            connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(600),
            maximumResponseBytes: Int = 512 << 20, retry: RetryPolicy = RetryPolicy(), download: Download = Download(),
            userAgent: String = "imagepipe",
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maximumResponseBytes = maximumResponseBytes
            self.retry = retry
            self.download = download
            self.userAgent = userAgent
            self.sleep = sleep
            self.random = random
        }
    }

    /// The provider's rules.
    public let profile: ProviderProfile
    /// The API base URL used (without a trailing slash), or `nil` when neither the profile nor
    /// the initialiser gave one (``generate(_:)`` then fails with ``GenerationError/Code/invalidRequest``).
    public let baseURL: String?
    /// Limits, timeouts and retry rules.
    public let configuration: Configuration
    /// The URL posted to: `{baseURL}/images/generations`.
    public var endpoint: String { (baseURL ?? "") + "/images/generations" }

    let token: String?
    let httpClient: HTTPClient
    let ownsHTTPClient: Bool
    let pacer = RateLimitPacer()
    let spacer: RequestSpacer?
    /// The origin of ``Configuration/now``'s default clock.
    static let clockOrigin = ContinuousClock.now

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - profile: the provider's rules.
    ///   - token: the bearer token (blank counts as none); required when the profile says so.
    ///   - baseURL: overrides the profile's base URL (`--base-url`), e.g. `http://127.0.0.1:8080/v1`.
    ///   - configuration: limits, timeouts and retry rules.
    ///   - httpClient: an `HTTPClient` to share; it stays the caller's to shut down, and should not
    ///     follow redirects itself (downloads follow them here, checking each hop). By default the
    ///     client creates its own on the shared event loop group, with the connect timeout.
    public init(profile: ProviderProfile, token: String?, baseURL: String? = nil, configuration: Configuration = .init(), httpClient: HTTPClient? = nil) {
        self.profile = profile
        let trimmedToken = token?.trimmingWhitespace()
        self.token = trimmedToken?.isEmpty == false ? trimmedToken : nil
        var base = (baseURL ?? profile.baseURL)?.trimmingWhitespace()
        while base?.hasSuffix("/") == true { base?.removeLast() }
        self.baseURL = base?.isEmpty == false ? base : nil
        self.configuration = configuration
        spacer = configuration.requestRate.map(RequestSpacer.init)
        if let httpClient {
            self.httpClient = httpClient
            self.ownsHTTPClient = false
        } else {
            let clientConfiguration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: TimeAmount(configuration.connectTimeout))
            )
            self.httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            self.ownsHTTPClient = true
        }
    }

    /// Shuts down the `HTTPClient` if this client created it; call it once, when done.
    public func shutdown() async throws {
        if ownsHTTPClient { try await httpClient.shutdown() }
    }

    /// Generates images.
    ///
    /// Writes the body for the profile, posts it with the bearer token, retries per
    /// ``Configuration/retry``, reads the body with ``ImagesResponse/init(parsing:decoder:)``
    /// (base64 decoded straight from the body), downloads `url` results concurrently, and
    /// recognises every image by its magic numbers.
    ///
    /// Errors are typed: every failure, a cancelled task included, is a ``GenerationError``.
    ///
    /// - Throws: ``GenerationError`` with the provider's message, a hint and the attempts made.
    /// - Parameter onPartialImage: with ``GenerationRequest/stream``, called with each partial
    ///   image as its event arrives (on a networking thread: hand it on, do not block). A service
    ///   that answers a stream request with a plain JSON body is read as one; the answer's content
    ///   type decides.
    public func generate(
        _ request: GenerationRequest, onPartialImage: @escaping @Sendable (PartialImage) -> Void = { _ in }
    ) async throws(GenerationError) -> GenerationResult {
        // Every failure leaves through here, so a token that a service echoed into any text an
        // error quotes (a message, a URL, a redirect's Location) is scrubbed in one place.
        do { return try await generateUnscrubbed(request, onPartialImage: onPartialImage) } catch { throw error.scrubbed(of: token) }
    }

    /// Edits images (`POST {base}/images/edits`, multipart): the images as `image[]` parts (one
    /// `image` part when there is one), the mask, and the options as form fields.
    ///
    /// The edit is checked first (``ImageEditRequest/validate(for:)``: the profile has edits, at
    /// most 16 images, the mask's rules, `input_fidelity` only where the model takes it), so a
    /// refused edit sends nothing. The files are read as the body is written, for each attempt.
    /// Everything after the request (streaming, retries, errors, URL results) is as for
    /// ``generate(_:onPartialImage:)``.
    ///
    /// - Throws: ``GenerationError``; a file that changed since it was checked is an
    ///   ``GenerationError/Code/invalidRequest``, not retried.
    public func edit(
        _ request: ImageEditRequest, onPartialImage: @escaping @Sendable (PartialImage) -> Void = { _ in }
    ) async throws(GenerationError) -> GenerationResult {
        do {
            try checkReady()
            try request.validate(for: profile)
            let fields = try request.formFields(for: profile)
            let imageName = request.images.count == 1 ? "image" : "image[]"
            var parts = request.images.map { MultipartFormBody.Part.file(name: imageName, file: $0) }
            if let mask = request.mask { parts.append(.file(name: "mask", file: mask)) }
            parts += fields.fields.map { .field(name: $0.name, value: JSONString.unquoted($0.json) ?? $0.json) }
            let form = MultipartFormBody(parts: parts)
            let outgoing = Outgoing(
                url: editsEndpoint, contentType: form.contentType, body: form.requestBody(on: httpClient.eventLoopGroup), fields: fields
            )
            return try await perform(outgoing, request: request.options, onPartialImage: onPartialImage)
        } catch {
            throw error.scrubbed(of: token)
        }
    }

    /// The URL edits are posted to: `{baseURL}/images/edits`.
    public var editsEndpoint: String { (baseURL ?? "") + "/images/edits" }

    /// A request ready to post: where, its content type and body, and its fields for the result.
    struct Outgoing {
        var url: String
        var contentType: String
        var body: HTTPClient.Body
        var fields: RequestBody
    }

    /// Refuses to start without a usable base URL, or without a token the profile requires.
    private func checkReady() throws(GenerationError) {
        guard let baseURL else {
            throw GenerationError(.invalidRequest, provider: profile.name, "\(profile.name) needs a base URL (--base-url)")
        }
        guard baseURL.lowercased().hasPrefix("http://") || baseURL.lowercased().hasPrefix("https://") else {
            throw GenerationError(.invalidRequest, provider: profile.name, "the base URL \(RedactedURL(baseURL)) must start with http:// or https://")
        }
        if profile.requiresToken && token == nil {
            throw GenerationError(
                .missingToken, provider: profile.name, "\(profile.displayName) needs a token and none was given",
                hint: GenerationError.hint(for: .missingToken, status: nil, profile: profile, model: nil)
            )
        }
    }

    private func generateUnscrubbed(
        _ request: GenerationRequest, onPartialImage: @escaping @Sendable (PartialImage) -> Void
    ) async throws(GenerationError) -> GenerationResult {
        try checkReady()
        let body = try request.body(for: profile)
        let outgoing = Outgoing(url: endpoint, contentType: "application/json", body: .bytes(body.bytes), fields: body)
        return try await perform(outgoing, request: request, onPartialImage: onPartialImage)
    }

    /// Posts `outgoing` (with retries), reads the answer (JSON or an event stream) and collects
    /// its images.
    private func perform(
        _ outgoing: Outgoing, request: GenerationRequest, onPartialImage: @escaping @Sendable (PartialImage) -> Void
    ) async throws(GenerationError) -> GenerationResult {
        let clock = ContinuousClock()
        let start = clock.now
        let model = request.model ?? profile.defaultModel
        let exchange = try await post(outgoing, model: model, streaming: request.stream ? onPartialImage : nil)

        var timings = exchange.timings
        var response: ImagesResponse
        if let events = exchange.events {
            // A stream's payloads were decoded as its events arrived.
            response = try streamedResponse(events, exchange: exchange, model: model)
        } else {
            let decodeStart = clock.now
            let parsed: Result<ImagesResponse, ImagesResponseError> = exchange.body.withUnsafeReadableBytes { bytes in
                do throws(ImagesResponseError) { return .success(try ImagesResponse(parsing: bytes)) } catch { return .failure(error) }
            }
            timings.decode = clock.now - decodeStart
            switch parsed {
            case .success(let value): response = value
            case .failure(let error):
                throw GenerationError(
                    .invalidResponse, provider: profile.name, status: exchange.status,
                    "the response body (\(exchange.body.readableBytes) bytes) is not an images response: \(error.message)",
                    attempts: exchange.attempts, byteOffset: error.byteOffset
                )
            }
        }
        if let error = response.error {
            throw GenerationError.fromProviderError(error, status: exchange.status, profile: profile, token: token, model: model, attempts: exchange.attempts)
        }

        // Scrubbed as it enters our types, so that nothing read from the response can carry the
        // token into a sidecar, a text chunk or a --json line; only the download itself uses a URL
        // as the service sent it.
        let fetchURLs = response.images.map(\.url)
        response.scrub(token: token)

        let downloadStart = clock.now
        let images = try await collectImages(response, fetching: fetchURLs, status: exchange.status, attempts: exchange.attempts)
        if images.contains(where: { if case .url = $0.source { true } else { false } }) {
            timings.download = clock.now - downloadStart
        }
        timings.total = clock.now - start
        var result = GenerationResult(
            images: images, created: response.created, id: response.id, usage: response.usage, status: exchange.status,
            attempts: exchange.attempts, timings: timings, provider: profile.name, endpoint: outgoing.url,
            requestBody: outgoing.fields, responseBytes: exchange.events?.byteCount ?? exchange.body.readableBytes
        )
        result.rateLimits = exchange.rateLimits
        result.partialImageCount = exchange.events?.partialCount ?? 0
        return result
    }

    // MARK: - Posting with retries

    /// A successful (2xx) exchange.
    struct Exchange {
        var status: Int
        var body: ByteBuffer
        var attempts: Int
        var timings: GenerationResult.Timings
        var rateLimits: RateLimitStatus?
        /// A streamed answer's events, when the answer was a `text/event-stream`.
        var events: EventStreamReader.Outcome?
    }

    /// One attempt's HTTP outcome.
    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
        var head: Duration
        var bodyTime: Duration
        var events: EventStreamReader.Outcome?
    }

    private func post(_ outgoing: Outgoing, model: String?, streaming onPartial: (@Sendable (PartialImage) -> Void)? = nil) async throws(GenerationError) -> Exchange {
        let endpoint = outgoing.url
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: outgoing.contentType)
        headers.add(name: "Accept", value: onPartial == nil ? "application/json" : "text/event-stream, application/json")
        headers.add(name: "User-Agent", value: configuration.userAgent)
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: endpoint, method: .POST, headers: headers, body: outgoing.body)
        } catch {
            throw GenerationError(.invalidRequest, provider: profile.name, "the endpoint \(RedactedURL(endpoint)) is not a usable URL: \(error)")
        }

        var attempt = 0
        var retryWaits = Duration.zero
        var rateLimitWaits = Duration.zero
        let clock = ContinuousClock()
        while true {
            attempt += 1
            if Task.isCancelled { throw cancelled(attempts: attempt - 1) }
            // Under the announced limits: wait for the window's reset rather than draw a 429.
            while configuration.pacesByRateLimitHeaders, let pause = pacer.admit(now: configuration.now()) {
                let waitStart = clock.now
                do { try await configuration.sleep(pause.wait) } catch { throw cancelled(attempts: attempt - 1) }
                if Task.isCancelled { throw cancelled(attempts: attempt - 1) }
                rateLimitWaits += clock.now - waitStart
                pacer.waited(until: pause.until)
            }
            if let spacer {
                let wait = spacer.reserve(now: configuration.now())
                if wait > .zero {
                    let waitStart = clock.now
                    do { try await configuration.sleep(wait) } catch { throw cancelled(attempts: attempt - 1) }
                    if Task.isCancelled { throw cancelled(attempts: attempt - 1) }
                    rateLimitWaits += clock.now - waitStart
                }
            }
            let failure: RetryPolicy.Failure
            var finalError: GenerationError
            var retryAfter: Duration?
            do throws(TransportFailure) {
                let reply = try await send(request, events: onPartial.map { EventStreamReader(onPartial: $0) })
                let rateLimits = RateLimitStatus(headers: reply.headers.map { (name: $0.name, value: $0.value) })
                if let rateLimits { pacer.update(rateLimits, now: configuration.now()) }
                if (200..<300).contains(reply.status) {
                    var timings = GenerationResult.Timings(responseHead: reply.head, bodyReceived: reply.bodyTime, retryWaits: retryWaits)
                    timings.rateLimitWaits = rateLimitWaits
                    return Exchange(status: reply.status, body: reply.body, attempts: attempt, timings: timings, rateLimits: rateLimits, events: reply.events)
                }
                finalError = reply.body.withUnsafeReadableBytes { bytes in
                    GenerationError.fromResponse(status: reply.status, body: bytes, profile: profile, token: token, model: model, attempts: attempt)
                }
                failure = .status(reply.status, isFinal429: finalError.code == .insufficientCredit)
                let headers = reply.headers.map { (name: $0.name, value: $0.value) }
                retryAfter = RetryPolicy.retryAfter(headers: headers, now: Date().timeIntervalSince1970)
            } catch {
                switch error {
                case .cancelled: throw cancelled(attempts: attempt)
                case .upload(let message):
                    throw GenerationError(.invalidRequest, provider: profile.name, message + ": the request was not completed", attempts: attempt)
                case .tooLarge:
                    throw GenerationError(
                        .responseTooLarge, provider: profile.name,
                        "the response body is larger than \(Self.describeBytes(configuration.maximumResponseBytes))",
                        hint: GenerationError.hint(for: .responseTooLarge, status: nil, profile: profile, model: model), attempts: attempt
                    )
                case .timeout:
                    failure = .timeout
                    finalError = GenerationError(
                        .timeout, provider: profile.name, "no complete response within \(Self.describe(configuration.requestTimeout))",
                        hint: GenerationError.hint(for: .timeout, status: nil, profile: profile, model: model), attempts: attempt
                    )
                case .connection(let description, let requestSent):
                    failure = requestSent ? .unanswered : .connection
                    finalError = GenerationError(
                        .connection, provider: profile.name,
                        GenerationError.scrub(description, token: token)
                            + (requestSent ? " after the request was sent in full, before a complete response" : "")
                            + " (\(RedactedURL(endpoint)))"
                            + (requestSent ? ": the service may have processed it, and may bill it" : ""),
                        hint: GenerationError.hint(for: .connection, status: nil, profile: profile, model: model), attempts: attempt
                    )
                }
            }

            // A safety refusal is final whatever status it came with: the same prompt is refused again.
            if finalError.code == .moderationBlocked { throw finalError }
            switch configuration.retry.decide(after: failure, attempt: attempt, retryAfter: retryAfter, random: configuration.random()) {
            case .retry(let delay):
                let waitStart = clock.now
                do { try await configuration.sleep(delay) } catch { throw cancelled(attempts: attempt) }
                if Task.isCancelled { throw cancelled(attempts: attempt) }
                retryWaits += clock.now - waitStart
            case .stop(let reason):
                if case .retryAfterTooLong(let wait) = reason {
                    finalError.message += " (the service asked to wait \(Self.describe(wait)), more than the \(Self.describe(configuration.retry.maximumRetryAfter)) limit)"
                }
                if failure == .unanswered && reason == .notRetryable {
                    finalError.message += "; not retried"
                    finalError.hint = "check the service's usage or billing before trying again; --retry-unanswered retries such requests"
                }
                throw finalError
            }
        }
    }

    /// A failure below HTTP: what ``send(_:)`` throws.
    enum TransportFailure: Error {
        /// `requestSent`: the whole request had been written when the connection failed.
        case cancelled, timeout, tooLarge, connection(String, requestSent: Bool)
        /// An input file could not be read as checked (``UploadFileError``).
        case upload(String)
    }

    /// Sends one attempt and reads the whole body, within the request timeout.
    private func send(_ request: HTTPClient.Request, events: EventStreamReader? = nil) async throws(TransportFailure) -> Reply {
        let httpClient = self.httpClient
        let timeout = configuration.requestTimeout
        let collector = ReplyCollector(maximumBytes: configuration.maximumResponseBytes, events: events)
        do {
            return try await Self.withTimeout(timeout) {
                let task = httpClient.execute(request: request, delegate: collector, deadline: .now() + TimeAmount(timeout))
                return try await withTaskCancellationHandler {
                    try await task.futureResult.get()
                } onCancel: {
                    task.cancel()
                }
            }
        } catch {
            throw Self.transportFailure(error, requestSent: collector.requestSent)
        }
    }

    /// Maps an error from AsyncHTTPClient, NIO or the timeout race; `requestSent` tells a
    /// connection lost after the whole request was written.
    static func transportFailure(_ error: any Error, requestSent: Bool = false) -> TransportFailure {
        if let error = error as? UploadFileError { return .upload(error.description) }
        if Task.isCancelled || error is CancellationError { return .cancelled }
        if error is TimeoutReached { return .timeout }
        if error is NIOTooManyBytesError { return .tooLarge }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return .cancelled
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timeout
            case .connectTimeout: return .connection("could not connect within the connect timeout", requestSent: requestSent)
            case .remoteConnectionClosed: return .connection("the service closed the connection", requestSent: requestSent)
            default: return .connection(String(describing: error), requestSent: requestSent)
            }
        }
        return .connection(String(describing: error), requestSent: requestSent)
    }

    /// The whole-attempt timer lost the race.
    struct TimeoutReached: Error {}

    /// Runs `operation`, cancelling it and throwing ``TimeoutReached`` after `timeout`.
    ///
    /// AsyncHTTPClient's deadline covers the request up to the response head only; this bounds
    /// the body too.
    static func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TimeoutReached() }
            guard let value = first else { throw TimeoutReached() }
            return value
        }
    }

    private func cancelled(attempts: Int) -> GenerationError {
        GenerationError(.cancelled, provider: profile.name, "the request was cancelled", attempts: attempts)
    }

    // MARK: - Streamed answers

    /// A `text/event-stream` answer as an images response: its completed images and usage, or
    /// its error event's error; an error that says so when it ended before its completed event.
    private func streamedResponse(_ events: EventStreamReader.Outcome, exchange: Exchange, model: String?) throws(GenerationError) -> ImagesResponse {
        if let problem = events.failure {
            throw GenerationError(
                .invalidResponse, provider: profile.name, status: exchange.status, "the event stream is not readable: \(problem.message)",
                attempts: exchange.attempts, byteOffset: problem.byteOffset
            )
        }
        if events.error == nil && events.completed.isEmpty {
            let received = "\(events.partialCount) partial image\(events.partialCount == 1 ? "" : "s") received"
            throw GenerationError(
                .invalidResponse, provider: profile.name, status: exchange.status,
                events.endedMidEvent
                    ? "the event stream was cut off in the middle of an event, before its completed image (\(received))"
                    : "the event stream ended without a completed image (\(received))",
                attempts: exchange.attempts
            )
        }
        return ImagesResponse(images: events.completed, usage: events.usage, error: events.error)
    }

    // MARK: - Images

    /// - Parameter fetchURLs: each entry's `url` as sent (the response's own are scrubbed).
    private func collectImages(_ response: ImagesResponse, fetching fetchURLs: [String?], status: Int, attempts: Int) async throws(GenerationError) -> [GenerationResult.Image] {
        guard !response.images.isEmpty else {
            throw GenerationError(.invalidResponse, provider: profile.name, status: status, "the response holds no images (data is empty)", attempts: attempts)
        }
        var images: [GenerationResult.Image?] = Array(repeating: nil, count: response.images.count)
        var downloads: [(index: Int, url: String)] = []
        for (position, entry) in response.images.enumerated() {
            switch entry.payload {
            case .invalid(let payloadError):
                throw GenerationError(.invalidResponse, provider: profile.name, status: status, payloadError.message, attempts: attempts, byteOffset: payloadError.byteOffset)
            case .bytes(let bytes, format: nil):
                throw GenerationError(
                    .invalidResponse, provider: profile.name, status: status,
                    "data[\(entry.index)].b64_json decodes to \(bytes.count) bytes that are not an image (they start with \(Self.hexPrefix(bytes)))",
                    attempts: attempts, byteOffset: entry.payloadRange?.lowerBound
                )
            case .bytes(let bytes, format: let format?):
                images[position] = GenerationResult.Image(index: entry.index, bytes: bytes, format: format, source: .base64, revisedPrompt: entry.revisedPrompt)
            case .url, .missing:
                guard let url = fetchURLs[position] else {
                    throw GenerationError(.invalidResponse, provider: profile.name, status: status, "data[\(entry.index)]: \(GeneratedImage.missingMessage)", attempts: attempts)
                }
                downloads.append((position, url))
            }
        }
        if !downloads.isEmpty {
            // Each child binds the awaited download before building its result: a tuple literal
            // that awaits after its first element is miscompiled at -O (docs/compiler-workarounds.md).
            var firstFailure: GenerationError?
            await withTaskGroup(of: (position: Int, result: Result<GenerationResult.Image, GenerationError>).self) { group in
                for (position, url) in downloads {
                    let entry = response.images[position]
                    group.addTask {
                        do throws(GenerationError) {
                            let (bytes, format) = try await self.download(url, index: entry.index)
                            let image = GenerationResult.Image(index: entry.index, bytes: bytes, format: format, source: .url(RedactedURL(entry.url ?? "")), revisedPrompt: entry.revisedPrompt)
                            return (position, .success(image))
                        } catch {
                            return (position, .failure(error))
                        }
                    }
                }
                for await outcome in group {
                    switch outcome.result {
                    case .success(let image):
                        images[outcome.position] = image
                    case .failure(let error):
                        // The first real failure wins over the cancellations it causes.
                        if firstFailure == nil || (firstFailure?.code == .cancelled && error.code != .cancelled) { firstFailure = error }
                        group.cancelAll()
                    }
                }
            }
            if var error = firstFailure {
                if error.code != .cancelled { error.attempts = attempts }
                throw error
            }
        }
        return images.compactMap { $0 }
    }

    static func hexPrefix(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? "nothing" : bytes.prefix(8).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    static func describeBytes(_ count: Int) -> String {
        count >= 1 << 20 && count % (1 << 20) == 0 ? "\(count >> 20) MiB" : "\(count) bytes"
    }
}

extension TimeAmount {
    /// The duration as a NIO time amount (nanoseconds, saturating).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(overflow ? .max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}
