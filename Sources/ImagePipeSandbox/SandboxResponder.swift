#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FastBase64
import HTTPTypes
import Hummingbird
import ImageCore
import ServiceLifecycle
import Synchronization

/// The models `GET /v1/models` lists and generation requests accept; the first is the default.
let sandboxModels = [
    "sandbox/flux-like",
    "sandbox/sdxl-like",
    "gpt-image-1",
    "gpt-image-1-mini",
    "gpt-image-1.5",
    "gpt-image-2",
    "gpt-image-2.5",
    "chatgpt-image-latest",
    "dall-e-2",
    "dall-e-3",
    "black-forest-labs/flux-schnell",
    "black-forest-labs/flux-dev",
    "black-forest-labs/FLUX.1-schnell",
    "stabilityai/stable-diffusion-xl-base-1.0",
    "stability-ai/sdxl",
]

/// A request's place in the sandbox's rate-limit window, and the headers that say it.
struct RateLimitWindow {
    var limit: Int
    /// Requests left after this one (negative: this one is over the limit).
    var remaining: Int
    var resetSeconds: Int
    var seconds: Int

    func addHeaders(to headers: inout HTTPFields) {
        headers[HTTPField.Name("x-ratelimit-limit-requests")!] = String(limit)
        headers[HTTPField.Name("x-ratelimit-remaining-requests")!] = String(max(0, remaining))
        headers[HTTPField.Name("x-ratelimit-reset-requests")!] = "\(resetSeconds)s"
    }
}

/// Answers the sandbox's routes; holds the mutable state (counters, generator, one-shot files).
final class SandboxResponder: Sendable {
    private struct State {
        var random: SeededGenerator
        var generationRequests = 0
        var editRequests = 0
        var editImagesReceived = 0
        var masksReceived = 0
        var windowStart: ContinuousClock.Instant?
        var windowCount = 0
        var responsesByStatus: [Int: Int] = [:]
        var injectedFaults = 0
        var files: [String: CachedImage] = [:]
        var fileOrder: [String] = []
        var filesServed = 0
    }

    /// URL results not fetched are dropped past this many (oldest first).
    private static let pendingFileLimit = 1024

    let configuration: SandboxConfiguration
    private let cache: ImageCache
    private let state: Mutex<State>
    /// `host:port` for URLs when a request has no `Host` header; set once the port is known.
    private let fallbackAuthority = Mutex("")

