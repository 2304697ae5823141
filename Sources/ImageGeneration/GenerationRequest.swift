public import ImageCore

/// What to generate: the prompt and the options, independent of any provider.
///
/// The body is written by ``body(for:)`` following a ``ProviderProfile``; an option the profile
/// does not take is an error there, except ``extraFields``, which pass through untouched.
///
/// ```swift
/// var request = GenerationRequest(prompt: "a lighthouse at dusk", size: ImageSize(width: 512, height: 512))
/// request.extraFields = [try .parse("background=\"transparent\"")]
/// ```
public struct GenerationRequest: Sendable, Hashable {
    /// How the service should return images.
    public enum ResponseFormat: String, Hashable, Sendable {
        /// Base64 in the JSON body (`b64_json`).
        case b64JSON = "b64_json"
        /// A link to fetch (`url`); imagepipe downloads it at once.
        case url
    }

    /// The encoded format to ask the service for.
    public enum OutputFormat: String, Hashable, Sendable, CaseIterable {
        /// PNG.
        case png
        /// WebP.
        case webp
        /// JPEG (`jpg` to Nebius, `jpeg` to OpenAI).
        case jpeg

        /// Parses `png`, `webp`, `jpg` or `jpeg` (case-insensitive).
        public init?(parsing text: String) {
            switch text.lowercased() {
            case "png": self = .png
            case "webp": self = .webp
            case "jpg", "jpeg": self = .jpeg
            default: return nil
            }
        }
    }

    /// A field passed through to the body as given: `key` and a JSON value's text.
    public struct ExtraField: Hashable, Sendable, CustomStringConvertible {
        /// The member name.
        public var key: String
        /// The value as JSON text (`42`, `true`, `"text"`, `{"a":1}`).
        public var json: String

        /// Creates a field; `json` must be one JSON value (checked by ``GenerationRequest/body(for:)``).
        public init(key: String, json: String) {
            self.key = key
            self.json = json
        }

        /// Parses `key=value` as given to `--extra`: the value is used as JSON when it is one JSON
        /// value (number, `true`, `false`, `null`, object, array, quoted string), else as a
        /// string.
        ///
        /// - Throws: ``GenerationError/Code/invalidRequest`` when there is no `=`, the key is
        ///   empty or not a plain name.
        public static func parse(_ text: String) throws(GenerationError) -> ExtraField {
            guard let equals = text.firstIndex(of: "=") else {
                throw GenerationError(.invalidRequest, "--extra \"\(text)\" has no '=': write key=value, e.g. --extra background=transparent")
            }
            let key = String(text[..<equals]).trimmingWhitespace()
            let value = String(text[text.index(after: equals)...])
            guard !key.isEmpty else {
                throw GenerationError(.invalidRequest, "--extra \"\(text)\" has an empty key: write key=value")
            }
            guard key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0 != "\"" && $0 != "\\" && $0.value != 0x7F }) else {
                throw GenerationError(.invalidRequest, "--extra key \"\(key)\" must not contain spaces, quotes or backslashes")
            }
            let trimmed = value.trimmingWhitespace()
            if !trimmed.isEmpty, JSONText.isSingleValue(trimmed) {
                return ExtraField(key: key, json: trimmed)
            }
            return ExtraField(key: key, json: JSONText.quoted(value))
        }

        /// `key=json`.
        public var description: String { "\(key)=\(json)" }
    }

    /// The prompt.
    public var prompt: String
    /// The model id; `nil` uses the profile's default.
    public var model: String?
    /// The image size; `nil` uses the profile's default.
    public var size: ImageSize?
    /// How many images (`n`).
    public var count: Int
    /// `response_format`; `nil` uses the profile's rule.
    public var responseFormat: ResponseFormat?
    /// `seed` (Nebius: -1 for random).
    public var seed: Int?
    /// `negative_prompt`.
    public var negativePrompt: String?
    /// `num_inference_steps`.
    public var steps: Int?
    /// `guidance_scale`.
    public var guidanceScale: Double?
    /// The encoded format asked for (Nebius `response_extension`, OpenAI `output_format`).
    public var outputFormat: OutputFormat?
    /// `quality` (OpenAI: `low`, `medium`, `high`, `auto`; `xhigh`, `max` where the model takes
    /// them: ``ImageModelRules``).
    public var quality: String?
    /// Send `"size": "auto"` (the model chooses) instead of ``size``.
    public var sizeIsAuto = false
    /// `background`: `transparent`, `opaque` or `auto` (GPT image models; transparent needs PNG
    /// or WebP output).
    public var background: String?
    /// `output_compression` 0–100, for JPEG and WebP output.
    public var outputCompression: Int?
    /// `moderation`: `low` or `auto`.
    public var moderation: String?
    /// `stream: true`: the service answers with server-sent events, partial images first.
    public var stream = false
    /// `partial_images` 0–3 (with ``stream``): how many refined previews to send before the image.
    public var partialImages: Int?
    /// Send no size when ``size`` is `nil` rather than the profile's default (an edit, whose
    /// result takes its input's size).
    var omitsDefaultSize = false
    /// Fields passed through untouched, after the others, in order; one whose key is a field
    /// already written replaces that field's value in place.
    public var extraFields: [ExtraField]

    /// Creates a request.
    public init(
        prompt: String, model: String? = nil, size: ImageSize? = nil, count: Int = 1,
        responseFormat: ResponseFormat? = nil, seed: Int? = nil, negativePrompt: String? = nil, steps: Int? = nil,
        guidanceScale: Double? = nil, outputFormat: OutputFormat? = nil, quality: String? = nil,
        extraFields: [ExtraField] = []
    ) {
        self.prompt = prompt
        self.model = model
        self.size = size
        self.count = count
        self.responseFormat = responseFormat
        self.seed = seed
        self.negativePrompt = negativePrompt
        self.steps = steps
        self.guidanceScale = guidanceScale
        self.outputFormat = outputFormat
        self.quality = quality
        self.extraFields = extraFields
    }
}
