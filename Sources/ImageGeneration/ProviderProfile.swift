public import ImageCore

/// Everything that differs between image-generation services: where they are, which token they
/// read, how the request body is spelled, and how their errors read.
///
/// The client holds no provider-specific logic; adding a provider is adding a profile.
///
/// ```swift
/// let profile = ProviderProfile.detect(environment: environment) ?? .sandbox(port: 8080)
/// ```
public struct ProviderProfile: Hashable, Sendable, CustomStringConvertible {
    /// How the image size is written in the request body.
    public enum SizeEncoding: Hashable, Sendable {
        /// `"size": "1024x1024"` (Nscale, OpenAI).
        case size
        /// `"width": 1024, "height": 1024` (Nebius Token Factory).
        case widthAndHeight
    }

    /// Whether `response_format` may be sent.
    public enum ResponseFormatRule: Hashable, Sendable {
        /// The service does not take `response_format`; asking for one is an error.
        case unsupported
        /// The service takes it; `defaultFormat` is sent when the request names none.
        case supported(defaultFormat: GenerationRequest.ResponseFormat?)
        /// The service takes it, except for models whose id starts with one of `modelPrefixes`
        /// (OpenAI's `gpt-image*`, which always answer `b64_json` and refuse the field).
        case supportedExceptModels(modelPrefixes: [String], defaultFormat: GenerationRequest.ResponseFormat?)
    }

    /// The shape of the service's error bodies (all are read leniently whatever the dialect).
    public enum ErrorDialect: Hashable, Sendable {
        /// `{"error":{"message","type","code","param"}}`.
        case openAI
        /// `{"error":{"message","error_type","code"}}`.
        case nscale
        /// FastAPI: `{"detail":[{"loc","msg","type"}]}` or `{"detail":"text"}`, beside OpenAI's.
        case nebius
    }

    /// Which HTTP 429 answers mean "no credit or quota left" (final) rather than "slow down"
    /// (retried).
    public enum FinalRateLimitRule: Hashable, Sendable {
        /// Every 429 is final (Nscale answers 429 only for insufficient credit).
        case every429
        /// A 429 is final when the error's `type`, `error_type` or `code` is one of these
        /// (compared case-insensitively); other 429s are rate limits.
        case errorTypes([String])
    }

    /// An optional request field that a profile may support.
    public struct Field: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String, Hashable, Sendable {
            case responseFormat, seed, negativePrompt, steps, guidanceScale, outputFormat, quality, background, outputCompression, moderation,
                 stream, inputFidelity
        }
        fileprivate let value: Value

        /// ``GenerationRequest/responseFormat``.
        public static let responseFormat = Field(value: .responseFormat)
        /// ``GenerationRequest/seed``.
        public static let seed = Field(value: .seed)
        /// ``GenerationRequest/negativePrompt``.
        public static let negativePrompt = Field(value: .negativePrompt)
        /// ``GenerationRequest/steps``.
        public static let steps = Field(value: .steps)
        /// ``GenerationRequest/guidanceScale``.
        public static let guidanceScale = Field(value: .guidanceScale)
        /// ``GenerationRequest/outputFormat``.
        public static let outputFormat = Field(value: .outputFormat)
        /// ``GenerationRequest/quality``.
        public static let quality = Field(value: .quality)
        /// ``GenerationRequest/background``.
        public static let background = Field(value: .background)
        /// ``GenerationRequest/outputCompression``.
        public static let outputCompression = Field(value: .outputCompression)
        /// ``GenerationRequest/moderation``.
        public static let moderation = Field(value: .moderation)
        /// ``GenerationRequest/stream`` and ``GenerationRequest/partialImages``.
        public static let stream = Field(value: .stream)
        /// ``ImageEditRequest/inputFidelity`` (edits only).
        public static let inputFidelity = Field(value: .inputFidelity)

