import Foundation
import ImageCore
import ImageGeneration
import ImagePipeSandbox
import Synchronization
import Testing
import TestSupport

/// `POST /images/edits`: the multipart body as sent (read back with the sandbox's parser), the
/// checks made before anything is sent, and the answer read like a generation's.
@Suite("Image edits: multipart requests and local checks")
struct EditRequestTests {
    typealias Client = GenerationClientTests

    static let inputs = ["gradient-rgb.png", "gradient-lossy.webp", "metadata/gps-rotated-p3.jpg"]

    /// Copies of the fixtures in a scratch folder, described as an edit sends them.
    static func files(_ count: Int, names: (Int) -> String = { "input-\($0)" }) throws -> [EditImageFile] {
        let folder = try makeScratchDirectory()
        return try (0..<count).map { index in
            let fixture = inputs[index % inputs.count]
            let bytes = try TestPaths.fixture(fixture)
            let format = try #require(ImageFormat.sniff(bytes))
            let path = folder + "/" + names(index) + "." + format.fileExtension
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return EditImageFile(path: path, format: format, byteCount: bytes.count, size: ImageSize(width: 64, height: 48), hasAlpha: false, sha256: "")
        }
    }

    static func mask(size: ImageSize = ImageSize(width: 64, height: 48), format: ImageFormat = .png, hasAlpha: Bool = true, bytes: Int? = nil) throws -> EditImageFile {
        let fixture = try TestPaths.fixture("disc-rgba.png")
        let path = try makeScratchDirectory() + "/mask.png"
        try Data(fixture).write(to: URL(fileURLWithPath: path))
        return EditImageFile(path: path, format: format, byteCount: bytes ?? fixture.count, size: size, hasAlpha: hasAlpha, sha256: "")
    }

