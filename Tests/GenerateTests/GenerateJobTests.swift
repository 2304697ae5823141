import Foundation
import GenerationJob
import ImageCodecs
import ImageCore
import ImageGeneration
import ImagePipeSandbox
@testable import ImagePipeline
import PipelineCore
import Testing
import TestSupport

/// generate end to end, in the test process: the client talks to the sandbox over real loopback
/// HTTP, and the writer puts files on disk.
@Suite("generate against the sandbox")
struct GenerateJobTests {
    /// Starts a sandbox, runs `body` with it and a client for `profile`, and shuts both down.
    static func withSandbox<T>(
        _ configure: (inout SandboxConfiguration) -> Void = { _ in },
        profile: ProviderProfile = .sandbox, token: String? = nil,
        client configureClient: (inout GenerationClient.Configuration) -> Void = { _ in },
        _ body: (SandboxServer, GenerationClient) async throws -> T
    ) async throws -> T {
        var configuration = SandboxConfiguration()
        configuration.port = 0
        configure(&configuration)
        let server = try await SandboxServer.start(configuration)
        var clientConfiguration = GenerationClient.Configuration()
        clientConfiguration.sleep = { _ in }  // retries happen at once in tests
        configureClient(&clientConfiguration)
        let client = GenerationClient(profile: profile, token: token, baseURL: server.baseURL, configuration: clientConfiguration)
        do {
            let result = try await body(server, client)
            try await client.shutdown()
            await server.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            await server.shutdown()
            throw error
        }
    }

    static func request(_ prompt: String = "a lighthouse at dusk", size: Int = 128, count: Int = 1) -> GenerationRequest {
        var request = GenerationRequest(prompt: prompt)
        request.size = ImageSize(width: size, height: size)
        request.count = count
        return request
    }

