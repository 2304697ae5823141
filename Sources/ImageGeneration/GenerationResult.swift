public import ImageCore
public import ImageResponses

/// The images one request produced, with what the response said and how long each step took.
public struct GenerationResult: Sendable {
    /// One image, as encoded bytes.
    public struct Image: Sendable {
        /// Where the bytes came from.
        public enum Source: Hashable, Sendable, CustomStringConvertible {
            /// `data[].b64_json`, decoded from the response body.
            case base64
            /// `data[].url`, downloaded at once (query hidden).
            case url(RedactedURL)

            /// `base64` or the redacted URL.
            public var description: String {
                switch self {
                case .base64: "base64"
                case .url(let url): url.text
                }
            }
        }

        /// The entry's index in `data`.
        public var index: Int
        /// The encoded image file.
        public var bytes: [UInt8]
        /// The format recognised from the bytes' magic numbers.
        public var format: ImageFormat
        /// Where the bytes came from.
        public var source: Source
        /// The service's rewrite of the prompt (OpenAI's `revised_prompt`), when given.
        public var revisedPrompt: String?

        /// Creates an image.
        public init(index: Int, bytes: [UInt8], format: ImageFormat, source: Source, revisedPrompt: String? = nil) {
            self.index = index
            self.bytes = bytes
            self.format = format
            self.source = source
            self.revisedPrompt = revisedPrompt
        }
    }

    /// How long each step took. Steps that did not happen are zero.
    public struct Timings: Hashable, Sendable {
        /// From sending the successful attempt to its response head.
        public var responseHead: Duration = .zero
        /// From the response head to the last body byte.
        public var bodyReceived: Duration = .zero
        /// Scanning the body and decoding the base64 payloads.
        public var decode: Duration = .zero
        /// Downloading `url` results (all of them, concurrently).
        public var download: Duration = .zero
        /// Waiting between attempts.
        public var retryWaits: Duration = .zero
        /// Time spent waiting for a rate-limit window's reset before sending (``RateLimitStatus``).
        public var rateLimitWaits: Duration = .zero
        /// From the call to its return.
        public var total: Duration = .zero

        /// Creates timings.
        public init(responseHead: Duration = .zero, bodyReceived: Duration = .zero, decode: Duration = .zero, download: Duration = .zero, retryWaits: Duration = .zero, total: Duration = .zero) {
            self.responseHead = responseHead
            self.bodyReceived = bodyReceived
            self.decode = decode
            self.download = download
            self.retryWaits = retryWaits
            self.total = total
        }
    }

    /// The images, in `data` order.
    public var images: [Image]
    /// `created` (Unix seconds), when the service sent it.
    public var created: Int?
    /// `id`, when the service sent it (Nebius).
    public var id: String?
    /// `usage`, when the service sent it (OpenAI).
    public var usage: ImagesUsage?
    /// What the service's `x-ratelimit-*` headers said with this answer, when it sent them.
    public var rateLimits: RateLimitStatus?
    /// For a streamed answer, how many partial images came before the image.
    public var partialImageCount = 0
    /// The HTTP status of the successful response.
    public var status: Int
    /// How many HTTP attempts were made, the successful one included.
    public var attempts: Int
    /// How long each step took.
    public var timings: Timings
    /// The profile's name.
    public var provider: String
    /// The URL posted to.
    public var endpoint: String
    /// The body sent, for provenance (it holds no token).
    public var requestBody: RequestBody
    /// The size of the response body in bytes.
    public var responseBytes: Int

    /// Creates a result.
    public init(
        images: [Image], created: Int? = nil, id: String? = nil, usage: ImagesUsage? = nil, status: Int = 200,
        attempts: Int = 1, timings: Timings = Timings(), provider: String, endpoint: String, requestBody: RequestBody,
        responseBytes: Int = 0
    ) {
        self.images = images
        self.created = created
        self.id = id
        self.usage = usage
        self.status = status
        self.attempts = attempts
        self.timings = timings
        self.provider = provider
        self.endpoint = endpoint
        self.requestBody = requestBody
        self.responseBytes = responseBytes
    }
}
