import Foundation
import ImageGeneration
import ImageResponses
import Synchronization
import Testing
import TestSupport

/// Streamed generation (`stream: true`, server-sent events) against scripted servers: partial
/// images handed on as they arrive, the completed image kept, and every way a stream goes wrong
/// reported clearly.
@Suite("Streamed generation: server-sent events")
struct StreamingTests {
    typealias Client = GenerationClientTests

    /// One SSE event as OpenAI writes it.
    static func event(_ type: String, _ fields: String) -> String {
        "event: \(type)\ndata: {\"type\":\"\(type)\",\(fields)}\n\n"
    }

    static func partial(_ index: Int, _ fixture: String = "gray.png") throws -> String {
        event("image_generation.partial_image", #""b64_json":"\#(try Client.base64(fixture))","partial_image_index":\#(index)"#)
    }

    static func completed(_ fixture: String = "gradient-rgb.png") throws -> String {
        event("image_generation.completed", #""b64_json":"\#(try Client.base64(fixture))","usage":{"input_tokens":9,"output_tokens":272,"total_tokens":281}"#)
    }

    static func stream(_ text: String) -> StubResponse {
        StubResponse(status: 200, headers: [("Content-Type", "text/event-stream")], body: Array(text.utf8))
    }

    static var request: GenerationRequest {
        var request = GenerationRequest(prompt: "a fox", model: "gpt-image-1")
        request.stream = true
        return request
    }

    /// Runs one streamed request; returns the result (or error) and the partials handed on.
    static func run(_ response: StubResponse, partials: Int? = nil) async throws -> (Result<GenerationResult, GenerationError>, [PartialImage], StubServer) {
        let server = try await StubServer.start(script: [response])
        let seen = Mutex<[PartialImage]>([])
        var request = Self.request
        request.partialImages = partials
        let result = try await Client.withClient(server, profile: .openAI) { client in
            do throws(GenerationError) {
                return Result<GenerationResult, GenerationError>.success(try await client.generate(request) { partial in seen.withLock { $0.append(partial) } })
            } catch {
                return .failure(error)
            }
        }
        return (result, seen.withLock { $0 }, server)
    }

    @Test("0 to 3 partials: each handed on in order, decoded; the completed image and its usage returned; stream and partial_images sent",
          arguments: 0...3)
    func partials(_ count: Int) async throws {
        let text = try (0..<count).map { try Self.partial($0) }.joined() + Self.completed()
        let (result, seen, server) = try await Self.run(Self.stream(text), partials: count)
        let generated = try result.get()
        #expect(seen.map(\.index) == Array(0..<count))
        #expect(seen.allSatisfy { $0.format == .png && $0.bytes == (try? TestPaths.fixture("gray.png")) })
        #expect(generated.images.count == 1)
        #expect(generated.images[0].bytes == (try TestPaths.fixture("gradient-rgb.png")))
        #expect(generated.usage?.totalTokens == 281)
        #expect(generated.partialImageCount == count)
        let body = try #require(server.requests.first?.bodyText)
        #expect(body.contains(#""stream":true"#))
        #expect(body.contains(#""partial_images":\#(count)"#))
        #expect(server.requests.first?.headers.first { $0.name.lowercased() == "accept" }?.value.contains("text/event-stream") == true)
    }

    @Test("the completed event may come before the partials: the image is still the completed one, the partials still handed on")
    func completedFirst() async throws {
        let text = try Self.completed() + Self.partial(0) + Self.partial(1)
        let (result, seen, _) = try await Self.run(Self.stream(text), partials: 2)
        #expect(try result.get().images.first?.bytes == (try TestPaths.fixture("gradient-rgb.png")))
        #expect(seen.count == 2)
    }

    @Test("a stream cut off mid-event, or ending without its completed event, is a clear error")
    func cutOff() async throws {
        let whole = try Self.partial(0) + Self.completed()
        let cut = String(whole.prefix(whole.count - 200))
        let (result, seen, _) = try await Self.run(Self.stream(cut), partials: 1)
        guard case .failure(let error) = result else { Issue.record("a cut stream gave images"); return }
        #expect(error.code == .invalidResponse)
        #expect(error.message == "the event stream was cut off in the middle of an event, before its completed image (1 partial image received)", "\(error.message)")
        #expect(seen.count == 1)
        let (ended, _, _) = try await Self.run(Self.stream(try Self.partial(0)), partials: 1)
        guard case .failure(let endedError) = ended else { Issue.record("a stream without its image gave images"); return }
        #expect(endedError.message.contains("ended without a completed image"))
    }

    @Test("a token echoed in a completed event's revised_prompt or usage is scrubbed, as in a JSON answer")
    func tokenScrubbed() async throws {
        let echo = Self.event(
            "image_generation.completed",
            #""b64_json":"\#(try Client.base64("gray.png"))","revised_prompt":"a fox \#(Client.token)","usage":{"input_tokens":1,"note":"\#(Client.token)"}"#
        )
        let (result, _, _) = try await Self.run(Self.stream(echo))
        let generated = try result.get()
        #expect(generated.images.first?.revisedPrompt == "a fox ***")
        #expect(generated.usage?.json.contains(Client.token) == false)
    }

    @Test("a plain JSON answer to a stream request is read as one: the content type decides")
    func plainJSON() async throws {
        let body = #"{"created":1,"data":[{"b64_json":"\#(try Client.base64("gradient-rgb.png"))"}]}"#
        let (result, seen, _) = try await Self.run(.json(200, body))
        #expect(try result.get().images.first?.bytes == (try TestPaths.fixture("gradient-rgb.png")))
        #expect(seen.isEmpty)
    }

    @Test("an error event is the provider's error; a safety refusal keeps its own class")
    func errorEvent() async throws {
        let text = Self.event("error", #""error":{"message":"Your request was rejected by the safety system.","type":"image_generation_user_error","code":"moderation_blocked"}"#)
        let (result, _, _) = try await Self.run(Self.stream(text))
        guard case .failure(let error) = result else { Issue.record("an error event gave images"); return }
        #expect(error.code == .moderationBlocked)
        #expect(error.message.hasPrefix("Your request was rejected by the safety system."))
    }

    @Test("an event that is not JSON is an error naming it; partial_images without stream, or past 3, is refused before sending")
    func malformed() async throws {
        let (result, _, _) = try await Self.run(Self.stream("event: image_generation.completed\ndata: not json\n\n"))
        guard case .failure(let error) = result else { Issue.record("a broken event gave images"); return }
        #expect(error.code == .invalidResponse)
        #expect(error.message.contains("the event stream is not readable"))
        var request = GenerationRequest(prompt: "a fox")
        request.partialImages = 2
        #expect(throws: GenerationError.self) { try request.body(for: .openAI) }
        request.stream = true
        request.partialImages = 4
        #expect(throws: GenerationError.self) { try request.body(for: .openAI) }
        request.partialImages = 3
        #expect(throws: GenerationError.self) { try request.body(for: .nscale) }  // Nscale does not stream
    }
}

/// The `text/event-stream` splitter on its own.
@Suite("Server-sent events parser")
struct ServerSentEventParserTests {
    static let text = "event: first\r\ndata: {\"a\":1}\r\n\r\n: a comment\n\ndata: line one\ndata:line two\r\r"
        + "event:third\ndata\n\nid: 7\nretry: 100\ndata: x\n\n"

    static func events(feeding chunks: [ArraySlice<UInt8>]) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for chunk in chunks { events += try Array(chunk).withUnsafeBytes { try parser.feed($0) } }
        #expect(!parser.hasPartialEvent)
        return events
    }

    @Test("fields, line ends (LF, CRLF, CR), comments, joined data lines; the same events however the bytes are cut")
    func parsing() throws {
        let bytes = Array(Self.text.utf8)
        let whole = try Self.events(feeding: [bytes[...]])
        #expect(whole == [
            ServerSentEvent(name: "first", data: Array(#"{"a":1}"#.utf8)),
            ServerSentEvent(name: nil, data: Array("line one\nline two".utf8)),
            ServerSentEvent(name: "third", data: []),
            ServerSentEvent(name: nil, data: Array("x".utf8)),
        ])
        #expect(try Self.events(feeding: bytes.indices.map { bytes[$0...$0] }) == whole, "byte by byte")
        for cut in [1, 7, 22, 23, 40] {
            #expect(try Self.events(feeding: [bytes[..<cut], bytes[cut...]]) == whole, "cut at \(cut)")
        }
    }

    @Test("an event past the size limit is refused with its offset, not held")
    func limit() throws {
        var parser = ServerSentEventParser(maximumEventBytes: 64)
        let error = #expect(throws: ImagesResponseError.self) {
            _ = try Array(("data: " + String(repeating: "x", count: 100) + "\n\n").utf8).withUnsafeBytes { try parser.feed($0) }
        }
        #expect(error?.byteOffset != nil)
        var open = ServerSentEventParser()
        _ = try Array("data: half".utf8).withUnsafeBytes { try open.feed($0) }
        #expect(open.hasPartialEvent)
    }
}
