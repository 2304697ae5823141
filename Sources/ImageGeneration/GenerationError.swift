import ImageResponses

/// An error generating images: a request the provider refused, a service that kept failing, a
/// response that could not be read, or a download that went wrong.
///
/// The ``description`` is one line that names the provider, the HTTP status, the provider's own
/// message and what to do:
/// `nscale: HTTP 429 insufficient credit: Insufficient credit (after 1 attempt) — hint: add credit to your Nscale account`.
/// Tokens never appear in it: provider text is scrubbed of the token before it is kept.
public struct GenerationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String {
            case invalidRequest, missingToken, authentication, permission, notFound, validation, insufficientCredit,
                 rateLimited, server, httpStatus, providerError, timeout, connection, responseTooLarge, invalidResponse, download,
                 cancelled, moderationBlocked
        }
        fileprivate let value: Value

        /// The request cannot be sent as given (a field the provider does not take, a bad
        /// `--extra`, no base URL); nothing was sent.
        public static let invalidRequest = Code(value: .invalidRequest)
        /// The provider needs a token and none was given; nothing was sent.
        public static let missingToken = Code(value: .missingToken)
        /// HTTP 401: the token is missing, wrong or revoked.
        public static let authentication = Code(value: .authentication)
        /// HTTP 403: the token may not use this model or endpoint.
        public static let permission = Code(value: .permission)
        /// HTTP 404: usually an unknown model id.
        public static let notFound = Code(value: .notFound)
        /// HTTP 400 or 422: the provider refused a field's value.
        public static let validation = Code(value: .validation)
        /// A final HTTP 429: no credit or quota left. Never retried.
        public static let insufficientCredit = Code(value: .insufficientCredit)
        /// The provider's safety system refused the prompt or image (OpenAI `moderation_blocked`,
        /// `type: image_generation_user_error`). Final: never retried.
        public static let moderationBlocked = Code(value: .moderationBlocked)
        /// HTTP 429 rate limits that outlasted the retries.
        public static let rateLimited = Code(value: .rateLimited)
        /// HTTP 5xx (or 408/409) that outlasted the retries.
        public static let server = Code(value: .server)
        /// Another HTTP status that is not a success.
        public static let httpStatus = Code(value: .httpStatus)
        /// A success status whose body holds the provider's error instead of images.
        public static let providerError = Code(value: .providerError)
        /// The request (or a download) took longer than its timeout.
        public static let timeout = Code(value: .timeout)
        /// The connection failed (refused, reset, DNS, TLS) and the retries were used up.
        public static let connection = Code(value: .connection)
        /// The response body is larger than the configured limit; it was not read further.
        public static let responseTooLarge = Code(value: .responseTooLarge)
        /// The body is not an images response (malformed JSON with its byte offset, no images,
        /// an invalid base64 payload, bytes that are not an image).
        public static let invalidResponse = Code(value: .invalidResponse)
        /// A `data[].url` result could not be downloaded or is not an image.
        public static let download = Code(value: .download)
        /// The task was cancelled.
        public static let cancelled = Code(value: .cancelled)

        /// Words for messages: `insufficient credit`, `rate limited`, ….
        public var phrase: String {
            switch value {
            case .invalidRequest: "invalid request"
            case .missingToken: "missing token"
            case .authentication: "authentication failed"
            case .permission: "permission denied"
            case .notFound: "not found"
            case .validation: "request refused"
            case .insufficientCredit: "insufficient credit"
            case .moderationBlocked: "refused by the provider's safety system"
            case .rateLimited: "rate limited"
            case .server: "server error"
            case .httpStatus: "unexpected status"
            case .providerError: "error in a success response"
            case .timeout: "timed out"
            case .connection: "connection failed"
            case .responseTooLarge: "response too large"
            case .invalidResponse: "invalid response"
            case .download: "download failed"
            case .cancelled: "cancelled"
            }
        }

        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The provider's profile name (`nscale`, …), when known.
    public var provider: String?
    /// The HTTP status of the failing response, when there was one.
    public var status: Int?
    /// What went wrong, in our words or (for HTTP errors) the provider's own, scrubbed of the token.
    public var message: String
    /// The error `type`/`error_type`/`code` the provider gave, when any.
    public var providerErrorType: String?
    /// What the user can do about it.
    public var hint: String?
    /// How many HTTP attempts were made (0 when nothing was sent).
    public var attempts: Int
    /// The byte offset in the response body, for ``Code/invalidResponse``.
    public var byteOffset: Int?

    /// Creates an error.
    public init(
        _ code: Code, provider: String? = nil, status: Int? = nil, _ message: String,
        providerErrorType: String? = nil, hint: String? = nil, attempts: Int = 0, byteOffset: Int? = nil
    ) {
        self.code = code
        self.provider = provider
        self.status = status
        self.message = message
        self.providerErrorType = providerErrorType
        self.hint = hint
        self.attempts = attempts
        self.byteOffset = byteOffset
    }

    /// `provider: HTTP status phrase: message (after N attempts) — hint: …`.
    public var description: String {
        var text = provider.map { "\($0): " } ?? ""
        if let status { text += "HTTP \(status) " }
        text += code.phrase
        if !message.isEmpty { text += ": \(message)" }
        if attempts > 0 { text += " (after \(attempts) attempt\(attempts == 1 ? "" : "s"))" }
        if let hint { text += " — hint: \(hint)" }
        return text
    }
}