        /// The command-line option that sets the field, for messages (`--negative-prompt`).
        public var option: String {
            switch value {
            case .responseFormat: "--response-format"
            case .seed: "--seed"
            case .negativePrompt: "--negative-prompt"
            case .steps: "--steps"
            case .guidanceScale: "--guidance-scale"
            case .outputFormat: "--service-format"
            case .quality: "--image-quality"
            case .background: "--background"
            case .outputCompression: "--output-compression"
            case .moderation: "--moderation"
            case .stream: "--stream"
            case .inputFidelity: "--input-fidelity"
            }
        }

        /// The field's name in ``GenerationRequest``.
        public var description: String { value.rawValue }
    }

    /// The profile's name, as given to `--provider` (`nscale`, `nebius`, `openai`, …).
    public var name: String
    /// The service's name for people (`Nscale`, `Nebius Token Factory`, `OpenAI`).
    public var displayName: String
    /// The API base URL ending in `/v1`; `nil` when it must be given (`openai-compatible`).
    public var baseURL: String?
    /// The environment variable holding the token; `nil` when none is read.
    public var tokenVariable: String?
    /// Whether a request without a token is refused before it is sent.
    public var requiresToken: Bool
    /// How the size is written.
    public var sizeEncoding: SizeEncoding
    /// The size sent when the request names none; `nil` sends no size.
    public var defaultSize: ImageSize?
    /// The model sent when the request names none; `nil` sends no model.
    public var defaultModel: String?
    /// The optional fields the service takes, with their wire names.
    public var fieldNames: [Field: String]
    /// How ``GenerationRequest/OutputFormat/jpeg`` is spelled on the wire (`jpg` or `jpeg`).
    public var jpegName: String
    /// Whether and when `response_format` is sent.
    public var responseFormatRule: ResponseFormatRule
    /// Other fields the service is known to take, which pass through `--extra` (for help texts).
    public var documentedExtraFields: [String]
    /// The shape of the service's error bodies.
    public var errorDialect: ErrorDialect
    /// Which 429s are final.
    public var finalRateLimitRule: FinalRateLimitRule
    /// What to tell the user when credit or quota has run out.
    public var creditHint: String
    /// Whether the service has the edits endpoint (`POST {base}/images/edits`, multipart); an
    /// edit for a profile without it is refused before anything is sent.
    public var takesEdits = false

    /// Creates a profile; prefer the built-in ones (``nscale``, ``nebius``, ``openAI``,
    /// ``openAICompatible(baseURL:borrowing:tokenVariable:)``, ``sandbox``).
    public init(
        name: String, displayName: String, baseURL: String?, tokenVariable: String?, requiresToken: Bool,
        sizeEncoding: SizeEncoding, defaultSize: ImageSize?, defaultModel: String?,
        fieldNames: [Field: String], jpegName: String = "jpg", responseFormatRule: ResponseFormatRule,
        documentedExtraFields: [String] = [], errorDialect: ErrorDialect, finalRateLimitRule: FinalRateLimitRule,
        creditHint: String, takesEdits: Bool = false
    ) {
        self.name = name
        self.displayName = displayName
        self.baseURL = baseURL
        self.tokenVariable = tokenVariable
        self.requiresToken = requiresToken
        self.sizeEncoding = sizeEncoding
        self.defaultSize = defaultSize
        self.defaultModel = defaultModel
        self.fieldNames = fieldNames
        self.jpegName = jpegName
        self.responseFormatRule = responseFormatRule
        self.documentedExtraFields = documentedExtraFields
        self.errorDialect = errorDialect
        self.finalRateLimitRule = finalRateLimitRule
        self.creditHint = creditHint
        self.takesEdits = takesEdits
    }

    /// The profile's ``name``.
    public var description: String { name }

    /// The wire name of an optional field, or `nil` when the service does not take it.
    public func wireName(of field: Field) -> String? { fieldNames[field] }
}

// MARK: - Built-in profiles

