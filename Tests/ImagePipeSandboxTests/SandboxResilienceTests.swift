import Foundation
import ImagePipeSandbox
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The sandbox under hostile or heavy clients: slow request heads, bursts of renders, held requests.
@Suite("sandbox resilience")
struct SandboxResilienceTests {
    // 200 slow connections used to stay open for ever: nothing timed out a request head.
    @Test("a connection that never completes its request head is closed after the idle timeout", .timeLimit(.minutes(2)))
    func idleTimeout() async throws {
        try await withSandbox({ $0.idleTimeout = .milliseconds(300) }) { client in
            let port = client.server.port
            let outcome = try await Task.detached { try Self.sendAndWaitForClose(port: port, "POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le") }.value
            #expect(outcome == 0, "recv returned \(outcome): the server should close the connection")
        }
    }

    // /health stalled under 200 concurrent 1024² requests: renders took every thread of the pool.
    // Here the renders are held mid-way (each blocks its thread) until /health has answered; were
    // they not gated, they would hold every thread and /health would never answer.
    @Test("/health answers while renders hold their threads", .timeLimit(.minutes(2)))
    func healthDuringRenders() async throws {
        let hold = DispatchSemaphore(value: 0)
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let count = 6
        try await withSandbox({
            $0.concurrentRenders = 1
            $0.beforeRender = {
                enteredContinuation.yield()
                hold.wait()
            }
        }) { client in
            let burst = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<count {
                        group.addTask { try await client.post(["prompt": "burst \(index)", "size": "64x64"]).status }
                    }
                    var statuses: [Int] = []
                    for try await status in group { statuses.append(status) }
                    return statuses
                }
            }
            var renders = entered.makeAsyncIterator()
            _ = await renders.next()
            let root = client.server.baseURL.replacingOccurrences(of: "/v1", with: "")
            let health = try await client.get(root + "/health")
            #expect(health.status == 200)
            #expect(client.server.statistics.imagesRendered == 0, "only one render may have started, and it is held")
            for _ in 0..<count { hold.signal() }
            #expect(try await burst.value == Array(repeating: 200, count: count))
            #expect(client.server.statistics.imagesRendered == count)
        }
    }

    @Test("--answer-first: later requests are held unanswered, then get 503 when the server stops", .timeLimit(.minutes(2)))
    func answeredRequests() async throws {
        var configuration = SandboxConfiguration(port: 0)
        configuration.answeredRequests = 1
        let server = try await SandboxServer.start(configuration)
        let client = SandboxClient(server: server)
        let first = try await client.post(["prompt": "answered", "size": "64x64"])
        #expect(first.status == 200)
        let held = Task { try await client.post(["prompt": "held", "size": "64x64"]) }
        // The held request has arrived once the server has counted it.
        while server.statistics.generationRequests < 2 { try await Task.sleep(for: .milliseconds(5)) }
        await server.shutdown()
        let reply = try await held.value
        #expect(reply.status == 503, "\(reply.text)")
    }

    /// Connects to 127.0.0.1:`port`, sends `text`, and reads until the peer closes (0) or fails (-1).
    static func sendAndWaitForClose(port: Int, _ text: String) throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        _ = text.utf8CString.withUnsafeBufferPointer { send(descriptor, $0.baseAddress, $0.count - 1, 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return count }
        }
    }
}
