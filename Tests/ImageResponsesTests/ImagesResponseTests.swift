import FastBase64
import Foundation
import ImageResponses
import Testing
import TestSupport

@Suite("Images API responses read from raw bytes")
struct ImagesResponseTests {
    static func parse(_ name: String) throws -> ImagesResponse {
        try ImagesResponse(parsing: TestPaths.fixture(name))
    }

    /// The slow path users have today: JSONDecoder to String, then Data(base64Encoded:).
    static func referencePayloads(_ body: [UInt8]) throws -> [[UInt8]?] {
        struct Body: Decodable {
            struct Entry: Decodable { var b64_json: String? }
            var data: [Entry]
        }
        let decoded = try JSONDecoder().decode(Body.self, from: Data(body))
        return decoded.data.map { entry in entry.b64_json.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } }
    }

    @Test("each entry's payload is decided once: bytes with their sniffed format, a URL, invalid base64 with its offset, or nothing")
    func payloadKinds() throws {
        let png = try TestPaths.fixture("gray.png")
        let body = #"{"data":[{"b64_json":"\#(Base64Encoder().encodeToString(png))"},{"b64_json":"aGVsbG8="},{"url":"https://cdn.example/a.png?sig=1"},{"b64_json":"@@@@"},{"revised_prompt":"x"},{"b64_json":null,"url":"https://cdn.example/b.png"}]}"#
        let images = try ImagesResponse(parsing: Array(body.utf8)).images
        try #require(images.count == 6)
        guard case .bytes(let bytes, format: .png) = images[0].payload else { Issue.record("\(images[0].payload)"); return }
        #expect(bytes == png)
        guard case .bytes(let hello, format: nil) = images[1].payload else { Issue.record("\(images[1].payload)"); return }
        #expect(hello == Array("hello".utf8), "bytes that are no image keep a nil format")
        guard case .url = images[2].payload else { Issue.record("\(images[2].payload)"); return }
        #expect(images[2].url == "https://cdn.example/a.png?sig=1")
        guard case .invalid(let error) = images[3].payload else { Issue.record("\(images[3].payload)"); return }
        let junk = try #require(Array(body.utf8).firstRange(of: Array("@@@@".utf8)))
        #expect(error.code == .invalidPayload)
        #expect(error.byteOffset == junk.lowerBound, "the offset of the first bad character in the body")
        #expect(images[3].payloadError?.message.contains("data[3].b64_json is not valid base64") == true)
        guard case .missing = images[4].payload else { Issue.record("\(images[4].payload)"); return }
        guard case .url = images[5].payload else { Issue.record("\(images[5].payload)"); return }
    }

    @Test("Nscale shape: created and several images, decoded exactly")
    func nscale() throws {
        let body = try TestPaths.fixture("response-nscale.json")
        let response = try ImagesResponse(parsing: body)
        #expect(response.created == 1_700_000_000)
        #expect(response.id == nil && response.error == nil && response.usage == nil)
        #expect(response.images.map(\.index) == [0, 1])
        #expect(response.images.map(\.bytes) == (try Self.referencePayloads(body)))
        #expect(response.images[0].bytes == (try TestPaths.fixture("gray.png")))
        #expect(response.images[1].bytes == (try TestPaths.fixture("disc-lossy-alpha.webp")))
    }

    @Test("OpenAI shape: any key order, escaped slashes in the payload, revised prompt and usage")
    func openAI() throws {
        let body = try TestPaths.fixture("response-openai.json")
        #expect(String(decoding: body, as: UTF8.self).contains("\\/"), "the fixture escapes '/' in base64")
        let response = try ImagesResponse(parsing: body)
        #expect(response.created == 1_713_833_628)
        #expect(response.images.count == 1)
        #expect(response.images[0].bytes == (try TestPaths.fixture("gray.png")))
        #expect(response.images[0].revisedPrompt == "A café \"sign\" ☕")
        #expect(response.usage?.inputTokens == 12 && response.usage?.outputTokens == 4160 && response.usage?.totalTokens == 4172)
        #expect(response.usage?.json.contains("image_tokens") == true)
    }

    @Test("Nebius shape: id without created, URL results")
    func nebiusURL() throws {
        let response = try Self.parse("response-nebius-url.json")
        #expect(response.id == "text2img-0a1b2c" && response.created == nil)
        #expect(response.images[0].bytes == nil && response.images[0].url?.hasPrefix("https://example.invalid/img/abc.png") == true)
    }

    @Test("provider errors in every dialect are read instead of data")
    func providerErrors() throws {
        let credit = try #require(try Self.parse("response-error-credit.json").error)
        #expect(credit.message == "Insufficient credit to run this request")
        #expect(credit.type == "INSUFFICIENT_CREDIT" && credit.code == "429")
        let validation = try #require(try Self.parse("response-error-nebius-422.json").error)
        #expect(validation.message == "width: ensure this value is less than or equal to 2048")
        #expect(validation.parameter == "width" && validation.type == "value_error.number.not_le")
        let openAI = try #require(try ImagesResponse(parsing: Array(#"{"error":{"message":"Invalid value: 'b64'.","type":"invalid_request_error","param":"response_format","code":"invalid_value"}}"#.utf8)).error)
        #expect(openAI.description == "Invalid value: 'b64'. (type: invalid_request_error, code: invalid_value, param: response_format)")
        let plain = try ImagesResponse(parsing: Array(#"{"error":"model not found"}"#.utf8))
        #expect(plain.error?.message == "model not found")
    }

    @Test("an invalid payload is reported at its byte offset in the body; the other images decode")
    func invalidPayload() throws {
        let body = try TestPaths.fixture("response-bad-payload.json")
        let response = try ImagesResponse(parsing: body)
        #expect(response.images[0].bytes == (try TestPaths.fixture("gray.png")))
        let error = try #require(response.images[1].payloadError)
        #expect(response.images[1].bytes == nil)
        #expect(body[error.byteOffset] == UInt8(ascii: "*"), "offset \(error.byteOffset) points at the planted byte")
        #expect(error.message.contains("data[1].b64_json"))
        #expect(error.code == .invalidPayload)
    }

    @Test("a repeated b64_json member replaces the earlier one: never one payload's bytes beside another's error")
    func repeatedPayloadMember() throws {
        func image(_ members: String) throws -> GeneratedImage {
            try ImagesResponse(parsing: Array(#"{"data":[{\#(members)}]}"#.utf8)).images[0]
        }
        // Found by the response fuzz target: valid, then invalid, kept the first bytes and the second error.
        let invalidLast = try image(#""b64_json":"QUJD","b64_json":"*QUJD""#)
        #expect(invalidLast.bytes == nil && invalidLast.payloadError?.code == .invalidPayload)
        #expect(invalidLast.payloadRange == 40..<45)
        let validLast = try image(#""b64_json":"*QUJD","b64_json":"QUJD""#)
        #expect(validLast.bytes == Array("ABC".utf8) && validLast.payloadError == nil)
        let nullLast = try image(#""b64_json":"QUJD","b64_json":null"#)
        #expect(nullLast.bytes == nil && nullLast.payloadRange == nil && nullLast.payloadError == nil)
    }

    @Test("malformed JSON fails with the byte offset of the problem", arguments: [
        (#"{"data":[{"b64_json":"QUJD"}],}"#, 30), (#"{"data":[{"b64_json":"QUJD"} {"#, 29), (#"{"data" [] }"#, 8),
        (#"{"data":[],"created":1e}"#, 21), (#"{"created":tru}"#, 11), ("{", 1), (#"{"data":[]} x"#, 12),
    ])
    func malformed(_ text: String, _ offset: Int) throws {
        let error = #expect(throws: ImagesResponseError.self) { try ImagesResponse(parsing: Array(text.utf8)) }
        #expect(error?.code == .malformedJSON)
        #expect(error?.byteOffset == offset, "\(text): \(String(describing: error))")
    }

    @Test("bodies that are not images responses are refused as such", arguments: [
        #"{"object":"list","results":[]}"#, "[1,2,3]", #""hello""#,
    ])
    func notAResponse(_ text: String) {
        let error = #expect(throws: ImagesResponseError.self) { try ImagesResponse(parsing: Array(text.utf8)) }
        #expect(error?.code == .notAnImagesResponse)
    }

    @Test("a truncated body fails at the end of the data")
    func truncated() throws {
        let body = try TestPaths.fixture("response-truncated.json")
        let error = #expect(throws: ImagesResponseError.self) { try ImagesResponse(parsing: body) }
        #expect(error?.message.contains("never ends") == true)
    }

    @Test("escaped member names, nulls, nested unknown values and escaped quotes are handled")
    func edgeCases() throws {
        let text = #"""
        { "model" : {"nested": [1, {"deep": ["\"]"]}], "s": "a\\"}, "created": 1.0e9,
          "d\u0061ta": [ {"url": null, "b64_json": "QU\/JDw", "extra": [true, false, null]}, {"b64_json": null} ],
          "error": null }
        """#
        let response = try ImagesResponse(parsing: Array(text.utf8))
        #expect(response.created == 1_000_000_000)
        #expect(response.images.count == 2)
        // "QU/JDw" with its slash escaped and no padding: 4 bytes.
        #expect(response.images[0].bytes == [0x41, 0x4F, 0xC9, 0x0F])
        #expect(response.images[1].bytes == nil && response.images[1].payloadError == nil)
        #expect(response.error == nil)
    }

    @Test("every truncation of a real response fails cleanly, never crashes")
    func everyTruncation() throws {
        let body = try TestPaths.fixture("response-openai.json")
        for length in stride(from: 0, to: body.count, by: 7) {
            #expect(throws: ImagesResponseError.self, "cut at \(length)") { try ImagesResponse(parsing: Array(body[..<length])) }
        }
    }

    @Test("every corpus response decodes to what JSONDecoder and Foundation's base64 give",
          .enabled(if: TestPaths.corpus != nil, "\(TestPaths.missing("corpus"))"))
    func corpus() throws {
        let folder = TestPaths.corpus!.appendingPathComponent("json")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 7)
        for name in names {
            let body = try readBytes(folder.appendingPathComponent(name))
            let response = try ImagesResponse(parsing: body)
            #expect(response.images.map(\.bytes) == (try Self.referencePayloads(body)), "\(name)")
            #expect(response.images.allSatisfy { $0.bytes != nil })
            #expect(name.hasPrefix("nebius") ? response.id != nil : response.created != nil)
        }
    }
}
