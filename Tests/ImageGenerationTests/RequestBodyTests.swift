import ImageCore
import ImageGeneration
import Testing

@Suite("Request bodies per provider")
struct RequestBodyTests {
    @Test("Nscale: model, prompt, n, size as WxH, default 512x512")
    func nscale() throws {
        let body = try GenerationRequest(prompt: "a fox", count: 2).body(for: .nscale)
        #expect(body.json == #"{"model":"stabilityai/stable-diffusion-xl-base-1.0","prompt":"a fox","n":2,"size":"512x512"}"#)
    }

    @Test("Nebius: width and height instead of size, b64_json by default, its own field names")
    func nebius() throws {
        let request = GenerationRequest(
            prompt: "a fox", model: "black-forest-labs/flux-dev", size: ImageSize(width: 768, height: 512), seed: -1,
            negativePrompt: "blurry", steps: 28, guidanceScale: 3.5, outputFormat: .jpeg
        )
        let body = try request.body(for: .nebius)
        #expect(body.fields.map(\.name) == [
            "model", "prompt", "n", "width", "height", "response_format", "response_extension", "seed",
            "negative_prompt", "num_inference_steps", "guidance_scale",
        ])
        #expect(body["width"] == "768" && body["height"] == "512")
        #expect(body["size"] == nil)
        #expect(body["response_format"] == #""b64_json""#)
        #expect(body["response_extension"] == #""jpg""#)
        #expect(body["seed"] == "-1")
        #expect(body["guidance_scale"] == "3.5")
        var asURL = request
        asURL.responseFormat = .url
        #expect(try asURL.body(for: .nebius)["response_format"] == #""url""#)
    }

    @Test("OpenAI: no response_format to gpt-image models, jpeg spelled jpeg, quality passed")
    func openAI() throws {
        let request = GenerationRequest(prompt: "a fox", outputFormat: .jpeg, quality: "high")
        let body = try request.body(for: .openAI)
        #expect(body["model"] == #""gpt-image-1""#)
        #expect(body["size"] == #""1024x1024""#)
        #expect(body["response_format"] == nil)
        #expect(body["output_format"] == #""jpeg""#)
        #expect(body["quality"] == #""high""#)

        var b64 = request
        b64.responseFormat = .b64JSON
        #expect(try b64.body(for: .openAI)["response_format"] == nil, "asking for what gpt-image returns anyway is not sent")

        var url = request
        url.responseFormat = .url
        #expect(throws: GenerationError.self) { try url.body(for: .openAI) }

        var dalle = GenerationRequest(prompt: "a fox", model: "dall-e-3")
        #expect(try dalle.body(for: .openAI)["response_format"] == #""b64_json""#)
        dalle.responseFormat = .url
        #expect(try dalle.body(for: .openAI)["response_format"] == #""url""#)
        #expect(try GenerationRequest(prompt: "x", model: "GPT-IMAGE-1").body(for: .openAI)["response_format"] == nil)
    }

    @Test("A field the provider does not take is an error naming the field and the provider")
    func unsupportedFields() {
        let cases: [(GenerationRequest, ProviderProfile, String)] = [
            (GenerationRequest(prompt: "x", negativePrompt: "blurry"), .openAI, "--negative-prompt"),
            (GenerationRequest(prompt: "x", seed: 3), .openAI, "--seed"),
            (GenerationRequest(prompt: "x", steps: 4), .nscale, "--steps"),
            (GenerationRequest(prompt: "x", quality: "high"), .nebius, "--image-quality"),
            (GenerationRequest(prompt: "x", responseFormat: .url), .nscale, "--response-format"),
            (GenerationRequest(prompt: "x", outputFormat: .webp), .nscale, "--service-format"),
        ]
        for (request, profile, option) in cases {
            do {
                _ = try request.body(for: profile)
                Issue.record("\(option) accepted by \(profile.name)")
            } catch {
                #expect(error.code == .invalidRequest)
                #expect(error.message.contains(option) && error.message.contains(profile.name), "\(error.message)")
            }
        }
    }

    @Test("Empty prompt, n < 1 and non-finite guidance are refused before sending")
    func invalidValues() {
        #expect(throws: GenerationError.self) { try GenerationRequest(prompt: "  ").body(for: .nscale) }
        #expect(throws: GenerationError.self) { try GenerationRequest(prompt: "x", count: 0).body(for: .nscale) }
        #expect(throws: GenerationError.self) { try GenerationRequest(prompt: "x", guidanceScale: .nan).body(for: .nebius) }
    }

    @Test("Strings are escaped: quotes, backslashes, controls, non-ASCII kept")
    func escaping() throws {
        let body = try GenerationRequest(prompt: "say \"hi\"\\\n\t\u{01} é 🦊").body(for: .nscale)
        #expect(body["prompt"] == #""say \"hi\"\\\n\t\u0001 é 🦊""#)
    }

    @Test("Extras pass through untouched, after the others, and replace a field of the same name")
    func extras() throws {
        var request = GenerationRequest(prompt: "x")
        request.extraFields = [
            try .parse("background=transparent"),
            try .parse("output_compression=80"),
            try .parse("moderation=\"low\""),
            try .parse("options={\"a\": [1, true, null]}"),
            try .parse("size=256x256"),
        ]
        let body = try request.body(for: .openAI)
        #expect(body.fields.map(\.name) == ["model", "prompt", "n", "size", "background", "output_compression", "moderation", "options"])
        #expect(body["background"] == #""transparent""#)
        #expect(body["output_compression"] == "80")
        #expect(body["moderation"] == #""low""#)
        #expect(body["options"] == #"{"a": [1, true, null]}"#)
        #expect(body["size"] == #""256x256""#)
        // Extras are not checked against the profile: the user knows the service.
        request.extraFields = [try .parse("negative_prompt=blurry")]
        #expect(try request.body(for: .openAI)["negative_prompt"] == #""blurry""#)
    }

    @Test("key=value parser: JSON values as JSON, anything else as a string", arguments: [
        ("n=3", "n", "3"),
        ("scale=-1.5e3", "scale", "-1.5e3"),
        ("flag=true", "flag", "true"),
        ("flag=false", "flag", "false"),
        ("nothing=null", "nothing", "null"),
        ("text=\"quoted\"", "text", "\"quoted\""),
        ("list=[1,2]", "list", "[1,2]"),
        ("object={\"k\":\"v\"}", "object", "{\"k\":\"v\"}"),
        ("word=transparent", "word", "\"transparent\""),
        ("number-ish=01", "number-ish", "\"01\""),
        ("broken={\"a\":", "broken", "\"{\\\"a\\\":\""),
        ("empty=", "empty", "\"\""),
        ("eq=a=b", "eq", "\"a=b\""),
        ("spaced = 5", "spaced", "5"),
        ("trueish=True", "trueish", "\"True\""),
    ])
    func extraParser(text: String, key: String, json: String) throws {
        let field = try GenerationRequest.ExtraField.parse(text)
        #expect(field.key == key)
        #expect(field.json == json)
    }

    @Test("key=value parser errors are clear", arguments: ["novalue", "=5", "bad key=1", "quo\"te=1"])
    func extraParserErrors(text: String) {
        do {
            _ = try GenerationRequest.ExtraField.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .invalidRequest)
            #expect(error.message.contains("--extra"))
        }
    }

    @Test("An extra built by hand must hold one JSON value")
    func handBuiltExtra() {
        var request = GenerationRequest(prompt: "x")
        request.extraFields = [.init(key: "k", json: "1 2")]
        #expect(throws: GenerationError.self) { try request.body(for: .nscale) }
    }
}