    init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        cache = ImageCache(
            byteLimit: configuration.cacheByteLimit, concurrentRenders: configuration.concurrentRenders,
            beforeRender: configuration.beforeRender
        )
        state = Mutex(State(random: SeededGenerator(seed: configuration.seed)))
    }

    func setAuthority(_ authority: String) {
        fallbackAuthority.withLock { $0 = authority }
    }

    var statistics: SandboxStatistics {
        let counters = cache.counters
        return state.withLock { state in
            SandboxStatistics(
                generationRequests: state.generationRequests,
                generationResponsesByStatus: state.responsesByStatus,
                injectedFaults: state.injectedFaults,
                imagesRendered: counters.renders,
                cacheHits: counters.hits,
                cachedBytes: counters.bytes,
                filesServed: state.filesServed,
                editRequests: state.editRequests,
                editImagesReceived: state.editImagesReceived,
                masksReceived: state.masksReceived
            )
        }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("health") { _, _ in
            Self.json(status: 200, #"{"status":"ok"}"#)
        }
        router.get("v1/models") { _, _ in
            var text = JSONText()
            text.raw(#"{"object":"list","data":["#)
            for (index, model) in sandboxModels.enumerated() {
                if index > 0 { text.raw(",") }
                text.raw(#"{"id":"#)
                text.string(model)
                text.raw(#","object":"model","created":0,"owned_by":"imagepipe"}"#)
            }
            text.raw("]}")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: text.buffer))
        }
        router.get("v1/files/:name") { _, context in
            self.file(named: context.parameters.get("name") ?? "")
        }
        router.post("v1/images/generations") { request, _ in
            let response = await self.generate(request)
            self.state.withLock { $0.responsesByStatus[response.status.code, default: 0] += 1 }
            return response
        }
        router.post("v1/images/edits") { request, _ in
            let response = await self.edit(request)
            self.state.withLock { $0.responsesByStatus[response.status.code, default: 0] += 1 }
            return response
        }
    }

    // MARK: Files

    private func file(named name: String) -> Response {
        guard let image = state.withLock({ state -> CachedImage? in
            guard let image = state.files.removeValue(forKey: name) else { return nil }
            state.filesServed += 1
            return image
        }) else {
            return Self.json(status: 404, #"{"detail":"Not found: files are served once."}"#)
        }
        let format = image.format.imageFormat
        return Response(
            status: .ok,
            headers: [.contentType: format.mimeType],
            body: .init(byteBuffer: ByteBuffer(bytes: image.encoded))
        )
    }

    private func storeFile(_ image: CachedImage) -> String {
        state.withLock { state in
            let name = "img-\(Self.hex(state.random.next())).\(image.format.rawValue)"
            state.files[name] = image
            state.fileOrder.append(name)
            if state.fileOrder.count > Self.pendingFileLimit {
                let dropped = state.fileOrder.count - Self.pendingFileLimit
                for old in state.fileOrder.prefix(dropped) { state.files[old] = nil }
                state.fileOrder.removeFirst(dropped)
            }
            return name
        }
    }

    // MARK: Generation

    /// What the checks common to both endpoints decided: an answer already, or the body to read.
    private enum Admission {
        case answer(Response)
        /// The body, and the request's place among all requests (from 0).
        case body([UInt8], ordinal: Int)
    }

    /// Counts the request, reads its body up to `limit`, and holds it past
    /// ``SandboxConfiguration/answeredRequests``.
    private func admit(_ request: Request, limit: Int, isEdit: Bool) async -> Admission {
        let ordinal = state.withLock { state in
            state.generationRequests += 1
            if isEdit { state.editRequests += 1 }
            return state.generationRequests - 1
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return .answer(tooLarge(limit: limit))
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: limit))
        } catch {
            return .answer(tooLarge(limit: limit))
        }
        if let answered = configuration.answeredRequests, ordinal >= answered {
            return .answer(await held())
        }
        return .body(body, ordinal: ordinal)
    }

    /// Latency, the token, injected faults and the rate-limit window, in that order: an answer
    /// when one of them decides it, else the window whose headers the answer carries.
    private func gate(_ request: Request, ordinal: Int, dialect: SandboxDialect) async -> (answer: Response?, window: RateLimitWindow?) {
        if let delay = nextLatency() {
            try? await Task.sleep(for: delay)
        }
        if let token = configuration.requiredToken, request.headers[.authorization] != "Bearer \(token)" {
            return (ErrorReply.unauthorized(hasHeader: request.headers[.authorization] != nil).response(in: dialect), nil)
        }
        if let fault = nextFault(ordinal: ordinal) {
            return (ErrorReply(fault: fault).response(in: dialect), nil)
        }
        let window = rateLimitWindow()
        if let window, window.remaining < 0 {
            var reply = ErrorReply(
                status: 429, message: "Rate limit reached for requests: \(window.limit) per \(window.seconds) s; retry after \(window.resetSeconds) s.",
                kind: .rateLimited, retryAfter: window.resetSeconds
            ).response(in: dialect)
            window.addHeaders(to: &reply.headers)
            return (reply, window)
        }
        return (nil, window)
    }

    private func generate(_ request: Request) async -> Response {
        let (body, ordinal): ([UInt8], Int)
        switch await admit(request, limit: configuration.maximumBodySize, isEdit: false) {
        case .answer(let response): return response
        case .body(let bytes, let number): (body, ordinal) = (bytes, number)
        }
        let parsed: GenerationRequest
        do {
            parsed = try GenerationRequest(body: body)
        } catch {
            return ErrorReply(problem: error).response(in: .openAI)
        }
        let dialect = parsed.dialect
        let (early, window) = await gate(request, ordinal: ordinal, dialect: dialect)
        if let early { return early }
        var response: Response
        do {
            let plan = try GenerationPlan(parsed, configuration: configuration)
            response = try await respond(plan, request: request)
        } catch let problem as RequestProblem {
            response = ErrorReply(problem: problem).response(in: dialect)
        } catch {
            response = ErrorReply(status: 500, message: "The sandbox failed to encode an image: \(error)", kind: .server)
                .response(in: dialect)
        }
        window?.addHeaders(to: &response.headers)
        return response
    }

    // MARK: Edits

    private func edit(_ request: Request) async -> Response {
        let (body, ordinal): ([UInt8], Int)
        switch await admit(request, limit: configuration.maximumUploadSize, isEdit: true) {
        case .answer(let response): return response
        case .body(let bytes, let number): (body, ordinal) = (bytes, number)
        }
        let contentType = request.headers[.contentType] ?? "none"
        guard let boundary = MultipartForm.boundary(ofContentType: contentType) else {
            return ErrorReply(problem: RequestProblem(
                field: nil, message: "The edits endpoint takes multipart/form-data with a boundary; the request's Content-Type is \(contentType).",
                code: "invalid_content_type"
            )).response(in: .openAI)
        }
        let edit: EditRequest
        do {
            edit = try EditRequest(body: body, boundary: boundary)
        } catch {
            return ErrorReply(problem: error).response(in: .openAI)
        }
        state.withLock { state in
            state.editImagesReceived += edit.images.count
            state.masksReceived += edit.mask == nil ? 0 : 1
        }
        let (early, window) = await gate(request, ordinal: ordinal, dialect: .openAI)
        if let early { return early }
        var response: Response
        do {
            var plan = try GenerationPlan(edit.request, configuration: configuration)
            plan.requestedSize = edit.outputSize(requested: plan.requestedSize)
            plan.renderSize = configuration.wrongSize
                ? ImageSize(width: max(1, plan.requestedSize.width / 2), height: max(1, plan.requestedSize.height / 2))
                : plan.requestedSize
            let images = try await cache.gated { () throws(SandboxError) -> [CachedImage] in
                try (0..<plan.count).map { (index: Int) throws(SandboxError) -> CachedImage in
                    let image = configuration.blackImages
                        ? try! Image(size: plan.renderSize, format: .rgb8)
                        : try SandboxEditor.render(edit, prompt: plan.prompt, effectiveSeed: plan.seed &+ index, size: plan.renderSize)
                    let encoded = try SandboxRenderer.encode(image, as: plan.format, quality: plan.compression)
                    return CachedImage(encoded: encoded, base64: Base64Encoder().encode(encoded), size: plan.renderSize, format: plan.format)
                }
            }
            response = try answer(plan, images: images, request: request, events: "image_edit")
        } catch let problem as RequestProblem {
            response = ErrorReply(problem: problem).response(in: .openAI)
        } catch {
            response = ErrorReply(status: 500, message: "The sandbox failed to edit: \(error)", kind: .server).response(in: .openAI)
        }
        window?.addHeaders(to: &response.headers)
        return response
    }

    /// Where a request stands in the rate-limit window (``SandboxConfiguration/rateLimit``),
    /// counting it; `nil` without a limit.
    private func rateLimitWindow() -> RateLimitWindow? {
        guard let (limit, length) = configuration.rateLimit else { return nil }
        let now = ContinuousClock.now
        return state.withLock { state in
            if let start = state.windowStart, now - start < length {
                state.windowCount += 1
            } else {
                state.windowStart = now
                state.windowCount = 1
            }
            let left = length - (now - state.windowStart!)
            // Rounded up: a client that waits this long finds the window over.
            let resetSeconds = Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded(.up))
            return RateLimitWindow(limit: limit, remaining: limit - state.windowCount, resetSeconds: max(1, resetSeconds), seconds: Int(length.components.seconds))
        }
    }

    /// A request past ``SandboxConfiguration/answeredRequests``: no answer until the server shuts
    /// down (or the handler is cancelled), then 503, so a graceful shutdown never waits on it.
    private func held() async -> Response {
        _ = try? await cancelWhenGracefulShutdown {
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        return ErrorReply(status: 503, message: "The sandbox is shutting down; this request was held unanswered.", kind: .server)
            .response(in: .openAI)
    }

    private func tooLarge(limit: Int) -> Response {
        ErrorReply(
            status: 413,
            message: "The request body is larger than \(limit) bytes.",
            kind: .invalidRequest(param: nil, code: "request_too_large")
        ).response(in: .openAI)
    }

    private func nextLatency() -> Duration? {
        switch configuration.latency {
        case .none: return nil
        case .fixed(let duration): return duration
        case .range(let range):
            let unit = state.withLock { $0.random.unit() }
            return range.lowerBound + (range.upperBound - range.lowerBound) * unit
        }
    }

    private func nextFault(ordinal: Int) -> SandboxFault? {
        state.withLock { state in
            for fault in configuration.faults {
                if let first = fault.firstRequests, ordinal >= first { continue }
                // A rate of 1 draws nothing, so "first N" faults leave the random sequence alone.
                if fault.rate >= 1 || state.random.unit() < fault.rate {
                    state.injectedFaults += 1
                    return fault
                }
            }
            return nil
        }
    }

    private func respond(_ plan: GenerationPlan, request: Request) async throws -> Response {
        var images: [CachedImage] = []
        images.reserveCapacity(plan.count)
        for index in 0..<plan.count {
            let key = ImageKey(
                prompt: plan.prompt, seed: plan.seed &+ index, size: plan.renderSize,
                format: plan.format, compression: plan.compression, black: configuration.blackImages
            )
            images.append(try await cache.image(for: key))
        }
        return try answer(plan, images: images, request: request, events: "image_generation")
    }

    /// The answer with `images`: JSON in the plan's dialect, or server-sent events named
    /// `EVENTS.partial_image` and `EVENTS.completed` when the plan streams.
    private func answer(_ plan: GenerationPlan, images: [CachedImage], request: Request, events: String) throws -> Response {
        if plan.stream { return try streamed(plan, images: images, events: events) }
        let authority = request.head.authority ?? fallbackAuthority.withLock { $0 }
        let payload = images.reduce(0) { $0 + $1.base64.count }
        var text = JSONText(capacity: payload + 512)
        text.raw("{")
        if plan.dialect != .nebius {
            text.raw(#""created":\#(unixTime()),"#)
        }
        text.raw(#""data":["#)
        for (index, image) in images.enumerated() {
            if index > 0 { text.raw(",") }
            if plan.returnsURL {
                text.raw(#"{"url":"#)
                text.string("http://\(authority)/v1/files/\(storeFile(image))")
            } else {
                text.raw(#"{"b64_json":""#)
                text.rawBytes(image.base64)
                text.raw("\"")
            }
            if plan.dialect == .openAI {
                text.raw(#","revised_prompt":"#)
                text.string(plan.prompt)
            }
            text.raw("}")
        }
        text.raw("]")
        switch plan.dialect {
        case .nebius:
            let id = state.withLock { Self.hex($0.random.next()) }
            text.raw(#","id":"gen-\#(id)""#)
        case .openAI:
            let (input, output) = plan.tokens(images: plan.count)
            text.raw(#","usage":{"input_tokens":\#(input),"output_tokens":\#(output),"total_tokens":\#(input + output),"#)
            text.raw(#""input_tokens_details":{"text_tokens":\#(input),"image_tokens":0}}"#)
        case .nscale:
            break
        }
        text.raw("}")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: text.buffer))
    }

    /// A streamed answer (OpenAI's `stream: true`): for each image, `partial_images` previews
    /// in coarse-to-fine blocks (`image_generation.partial_image`), then the image
    /// (`image_generation.completed`, with the usage), as server-sent events.
    private func streamed(_ plan: GenerationPlan, images: [CachedImage], events: String) throws -> Response {
        var text = JSONText(capacity: images.reduce(0) { $0 + $1.base64.count * (plan.partialImages + 1) } + 1024)
        let created = unixTime()
        let size = "\(plan.requestedSize.width)x\(plan.requestedSize.height)"
        let format = plan.format == .jpeg ? "jpeg" : plan.format.rawValue
        func event(_ type: String, base64: [UInt8], extra: String) {
            text.raw("event: \(type)\ndata: ")
            text.raw(#"{"type":"\#(type)","b64_json":""#)
            text.rawBytes(base64)
            text.raw(#"","created_at":\#(created),"size":"\#(size)","output_format":"\#(format)""#)
            text.raw(extra)
            text.raw("}\n\n")
        }
        // Blocks of 32, 16, 8 pixels for three partials; the last partial is the finest.
        let blocks = (0..<plan.partialImages).map { 1 << (3 + plan.partialImages - 1 - $0) }
        let tokens = plan.tokens(images: 1)
        for image in images {
            let partials = try SandboxRenderer.partials(of: image.encoded, blocks: blocks, format: plan.format, quality: plan.compression)
            for (index, partial) in partials.enumerated() {
                event("\(events).partial_image", base64: Base64Encoder().encode(partial), extra: #","partial_image_index":\#(index)"#)
            }
            event("\(events).completed", base64: image.base64,
                  extra: #","usage":{"input_tokens":\#(tokens.input),"output_tokens":\#(tokens.output),"total_tokens":\#(tokens.input + tokens.output)}"#)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: .init(byteBuffer: text.buffer))
    }

    // MARK: Helpers

    static func json(status: Int, _ body: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Seconds since 1970, for `created`.
    private func unixTime() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}
