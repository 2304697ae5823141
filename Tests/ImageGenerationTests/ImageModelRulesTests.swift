import ImageCore
import ImageGeneration
import Testing

/// The GPT image family's rules, checked before anything is sent; models not in the table pass.
@Suite("Image model rules: GPT image sizes, qualities, background, compression")
struct ImageModelRulesTests {
    static func refusal(_ request: GenerationRequest, _ profile: ProviderProfile = .openAI) -> String? {
        do {
            _ = try request.body(for: profile)
            return nil
        } catch {
            #expect(error.code == .invalidRequest)
            return error.message
        }
    }

    static func request(model: String, size: ImageSize? = nil) -> GenerationRequest {
        GenerationRequest(prompt: "a fox", model: model, size: size)
    }

    @Test("the family and its snapshots are known; other ids (a model released tomorrow) are not, and pass through untouched")
    func table() throws {
        #expect(ImageModelRules.known("gpt-image-1")?.family == "gpt-image-1")
        #expect(ImageModelRules.known("gpt-image-1-mini")?.takesInputFidelity == false)
        #expect(ImageModelRules.known("gpt-image-1.5")?.family == "gpt-image-1.5")
        #expect(ImageModelRules.known("chatgpt-image-latest")?.takesInputFidelity == true)
        #expect(ImageModelRules.known("gpt-image-2-2026-04-15")?.family == "gpt-image-2")
        #expect(ImageModelRules.known("gpt-image-2.5-mini")?.qualities.contains("max") == true)
        #expect(ImageModelRules.known("GPT-Image-2")?.family == "gpt-image-2")
        for unknown in ["gpt-image-3", "gpt-image-2x", "dall-e-3", "black-forest-labs/flux-dev", "gpt-image-2-2026-4-15"] {
            #expect(ImageModelRules.known(unknown) == nil, "\(unknown)")
        }
        // Never heard of: every value goes as given, and no response_format.
        var request = Self.request(model: "gpt-image-7", size: ImageSize(width: 999, height: 333))
        request.quality = "ultra"
        let body = try request.body(for: .openAI)
        #expect(body["model"] == #""gpt-image-7""#)
        #expect(body["size"] == #""999x333""#)
        #expect(body["quality"] == #""ultra""#)
        #expect(body["response_format"] == nil)
    }

    @Test("gpt-image-2 custom sizes: each rule that fails is named", arguments: [
        (1000, 1000, "multiples of 16"),
        (4096, 2048, "longest edge of at most 3840"),
        (3840, 1024, "aspect ratios from 1:3 to 3:1"),
        (512, 1552, "aspect ratios from 1:3 to 3:1"),
    ])
    func gptImage2Sizes(_ width: Int, _ height: Int, _ rule: String) {
        let message = Self.refusal(Self.request(model: "gpt-image-2", size: ImageSize(width: width, height: height)))
        #expect(message?.contains(rule) == true, "\(width)x\(height): \(message ?? "accepted")")
    }

    @Test("gpt-image-2 takes any size inside the rules; gpt-image-1 only its three and auto")
    func accepted() throws {
        for size in [ImageSize(width: 3840, height: 1280), ImageSize(width: 16, height: 48), ImageSize(width: 2048, height: 1152)] {
            #expect(Self.refusal(Self.request(model: "gpt-image-2", size: size)) == nil, "\(size)")
        }
        #expect(Self.refusal(Self.request(model: "gpt-image-1", size: ImageSize(width: 1536, height: 1024))) == nil)
        #expect(Self.refusal(Self.request(model: "gpt-image-1", size: ImageSize(width: 2048, height: 2048)))?
            .contains("gpt-image-1 takes the sizes 1024x1024, 1536x1024, 1024x1536 or auto") == true)
        var auto = Self.request(model: "gpt-image-1")
        auto.sizeIsAuto = true
        #expect(try auto.body(for: .openAI)["size"] == #""auto""#)
        #expect(Self.refusal(auto, .nebius)?.contains("not -z auto") == true)
    }

    @Test("qualities per model: xhigh from gpt-image-2, max on gpt-image-2.5 only")
    func qualities() {
        func quality(_ model: String, _ value: String) -> String? {
            var request = Self.request(model: model)
            request.quality = value
            request.size = ImageSize(width: 1024, height: 1024)
            return Self.refusal(request)
        }
        #expect(quality("gpt-image-1", "high") == nil)
        #expect(quality("gpt-image-1", "xhigh")?.contains("takes --image-quality low, medium, high, auto") == true)
        #expect(quality("gpt-image-2", "xhigh") == nil)
        #expect(quality("gpt-image-2", "max") != nil)
        #expect(quality("gpt-image-2.5", "max") == nil)
    }

    @Test("background transparent needs PNG or WebP; output_compression needs JPEG or WebP; values in range")
    func backgroundAndCompression() throws {
        var request = Self.request(model: "gpt-image-1")
        request.background = "transparent"
        request.outputFormat = .jpeg
        #expect(Self.refusal(request)?.contains("--background transparent needs PNG or WebP output") == true)
        request.outputFormat = .webp
        request.outputCompression = 60
        request.moderation = "low"
        let body = try request.body(for: .openAI)
        #expect(body["background"] == #""transparent""# && body["output_compression"] == "60" && body["moderation"] == #""low""#)
        #expect(body["output_format"] == #""webp""#)
        request.outputFormat = .png
        #expect(Self.refusal(request)?.contains("--output-compression applies to JPEG and WebP output only") == true)
        request.outputFormat = .jpeg
        request.background = nil
        request.outputCompression = 101
        #expect(Self.refusal(request)?.contains("0-100") == true)
        request.outputCompression = nil
        request.moderation = "off"
        #expect(Self.refusal(request)?.contains("--moderation must be low or auto") == true)
        // A provider without the field says so.
        var together = GenerationRequest(prompt: "a fox")
        together.background = "opaque"
        #expect(Self.refusal(together, .together)?.contains("does not take --background") == true)
    }
}
