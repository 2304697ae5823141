import Foundation
import ImageCodecs
import ImageCore
import ImagePipeSandbox
import Testing

/// The sandbox over real loopback HTTP: shapes, images, faults, validation.
@Suite("sandbox server")
struct SandboxServerTests {
    // MARK: Shapes

    @Test("Nscale shape: created + data[].b64_json, a PNG of the requested size")
    func nscaleShape() async throws {
        try await withSandbox { client in
            let reply = try await client.post(["model": "sandbox/flux-like", "prompt": "a red fox", "size": "96x64"])
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            #expect(Set(reply.json.keys) == ["created", "data"])
            #expect((reply.json["created"] as? Int ?? 0) > 1_700_000_000)
            #expect(reply.data.count == 1)
            #expect(Set(reply.data[0].keys) == ["b64_json"])
            let decoded = try decodeImage(try #require(reply.images.first))
            #expect(decoded.format == .png)
            #expect(decoded.image.size == ImageSize(width: 96, height: 64))
            #expect(decoded.image.format == .rgb8)
        }
    }

    @Test("OpenAI shape: created, data[].b64_json + revised_prompt, usage; output_format webp")
    func openAIShape() async throws {
        try await withSandbox { client in
            let reply = try await client.post(["model": "gpt-image-1", "prompt": "a lighthouse", "size": "64x80", "output_format": "webp"])
            #expect(reply.status == 200)
            #expect(Set(reply.json.keys) == ["created", "data", "usage"])
            #expect(reply.data.first?["revised_prompt"] as? String == "a lighthouse")
            let usage = try #require(reply.json["usage"] as? [String: Any])
            let input = try #require(usage["input_tokens"] as? Int), output = try #require(usage["output_tokens"] as? Int)
            #expect(usage["total_tokens"] as? Int == input + output)
            let decoded = try decodeImage(try #require(reply.images.first))
            #expect(decoded.format == .webp)
            #expect(decoded.image.size == ImageSize(width: 64, height: 80))
        }
    }

    @Test("JPEG when asked, as the real services answer: OpenAI output_format jpeg with output_compression, Nebius response_extension jpg, a JPEG default (Together-style)")
    func jpegAnswers() async throws {
        try await withSandbox { client in
            let fine = try await client.post(["model": "gpt-image-1", "prompt": "a lighthouse", "size": "96x64", "output_format": "jpeg", "output_compression": 95])
            let coarse = try await client.post(["model": "gpt-image-1", "prompt": "a lighthouse", "size": "96x64", "output_format": "jpeg", "output_compression": 10])
            let fineImage = try #require(fine.images.first), coarseImage = try #require(coarse.images.first)
            #expect(try decodeImage(fineImage).format == .jpeg && decodeImage(fineImage).image.size == ImageSize(width: 96, height: 64))
            #expect(coarseImage.count < fineImage.count, "output_compression sets the quality: \(coarseImage.count) vs \(fineImage.count)")
            let nebius = try await client.post(["prompt": "a harbour", "width": 128, "height": 64, "response_extension": "jpg"])
            #expect(try decodeImage(try #require(nebius.images.first)).format == .jpeg)
        }
        try await withSandbox({ $0.defaultFormat = .jpeg }) { client in
            let reply = try await client.post(["prompt": "a kite", "width": 64, "height": 64, "response_format": "url"])
            let url = try #require(reply.data.first?["url"] as? String)
            let file = try await client.get(url)
            #expect(file.header("content-type") == "image/jpeg")
        }
    }

    @Test("a size with Nebius's extras (seed, steps, negative prompt), as the sandbox profile sends them, keeps the size and the seed")
    func sizeWithSeed() async throws {
        try await withSandbox { client in
            let request: [String: Any] = ["prompt": "a fox", "size": "96x64", "seed": 7, "num_inference_steps": 4, "negative_prompt": "blur"]
            let reply = try await client.post(request)
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            #expect(Set(reply.json.keys) == ["created", "data"])
            let image = try #require(reply.images.first)
            #expect(try decodeImage(image).image.size == ImageSize(width: 96, height: 64))
            let again = try await client.post(request)
            #expect(again.images.first == image, "the same seed gives the same image")
            var otherSeed = request
            otherSeed["seed"] = 8
            #expect(try await client.post(otherSeed).images.first != image)
        }
    }

    @Test("Nebius shape: data + id gen-…, no created; response_extension picks the format")
    func nebiusShape() async throws {
        try await withSandbox { client in
            let reply = try await client.post([
                "model": "black-forest-labs/flux-schnell", "prompt": "a harbour", "width": 128, "height": 64,
                "response_extension": "webp", "num_inference_steps": 4,
            ])
            #expect(reply.status == 200)
            #expect(Set(reply.json.keys) == ["data", "id"])
            #expect((reply.json["id"] as? String)?.hasPrefix("gen-") == true)
            let decoded = try decodeImage(try #require(reply.images.first))
            #expect(decoded.format == .webp)
            #expect(decoded.image.size == ImageSize(width: 128, height: 64))
        }
    }

    @Test("the request's fields choose the dialect", arguments: [
        (["prompt": "x", "seed": 3] as [String: any Sendable], Set(["data", "id"])),
        (["prompt": "x", "negative_prompt": "blur"], Set(["data", "id"])),
        (["prompt": "x", "guidance_scale": 3.5], Set(["data", "id"])),
        (["prompt": "x", "model": "dall-e-3"], Set(["created", "data", "usage"])),
        (["prompt": "x", "quality": "low"], Set(["created", "data", "usage"])),
        (["prompt": "x", "background": "opaque"], Set(["created", "data", "usage"])),
        (["prompt": "x", "some_future_field": true], Set(["created", "data"])),
    ])
    func dialectDetection(fields: [String: any Sendable], keys: Set<String>) async throws {
        var request: [String: Any] = fields
        if request["seed"] != nil || request["negative_prompt"] != nil || request["guidance_scale"] != nil {
            request["width"] = 64
            request["height"] = 64
        } else {
            request["size"] = "64x64"
        }
        try await withSandbox { client in
            let reply = try await client.post(request)
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            #expect(Set(reply.json.keys) == keys)
        }
    }

    // MARK: Images

    @Test("the same request gives byte-identical images from two servers, and the renderer's bytes")
    func determinism() async throws {
        let request: [String: Any] = ["prompt": "a quiet lake at dawn", "size": "128x96"]
        let first = try await withSandbox { try await $0.post(request) }
        let second = try await withSandbox { try await $0.post(request) }
        let bytes = try #require(first.images.first)
        #expect(bytes == second.images.first)
        #expect(bytes == (try SandboxRenderer.render(prompt: "a quiet lake at dawn", seed: nil, size: ImageSize(width: 128, height: 96), format: .png)))
        // Seedless means the prompt's derived seed.
        let derived = SandboxRenderer.derivedSeed(forPrompt: "a quiet lake at dawn")
        #expect(bytes == (try SandboxRenderer.render(prompt: "a quiet lake at dawn", seed: derived, size: ImageSize(width: 128, height: 96), format: .png)))
    }

    @Test("different prompts and seeds give different images; n > 1 gives distinct images seeded seed+i")
    func distinctImages() async throws {
        try await withSandbox { client in
            let fox = try await client.post(["prompt": "a fox", "size": "64x64"])
            let owl = try await client.post(["prompt": "an owl", "size": "64x64"])
            #expect(fox.images.first != owl.images.first)
            let many = try await client.post(["prompt": "a fox", "width": 64, "height": 64, "seed": 10, "n": 3])
            #expect(many.images.count == 3)
            #expect(Set(many.images).count == 3)
            let eleven = try await client.post(["prompt": "a fox", "width": 64, "height": 64, "seed": 11])
            #expect(eleven.images.first == many.images[1])
            let pixels = try decodeImage(try #require(fox.images.first)).image
            // Procedural content, not a flat colour: many distinct values.
            #expect(Set(pixels.bytes).count > 64)
        }
    }

    @Test("an image is rendered once: a repeated request is a cache hit")
    func cacheHit() async throws {
        try await withSandbox { client in
            let request: [String: Any] = ["prompt": "cached", "size": "64x64"]
            let first = try await client.post(request)
            let second = try await client.post(request)
            #expect(first.images == second.images)
            let statistics = client.server.statistics
            #expect(statistics.imagesRendered == 1)
            #expect(statistics.cacheHits == 1)
            #expect(statistics.cachedBytes > 0)
            _ = try await client.post(["prompt": "cached", "size": "64x64", "output_format": "webp"])
            #expect(client.server.statistics.imagesRendered == 2)
        }
    }

    @Test("response_format url: data[].url is served once with its Content-Type, then 404")
    func urlServedOnce() async throws {
        try await withSandbox { client in
            let reply = try await client.post(["prompt": "a kite", "size": "64x64", "response_format": "url"])
            #expect(reply.status == 200)
            let url = try #require(reply.data.first?["url"] as? String)
            #expect(url.hasPrefix(client.server.baseURL + "/files/"))
            #expect(url.hasSuffix(".png"))
            let file = try await client.get(url)
            #expect(file.status == 200)
            #expect(file.header("content-type") == "image/png")
            #expect(try decodeImage(file.body).image.size == ImageSize(width: 64, height: 64))
            #expect(try await client.get(url).status == 404)
            #expect(client.server.statistics.filesServed == 1)

            let nebius = try await client.post(["prompt": "a kite", "width": 64, "height": 64, "response_format": "url", "response_extension": "webp"])
            let webpURL = try #require(nebius.data.first?["url"] as? String)
            let webp = try await client.get(webpURL)
            #expect(webp.header("content-type") == "image/webp")
            #expect(ImageFormat.sniff(webp.body) == .webp)
        }
    }

    @Test("dall-e models may ask for URLs; the OpenAI shape keeps revised_prompt beside the url")
    func dallEURL() async throws {
        try await withSandbox { client in
            let reply = try await client.post(["model": "dall-e-3", "prompt": "a kite", "size": "64x64", "response_format": "url"])
            #expect(reply.status == 200)
            #expect(Set(reply.data.first?.keys ?? [:].keys) == ["url", "revised_prompt"])
            let url = try #require(reply.data.first?["url"] as? String)
            #expect(try await client.get(url).status == 200)
        }
    }

    @Test("concurrent requests are all answered and counted")
    func concurrentRequests() async throws {
        try await withSandbox { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    group.addTask { try await client.post(["prompt": "p\(index % 2)", "size": "64x64"]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8))
            let statistics = client.server.statistics
            #expect(statistics.generationRequests == 8)
            #expect(statistics.responses(withStatus: 200) == 8)
            #expect(statistics.imagesRendered + statistics.cacheHits == 8)
            #expect(statistics.imagesRendered >= 2)
        }
    }

    @Test("wrong-size mode answers with half the width and height")
    func wrongSize() async throws {
        try await withSandbox({ $0.wrongSize = true }) { client in
            let reply = try await client.post(["prompt": "p", "size": "128x96"])
            #expect(try decodeImage(try #require(reply.images.first)).image.size == ImageSize(width: 64, height: 48))
        }
    }

    @Test("black mode answers with all-black RGB images")
    func blackImages() async throws {
        try await withSandbox({ $0.blackImages = true }) { client in
            let reply = try await client.post(["prompt": "p", "size": "64x64"])
            let image = try decodeImage(try #require(reply.images.first)).image
            #expect(image.format == .rgb8)
            #expect(image.bytes.allSatisfy { $0 == 0 })
        }
    }

    @Test("the default format applies when the request names none")
    func defaultFormat() async throws {
        try await withSandbox({ $0.defaultFormat = .webp }) { client in
            let reply = try await client.post(["prompt": "p", "size": "64x64"])
            #expect(ImageFormat.sniff(try #require(reply.images.first)) == .webp)
        }
    }

    // MARK: Faults

    @Test("the first two requests get 503 with Retry-After 0, then requests succeed")
    func firstRequestsFault() async throws {
        try await withSandbox({ $0.faults = [SandboxFault(.unavailable, retryAfter: 0, firstRequests: 2)] }) { client in
            var statuses: [Int] = []
            for attempt in 0..<3 {
                let reply = try await client.post(["prompt": "p", "size": "64x64"])
                statuses.append(reply.status)
                if attempt < 2 {
                    #expect(reply.header("retry-after") == "0")
                    #expect(reply.header("retry-after-ms") == "0")
                    #expect(reply.error["error_type"] as? String == "SERVICE_UNAVAILABLE")
                }
            }
            #expect(statuses == [503, 503, 200])
            let statistics = client.server.statistics
            #expect(statistics.generationRequests == 3)
            #expect(statistics.responses(withStatus: 503) == 2)
            #expect(statistics.responses(withStatus: 200) == 1)
            #expect(statistics.injectedFaults == 2)
        }
    }

    @Test("insufficient credit: 429 without Retry-After, in each dialect")
    func insufficientCredit() async throws {
        try await withSandbox({ $0.faults = [SandboxFault(.insufficientCredit)] }) { client in
            let nscale = try await client.post(["prompt": "p", "size": "64x64"])
            #expect(nscale.status == 429)
            #expect(nscale.header("retry-after") == nil)
            #expect(nscale.error["error_type"] as? String == "INSUFFICIENT_CREDIT")
            #expect(nscale.error["message"] is String)

            let openAI = try await client.post(["prompt": "p", "model": "gpt-image-1"])
            #expect(openAI.status == 429)
            #expect(openAI.error["type"] as? String == "insufficient_quota")
            #expect(openAI.error["code"] as? String == "insufficient_quota")

            let nebius = try await client.post(["prompt": "p", "width": 64, "height": 64])
            #expect(nebius.status == 429)
            #expect(nebius.json["detail"] is String)
        }
    }

    @Test("each fault kind answers with its status, headers and dialect body", arguments: [
        (SandboxFault(.rateLimited), 429, "1", "RATE_LIMIT_EXCEEDED", "rate_limit_exceeded"),
        (SandboxFault(.rateLimited, retryAfter: 7), 429, "7", "RATE_LIMIT_EXCEEDED", "rate_limit_exceeded"),
        (SandboxFault(.unavailable), 503, "1", "SERVICE_UNAVAILABLE", "service_unavailable"),
        (SandboxFault(.serverError), 500, nil, "INTERNAL_SERVER_ERROR", nil),
        (SandboxFault(.status(418)), 418, nil, "HTTP_418", nil),
        (SandboxFault(.status(502), retryAfter: 2), 502, "2", "HTTP_502", nil),
    ] as [(SandboxFault, Int, String?, String, String?)])
    func faultKinds(fault: SandboxFault, status: Int, retryAfter: String?, nscaleType: String, openAICode: String?) async throws {
        try await withSandbox({ $0.faults = [fault] }) { client in
            let nscale = try await client.post(["prompt": "p", "size": "64x64"])
            #expect(nscale.status == status)
            #expect(nscale.header("retry-after") == retryAfter)
            #expect(nscale.header("retry-after-ms") == retryAfter.map { "\(Int($0)! * 1000)" })
            #expect(nscale.error["error_type"] as? String == nscaleType)

            let openAI = try await client.post(["prompt": "p", "output_format": "png"])
            #expect(openAI.status == status)
            #expect(openAI.error["message"] is String)
            #expect(openAI.error["type"] is String)
            #expect(openAI.error["code"] as? String == openAICode)

            let nebius = try await client.post(["prompt": "p", "width": 64, "height": 64])
            #expect(nebius.status == status)
            #expect(nebius.json["detail"] is String)
        }
    }

    @Test("fault rates are drawn from the configuration's seed: the same seed, the same sequence")
    func seededFaultRate() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            try await withSandbox({
                $0.seed = seed
                $0.faults = [SandboxFault(.serverError, rate: 0.5)]
            }) { client in
                var statuses: [Int] = []
                for _ in 0..<16 { statuses.append(try await client.post(["prompt": "p", "size": "64x64"]).status) }
                return statuses
            }
        }
        let first = try await statuses(seed: 42)
        #expect(first == (try await statuses(seed: 42)))
        #expect(first.contains(500) && first.contains(200))
    }

    @Test("fixed latency delays the answer")
    func latency() async throws {
        try await withSandbox({ $0.latency = .fixed(.milliseconds(150)) }) { client in
            let start = ContinuousClock.now
            let reply = try await client.post(["prompt": "p", "size": "64x64"])
            #expect(reply.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(150))
        }
    }

    // MARK: Authorization

    @Test("a required token: 401 in the dialect without it or with a wrong one, never echoing it")
    func requiredToken() async throws {
        try await withSandbox({ $0.requiredToken = "sandbox-secret" }) { client in
            let missing = try await client.post(["prompt": "p", "size": "64x64"])
            #expect(missing.status == 401)
            #expect(missing.error["error_type"] as? String == "UNAUTHORIZED")

            let wrong = try await client.post(["prompt": "p", "model": "gpt-image-1"], token: "sk-wrong-token-1234")
            #expect(wrong.status == 401)
            #expect(wrong.error["code"] as? String == "invalid_api_key")
            #expect(!wrong.text.contains("wrong-token"))
            #expect(!wrong.text.contains("sandbox-secret"))

            let nebius = try await client.post(["prompt": "p", "width": 64, "height": 64], token: "sk-wrong-token-1234")
            #expect(nebius.status == 401)
            #expect(nebius.json["detail"] is String)
            #expect(!nebius.text.contains("wrong-token"))

            let right = try await client.post(["prompt": "p", "size": "64x64"], token: "sandbox-secret")
            #expect(right.status == 200)
        }
    }

    // MARK: Validation

    @Test("a gpt-image model sent response_format gets OpenAI's unknown_parameter 400")
    func openAIResponseFormat() async throws {
        try await withSandbox { client in
            let reply = try await client.post(["prompt": "p", "model": "gpt-image-1", "response_format": "b64_json"])
            #expect(reply.status == 400)
            #expect(reply.error["message"] as? String == "Unknown parameter: 'response_format'.")
            #expect(reply.error["type"] as? String == "invalid_request_error")
            #expect(reply.error["param"] as? String == "response_format")
            #expect(reply.error["code"] as? String == "unknown_parameter")
        }
    }

    @Test("Nebius validation errors are 422 detail[] naming the field", arguments: [
        (["prompt": "p", "width": 100, "height": 64] as [String: any Sendable], "width", "multiple of 8"),
        (["prompt": "p", "width": 64, "height": 8192], "height", "4096"),
        (["width": 64, "height": 64], "prompt", "prompt"),
        (["prompt": "p", "width": 64, "height": 64, "response_extension": "gif"], "response_extension", "png, webp, jpeg"),
        (["prompt": "p", "width": 64, "height": 64, "n": 11], "n", "between 1 and 10"),
        (["prompt": "p", "width": "wide", "height": 64], "width", "integer"),
    ])
    func nebiusValidation(fields: [String: any Sendable], field: String, message: String) async throws {
        try await withSandbox { client in
            let reply = try await client.post(fields)
            #expect(reply.status == 422)
            let detail = try #require((reply.json["detail"] as? [[String: Any]])?.first)
            #expect(detail["loc"] as? [String] == ["body", field])
            #expect((detail["msg"] as? String)?.contains(message) == true, "\(detail)")
            #expect(detail["type"] as? String == "value_error")
        }
    }

    @Test("OpenAI and Nscale validation errors are 400 in their dialects", arguments: [
        (["prompt": "p", "size": "32x32"] as [String: any Sendable], "size"),
        (["prompt": "p", "size": "5000x64"], "size"),
        (["prompt": "p", "size": "big"], "size"),
        (["prompt": "", "size": "64x64"], "prompt"),
        (["prompt": "p", "n": 0], "n"),
        (["prompt": "p", "size": "64x64", "response_format": "gif"], "response_format"),
        (["prompt": "p", "quality": "low", "output_format": "gif"], "output_format"),
        (["prompt": "p", "quality": "low", "output_format": "jpeg", "output_compression": 101], "output_compression"),
        (["prompt": "p", "quality": "low", "output_format": "png", "output_compression": 50], "output_compression"),
        (["prompt": "p", "quality": "low", "size": "10x10"], "size"),
    ])
    func badRequests(fields: [String: any Sendable], field: String) async throws {
        try await withSandbox { client in
            let reply = try await client.post(fields)
            #expect(reply.status == 400)
            let message = try #require(reply.error["message"] as? String)
            #expect(message.contains(field))
            if fields["quality"] != nil {
                #expect(reply.error["type"] as? String == "invalid_request_error")
                #expect(reply.error["param"] as? String == field)
            } else {
                #expect(reply.error["error_type"] as? String == "INVALID_REQUEST")
            }
        }
    }

    @Test("a body that is not JSON gets 400; one over the size limit gets 413")
    func malformedAndLargeBodies() async throws {
        try await withSandbox({ $0.maximumBodySize = 1024 }) { client in
            let garbage = try await client.post(raw: Data("not json".utf8))
            #expect(garbage.status == 400)
            #expect(garbage.error["code"] as? String == "invalid_json")
            let large = try await client.post(["prompt": String(repeating: "a", count: 4096), "size": "64x64"])
            #expect(large.status == 413)
            #expect(client.server.statistics.imagesRendered == 0)
        }
    }

    // MARK: Models and health

    @Test("GET /v1/models lists the models; an unknown model gets 404 listing them")
    func models() async throws {
        try await withSandbox { client in
            let list = try await client.get(client.server.baseURL + "/models")
            #expect(list.status == 200)
            #expect(list.json["object"] as? String == "list")
            let entries = try #require(list.json["data"] as? [[String: Any]])
            #expect(entries.compactMap { $0["id"] as? String } == SandboxServer.models)
            #expect(entries.allSatisfy { $0["object"] as? String == "model" && $0["owned_by"] as? String == "imagepipe" })
            #expect(SandboxServer.models.contains("sandbox/flux-like"))

            let nscale = try await client.post(["prompt": "p", "model": "no/such-model", "size": "64x64"])
            #expect(nscale.status == 404)
            #expect(nscale.error["error_type"] as? String == "MODEL_NOT_FOUND")
            #expect((nscale.error["message"] as? String)?.contains("sandbox/flux-like") == true)

            let openAI = try await client.post(["prompt": "p", "model": "gpt-image-99"])
            #expect(openAI.status == 404)
            #expect(openAI.error["code"] as? String == "model_not_found")

            let nebius = try await client.post(["prompt": "p", "model": "no/such-model", "width": 64, "height": 64])
            #expect(nebius.status == 404)
            #expect((nebius.json["detail"] as? String)?.contains("sandbox/flux-like") == true)
        }
    }

    @Test("GET /health answers 200")
    func health() async throws {
        try await withSandbox { client in
            let base = String(client.server.baseURL.dropLast("/v1".count))
            let reply = try await client.get(base + "/health")
            #expect(reply.status == 200)
        }
    }

    @Test("a port in use fails to start with startFailed")
    func portInUse() async throws {
        try await withSandbox { client in
            await #expect(throws: SandboxError.self) {
                _ = try await SandboxServer.start(SandboxConfiguration(port: client.server.port))
            }
        }
    }
}
