import Hummingbird
import Logging
import ServiceLifecycle

/// A local, OpenAI-compatible image-generation server that renders procedural images.
///
/// It answers `POST /v1/images/generations` in the OpenAI, Nebius or Nscale shape (chosen from the
/// request's fields, see ``SandboxDialect``), `GET /v1/models`, `GET /v1/files/<name>` (URL results,
/// served once) and `GET /health`, and can add latency, faults, a required token, wrong sizes and
/// black images to emulate real services. Each distinct image is rendered once and then served
/// from a cache, so a benchmark measures its client, not the sandbox.
///
/// ```swift
/// let server = try await SandboxServer.start(SandboxConfiguration(port: 0))
/// defer { Task { await server.shutdown() } }
/// // POST \(server.baseURL)/images/generations  {"prompt": "a red fox", "size": "256x256"}
/// ```
public final class SandboxServer: Sendable {
    /// The configuration the server runs with.
    public let configuration: SandboxConfiguration
    /// The TCP port the server is bound to (the real one when the configuration said `0`).
    public let port: Int
    /// The API base URL, `http://HOST:PORT/v1`, as OpenAI SDKs expect in `base_url`.
    ///
    /// A server bound to every address (`0.0.0.0`, `::`) reports `127.0.0.1`.
    public var baseURL: String { "http://\(authority)/v1" }

    private let authority: String
    private let responder: SandboxResponder
    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, any Error>

    private init(
        configuration: SandboxConfiguration, port: Int, responder: SandboxResponder,
        serviceGroup: ServiceGroup, runTask: Task<Void, any Error>
    ) {
        self.configuration = configuration
        self.port = port
        self.responder = responder
        self.serviceGroup = serviceGroup
        self.runTask = runTask
        let host = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
        authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Starts a server and returns once it is listening.
    ///
    /// - Parameters:
    ///   - configuration: Where to listen and what to emulate.
    ///   - stopsOnSignals: When `true`, SIGINT and SIGTERM stop the server gracefully (for a
    ///     command-line program; leave `false` in tests and libraries).
    /// - Throws: ``SandboxError`` with `.invalidConfiguration` for an out-of-range value, or
    ///   `.startFailed` when the address cannot be bound.
    public static func start(_ configuration: SandboxConfiguration, stopsOnSignals: Bool = false) async throws(SandboxError) -> SandboxServer {
        try validate(configuration)
        var logger = Logger(label: "imagepipe.sandbox")
        logger.logLevel = .warning

        let responder = SandboxResponder(configuration: configuration)
        let router = Router()
        responder.addRoutes(to: router)
        let (started, continuation) = AsyncStream.makeStream(of: Result<Int, SandboxError>.self)
        let application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(
                configuration.idleTimeout.components.seconds * 1_000_000_000
                    + configuration.idleTimeout.components.attoseconds / 1_000_000_000
            ))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "imagepipe-sandbox"
            ),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? configuration.port))
            },
            logger: logger
        )
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application],
                gracefulShutdownSignals: stopsOnSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        let address = "\(configuration.host):\(configuration.port)"
        let runTask = Task {
            do {
                try await serviceGroup.run()
                continuation.finish()
            } catch {
                continuation.yield(.failure(SandboxError(.startFailed, "cannot serve on \(address): \(error)")))
                continuation.finish()
                throw error
            }
        }
        var outcome: Result<Int, SandboxError>?
        for await first in started {
            outcome = first
            break
        }
        switch outcome {
        case .success(let port)?:
            let server = SandboxServer(
                configuration: configuration, port: port, responder: responder,
                serviceGroup: serviceGroup, runTask: runTask
            )
            responder.setAuthority(server.authority)
            return server
        case .failure(let error)?:
            throw error
        case nil:
            throw SandboxError(.startFailed, "the server on \(address) stopped before it was listening")
        }
    }

    /// What the server has done so far: requests, statuses, renders, cache hits.
    public var statistics: SandboxStatistics {
        responder.statistics
    }

    /// Stops accepting connections, lets requests in flight finish, and returns when stopped.
    public func shutdown() async {
        await serviceGroup.triggerGracefulShutdown()
        _ = try? await runTask.value
    }

    /// Waits until the server stops (after ``shutdown()``, or a signal when started with
    /// `stopsOnSignals`).
    ///
    /// - Throws: the error that stopped the server, if it did not stop cleanly.
    public func waitUntilStopped() async throws {
        try await runTask.value
    }

    /// The model ids the sandbox lists and accepts; the first is used when a request names none.
    public static var models: [String] { sandboxModels }

    private static func validate(_ configuration: SandboxConfiguration) throws(SandboxError) {
        guard (0...65535).contains(configuration.port) else {
            throw SandboxError(.invalidConfiguration, "port \(configuration.port) is out of range 0-65535")
        }
        guard configuration.maximumBodySize > 0 else {
            throw SandboxError(.invalidConfiguration, "maximum body size \(configuration.maximumBodySize) must be positive")
        }
        if case .range(let range) = configuration.latency, range.lowerBound < .zero {
            throw SandboxError(.invalidConfiguration, "latency \(range) must not be negative")
        }
        if case .fixed(let duration) = configuration.latency, duration < .zero {
            throw SandboxError(.invalidConfiguration, "latency \(duration) must not be negative")
        }
        guard configuration.concurrentRenders > 0 else {
            throw SandboxError(.invalidConfiguration, "concurrent renders \(configuration.concurrentRenders) must be at least 1")
        }
        guard configuration.idleTimeout > .zero else {
            throw SandboxError(.invalidConfiguration, "idle timeout \(configuration.idleTimeout) must be positive")
        }
        if let answered = configuration.answeredRequests, answered < 0 {
            throw SandboxError(.invalidConfiguration, "answered-requests count \(answered) must not be negative")
        }
        for fault in configuration.faults {
            if case .status(let code) = fault.kind, !(400...599).contains(code) {
                throw SandboxError(.invalidConfiguration, "fault status \(code) is not an error status 400-599")
            }
            if let seconds = fault.retryAfter, seconds < 0 {
                throw SandboxError(.invalidConfiguration, "Retry-After \(seconds) must not be negative")
            }
            if let first = fault.firstRequests, first < 0 {
                throw SandboxError(.invalidConfiguration, "first-requests count \(first) must not be negative")
            }
        }
    }
}
