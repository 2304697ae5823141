import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads one attempt's reply into memory, up to a byte limit, and notes whether the request went
/// out in full first.
///
/// Whether the request was sent decides whether a lost connection may be retried: until the last
/// body byte is written the service cannot have a complete request to act on, so a retry cannot
/// bill twice; after it, the service may have started generating (and billing) when the
/// connection dropped. AsyncHTTPClient reports the written end only through this delegate API
/// (`didSendRequest`, once the write of the request's end has completed), not through
/// `execute(_:deadline:)`.
final class ReplyCollector: HTTPClientResponseDelegate {
    typealias Response = GenerationClient.Reply

    private struct State {
        var requestSent = false
        var head: HTTPResponseHead?
        var headTime = Duration.zero
        var body = ByteBuffer()
        var isEventStream = false
        var streamedBytes = 0
    }

    private let state = Mutex(State())
    private let maximumBytes: Int
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// Reads a `text/event-stream` answer's events as they arrive, instead of keeping its body.
    private let events: EventStreamReader?

    /// Creates a collector for one attempt; its timings start now.
    ///
    /// - Parameter events: given, a 2xx answer of type `text/event-stream` goes to it as it
    ///   arrives (any other answer is collected as usual: the content type decides).
    init(maximumBytes: Int, events: EventStreamReader? = nil) {
        self.maximumBytes = maximumBytes
        self.start = clock.now
        self.events = events
    }

    /// Whether the whole request, body included, was written to the connection.
    var requestSent: Bool { state.withLock { $0.requestSent } }

    func didSendRequest(task: HTTPClient.Task<Response>) {
        state.withLock { $0.requestSent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let elapsed = clock.now - start
        if let length = head.headers.first(name: "Content-Length").flatMap({ Int($0) }), length > maximumBytes {
            return task.eventLoop.makeFailedFuture(NIOTooManyBytesError(maxBytes: maximumBytes))
        }
        state.withLock { state in
            // A response head means the request reached the service, whatever was written.
            state.requestSent = true
            state.head = head
            state.headTime = elapsed
            let type = head.headers.first(name: "Content-Type")?.lowercased() ?? ""
            state.isEventStream = events != nil && (200..<300).contains(Int(head.status.code)) && type.hasPrefix("text/event-stream")
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let streamed: Bool? = state.withLock { state in
            guard state.isEventStream else { return nil }
            state.streamedBytes += buffer.readableBytes
            return state.streamedBytes <= maximumBytes
        }
        if let streamed, let events {
            guard streamed else { return task.eventLoop.makeFailedFuture(NIOTooManyBytesError(maxBytes: maximumBytes)) }
            events.feed(buffer)
            return task.eventLoop.makeSucceededVoidFuture()
        }
        let fits = state.withLock { state in
            guard state.body.readableBytes + buffer.readableBytes <= maximumBytes else { return false }
            var buffer = buffer
            state.body.writeBuffer(&buffer)
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(NIOTooManyBytesError(maxBytes: maximumBytes))
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        let end = clock.now - start
        return state.withLock { state in
            // A finished request always has a head; a missing one is AsyncHTTPClient's broken promise.
            guard let head = state.head else { preconditionFailure("AsyncHTTPClient finished a request without a response head") }
            return GenerationClient.Reply(
                status: Int(head.status.code), headers: head.headers, body: state.body, head: state.headTime, bodyTime: end - state.headTime,
                events: state.isEventStream ? events?.finish() : nil
            )
        }
    }
}