// MARK: - Reading a provider's error response

extension GenerationError {
    /// The error for a non-success HTTP response (or a 200 whose body holds an `error`).
    ///
    /// The message is read leniently from every dialect: `error.message` with `error.type`,
    /// `error.error_type` or `error.code`; Nebius `detail[]` (each `loc` joined with its `msg`) or
    /// a `detail` string; otherwise the body as text, cut to about 300 characters. `token` is
    /// replaced by `***` wherever it appears.
    ///
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - body: the response body.
    ///   - profile: the provider, for the 429 rule and the hints.
    ///   - token: the token sent, to scrub from the text.
    ///   - model: the model asked for, named in the 404 hint.
    ///   - attempts: how many attempts were made.
    public static func fromResponse(
        status: Int, body: UnsafeRawBufferPointer, profile: ProviderProfile, token: String?, model: String? = nil, attempts: Int
    ) -> GenerationError {
        from(ProviderErrorText(parsing: body), status: status, profile: profile, token: token, model: model, attempts: attempts)
    }

    /// The error for a provider's error read already: in a success body or a stream's error
    /// event (a success status, so `.providerError` unless its type says more, such as a safety
    /// refusal), or in a failure's body.
    static func fromProviderError(
        _ error: ProviderErrorBody, status: Int, profile: ProviderProfile, token: String?, model: String?, attempts: Int
    ) -> GenerationError {
        var result = from(ProviderErrorText(error), status: status, profile: profile, token: token, model: model, attempts: attempts)
        if result.code == .invalidResponse { result.code = .providerError }
        return result
    }

    private static func from(
        _ parsed: ProviderErrorText, status: Int, profile: ProviderProfile, token: String?, model: String?, attempts: Int
    ) -> GenerationError {
        let code = isModerationRefusal(parsed.types) ? .moderationBlocked : classify(status: status, errorType: parsed.types, profile: profile)
        var message = scrub(parsed.message, token: token)
        if message.isEmpty { message = status == 200 ? "the body holds an error without a message" : "empty body" }
        let type = parsed.types.first.map { scrub($0, token: token) }
        if let type, !message.contains(type) { message += " (\(type))" }
        return GenerationError(
            code, provider: profile.name, status: status, message, providerErrorType: type,
            hint: hint(for: code, status: status, profile: profile, model: model), attempts: attempts
        )
    }

