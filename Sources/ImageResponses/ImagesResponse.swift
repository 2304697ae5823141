public import ImageCore

/// An images API response (`POST /v1/images/generations`), read from the raw body bytes.
///
/// The shapes of Nscale (`{"created", "data":[{"b64_json"}]}`), Nebius Token Factory
/// (`{"data":[…], "id"}`) and OpenAI (`{"created", "data":[{"b64_json", "revised_prompt"}],
/// "usage"}`) are all read, in any key order, with any whitespace and escapes; an `error` object
/// (or Nebius's 422 `detail` list) is read instead of data.
///
/// ```swift
/// let response = try ImagesResponse(parsing: body)
/// for image in response.images { try image.bytes … }
/// ```
public struct ImagesResponse: Sendable {
    /// `created`, Unix seconds, when present.
    public var created: Int?
    /// `id`, when present (Nebius).
    public var id: String?
    /// The entries of `data`, in order.
    public var images: [GeneratedImage]
    /// `usage`, when present.
    public var usage: ImagesUsage?
    /// The provider's error, when the response carries one instead of (or beside) data.
    public var error: ProviderErrorBody?

    /// Creates a response from its parts.
    public init(created: Int? = nil, id: String? = nil, images: [GeneratedImage] = [], usage: ImagesUsage? = nil, error: ProviderErrorBody? = nil) {
        self.created = created
        self.id = id
        self.images = images
        self.usage = usage
        self.error = error
    }
}

/// One entry of `data[]`.
public struct GeneratedImage: Sendable {
    /// What an entry holds, decided once when the response is read, so that every job (the
    /// client, `convert`, `gallery`, `info`, the pipeline stages) reads the same answer.
    public enum Payload: Sendable {
        /// The decoded `b64_json`: the image file's bytes, with the format their first bytes
        /// say (`nil`: no image format imagepipe knows).
        case bytes([UInt8], format: ImageFormat?)
        /// No `b64_json`: the image is behind the entry's ``GeneratedImage/url``.
        case url
        /// `b64_json` that could not be decoded: why, with the byte offset in the body.
        case invalid(ImagesResponseError)
        /// Neither `b64_json` nor `url`.
        case missing
    }

    /// Its index in `data`.
    public var index: Int
    /// What the entry holds.
    public var payload: Payload
    /// Where `b64_json`'s text sits in the body (without the quotes).
    public var payloadRange: Range<Int>?
    /// `url`, as the service sent it (also when `b64_json` came too).
    public var url: String?
    /// `revised_prompt` (OpenAI's rewrite of the prompt), when present.
    public var revisedPrompt: String?

    /// The message for an entry with neither `b64_json` nor `url`, the same in every job.
    public static let missingMessage = "the entry has neither \"b64_json\" nor \"url\""

    /// Creates an entry; its ``payload`` follows from what it holds: an error first, then
    /// bytes (their format sniffed here, once), then a link.
    public init(index: Int, bytes: [UInt8]? = nil, payloadRange: Range<Int>? = nil, payloadError: ImagesResponseError? = nil, url: String? = nil, revisedPrompt: String? = nil) {
        self.index = index
        self.payloadRange = payloadRange
        self.url = url
        self.revisedPrompt = revisedPrompt
        payload = if let payloadError {
            .invalid(payloadError)
        } else if let bytes {
            .bytes(bytes, format: ImageFormat.sniff(bytes))
        } else if url != nil {
            .url
        } else {
            .missing
        }
    }

    /// The image file's bytes, when the entry holds them.
    public var bytes: [UInt8]? {
        if case .bytes(let bytes, _) = payload { bytes } else { nil }
    }

    /// Why `b64_json` could not be decoded, when it could not.
    public var payloadError: ImagesResponseError? {
        if case .invalid(let error) = payload { error } else { nil }
    }
}

/// Token counts of `usage`, as far as the provider reports them.
public struct ImagesUsage: Hashable, Sendable {
    /// `input_tokens` (or `prompt_tokens`).
    public var inputTokens: Int?
    /// `output_tokens` (or `completion_tokens`).
    public var outputTokens: Int?
    /// `total_tokens`.
    public var totalTokens: Int?
    /// The `usage` object's JSON text, as sent.
    public var json: String

    /// Creates usage counts.
    public init(inputTokens: Int? = nil, outputTokens: Int? = nil, totalTokens: Int? = nil, json: String) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.totalTokens = totalTokens
        self.json = json
    }
}

/// The error a provider put in the body, in whichever dialect it speaks: OpenAI's
/// `{"error":{"message","type","code","param"}}`, Nscale's `error.error_type`, a bare string, or
/// Nebius's 422 `{"detail":[{"loc","msg","type"}]}`.
public struct ProviderErrorBody: Hashable, Sendable, CustomStringConvertible {
    /// The provider's own message.
    public var message: String
    /// `error.type` or `error.error_type` (`INSUFFICIENT_CREDIT`, `invalid_request_error`, …).
    public var type: String?
    /// `error.code`, as text.
    public var code: String?
    /// `error.param`, the request field concerned.
    public var parameter: String?

    /// Creates an error body.
    public init(message: String, type: String? = nil, code: String? = nil, parameter: String? = nil) {
        self.message = message
        self.type = type
        self.code = code
        self.parameter = parameter
    }

    /// `message (type: …, code: …, param: …)`.
    public var description: String {
        let details = [type.map { "type: \($0)" }, code.map { "code: \($0)" }, parameter.map { "param: \($0)" }].compactMap { $0 }
        return details.isEmpty ? message : "\(message) (\(details.joined(separator: ", ")))"
    }
}

/// An error reading an images API response: malformed JSON, a body that is not an images
/// response, or an invalid base64 payload, each with its byte offset in the body.
public struct ImagesResponseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String { case malformedJSON, notAnImagesResponse, invalidPayload, tooDeep }
        fileprivate let value: Value

        /// The body is not valid JSON.
        public static let malformedJSON = Code(value: .malformedJSON)
        /// Valid JSON, but neither `data` nor an error.
        public static let notAnImagesResponse = Code(value: .notAnImagesResponse)
        /// A `b64_json` value is not valid base64.
        public static let invalidPayload = Code(value: .invalidPayload)
        /// Objects and arrays nested deeper than the scanner follows.
        public static let tooDeep = Code(value: .tooDeep)

        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// What is wrong and where.
    public var message: String
    /// The offset in the body of the byte where the problem was found.
    public var byteOffset: Int

    /// Creates an error.
    public init(_ code: Code, _ message: String, at byteOffset: Int) {
        self.code = code
        self.message = message
        self.byteOffset = byteOffset
    }

    public var description: String { message }
}

extension ImagesResponse {
    /// Whether the bytes start (after whitespace) with `{`: a JSON object, such as a saved
    /// response. A cheap test on a file's first bytes, before deciding to parse it.
    public static func looksLikeJSON(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
    }
}
