import ImagePipeSandbox
import Testing

/// The command-line forms of latency and faults.
@Suite("sandbox option parsing")
struct SandboxParsingTests {
    @Test("latency: a duration, a range, or zero")
    func latency() throws {
        #expect(try SandboxLatency(parsing: "200ms") == .fixed(.milliseconds(200)))
        #expect(try SandboxLatency(parsing: "1.5s") == .fixed(.milliseconds(1500)))
        #expect(try SandboxLatency(parsing: "0") == SandboxLatency.none)
        #expect(try SandboxLatency(parsing: "100ms...800ms") == .range(.milliseconds(100) ... .milliseconds(800)))
        for bad in ["fast", "800ms...100ms", "-5ms", "1s...2s...3s", "2h"] {
            #expect(throws: SandboxError.self, "\(bad)") { try SandboxLatency(parsing: bad) }
        }
    }

    @Test("faults: KIND[:RATE][:first=N][:retry-after=S]")
    func faults() throws {
        #expect(try SandboxFault(parsing: "503:0.2") == SandboxFault(.unavailable, rate: 0.2))
        #expect(try SandboxFault(parsing: "429-credit:0.1") == SandboxFault(.insufficientCredit, rate: 0.1))
        #expect(try SandboxFault(parsing: "credit") == SandboxFault(.insufficientCredit))
        #expect(try SandboxFault(parsing: "503:first=2", defaultRetryAfter: 0) == SandboxFault(.unavailable, retryAfter: 0, firstRequests: 2))
        #expect(try SandboxFault(parsing: "429:retry-after=3") == SandboxFault(.rateLimited, retryAfter: 3))
        #expect(try SandboxFault(parsing: "500") == SandboxFault(.serverError))
        #expect(try SandboxFault(parsing: "418:0.5") == SandboxFault(.status(418), rate: 0.5))
        #expect(try SandboxFault(parsing: "503:retry-after=86400") == SandboxFault(.unavailable, retryAfter: 86400))
        // 9223372036854775807 s made the first faulted answer trap computing retry-after-ms (fuzz target `sandbox`).
        for bad in ["200", "oops", "503:2", "503:first=x", "503:retry-after=-1", "503:sometimes", "503:retry-after=86401",
                    "503:retry-after=9223372036854775807"] {
            #expect(throws: SandboxError.self, "\(bad)") { try SandboxFault(parsing: bad) }
        }
    }

    @Test("a fault built in code with any Retry-After is answered, not trapped on")
    func hugeRetryAfter() {
        let response = ErrorReply(fault: SandboxFault(.unavailable, retryAfter: Int.max)).response(in: .openAI)
        #expect(response.status.code == 503)
    }

    @Test("out-of-range configurations are refused before binding")
    func invalidConfiguration() async throws {
        for configuration in [
            SandboxConfiguration(port: 70000),
            SandboxConfiguration(port: 0, faults: [SandboxFault(.status(200))]),
            SandboxConfiguration(port: 0, maximumBodySize: 0),
        ] {
            await #expect(throws: SandboxError.self) { _ = try await SandboxServer.start(configuration) }
        }
    }
}