    /// The code for an HTTP failure status, given the provider's error types and 429 rule.
    static func classify(status: Int, errorType: [String], profile: ProviderProfile) -> Code {
        switch status {
        case 401: return .authentication
        case 403: return .permission
        case 404: return .notFound
        case 400, 422: return .validation
        case 429: return isFinal429(errorTypes: errorType, profile: profile) ? .insufficientCredit : .rateLimited
        case 408, 409, 500...599: return .server
        case 200..<300: return .invalidResponse
        default: return .httpStatus
        }
    }

    /// Whether the provider's error type or code says its safety system refused the request
    /// (`moderation_blocked`, whatever the status it came with).
    static func isModerationRefusal(_ types: [String]) -> Bool {
        types.contains { ["moderation_blocked", "content_policy_violation", "moderation_blocked_error"].contains($0.lowercased()) }
    }

    /// Whether a 429 with these error types/codes is final under the profile's rule.
    public static func isFinal429(errorTypes: [String], profile: ProviderProfile) -> Bool {
        switch profile.finalRateLimitRule {
        case .every429: return true
        case .errorTypes(let finals):
            let lowered = Set(finals.map { $0.lowercased() })
            return errorTypes.contains { lowered.contains($0.lowercased()) }
        }
    }

    /// What to tell the user for a code.
    static func hint(for code: Code, status: Int?, profile: ProviderProfile, model: String?) -> String? {
        switch code {
        case .authentication, .missingToken:
            if let variable = profile.tokenVariable { return "check the token in $\(variable) (or --token)" }
            return "check the token (--token)"
        case .permission: return "check that the token may use this model and endpoint"
        case .notFound:
            if let model { return "check the model id \"\(model)\"" }
            return "check the model id and the base URL"
        case .insufficientCredit: return profile.creditHint
        case .moderationBlocked:
            return "the prompt (or an input image) was refused by \(profile.displayName)'s safety system; rephrase it — retrying the same request will not help"
        case .rateLimited: return "wait a little and try again, or send fewer requests at once"
        case .server: return "the service is having trouble; try again later"
        case .timeout: return "raise the timeout, or ask for fewer or smaller images"
        case .connection: return "check the base URL and that the service can be reached from here"
        case .responseTooLarge: return "raise the response size limit, or ask for fewer images"
        default: return nil
        }
    }

    /// `text` with every occurrence of `token` replaced by `***`, and of its percent-encoded form
    /// too (a token echoed inside a URL path arrives encoded when it holds `+`, `/` or `=`).
    public static func scrub(_ text: String, token: String?) -> String {
        guard let token, !token.isEmpty else { return text }
        var result = Array(text.utf8)
        let plain = Array(token.utf8)
        var needles = [plain]
        for digits in ["0123456789ABCDEF", "0123456789abcdef"] {
            let encoded = percentEncoded(plain, digits: Array(digits.utf8))
            if !needles.contains(encoded) { needles.append(encoded) }
        }
        for needle in needles { result = replacing(needle, in: result) }
        return String(decoding: result, as: UTF8.self)
    }

    /// This error with the token scrubbed from every text that may quote a response.
    public func scrubbed(of token: String?) -> GenerationError {
        guard let token, !token.isEmpty else { return self }
        var copy = self
        copy.message = Self.scrub(message, token: token)
        copy.providerErrorType = providerErrorType.map { Self.scrub($0, token: token) }
        copy.hint = hint.map { Self.scrub($0, token: token) }
        return copy
    }

    private static func replacing(_ needle: [UInt8], in haystack: [UInt8]) -> [UInt8] {
        guard haystack.count >= needle.count else { return haystack }
        var output: [UInt8] = []
        output.reserveCapacity(haystack.count)
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count, haystack[index] == needle[0],
               haystack[index..<index + needle.count].elementsEqual(needle) {
                output += Array("***".utf8)
                index += needle.count
            } else {
                output.append(haystack[index])
                index += 1
            }
        }
        return output
    }

    /// `bytes` with everything but RFC 3986's unreserved characters as `%XX`, in these hex digits.
    private static func percentEncoded(_ bytes: [UInt8], digits hex: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return output
    }
}