extension ProviderProfile {
    /// Nscale: `{"model","prompt","size":"WxH","n"}`; every 429 means insufficient credit.
    public static let nscale = ProviderProfile(
        name: "nscale", displayName: "Nscale",
        baseURL: "https://inference.api.nscale.com/v1", tokenVariable: "NSCALE_SERVICE_TOKEN", requiresToken: true,
        sizeEncoding: .size, defaultSize: ImageSize(width: 512, height: 512),
        defaultModel: "stabilityai/stable-diffusion-xl-base-1.0",
        fieldNames: [:], responseFormatRule: .unsupported,
        errorDialect: .nscale, finalRateLimitRule: .every429,
        creditHint: "add credit to your Nscale account"
    )

    /// Nebius Token Factory: `width`/`height`, `response_format`, `response_extension`,
    /// `num_inference_steps`, `seed`, `negative_prompt`, `guidance_scale`; 422 validation errors in
    /// `detail[]`. It does not keep URL results, so they are downloaded at once.
    public static let nebius = ProviderProfile(
        name: "nebius", displayName: "Nebius Token Factory",
        baseURL: "https://api.tokenfactory.nebius.com/v1", tokenVariable: "NEBIUS_API_KEY", requiresToken: true,
        sizeEncoding: .widthAndHeight, defaultSize: ImageSize(width: 1024, height: 1024),
        defaultModel: "black-forest-labs/flux-schnell",
        fieldNames: [
            .responseFormat: "response_format", .outputFormat: "response_extension", .steps: "num_inference_steps",
            .seed: "seed", .negativePrompt: "negative_prompt", .guidanceScale: "guidance_scale",
        ],
        jpegName: "jpg", responseFormatRule: .supported(defaultFormat: .b64JSON),
        errorDialect: .nebius, finalRateLimitRule: .errorTypes(Self.creditErrorTypes),
        creditHint: "add credit to your Nebius account"
    )

    /// OpenAI: `size`, `quality`, `output_format`; never `response_format` to `gpt-image*`
    /// models; a 429 with `insufficient_quota` is final, other 429s are rate limits.
    public static let openAI = ProviderProfile(
        name: "openai", displayName: "OpenAI",
        baseURL: "https://api.openai.com/v1", tokenVariable: "OPENAI_API_KEY", requiresToken: true,
        sizeEncoding: .size, defaultSize: ImageSize(width: 1024, height: 1024), defaultModel: "gpt-image-1",
        fieldNames: [
            .responseFormat: "response_format", .quality: "quality", .outputFormat: "output_format",
            .background: "background", .outputCompression: "output_compression", .moderation: "moderation",
            .stream: "stream", .inputFidelity: "input_fidelity",
        ],
        jpegName: "jpeg",
        responseFormatRule: .supportedExceptModels(modelPrefixes: ["gpt-image"], defaultFormat: .b64JSON),
        documentedExtraFields: ["style", "user"],
        errorDialect: .openAI, finalRateLimitRule: .errorTypes(Self.creditErrorTypes),
        creditHint: "check your plan and billing",
        takesEdits: true
    )

    /// Together AI: `width`/`height`, `steps`, `seed`, `negative_prompt`, `guidance_scale`,
    /// `output_format` (`jpeg` by default: the images come back as JPEG unless PNG is asked for),
    /// `response_format` (`b64_json` sent, its URL results being short-lived); OpenAI-style
    /// errors.
    public static let together = ProviderProfile(
        name: "together", displayName: "Together AI",
        baseURL: "https://api.together.xyz/v1", tokenVariable: "TOGETHER_API_KEY", requiresToken: true,
        sizeEncoding: .widthAndHeight, defaultSize: ImageSize(width: 1024, height: 1024),
        defaultModel: "black-forest-labs/FLUX.1-schnell",
        fieldNames: [
            .responseFormat: "response_format", .outputFormat: "output_format", .steps: "steps",
            .seed: "seed", .negativePrompt: "negative_prompt", .guidanceScale: "guidance_scale",
        ],
        jpegName: "jpeg", responseFormatRule: .supported(defaultFormat: .b64JSON),
        errorDialect: .openAI, finalRateLimitRule: .errorTypes(Self.creditErrorTypes),
        creditHint: "add credit to your Together AI account"
    )

