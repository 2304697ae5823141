import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request the stub server received.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// One scripted answer.
struct StubResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// Wait this long before answering.
    var delay: Duration = .zero
    /// Close the connection without answering, once the whole request was read.
    var closesConnection = false

    /// Reads the whole request, then closes the connection without a word, as a service (or a
    /// proxy in front of it) that fails while generating does.
    static let closeWithoutAnswer = StubResponse(status: 0, closesConnection: true)

    static func json(_ status: Int, _ text: String, headers: [(name: String, value: String)] = [], delay: Duration = .zero) -> StubResponse {
        StubResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8), delay: delay)
    }
}

/// A scripted HTTP/1.1 server on 127.0.0.1 (port chosen by the system) for loopback tests: it
/// answers each request with what `respond` returns and records every request it got.
final class StubServer: Sendable {
    typealias Responder = @Sendable (_ request: RecordedRequest, _ number: Int, _ port: Int) -> StubResponse

    private let channel: any Channel
    private let state: Mutex<[RecordedRequest]>
    private let respond: Responder
    let port: Int

    /// The base URL of the API (`http://127.0.0.1:port/v1`).
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The requests received so far, in order.
    var requests: [RecordedRequest] { state.withLock { $0 } }

    private init(channel: any Channel, respond: @escaping Responder) {
        self.channel = channel
        self.respond = respond
        self.state = Mutex([])
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts a server that answers with `respond`.
    static func start(_ respond: @escaping Responder) async throws -> StubServer {
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StubHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = StubServer(channel: channel, respond: respond)
        box.server.withLock { $0 = server }
        return server
    }

    /// Starts a server that answers the n-th request with `script[n]` (and 500 beyond it).
    static func start(script: [StubResponse]) async throws -> StubServer {
        try await start { _, number, _ in
            number < script.count ? script[number] : .json(500, #"{"error":{"message":"stub script exhausted"}}"#)
        }
    }

    fileprivate func record(_ request: RecordedRequest) -> StubResponse {
        let number = state.withLock { requests in
            requests.append(request)
            return requests.count - 1
        }
        return respond(request, number, port)
    }

    func stop() async throws {
        try await channel.close()
    }
}

/// Lets the child handlers reach the server, which exists only once the bind has finished.
private final class ServerBox: Sendable {
    let server = Mutex<StubServer?>(nil)
}

private final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: ServerBox
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(box: ServerBox) {
        self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head, let server = box.server.withLock({ $0 }) else { return }
            let request = RecordedRequest(
                method: head.method.rawValue, path: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) }, body: body
            )
            let response = server.record(request)
            if response.closesConnection {
                context.close(promise: nil)
            } else if response.delay > .zero {
                let (seconds, attoseconds) = response.delay.components
                let delay = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.send(response, context: context)
                }
            } else {
                send(response, context: context)
            }
        }
    }

    private func send(_ response: StubResponse, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        if !headers.contains(name: "Content-Length") {
            headers.add(name: "Content-Length", value: String(response.body.count))
        }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP port on 127.0.0.1 that is bound but not listening: connecting to it is refused at once,
/// and the port cannot be handed to another test's server while this is open.
struct ClosedPort {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let descriptor: Int32
    let port: Int

    init() throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw Failure(description: "bind() failed: errno \(errno)")
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() {
        _ = close(descriptor)
    }
}
