public import FastBase64

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ImagesResponse {
    /// Reads an images API response from its raw body bytes.
    ///
    /// The body is walked once as bytes; each `b64_json` value is decoded by `decoder` straight
    /// from the body into the image's buffer (allocated once, at its final size bound), never
    /// through `JSONDecoder` or `String`. A payload that is not valid base64 does not fail the
    /// whole response: its entry carries ``GeneratedImage/payloadError`` and the others decode.
    ///
    /// - Parameters:
    ///   - body: the whole response body.
    ///   - decoder: the base64 decoder; by default it accepts what real payloads carry (JSON
    ///     escapes such as `\/`, line breaks, a `data:image/…;base64,` prefix, missing padding).
    /// - Throws: ``ImagesResponseError`` when the body is not JSON (with the byte offset) or is
    ///   JSON without `data`, `error` or `detail`.
    /// - Complexity: O(n) in the body length.
    public init(parsing body: UnsafeRawBufferPointer, decoder: Base64Decoder = Base64Decoder(options: .jsonPayload)) throws(ImagesResponseError) {
        var cursor = JSONCursor(body: body)
        self.init()
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            if cursor.atEnd {
                throw ImagesResponseError(.malformedJSON, "the body is empty or only whitespace", at: cursor.position)
            }
            throw ImagesResponseError(.notAnImagesResponse, "the body is not a JSON object (it starts with \(cursor.describeCurrent()) at byte \(cursor.position))", at: cursor.position)
        }
        var keysSeen: [String] = []
        var sawData = false
        try cursor.forEachMember { key, cursor throws(ImagesResponseError) in
            if keysSeen.count < 12 { keysSeen.append(cursor.text(key)) }
            if cursor.key(key, is: "data") {
                sawData = true
                images = try Self.parseData(&cursor, decoder: decoder)
            } else if cursor.key(key, is: "created") {
                created = try cursor.integerOrNull()
            } else if cursor.key(key, is: "id") {
                id = try cursor.stringOrNull()
            } else if cursor.key(key, is: "usage") {
                usage = try Self.parseUsage(&cursor)
            } else if cursor.key(key, is: "error") {
                error = try Self.parseError(&cursor) ?? error
            } else if cursor.key(key, is: "detail") {
                error = try Self.parseDetail(&cursor) ?? error
            } else {
                try cursor.skipValue()
            }
        }
        cursor.skipWhitespace()
        guard cursor.atEnd else {
            throw ImagesResponseError(.malformedJSON, "unexpected \(cursor.describeCurrent()) at byte \(cursor.position) after the end of the JSON object", at: cursor.position)
        }
        guard sawData || error != nil else {
            throw ImagesResponseError(.notAnImagesResponse, "the JSON object has no \"data\" and no \"error\" (keys: \(keysSeen.joined(separator: ", ")))", at: 0)
        }
    }

    /// Reads an images API response from its raw body bytes.
    public init(parsing body: [UInt8], decoder: Base64Decoder = Base64Decoder(options: .jsonPayload)) throws(ImagesResponseError) {
        let result: Result<ImagesResponse, ImagesResponseError> = body.withUnsafeBytes { buffer in
            do throws(ImagesResponseError) { return .success(try ImagesResponse(parsing: buffer, decoder: decoder)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    private static func parseData(_ cursor: inout JSONCursor, decoder: Base64Decoder) throws(ImagesResponseError) -> [GeneratedImage] {
        if try cursor.consumeNull() { return [] }
        guard cursor.peek() == UInt8(ascii: "[") else {
            throw ImagesResponseError(.notAnImagesResponse, "\"data\" must be an array, found \(cursor.describeCurrent()) at byte \(cursor.position)", at: cursor.position)
        }
        var images: [GeneratedImage] = []
        try cursor.forEachElement { index, cursor throws(ImagesResponseError) in
            guard cursor.peek() == UInt8(ascii: "{") else {
                throw ImagesResponseError(.notAnImagesResponse, "data[\(index)] must be an object, found \(cursor.describeCurrent()) at byte \(cursor.position)", at: cursor.position)
            }
            var bytes: [UInt8]?
            var payloadRange: Range<Int>?
            var payloadError: ImagesResponseError?
            var url: String?
            var revisedPrompt: String?
            try cursor.forEachMember { key, cursor throws(ImagesResponseError) in
                if cursor.key(key, is: "b64_json") {
                    // A repeated member replaces the earlier one (as for every other member), so
                    // the image never keeps one payload's bytes beside another's error.
                    (bytes, payloadRange, payloadError) = try readPayload(&cursor, field: "data[\(index)].b64_json", of: "the body", decoder: decoder)
                } else if cursor.key(key, is: "url") {
                    url = try cursor.stringOrNull()
                } else if cursor.key(key, is: "revised_prompt") {
                    revisedPrompt = try cursor.stringOrNull()
                } else {
                    try cursor.skipValue()
                }
            }
            images.append(GeneratedImage(
                index: index, bytes: bytes, payloadRange: payloadRange, payloadError: payloadError, url: url, revisedPrompt: revisedPrompt
            ))
        }
        return images
    }

    /// A `b64_json` member's value at the cursor: its bytes decoded straight from the body, its
    /// range, or why it is not base64 (`nil`s for `null`).
    ///
    /// - Parameters:
    ///   - field: the member's name in messages (`data[0].b64_json`).
    ///   - whole: what the offsets count in (`the body`).
    static func readPayload(
        _ cursor: inout JSONCursor, field: String, of whole: String, decoder: Base64Decoder
    ) throws(ImagesResponseError) -> (bytes: [UInt8]?, range: Range<Int>?, error: ImagesResponseError?) {
        if try cursor.consumeNull() { return (nil, nil, nil) }
        let range = try cursor.stringRange(field: field)
        switch decodePayload(cursor.body, range, decoder: decoder) {
        case .success(let decoded): return (decoded, range, nil)
        case .failure(let error):
            let offset = range.lowerBound + error.offset
            return (nil, range, ImagesResponseError(.invalidPayload, "\(field) is not valid base64: \(error.code) at byte \(offset) of \(whole)", at: offset))
        }
    }

    /// Decodes one payload into an array allocated once at the decoded-size bound.
    private static func decodePayload(_ body: UnsafeRawBufferPointer, _ range: Range<Int>, decoder: Base64Decoder) -> Result<[UInt8], Base64DecodingError> {
        let input = UnsafeRawBufferPointer(rebasing: body[range])
        var failure: Base64DecodingError?
        let bytes = [UInt8](unsafeUninitializedCapacity: Base64Decoder.maximumDecodedLength(forEncodedLength: input.count)) { buffer, count in
            do throws(Base64DecodingError) {
                count = try decoder.decode(input, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { return .failure(failure) }
        return .success(bytes)
    }

    static func parseUsage(_ cursor: inout JSONCursor) throws(ImagesResponseError) -> ImagesUsage? {
        if try cursor.consumeNull() { return nil }
        guard cursor.peek() == UInt8(ascii: "{") else { try cursor.skipValue(); return nil }
        let start = cursor.position
        var usage = ImagesUsage(json: "")
        try cursor.forEachMember { key, cursor throws(ImagesResponseError) in
            if cursor.key(key, is: "input_tokens") || cursor.key(key, is: "prompt_tokens") {
                usage.inputTokens = try cursor.integerOrNull()
            } else if cursor.key(key, is: "output_tokens") || cursor.key(key, is: "completion_tokens") {
                usage.outputTokens = try cursor.integerOrNull()
            } else if cursor.key(key, is: "total_tokens") {
                usage.totalTokens = try cursor.integerOrNull()
            } else {
                try cursor.skipValue()
            }
        }
        usage.json = cursor.text(start..<cursor.position)
        return usage
    }

    static func parseError(_ cursor: inout JSONCursor) throws(ImagesResponseError) -> ProviderErrorBody? {
        if try cursor.consumeNull() { return nil }
        if cursor.peek() == UInt8(ascii: "\"") {
            return ProviderErrorBody(message: try cursor.string())
        }
        guard cursor.peek() == UInt8(ascii: "{") else { try cursor.skipValue(); return nil }
        var body = ProviderErrorBody(message: "")
        try cursor.forEachMember { key, cursor throws(ImagesResponseError) in
            if cursor.key(key, is: "message") {
                body.message = try cursor.scalarText() ?? body.message
            } else if cursor.key(key, is: "type") || cursor.key(key, is: "error_type") {
                body.type = try cursor.scalarText() ?? body.type
            } else if cursor.key(key, is: "code") {
                body.code = try cursor.scalarText()
            } else if cursor.key(key, is: "param") {
                body.parameter = try cursor.scalarText()
            } else {
                try cursor.skipValue()
            }
        }
        if body.message.isEmpty { body.message = body.type ?? body.code ?? "unspecified error" }
        return body
    }

    /// Nebius (FastAPI) validation errors: `{"detail":[{"loc":["body","width"],"msg":"…","type":"…"}]}`
    /// or `{"detail":"text"}`.
    private static func parseDetail(_ cursor: inout JSONCursor) throws(ImagesResponseError) -> ProviderErrorBody? {
        if try cursor.consumeNull() { return nil }
        if cursor.peek() == UInt8(ascii: "\"") {
            return ProviderErrorBody(message: try cursor.string())
        }
        guard cursor.peek() == UInt8(ascii: "[") else { try cursor.skipValue(); return nil }
        var messages: [String] = []
        var types: [String] = []
        var parameters: [String] = []
        try cursor.forEachElement { _, cursor throws(ImagesResponseError) in
            guard cursor.peek() == UInt8(ascii: "{") else { try cursor.skipValue(); return }
            var location: [String] = []
            var message = ""
            try cursor.forEachMember { key, cursor throws(ImagesResponseError) in
                if cursor.key(key, is: "msg") {
                    message = try cursor.scalarText() ?? ""
                } else if cursor.key(key, is: "type") {
                    if let type = try cursor.scalarText() { types.append(type) }
                } else if cursor.key(key, is: "loc"), cursor.peek() == UInt8(ascii: "[") {
                    try cursor.forEachElement { _, cursor throws(ImagesResponseError) in
                        if let part = try cursor.scalarText() { location.append(part) }
                    }
                } else {
                    try cursor.skipValue()
                }
            }
            let field = location.filter { $0 != "body" }.joined(separator: ".")
            if !field.isEmpty { parameters.append(field) }
            messages.append(field.isEmpty ? message : "\(field): \(message)")
        }
        guard !messages.isEmpty else { return nil }
        return ProviderErrorBody(
            message: messages.joined(separator: "; "), type: types.first,
            parameter: parameters.isEmpty ? nil : parameters.joined(separator: ", ")
        )
    }
}