@Suite("Provider profiles")
struct ProviderProfileTests {
    @Test("Detection: the first of nscale, nebius, openai whose token variable is set")
    func detection() {
        #expect(ProviderProfile.detect(environment: [:]) == nil)
        #expect(ProviderProfile.detect(environment: ["OPENAI_API_KEY": "sk"])?.name == "openai")
        #expect(ProviderProfile.detect(environment: ["OPENAI_API_KEY": "sk", "NEBIUS_API_KEY": "n"])?.name == "nebius")
        #expect(ProviderProfile.detect(environment: ["OPENAI_API_KEY": "sk", "NEBIUS_API_KEY": "n", "NSCALE_SERVICE_TOKEN": "t"])?.name == "nscale")
        #expect(ProviderProfile.detect(environment: ["NSCALE_SERVICE_TOKEN": "  ", "OPENAI_API_KEY": "sk"])?.name == "openai", "a blank token is no token")
    }

    @Test("Token lookup trims and ignores blanks")
    func tokens() {
        #expect(ProviderProfile.nscale.token(in: ["NSCALE_SERVICE_TOKEN": " tok\n"]) == "tok")
        #expect(ProviderProfile.nscale.token(in: ["NSCALE_SERVICE_TOKEN": ""]) == nil)
        #expect(ProviderProfile.sandbox.token(in: ["NSCALE_SERVICE_TOKEN": "tok"]) == nil)
    }

    @Test("Lookup by name")
    func named() {
        for name in ["nscale", "nebius", "openai", "openai-compatible", "sandbox", "OpenAI", "openai_compatible"] {
            #expect(ProviderProfile.named(name) != nil, "\(name)")
        }
        #expect(ProviderProfile.named("dalle") == nil)
        #expect(ProviderProfile.named("openai-compatible")?.baseURL == nil)
        #expect(ProviderProfile.sandbox(port: 8123).baseURL == "http://127.0.0.1:8123/v1")
    }

    @Test("openai-compatible borrows another profile's body rules")
    func compatible() throws {
        let nebiusLike = ProviderProfile.openAICompatible(baseURL: "http://localhost:9000/v1", borrowing: .nebius)
        #expect(nebiusLike.name == "openai-compatible" && !nebiusLike.requiresToken)
        let body = try GenerationRequest(prompt: "x", size: ImageSize(width: 64, height: 32)).body(for: nebiusLike)
        #expect(body["width"] == "64" && body["model"] == nil)
        #expect(try GenerationRequest(prompt: "x").body(for: .openAICompatible(baseURL: nil))["size"] == #""1024x1024""#)
    }

    @Test("The sandbox sends size like Nscale and takes every optional field")
    func sandbox() throws {
        let request = GenerationRequest(prompt: "x", responseFormat: .url, seed: 1, negativePrompt: "n", steps: 2, guidanceScale: 1, outputFormat: .png, quality: "low")
        let body = try request.body(for: .sandbox)
        #expect(body["size"] == #""512x512""#)
        #expect(body.fields.count == 10, "no default model, then every field")
    }
}