    static func listing(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    static func savedImages(_ outcomes: [GenerateJob.Outcome]) -> [SavedImage] {
        outcomes.flatMap { $0.images.compactMap { try? $0.get() } }
    }

    @Test("each provider's request shape gets the image it asked for", arguments: ["nscale", "nebius", "openai"])
    func providerShapes(_ name: String) async throws {
        let folder = try makeScratchDirectory()
        let profile = ProviderProfile.named(name)!
        var request = Self.request(size: 256, count: 2)
        request.model = name == "openai" ? "gpt-image-2" : nil  // gpt-image-1 takes only its three sizes
        if name == "nebius" { request.seed = 11 }
        let outcomes = try await Self.withSandbox(profile: profile, token: "test-token") { server, client in
            var writer = GeneratedImageWriter(destination: .directory(folder))
            writer.thumbnailEdges = [64]
            return await GenerateJob(prompts: ["a lighthouse at dusk"], request: request, writer: writer).run(client: client)
        }
        #expect(outcomes.count == 1)
        #expect(outcomes[0].requestError == nil, "\(String(describing: outcomes[0].requestError))")
        let saved = Self.savedImages(outcomes)
        #expect(saved.count == 2)
        for image in saved {
            let bytes = try FileIO.readFile(image.path, maxBytes: 1 << 24)
            #expect(try ImageDecoder().probe(bytes).size == ImageSize(width: 256, height: 256))
            #expect(image.provenance.provider == name)
            #expect(image.provenance.warnings.isEmpty)
        }
        #expect(saved[0].provenance.sourceSHA256 != saved[1].provenance.sourceSHA256, "n=2 gives two different images")
        #expect(try Self.listing(folder).count == 6)  // two images, two thumbnails, two sidecars
        if name == "nebius" { #expect(saved[0].provenance.seed == 11) }
    }

    @Test("URL results are downloaded at once and recorded without their query")
    func urlResults() async throws {
        let folder = try makeScratchDirectory()
        var request = Self.request(count: 2)
        request.responseFormat = .url
        let outcomes = try await Self.withSandbox(profile: .nebius, token: "sandbox-token") { _, client in
            await GenerateJob(prompts: ["a red kite"], request: request, writer: GeneratedImageWriter(destination: .directory(folder))).run(client: client)
        }
        let saved = Self.savedImages(outcomes)
        #expect(saved.count == 2)
        #expect(saved.allSatisfy { $0.provenance.source.hasPrefix("http://127.0.0.1:") })
        #expect(saved.allSatisfy { !$0.provenance.source.contains("?") || $0.provenance.source.hasSuffix("?…") })
    }

    @Test("503 with Retry-After is retried and succeeds; credit 429 fails at once with the provider's message")
    func retries() async throws {
        let folder = try makeScratchDirectory()
        let writer = GeneratedImageWriter(destination: .directory(folder))
        let retried = try await Self.withSandbox({ $0.faults = [SandboxFault(.unavailable, retryAfter: 0, firstRequests: 2)] }) { server, client in
            let outcomes = await GenerateJob(prompts: ["a storm"], request: Self.request(), writer: writer).run(client: client)
            #expect(server.statistics.generationRequests == 3)
            return outcomes
        }
        #expect(retried[0].succeeded && retried[0].attempts == 3)

        let credit = try await Self.withSandbox({ $0.faults = [SandboxFault(.insufficientCredit)] }, profile: .nscale, token: "secret-token-123") { server, client in
            let outcomes = await GenerateJob(prompts: ["a storm"], request: Self.request(), writer: writer).run(client: client)
            #expect(server.statistics.generationRequests == 1)
            return outcomes
        }
        let error = try #require(credit[0].requestError)
        #expect(error.code == .insufficientCredit && error.attempts == 1)
        #expect(error.description.contains("429") && error.description.contains("credit"))
        #expect(!error.description.contains("secret-token-123"))
    }

    @Test("a wrong token gets 401 with a hint, never the token")
    func authentication() async throws {
        let outcomes = try await Self.withSandbox({ $0.requiredToken = "right-token" }, profile: .openAICompatible(baseURL: nil), token: "wrong-token-456") { _, client in
            await GenerateJob(prompts: ["x"], request: Self.request(), writer: GeneratedImageWriter(destination: .directory(try makeScratchDirectory()))).run(client: client)
        }
        let error = try #require(outcomes[0].requestError)
        #expect(error.code == .authentication && error.hint != nil)
        #expect(!error.description.contains("wrong-token-456") && !error.description.contains("right-token"))
    }

    @Test("a request slower than the timeout fails as a timeout")
    func timeout() async throws {
        // The sandbox answers no request (503 only at shutdown, after the job), so the client's
        // timeout is the only way the request can end, however slow the machine.
        let outcomes = try await Self.withSandbox({ $0.answeredRequests = 0 }, client: {
            $0.requestTimeout = .milliseconds(300)
            $0.retry.maximumRetries = 0
        }) { _, client in
            await GenerateJob(prompts: ["slow"], request: Self.request(), writer: GeneratedImageWriter(destination: .directory(try makeScratchDirectory()))).run(client: client)
        }
        #expect(outcomes[0].requestError?.code == .timeout)
    }

    @Test("wrong sizes are recorded, refused with strict, fixed with fix; black images are flagged or refused")
    func verification() async throws {
        let folder = try makeScratchDirectory()
        try await Self.withSandbox({ $0.wrongSize = true }) { _, client in
            var writer = GeneratedImageWriter(destination: .directory(folder))
            let warned = await GenerateJob(prompts: ["odd"], request: Self.request(), writer: writer).run(client: client)
            #expect(Self.savedImages(warned).first?.provenance.warnings.first?.contains("not the 128x128 requested") == true)
            writer.sizeCheck = .strict
            let strict = await GenerateJob(prompts: ["odd"], request: Self.request(), writer: writer).run(client: client)
            let strictError: PipelineError? = if case .failure(let error)? = strict[0].images.first { error } else { nil }
            #expect(strictError?.code == .sizeMismatch)
            writer.sizeCheck = .fix
            let fixed = await GenerateJob(prompts: ["odd"], request: Self.request(), writer: writer).run(client: client)
            let path = try #require(Self.savedImages(fixed).first?.path)
            #expect(try ImageDecoder().probe(try FileIO.readFile(path, maxBytes: 1 << 24)).size == ImageSize(width: 128, height: 128))
        }
        try await Self.withSandbox({ $0.blackImages = true }) { _, client in
            var writer = GeneratedImageWriter(destination: .directory(folder))
            let flagged = await GenerateJob(prompts: ["filtered"], request: Self.request(), writer: writer).run(client: client)
            #expect(Self.savedImages(flagged).first?.provenance.warnings.contains { $0.contains("blank") } == true)
            writer.rejectBlank = true
            let refused = await GenerateJob(prompts: ["filtered"], request: Self.request(), writer: writer).run(client: client)
            #expect(!refused[0].succeeded)
        }
    }

    @Test("a batch with one failing prompt saves the others; the same prompt twice never overwrites")
    func batch() async throws {
        let folder = try makeScratchDirectory()
        let prompts = ["first prompt", "second prompt", "second prompt", "fourth prompt"]
        let outcomes = try await Self.withSandbox({ $0.faults = [SandboxFault(.status(400), firstRequests: 1)] }) { _, client in
            await GenerateJob(prompts: prompts, request: Self.request(), writer: GeneratedImageWriter(destination: .directory(folder)), concurrency: 1).run(client: client)
        }
        #expect(outcomes.map(\.succeeded) == [false, true, true, true])
        #expect(outcomes[0].requestError?.code == .validation)
        let names = try Self.listing(folder).filter { $0.hasSuffix(".png") }
        #expect(names == ["fourth-prompt-1.png", "second-prompt-1-2.png", "second-prompt-1.png"])
        #expect(try Self.listing(folder).allSatisfy { !$0.hasPrefix(".") }, "no temporary files left")
    }
}

/// The library example of docs/library.md, as written there (the client points at an in-process sandbox
/// instead of Nscale): it must compile and work.
@Suite("docs/library.md examples")
struct ReadmeExampleTests {
    @Test("the generate example of 'Using the library'")
    func generateExample() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = 0
        let server = try await SandboxServer.start(configuration)
        let folder = try makeScratchDirectory()
        var printed: [String] = []
        func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }

        // From docs/library.md, with `profile: .nscale, token: token` → the sandbox, and "out" → a scratch folder.
        let client = GenerationClient(profile: .sandbox(port: server.port), token: nil)
        var request = GenerationRequest(prompt: "")
        request.size = ImageSize(width: 1024, height: 1024)
        var writer = GeneratedImageWriter(destination: .directory(folder))
        writer.thumbnailEdges = [256]
        writer.sizeCheck = .strict
        let job = GenerateJob(prompts: ["a red fox", "a lighthouse"], request: request, writer: writer, concurrency: 2)
        for outcome in await job.run(client: client) {
            if let error = outcome.requestError { print(error) }
            for case .success(let saved) in outcome.images { print(saved.path, saved.provenance.sourceSHA256) }
        }
        try await client.shutdown()

        await server.shutdown()
        #expect(printed.count == 2)
        #expect(printed.allSatisfy { $0.hasPrefix(folder + "/") && $0.contains(".png ") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 6)
    }
}

