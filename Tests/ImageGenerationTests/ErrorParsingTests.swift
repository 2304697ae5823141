import ImageGeneration
import ImageResponses
import Testing

@Suite("Provider errors in every dialect")
struct ErrorParsingTests {
    static let token = "sk-secret-TOKEN-1234"

    static func error(_ status: Int, _ body: String, profile: ProviderProfile = .openAI, model: String? = nil, attempts: Int = 1) -> GenerationError {
        Array(body.utf8).withUnsafeBytes { bytes in
            GenerationError.fromResponse(status: status, body: bytes, profile: profile, token: token, model: model, attempts: attempts)
        }
    }

    @Test("OpenAI: message, type and code; insufficient_quota is final")
    func openAIQuota() {
        let error = Self.error(429, #"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#)
        #expect(error.code == .insufficientCredit)
        #expect(error.message == "You exceeded your current quota (insufficient_quota)")
        #expect(error.providerErrorType == "insufficient_quota")
        #expect(error.hint == "check your plan and billing")
        #expect(error.description == "openai: HTTP 429 insufficient credit: You exceeded your current quota (insufficient_quota) (after 1 attempt) — hint: check your plan and billing")
    }

    @Test("OpenAI: quota named only in code is final too")
    func openAIQuotaInCode() {
        let error = Self.error(429, #"{"error":{"message":"quota","type":"requests","code":"insufficient_quota"}}"#)
        #expect(error.code == .insufficientCredit)
    }

    @Test("OpenAI: other 429s are rate limits")
    func openAIRateLimit() {
        let error = Self.error(429, #"{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}"#, attempts: 3)
        #expect(error.code == .rateLimited)
        #expect(error.description.contains("(after 3 attempts)"))
    }

    @Test("Nscale: error_type INSUFFICIENT_CREDIT, and any Nscale 429 is final")
    func nscaleCredit() {
        let error = Self.error(429, #"{"error": {"message": "Insufficient credit to run this request", "error_type": "INSUFFICIENT_CREDIT", "code": 429}}"#, profile: .nscale)
        #expect(error.code == .insufficientCredit)
        #expect(error.description == "nscale: HTTP 429 insufficient credit: Insufficient credit to run this request (INSUFFICIENT_CREDIT) (after 1 attempt) — hint: add credit to your Nscale account")
        #expect(Self.error(429, "Too Many Requests", profile: .nscale).code == .insufficientCredit)
    }

    @Test("Nebius: 422 detail[] joins loc and msg")
    func nebiusDetailList() {
        let error = Self.error(422, #"{"detail": [{"loc": ["body", "width"], "msg": "ensure this value is less than or equal to 2048", "type": "value_error.number.not_le"}, {"loc": ["body", "n"], "msg": "too many"}]}"#, profile: .nebius)
        #expect(error.code == .validation)
        #expect(error.status == 422)
        #expect(error.message.hasPrefix("width: ensure this value is less than or equal to 2048; n: too many"))
    }

    @Test("Nebius: detail as a string")
    func nebiusDetailString() {
        let error = Self.error(404, #"{"detail":"Model black-forest-labs/nope not found"}"#, profile: .nebius, model: "black-forest-labs/nope")
        #expect(error.code == .notFound)
        #expect(error.message == "Model black-forest-labs/nope not found")
        #expect(error.hint == "check the model id \"black-forest-labs/nope\"")
    }

    @Test("Plain text bodies are kept on one line, cut to about 300 characters")
    func plainText() {
        let error = Self.error(502, "<html>\n<body>Bad   gateway</body>\n</html>")
        #expect(error.code == .server)
        #expect(error.message == "<html> <body>Bad gateway</body> </html>")
        let long = Self.error(500, String(repeating: "x", count: 5000))
        #expect(long.message.count == 301 && long.message.hasSuffix("…"))
    }

    @Test("An empty body still gives a message")
    func emptyBody() {
        let error = Self.error(503, "")
        #expect(error.message == "empty body")
        #expect(error.hint == "the service is having trouble; try again later")
    }

    @Test("Status classes map to codes", arguments: [
        (400, GenerationError.Code.validation), (401, .authentication), (403, .permission), (404, .notFound),
        (408, .server), (409, .server), (422, .validation), (500, .server), (503, .server), (418, .httpStatus),
    ])
    func statusCodes(status: Int, code: GenerationError.Code) {
        #expect(Self.error(status, "{}").code == code)
    }

    @Test("401 hint names the provider's token variable")
    func authenticationHint() {
        let error = Self.error(401, #"{"error":{"message":"Invalid token"}}"#, profile: .nscale)
        #expect(error.hint == "check the token in $NSCALE_SERVICE_TOKEN (or --token)")
        #expect(Self.error(401, "", profile: .openAICompatible(baseURL: nil)).hint == "check the token (--token)")
    }

    @Test("The token is scrubbed from every provider text")
    func scrubbing() {
        let echoed = Self.error(401, #"{"error":{"message":"Incorrect API key provided: \#(Self.token). You can find your API key at …","type":"invalid_request_error"}}"#)
        #expect(!echoed.description.contains(Self.token))
        #expect(echoed.message.contains("provided: ***."))
        let plain = Self.error(500, "Authorization: Bearer \(Self.token)")
        #expect(plain.message == "Authorization: Bearer ***")
        let inType = Self.error(400, #"{"error":{"message":"bad","type":"\#(Self.token)"}}"#)
        #expect(!inType.description.contains(Self.token))
        #expect(GenerationError.scrub("a TOKEN b TOKEN", token: "TOKEN") == "a *** b ***")
        #expect(GenerationError.scrub("nothing", token: nil) == "nothing")
    }
}

@Suite("URL redaction")
struct RedactedURLTests {
    @Test("Query, fragment and credentials are hidden", arguments: [
        ("https://cdn.example.com/img/1.png?X-Amz-Signature=abc&X-Amz-Credential=k", "https://cdn.example.com/img/1.png?…"),
        ("https://cdn.example.com/img/1.png", "https://cdn.example.com/img/1.png"),
        ("https://user:pass@cdn.example.com/a.png", "https://…@cdn.example.com/a.png"),
        ("http://h/p#frag", "http://h/p"),
        ("http://h/p?q#frag", "http://h/p?…"),
        ("https://h?sig=1", "https://h?…"),
    ])
    func redaction(url: String, shown: String) {
        #expect(RedactedURL(url).description == shown)
    }
}
