import HTTPTypes
import Hummingbird

/// An error answer, written in the dialect of the request it answers.
///
/// | kind | OpenAI `type` / `code` | Nscale `error_type` | Nebius |
/// |---|---|---|---|
/// | invalid request | `invalid_request_error` / per field | `INVALID_REQUEST` | 422 `detail[]` with `loc` |
/// | model not found (404) | `invalid_request_error` / `model_not_found` | `MODEL_NOT_FOUND` | `detail` |
/// | unauthorized (401) | `invalid_request_error` / `invalid_api_key` | `UNAUTHORIZED` | `detail` |
/// | insufficient credit (429) | `insufficient_quota` / `insufficient_quota` | `INSUFFICIENT_CREDIT` | `detail` |
/// | rate limited (429) | `requests` / `rate_limit_exceeded` | `RATE_LIMIT_EXCEEDED` | `detail` |
/// | unavailable (503) | `server_error` / `service_unavailable` | `SERVICE_UNAVAILABLE` | `detail` |
/// | server error (500) | `server_error` / `null` | `INTERNAL_SERVER_ERROR` | `detail` |
/// | safety refusal (400) | `image_generation_user_error` / `moderation_blocked` | `MODERATION_BLOCKED` | `detail` |
/// | other status | `invalid_request_error` or `server_error` / `null` | `HTTP_<status>` | `detail` |
package struct ErrorReply {
    enum Kind {
        case invalidRequest(param: String?, code: String)
        case modelNotFound
        case unauthorized
        case insufficientCredit
        case rateLimited
        case unavailable
        case server
        case moderation
        case other
    }

    var status: Int
    var message: String
    var kind: Kind
    var retryAfter: Int?

    init(status: Int, message: String, kind: Kind, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.kind = kind
        self.retryAfter = retryAfter
    }

    package init(problem: RequestProblem) {
        if problem.code == "model_not_found" {
            self.init(status: 404, message: problem.message, kind: .modelNotFound)
        } else {
            self.init(status: problem.status, message: problem.message, kind: .invalidRequest(param: problem.field, code: problem.code))
        }
    }

    package init(fault: SandboxFault) {
        let retryAfter = fault.effectiveRetryAfter
        switch fault.kind {
        case .insufficientCredit:
            self.init(status: 429, message: "Insufficient credit: your balance cannot pay for this request (sandbox fault).",
                      kind: .insufficientCredit, retryAfter: retryAfter)
        case .rateLimited:
            self.init(status: 429, message: "Rate limit reached for image generation; retry after \(retryAfter ?? 1) s (sandbox fault).",
                      kind: .rateLimited, retryAfter: retryAfter)
        case .unavailable:
            self.init(status: 503, message: "The service is temporarily unavailable (sandbox fault).",
                      kind: .unavailable, retryAfter: retryAfter)
        case .serverError:
            self.init(status: 500, message: "The server had an error while processing your request (sandbox fault).",
                      kind: .server, retryAfter: retryAfter)
        case .status(let code):
            self.init(status: code, message: "HTTP \(code) (sandbox fault).", kind: .other, retryAfter: retryAfter)
        case .moderation:
            self.init(status: 400, message: "Your request was rejected by the safety system (sandbox fault).", kind: .moderation, retryAfter: retryAfter)
        }
    }

    /// A 401 whose message never repeats the token that was sent.
    static func unauthorized(hasHeader: Bool) -> ErrorReply {
        let message = hasHeader
            ? "Incorrect API key provided."
            : "Missing bearer authentication in header: send 'Authorization: Bearer <token>'."
        return ErrorReply(status: 401, message: message, kind: .unauthorized)
    }

    package func response(in dialect: SandboxDialect) -> Response {
        var headers: HTTPFields = [:]
        if let retryAfter {
            headers[.retryAfter] = String(retryAfter)
            // Saturating: a fault built in code may carry any number of seconds.
            let milliseconds = retryAfter.multipliedReportingOverflow(by: 1000)
            headers[HTTPField.Name("retry-after-ms")!] = String(milliseconds.overflow ? Int.max : milliseconds.partialValue)
        }
        let (status, body) = statusAndBody(in: dialect)
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// The status and JSON body of the answer in `dialect` (Nebius answers a validation problem
    /// with 422, whatever the problem's status).
    package func statusAndBody(in dialect: SandboxDialect) -> (status: Int, body: ByteBuffer) {
        var text = JSONText()
        var status = status
        switch dialect {
        case .openAI:
            text.raw(#"{"error":{"message":"#)
            text.string(message)
            text.raw(#","type":"#)
            text.string(openAIType)
            text.raw(#","param":"#)
            text.stringOrNull(param)
            text.raw(#","code":"#)
            text.stringOrNull(openAICode)
            text.raw("}}")
        case .nscale:
            text.raw(#"{"error":{"message":"#)
            text.string(message)
            text.raw(#","error_type":"#)
            text.string(nscaleType)
            text.raw("}}")
        case .nebius:
            if case .invalidRequest(let param, _) = kind {
                // FastAPI's validation answer: 422 and one entry per field.
                status = 422
                text.raw(#"{"detail":[{"loc":["body""#)
                if let param {
                    text.raw(",")
                    text.string(param)
                }
                text.raw(#"],"msg":"#)
                text.string(message)
                text.raw(#","type":"value_error"}]}"#)
            } else {
                text.raw(#"{"detail":"#)
                text.string(message)
                text.raw("}")
            }
        }
        return (status, text.buffer)
    }

    private var param: String? {
        if case .invalidRequest(let param, _) = kind { return param }
        if case .modelNotFound = kind { return "model" }
        return nil
    }

    private var openAIType: String {
        switch kind {
        case .invalidRequest, .modelNotFound, .unauthorized: "invalid_request_error"
        case .insufficientCredit: "insufficient_quota"
        case .rateLimited: "requests"
        case .unavailable, .server: "server_error"
        case .moderation: "image_generation_user_error"
        case .other: status < 500 ? "invalid_request_error" : "server_error"
        }
    }

    private var openAICode: String? {
        switch kind {
        case .invalidRequest(_, let code): code
        case .modelNotFound: "model_not_found"
        case .unauthorized: "invalid_api_key"
        case .insufficientCredit: "insufficient_quota"
        case .rateLimited: "rate_limit_exceeded"
        case .unavailable: "service_unavailable"
        case .moderation: "moderation_blocked"
        case .server, .other: nil
        }
    }

    private var nscaleType: String {
        switch kind {
        case .invalidRequest: "INVALID_REQUEST"
        case .modelNotFound: "MODEL_NOT_FOUND"
        case .unauthorized: "UNAUTHORIZED"
        case .insufficientCredit: "INSUFFICIENT_CREDIT"
        case .rateLimited: "RATE_LIMIT_EXCEEDED"
        case .unavailable: "SERVICE_UNAVAILABLE"
        case .server: "INTERNAL_SERVER_ERROR"
        case .moderation: "MODERATION_BLOCKED"
        case .other: "HTTP_\(status)"
        }
    }
}
