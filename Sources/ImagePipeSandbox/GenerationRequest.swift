#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which provider's request and response shape a generation request speaks.
///
/// Detected from the request's fields, in this order:
/// 1. ``nebius`` when it has `width` or `height`, or, without a `size`, `response_extension`,
///    `num_inference_steps`, `negative_prompt`, `guidance_scale` or `seed` (a request with a
///    `size` and a seed, as the sandbox profile sends, asks for that size: Nebius has no `size`);
/// 2. ``openAI`` when `model` starts with `gpt-image` or `dall-e`, or it has `output_format`,
///    `quality`, `background`, `moderation` or `output_compression`;
/// 3. ``nscale`` otherwise.
public enum SandboxDialect: String, Hashable, Sendable, CaseIterable {
    /// OpenAI images API: `created`, `data[].b64_json` + `revised_prompt`, `usage`; errors as
    /// `{"error":{"message","type","param","code"}}`.
    case openAI = "openai"
    /// Nebius AI Studio: `data[]`, `id`; validation errors as 422 `{"detail":[…]}`, others
    /// `{"detail":"…"}`.
    case nebius
    /// Nscale: `created`, `data[].b64_json`; errors as `{"error":{"message","error_type"}}`.
    case nscale

    static let nebiusFields: Set<String> = [
        "width", "height", "response_extension", "num_inference_steps", "negative_prompt", "guidance_scale", "seed",
    ]
    static let openAIFields: Set<String> = ["output_format", "quality", "background", "moderation", "output_compression"]

    /// The dialect of a request with these top-level fields and model.
    static func detect(fields: some Collection<String>, model: String?) -> SandboxDialect {
        if fields.contains(where: { $0 == "width" || $0 == "height" }) { return .nebius }
        if !fields.contains("size"), fields.contains(where: nebiusFields.contains) { return .nebius }
        if let model, model.hasPrefix("gpt-image") || model.hasPrefix("dall-e") { return .openAI }
        if fields.contains(where: openAIFields.contains) { return .openAI }
        return .nscale
    }
}

/// Any JSON value: the request is decoded into `[String: JSONValue]` so unknown fields are kept
/// (they choose the dialect) and a field of the wrong type becomes a validation error naming it,
/// not a decoding failure.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A validation failure: the field and what is wrong with it.
package struct RequestProblem: Error {
    package var field: String?
    package var message: String
    /// The OpenAI `code` (also picks the HTTP status: `model_not_found` is 404).
    package var code: String = "invalid_value"
    package var status: Int = 400
}

/// A generation request, decoded leniently and validated for its dialect.
struct GenerationRequest {
    var dialect: SandboxDialect
    var fields: [String: JSONValue]
    var model: String?

    /// Parses the JSON body; a body that is not a JSON object throws a problem (and is answered in
    /// the OpenAI dialect, since the shape cannot be told).
    init(body: [UInt8]) throws(RequestProblem) {
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: Data(body))
        } catch {
            throw RequestProblem(field: nil, message: "The request body is not a JSON object.", code: "invalid_json")
        }
        fields = object
        if case .string(let name) = object["model"] { model = name } else { model = nil }
        dialect = SandboxDialect.detect(fields: object.keys, model: model)
    }

    /// A request from fields already read (an edit's form fields), in `dialect`.
    init(dialect: SandboxDialect, fields: [String: JSONValue]) {
        self.dialect = dialect
        self.fields = fields
        if case .string(let name) = fields["model"] { model = name } else { model = nil }
    }

    func string(_ name: String) throws(RequestProblem) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw RequestProblem(field: name, message: "'\(name)' must be a string, not \(other.typeName).")
        }
    }

    func integer(_ name: String) throws(RequestProblem) -> Int? {
        switch fields[name] {
        case nil, .null?: return nil
        case .number(let value)? where value == value.rounded() && abs(value) < 9.0e15: return Int(value)
        case let other?: throw RequestProblem(field: name, message: "'\(name)' must be an integer, not \(other.typeName).")
        }
    }

    func boolean(_ name: String) throws(RequestProblem) -> Bool? {
        switch fields[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw RequestProblem(field: name, message: "'\(name)' must be a boolean, not \(other.typeName).")
        }
    }

    func has(_ name: String) -> Bool {
        if case .null? = fields[name] { return false }
        return fields[name] != nil
    }
}