    static let answer = StubResponse.json(200, #"{"created": 1700000000, "data": [{"b64_json": "\#((try? Client.base64("gradient-rgb.png")) ?? "")"}]}"#)

    /// The parts of a recorded multipart request, with their bytes.
    static func parts(of request: RecordedRequest) throws -> [(part: MultipartForm.Part, bytes: [UInt8])] {
        let type = try #require(request.header("Content-Type"))
        let boundary = try #require(MultipartForm.boundary(ofContentType: type), "\(type)")
        let form = try request.body.withUnsafeBytes { try MultipartForm(parsing: $0, boundary: boundary) }
        return form.parts.map { ($0, Array(request.body[$0.content])) }
    }

    @Test("16 images go as 16 image[] parts, each with its real Content-Type and bytes, then the mask and the fields; Content-Length exact")
    func sixteenImages() async throws {
        let images = try Self.files(16)
        var edit = ImageEditRequest(prompt: "add a red hat", images: images, mask: try Self.mask())
        edit.options.model = "gpt-image-1"
        edit.options.quality = "high"
        edit.options.count = 2
        edit.inputFidelity = "high"
        let server = try await StubServer.start(script: [Self.answer])
        let result = try await Client.withClient(server, profile: .openAI) { try await $0.edit(edit) }
        #expect(result.images.count == 1)
        #expect(result.endpoint.hasSuffix("/images/edits"))
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/images/edits")
        #expect(request.header("Content-Length") == String(request.body.count))
        let parts = try Self.parts(of: request)
        let files = parts.filter { $0.part.name == "image[]" }
        #expect(files.count == 16)
        for (file, image) in zip(files, images) {
            #expect(file.part.fileName == image.fileName)
            #expect(file.part.contentType == image.format.mimeType)
            #expect(file.bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: image.path))))
        }
        #expect(Set(files.map { $0.part.contentType ?? "" }) == ["image/png", "image/webp", "image/jpeg"])
        let mask = try #require(parts.first { $0.part.name == "mask" })
        let maskBytes = try TestPaths.fixture("disc-rgba.png")
        #expect(mask.part.contentType == "image/png" && mask.bytes == maskBytes)
        var fields: [String: String] = [:]
        for (part, bytes) in parts where part.fileName == nil { fields[part.name] = String(decoding: bytes, as: UTF8.self) }
        #expect(fields == ["model": "gpt-image-1", "prompt": "add a red hat", "n": "2", "quality": "high", "input_fidelity": "high"])
        #expect(fields["response_format"] == nil, "never sent to GPT image models")
    }

    @Test("one image goes as a single `image` part; no size is sent unless asked (the result takes the input's)")
    func oneImage() async throws {
        let server = try await StubServer.start(script: [Self.answer])
        _ = try await Client.withClient(server) { try await $0.edit(ImageEditRequest(prompt: "x", images: try Self.files(1))) }
        let parts = try Self.parts(of: try #require(server.requests.first))
        #expect(parts.map(\.part.name) == ["image", "prompt", "n"])
    }

    @Test("names with quotes, line breaks and non-ASCII letters survive the part headers")
    func awkwardNames() async throws {
        let images = try Self.files(2) { ["a \"quoted\" name", "café ☕"][$0] }
        let server = try await StubServer.start(script: [Self.answer])
        _ = try await Client.withClient(server) { try await $0.edit(ImageEditRequest(prompt: "x", images: images)) }
        let parts = try Self.parts(of: try #require(server.requests.first))
        #expect(parts.prefix(2).map(\.part.fileName) == ["a %22quoted%22 name.png", "café ☕.webp"])
    }

    @Test("refused before anything is sent, naming the file or field", arguments: [
        "17 images", "mask JPEG", "mask without alpha", "mask size", "mask 4 MB", "image 50 MB", "GIF image",
        "input_fidelity on gpt-image-1-mini", "input_fidelity value", "moderation", "no edits endpoint",
    ])
    func refusals(_ rule: String) async throws {
        var edit = ImageEditRequest(prompt: "x", images: try Self.files(1))
        var profile = ProviderProfile.openAI
        var expected: String
        switch rule {
        case "17 images": edit.images = try Self.files(17); expected = "17 images given; an edit takes at most 16"
        case "mask JPEG": edit.mask = try Self.mask(format: .jpeg); expected = "mask.png: a JPEG file; the mask must be a PNG"
        case "mask without alpha": edit.mask = try Self.mask(hasAlpha: false); expected = "mask.png: the PNG has no alpha channel"
        case "mask size": edit.mask = try Self.mask(size: ImageSize(width: 48, height: 48)); expected = "is 48x48 but the first image"
        case "mask 4 MB": edit.mask = try Self.mask(bytes: 4 << 20); expected = "the mask must be under 4 MB"
        case "image 50 MB": edit.images[0].byteCount = 50 << 20; expected = "edits take images under 50 MB"
        case "GIF image": edit.images[0].format = .gif; expected = "a GIF file; edits take PNG, JPEG or WebP"
        case "input_fidelity on gpt-image-1-mini":
            edit.options.model = "gpt-image-1-mini"; edit.inputFidelity = "high"; expected = "gpt-image-1-mini does not take --input-fidelity"
        case "input_fidelity value": edit.inputFidelity = "max"; expected = "--input-fidelity must be high or low"
        case "moderation": edit.options.moderation = "low"; expected = "edits do not take --moderation"
        default: profile = .nscale; expected = "Nscale has no image edits endpoint"
        }
        let server = try await StubServer.start(script: [Self.answer])
        let error = try await Client.withClient(server, profile: profile) { client -> GenerationError? in
            do throws(GenerationError) { _ = try await client.edit(edit); return nil } catch { return error }
        }
        let refusal = try #require(error, "\(rule) was sent")
        #expect(refusal.code == .invalidRequest)
        #expect(refusal.message.contains(expected), "\(refusal.message)")
        #expect(refusal.message.contains("nothing was sent"))
        #expect(server.requests.isEmpty, "\(rule): \(server.requests.count) requests reached the server")
    }

    @Test("a model the table does not know is passed through with input_fidelity; a known one is checked")
    func unknownModel() async throws {
        var edit = ImageEditRequest(prompt: "x", images: try Self.files(1))
        edit.options.model = "gpt-image-9-preview"
        edit.inputFidelity = "low"
        let server = try await StubServer.start(script: [Self.answer])
        _ = try await Client.withClient(server, profile: .openAI) { try await $0.edit(edit) }
        let parts = try Self.parts(of: try #require(server.requests.first))
        #expect(parts.contains { $0.part.name == "input_fidelity" && $0.bytes == Array("low".utf8) })
        #expect(parts.contains { $0.part.name == "model" && $0.bytes == Array("gpt-image-9-preview".utf8) })
    }

    @Test("a retried edit (503, then an answer) sends the whole form again, read afresh from the files")
    func retried() async throws {
        let images = try Self.files(3)
        let server = try await StubServer.start(script: [.json(503, #"{"error":{"message":"busy","type":"server_error"}}"#), Self.answer])
        let result = try await Client.withClient(server) { try await $0.edit(ImageEditRequest(prompt: "x", images: images, mask: nil)) }
        #expect(result.attempts == 2)
        #expect(server.requests.count == 2)
        let (first, second) = (try Self.parts(of: server.requests[0]), try Self.parts(of: server.requests[1]))
        #expect(first.map(\.bytes) == second.map(\.bytes))
        #expect(second.filter { $0.part.name == "image[]" }.count == 3)
    }

    @Test("a file that changed since it was checked fails the request clearly, and is not retried")
    func changedFile() async throws {
        var edit = ImageEditRequest(prompt: "x", images: try Self.files(1))
        edit.images[0].byteCount += 10
        let server = try await StubServer.start(script: [Self.answer, Self.answer])
        let error = try await Client.withClient(server) { client -> GenerationError? in
            do throws(GenerationError) { _ = try await client.edit(edit); return nil } catch { return error }
        }
        let failure = try #require(error)
        #expect(failure.code == .invalidRequest)
        #expect(failure.message.contains("changed while it was being sent"), "\(failure.message)")
        #expect(failure.attempts == 1)
    }

    @Test("a streamed edit: image_edit.partial_image events handed on, the image_edit.completed image returned with its usage")
    func streamed() async throws {
        func event(_ type: String, _ fields: String) -> String { "event: \(type)\ndata: {\"type\":\"\(type)\",\(fields)}\n\n" }
        let text = try event("image_edit.partial_image", #""b64_json":"\#(Client.base64("gray.png"))","partial_image_index":0"#)
            + event("image_edit.completed", #""b64_json":"\#(Client.base64("gradient-rgb.png"))","usage":{"input_tokens":3,"output_tokens":5,"total_tokens":8}"#)
        let server = try await StubServer.start(script: [StubResponse(status: 200, headers: [("Content-Type", "text/event-stream")], body: Array(text.utf8))])
        var edit = ImageEditRequest(prompt: "x", images: try Self.files(1))
        edit.options.stream = true
        edit.options.partialImages = 1
        let seen = Mutex(0)
        let result = try await Client.withClient(server, profile: .openAI) { client in
            try await client.edit(edit) { _ in seen.withLock { $0 += 1 } }
        }
        #expect(seen.withLock { $0 } == 1)
        #expect(result.images.first?.bytes == (try TestPaths.fixture("gradient-rgb.png")))
        #expect(result.usage?.totalTokens == 8)
        let fields = try Self.parts(of: try #require(server.requests.first)).filter { $0.part.fileName == nil }
        #expect(fields.contains { $0.part.name == "stream" && $0.bytes == Array("true".utf8) })
        #expect(fields.contains { $0.part.name == "partial_images" && $0.bytes == Array("1".utf8) })
    }
}