/// The stage example of docs/library.md: a stage of one's own between the built-in ones.
struct RejectDark: Stage {
    func process(_ item: DecodedGeneratedImage, context: inout StageContext) async throws -> DecodedGeneratedImage {
        guard item.image.statistics().mean.prefix(3).reduce(0, +) / 3 > 40 else {
            throw PipelineError(.blankImage, path: context.label, "too dark")
        }
        return item
    }
}

extension ReadmeExampleTests {
    @Test("the stages example of 'Using the library'")
    func stagesExample() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = 0
        configuration.blackImages = false
        let server = try await SandboxServer.start(configuration)
        let client = GenerationClient(profile: .sandbox(port: server.port), token: nil)
        var request = GenerationRequest(prompt: "")
        request.size = ImageSize(width: 256, height: 256)
        let out = try makeScratchDirectory()

        // From docs/library.md, with "out" → a scratch folder.
        let pipeline = Pipeline {
            GenerateImages(client: client, request: request)
            ForEachElement {
                DecodeGeneratedImage()
                VerifyGeneratedImage(sizeCheck: .fix)
                RejectDark()
                MakeThumbnails(edges: [512, 256])
                EncodeGeneratedImage(format: .webp)
                WriteGeneratedImage(destination: .directory(out))
                WriteSidecar()
            }
        }
        let runner = PipelineRunner(pipeline, concurrency: 4)
        var printed: [String] = []
        let report = await runner.run(["a red fox", "a lighthouse"]) { item in
            printed.append("\(item.context.label) \(item.result)")
        }
        let stages = report.stageTotals.map(\.stage)

        try await client.shutdown()
        await server.shutdown()
        #expect(printed.count == 2)
        #expect(["generate", "decode", "verify", "RejectDark", "thumbnail", "encode", "write", "sidecar"].allSatisfy(stages.contains), "\(stages)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".json") }.count == 2)
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files.filter { $0.hasSuffix(".webp") }.count == 4)  // two images and their 256 thumbnails; 512 would enlarge
        #expect(report.failures.isEmpty)
    }
}