    /// The built-in local sandbox, without a base URL: pass the running server's URL to the
    /// client, or use ``sandbox(port:)``. It needs no token, takes every optional field, and
    /// sends `size` like Nscale.
    public static let sandbox = ProviderProfile(
        name: "sandbox", displayName: "sandbox",
        baseURL: nil, tokenVariable: nil, requiresToken: false,
        sizeEncoding: .size, defaultSize: ImageSize(width: 512, height: 512), defaultModel: nil,
        fieldNames: [
            .responseFormat: "response_format", .quality: "quality", .outputFormat: "output_format",
            .steps: "num_inference_steps", .seed: "seed", .negativePrompt: "negative_prompt",
            .guidanceScale: "guidance_scale", .background: "background", .outputCompression: "output_compression",
            .moderation: "moderation", .stream: "stream", .inputFidelity: "input_fidelity",
        ],
        jpegName: "jpg", responseFormatRule: .supported(defaultFormat: nil),
        errorDialect: .openAI, finalRateLimitRule: .errorTypes(Self.creditErrorTypes),
        creditHint: "the sandbox was told to fail with no credit (fault injection)",
        takesEdits: true
    )

    /// The sandbox listening on `http://127.0.0.1:port/v1`.
    public static func sandbox(port: Int) -> ProviderProfile {
        var profile = sandbox
        profile.baseURL = "http://127.0.0.1:\(port)/v1"
        return profile
    }

    /// Any OpenAI-compatible server at `baseURL`, following `rules`' body and error rules.
    ///
    /// - Parameters:
    ///   - baseURL: the API base (ending in `/v1`); `nil` leaves it to be given to the client.
    ///   - rules: the profile whose request shape and error rules the server follows.
    ///   - tokenVariable: the environment variable with its token, if it needs one.
    public static func openAICompatible(baseURL: String?, borrowing rules: ProviderProfile = .openAI, tokenVariable: String? = nil) -> ProviderProfile {
        var profile = rules
        profile.name = "openai-compatible"
        profile.displayName = "the OpenAI-compatible server"
        profile.baseURL = baseURL
        profile.tokenVariable = tokenVariable
        profile.requiresToken = false
        profile.defaultModel = nil
        profile.creditHint = "check the account's credit or quota with the server's operator"
        return profile
    }

    /// The `type`/`error_type`/`code` values that mark a 429 as "out of credit or quota".
    public static let creditErrorTypes = ["insufficient_quota", "insufficient_credit", "INSUFFICIENT_CREDIT", "billing_hard_limit_reached"]

    /// The profiles ``named(_:)`` knows, in detection order, then the others.
    public static let builtIn: [ProviderProfile] = [.nscale, .nebius, .openAI, .together, .openAICompatible(baseURL: nil), .sandbox]

    /// The built-in profile called `name` (case-insensitive; `open-ai` and `openai_compatible`
    /// spellings accepted), or `nil`.
    public static func named(_ name: String) -> ProviderProfile? {
        let key = String(name.lowercased().map { $0 == "_" ? "-" : $0 })
        switch key {
        case "open-ai": return .openAI
        case "compatible": return .openAICompatible(baseURL: nil)
        default: return builtIn.first { $0.name == key }
        }
    }

    /// The first of Nscale, Nebius, OpenAI and Together AI whose token variable is set (non-empty) in
    /// `environment`; `nil` when none is, and the caller uses the sandbox.
    public static func detect(environment: [String: String]) -> ProviderProfile? {
        [ProviderProfile.nscale, .nebius, .openAI, .together].first { $0.token(in: environment) != nil }
    }

    /// The token from ``tokenVariable`` in `environment`, or `nil` when unset, empty or blank.
    public func token(in environment: [String: String]) -> String? {
        guard let tokenVariable, let value = environment[tokenVariable] else { return nil }
        let trimmed = value.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
