import Foundation
import ImageCodecs
import ImageCore
@testable import ImagePipeline
import PipelineCore
import Testing
import TestSupport

/// What `imagepipe info` reports for saved images API responses (``InputInfo``, ``ResponseInfo``).
@Suite("Pipeline: info on saved responses")
struct ResponseInfoTests {
    static func fixture(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent(name).path }

    static func fixtureBytes(_ name: String) throws -> [UInt8] {
        try FileIO.readFile(fixture(name), maxBytes: 1 << 20)
    }

    /// A response body whose `data` holds these images as `b64_json`, beside optional fields.
    static func body(embedding images: [[UInt8]], extra: [String: Any] = [:]) throws -> [UInt8] {
        let entries = images.map { ["b64_json": Data($0).base64EncodedString()] }
        return [UInt8](try JSONSerialization.data(withJSONObject: extra.merging(["data": entries]) { $1 }))
    }

    @Test("responses are told from images by content, whatever their names", arguments: [false, true])
    func detection(verifying: Bool) throws {
        let folder = try makeScratchDirectory()
        try FileManager.default.copyItem(atPath: Self.fixture("response-nscale.json"), toPath: folder + "/looks-like.png")
        guard case .response(let response) = try InputInfo.read(path: folder + "/looks-like.png", verifying: verifying) else {
            Issue.record("a response named .png was read as an image")
            return
        }
        #expect(response.images.map { $0.image?.format } == ["png", "webp"])
        #expect(response.images.map { $0.image?.verified } == [verifying ? true : nil, verifying ? true : nil])
        #expect(response.images.map { $0.image?.path } == ["\(folder)/looks-like.png data[0]", "\(folder)/looks-like.png data[1]"])
        guard case .image(let file) = try InputInfo.read(path: Self.fixture("gray.png"), verifying: verifying) else {
            Issue.record("an image was read as a response")
            return
        }
        #expect(file.summary == "\(Self.fixture("gray.png")): PNG 32x32 gray 8-bit deflate, 452 bytes" + (verifying ? ", pixels verified" : ""))
    }

