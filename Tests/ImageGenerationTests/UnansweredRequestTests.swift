import Foundation
import ImageCore
import ImageGeneration
import Testing
import TestSupport

/// A connection lost after the whole request went out may have been processed, and billed: such a
/// request is retried only when the caller opts in; one lost before that is always retried.
@Suite("Requests lost after they were sent")
struct UnansweredRequestTests {
    static func success() throws -> StubResponse {
        .json(200, #"{"data":[{"b64_json":"\#(try TestPaths.fixture("gray.png").base64Text)"}]}"#)
    }

    @Test("the service reads the whole request, then closes the connection: not retried, the message says it may have been processed")
    func notRetried() async throws {
        let server = try await StubServer.start(script: [.closeWithoutAnswer, try Self.success()])
        let sleeps = GenerationClientTests.Sleeps()
        let error = try await GenerationClientTests.withClient(server, configuration: GenerationClientTests.configuration(sleeps)) {
            await GenerationClientTests.failure($0)
        }
        #expect(error?.code == .connection && error?.attempts == 1)
        let text = error?.description ?? ""
        #expect(text.contains("after the request was sent in full") && text.contains("may have processed it") && text.contains("not retried"), "\(text)")
        #expect(error?.hint?.contains("--retry-unanswered") == true)
        #expect(server.requests.count == 1)
        #expect(sleeps.all.isEmpty)
    }

    @Test("with retriesUnansweredRequests the same request is retried and succeeds")
    func retriedWhenAsked() async throws {
        let server = try await StubServer.start(script: [.closeWithoutAnswer, try Self.success()])
        var configuration = GenerationClientTests.configuration()
        configuration.retry.retriesUnansweredRequests = true
        let result = try await GenerationClientTests.withClient(server, configuration: configuration) { client in
            try await client.generate(GenerationRequest(prompt: "a fox"))
        }
        #expect(result.attempts == 2 && result.images.count == 1)
        #expect(server.requests.count == 2)
    }

    @Test("the policy: unanswered is final by default, retried when asked; a connection failure before sending is retried")
    func policy() {
        var policy = RetryPolicy(jitter: .none)
        #expect(!RetryPolicy.isRetryable(.unanswered))
        #expect(policy.decide(after: .unanswered, attempt: 1, retryAfter: nil, random: 0) == .stop(.notRetryable))
        #expect(policy.decide(after: .connection, attempt: 1, retryAfter: nil, random: 0) == .retry(after: .milliseconds(500)))
        policy.retriesUnansweredRequests = true
        #expect(policy.decide(after: .unanswered, attempt: 1, retryAfter: nil, random: 0) == .retry(after: .milliseconds(500)))
        #expect(policy.decide(after: .unanswered, attempt: 3, retryAfter: nil, random: 0) == .stop(.attemptsExhausted))
    }
}
