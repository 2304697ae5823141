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
    }

    private let state = Mutex(State())
    private let maximumBytes: Int
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// Creates a collector for one attempt; its timings start now.
    init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
        self.start = clock.now
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
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
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
                status: Int(head.status.code), headers: head.headers, body: state.body, head: state.headTime, bodyTime: end - state.headTime
            )
        }
    }
}