    @Test("each image's header is its own bytes': sizes, color models and decoded byte counts")
    func images() throws {
        let info = try ResponseInfo(path: "r.json", body: Self.fixtureBytes("response-nscale.json"))
        #expect(info.created == 1_700_000_000 && info.bytes == 1671 && info.failures.isEmpty)
        let first = try #require(info.images[0].image), second = try #require(info.images[1].image)
        #expect(first == FileInfo(path: "r.json data[0]", format: "png", width: 32, height: 32, colorModel: "gray", hasAlpha: false, bitDepth: 8,
                                  interlaced: false, animated: false, frameCount: 1, compression: "deflate", bytes: 452))
        #expect(second.format == "webp" && second.width == 48 && second.colorModel == "rgba" && second.hasAlpha && second.bytes == 752)
        #expect(info.summary == "r.json: images API response, 2 images, created 2023-11-14T22:13:20Z, 1671 bytes")
    }

    @Test("text metadata embedded in an image of a response is read with readingMetadata")
    func metadata() throws {
        let tagged = try ImageTextMetadata(["Description": "a red fox", "Software": "imagepipe"]).embedded(in: Self.fixtureBytes("gray.png"))
        let body = try Self.body(embedding: [tagged, Self.fixtureBytes("disc-lossy-alpha.webp")])
        let plain = try ResponseInfo(path: "r.json", body: body)
        #expect(plain.images.allSatisfy { $0.image?.metadata == nil })
        let read = try ResponseInfo(path: "r.json", body: body, readingMetadata: true)
        #expect(read.images[0].image?.metadata == ["Description": "a red fox", "Software": "imagepipe"])
        #expect(read.images[1].image?.metadata == [:])
        let verified = try ResponseInfo(path: "r.json", body: body, verifying: true, readingMetadata: true)
        #expect(verified.images[0].image?.metadata?["Software"] == "imagepipe" && verified.images[0].image?.verified == true)
    }

    @Test("a failed image is reported alone, named by index; the provider's error beside images comes first")
    func failures() throws {
        let body = try Self.body(embedding: [Self.fixtureBytes("gray.png"), Self.fixtureBytes("not-an-image.png"), Self.fixtureBytes("tiny.gif")],
                                 extra: ["error": ["message": "one image was filtered"]])
        let info = try ResponseInfo(path: "r.json", body: body)
        #expect(info.images[0].image != nil && info.images[0].failure == nil)
        #expect(info.images[1].failure?.path == "r.json data[1]" && info.images[1].failure?.codecError?.code == .unrecognizedFormat)
        #expect(info.images[2].failure?.message.contains("GIF is recognised but not supported yet") == true)
        #expect(info.failures.map(\.code) == [.providerError, .codec, .codec])
        #expect(info.failures.first?.description == "r.json: the response holds an error from the provider: one image was filtered")
        #expect(info.images[1].summary.hasPrefix("data[1]: failed: not a recognised image format"))
    }

    @Test("a response that is only an error, malformed, or not a response throws, naming the file and the offset")
    func refusals() throws {
        let credit = #expect(throws: PipelineError.self) { try ResponseInfo(path: "c.json", body: Self.fixtureBytes("response-error-credit.json")) }
        #expect(credit?.code == .providerError && credit?.description.contains("c.json: the response holds an error from the provider: Insufficient credit") == true)
        let truncated = #expect(throws: PipelineError.self) { try ResponseInfo(path: "t.json", body: Self.fixtureBytes("response-truncated.json")) }
        #expect(truncated?.code == .invalidResponse && truncated?.byteOffset == 33)
        let other = #expect(throws: PipelineError.self) { try ResponseInfo(path: "o.json", body: Array(#"{"name": "x"}"#.utf8)) }
        #expect(other?.message.contains("no \"data\"") == true)
        let payload = try ResponseInfo(path: "b.json", body: Self.fixtureBytes("response-bad-payload.json"))
        #expect(payload.images[1].failure?.byteOffset == 754 && payload.images[1].failure?.path == "b.json")
    }

    @Test("the decoder's limits apply to each embedded image")
    func limits() throws {
        let body = try Self.fixtureBytes("response-nscale.json")
        let small = ImageDecoder(limits: DecodeLimits(maxPixels: 2000, maxInputBytes: 600))
        let probed = try ResponseInfo(path: "r.json", body: body, decoder: small)
        #expect(probed.images[0].image != nil, "452 bytes are within 600")
        #expect(probed.images[1].failure?.code == .inputTooLarge && probed.images[1].failure?.path == "r.json data[1]")
        let verified = try ResponseInfo(path: "r.json", body: body, decoder: ImageDecoder(limits: DecodeLimits(maxPixels: 2000, maxInputBytes: 1 << 20)), verifying: true)
        #expect(verified.images[0].image?.verified == true)
        #expect(verified.images[1].failure?.codecError?.code == .limitExceeded)
    }

    @Test("links are shown without their query or credentials and never fetched")
    func links() throws {
        let info = try ResponseInfo(path: "u.json", body: Array(#"{"data":[{"url":"https://user:pw@cdn.example/a.png?sig=secret#x"}]}"#.utf8))
        #expect(info.images[0].url?.text == "https://…@cdn.example/a.png?…")
        #expect(info.images[0].image == nil && info.failures.isEmpty)
        #expect(info.images[0].summary == "data[0]: https://…@cdn.example/a.png?… (not downloaded)")
        let encoded = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        #expect(!encoded.contains("secret") && !encoded.contains("pw"))
    }

    @Test("provider text is made one safe line; odd timestamps are shown as numbers")
    func providerText() {
        #expect(ResponseImageInfo.oneLine("a\nb\u{1B}[31mc", maximumLength: 60) == "a b [31mc")
        #expect(ResponseImageInfo.oneLine(String(repeating: "x", count: 70), maximumLength: 60) == String(repeating: "x", count: 59) + "…")
        #expect(ResponseImageInfo.oneLine("short", maximumLength: 60) == "short")
        #expect(ResponseInfo.timestamp(0) == "1970-01-01T00:00:00Z")
        #expect(ResponseInfo.timestamp(-5) == "-5" && ResponseInfo.timestamp(Int.max) == "\(Int.max)")
    }
}
