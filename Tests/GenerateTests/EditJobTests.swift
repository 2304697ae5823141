import Foundation
import GenerationJob
import ImageCodecs
import ImageCore
import ImageGeneration
import ImagePipeSandbox
import ImagePipeline
import PipelineCore
import Testing
import TestSupport

/// Edits end to end in the test process: files probed, the multipart request streamed to the
/// sandbox over loopback, the answers written by the generate writer.
@Suite("edits against the sandbox")
struct EditJobTests {
    static func copy(_ fixture: String, to folder: String, as name: String) throws -> String {
        let path = folder + "/" + name
        try Data(try TestPaths.fixture(fixture)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("EditImageFile.open: format, length, stored size, alpha and SHA-256 of PNG, JPEG and WebP")
    func open() throws {
        let folder = try makeScratchDirectory()
        let png = try EditImageFile.open(try Self.copy("disc-rgba.png", to: folder, as: "a.png"))
        #expect(png.format == .png && png.hasAlpha && png.size == ImageSize(width: 48, height: 48))
        let pngBytes = try TestPaths.fixture("disc-rgba.png")
        #expect(png.sha256 == sha256Hex(pngBytes))
        let jpeg = try EditImageFile.open(try Self.copy("metadata/gps-rotated-p3.jpg", to: folder, as: "b.jpg"))
        #expect(jpeg.format == .jpeg && !jpeg.hasAlpha)
        let webp = try EditImageFile.open(try Self.copy("disc-lossy-alpha.webp", to: folder, as: "c.webp"))
        let webpBytes = try TestPaths.fixture("disc-lossy-alpha.webp")
        #expect(webp.format == .webp && webp.hasAlpha && webp.byteCount == webpBytes.count)
    }

    @Test("EditImageFile.open refuses, naming the file: missing, not an image, an animation it cannot send")
    func openRefusals() throws {
        let folder = try makeScratchDirectory()
        #expect(throws: PipelineError.self) { try EditImageFile.open(folder + "/missing.png") }
        let text = folder + "/notes.png"
        try "not an image".write(toFile: text, atomically: true, encoding: .utf8)
        do {
            _ = try EditImageFile.open(text)
            Issue.record("opened a text file")
        } catch {
            #expect(error.description.contains(text) && error.description.contains("not an image imagepipe knows"), "\(error)")
        }
    }

    @Test("a job of edits: each request's images written with inputs in the sidecar; 16 images reach the sandbox as 16")
    func job() async throws {
        let folder = try makeScratchDirectory()
        let photo = try EditImageFile.open(try Self.copy("gradient-rgb.png", to: folder, as: "photo.png"))
        let reference = try EditImageFile.open(try Self.copy("gradient-lossy.webp", to: folder, as: "reference.webp"))
        var configuration = SandboxConfiguration()
        configuration.port = 0
        let server = try await SandboxServer.start(configuration)
        let client = GenerationClient(profile: .sandbox, token: nil, baseURL: server.baseURL)
        var many = ImageEditRequest(prompt: "a hat", images: [photo] + Array(repeating: reference, count: 15))
        many.options.count = 2
        let single = ImageEditRequest(prompt: "a scarf", images: [reference])
        var writer = GeneratedImageWriter(destination: .directory(folder + "/out"))
        writer.software = "imagepipe test"
        let outcomes = await GenerateJob(edits: [many, single], writer: writer, concurrency: 2).run(client: client)
        try await client.shutdown()
        let statistics = server.statistics
        await server.shutdown()
        #expect(outcomes.allSatisfy { $0.succeeded }, "\(outcomes.map { $0.requestError?.description ?? "" })")
        #expect(statistics.editRequests == 2 && statistics.editImagesReceived == 17)
        let listing = try FileManager.default.contentsOfDirectory(atPath: folder + "/out").sorted()
        #expect(listing == [
            "photo-a-hat-1.json", "photo-a-hat-1.png", "photo-a-hat-2.json", "photo-a-hat-2.png",
            "reference-a-scarf-1.json", "reference-a-scarf-1.png",
        ])
        let saved = outcomes.flatMap { $0.images.compactMap { try? $0.get() } }
        let first = try #require(saved.first { $0.path.hasSuffix("photo-a-hat-1.png") })
        #expect(first.provenance.inputs?.count == 16)
        #expect(first.provenance.inputs?.first?.sha256 == photo.sha256)
        #expect(first.provenance.outputSize == "64x48")
    }

    @Test("the progress line: seconds, then minutes; a batch says how far it is")
    func progressText() {
        #expect(ProgressText.waiting(provider: "OpenAI", elapsedSeconds: 14, done: 0, total: 1) == "waiting for OpenAI: 14 s")
        #expect(ProgressText.waiting(provider: "OpenAI", elapsedSeconds: 65, done: 3, total: 10) == "waiting for OpenAI: 1 min 05 s, 3 of 10 done")
    }
}
