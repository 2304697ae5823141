/// A request body as sent: its fields in order (for provenance) and its bytes.
///
/// It never holds the token, which travels only in the `Authorization` header.
public struct RequestBody: Hashable, Sendable {
    /// One member of the body's JSON object.
    public struct Field: Hashable, Sendable, CustomStringConvertible {
        /// The member name on the wire.
        public var name: String
        /// The value as JSON text.
        public var json: String

        /// Creates a field.
        public init(name: String, json: String) {
            self.name = name
            self.json = json
        }

        /// `"name":json`.
        public var description: String { "\(JSONText.quoted(name)):\(json)" }
    }

    /// The members, in the order written.
    public var fields: [Field]

    /// Creates a body from its members.
    public init(fields: [Field]) {
        self.fields = fields
    }

    /// The JSON object's text: `{"model":…,"prompt":…}`.
    public var json: String { "{" + fields.map(\.description).joined(separator: ",") + "}" }

    /// The JSON object's UTF-8 bytes.
    public var bytes: [UInt8] { Array(json.utf8) }

    /// The value of the member `name`, as JSON text.
    public subscript(name: String) -> String? { fields.first { $0.name == name }?.json }
}

extension GenerationRequest {
    /// Writes the request body the way `profile`'s service expects it.
    ///
    /// Field order is stable: `model`, `prompt`, `n`, the size, `response_format`, `quality`, the
    /// output format, `seed`, `negative_prompt`, `num_inference_steps`, `guidance_scale`, then
    /// ``extraFields`` in order (an extra whose key was already written replaces that value in
    /// place).
    ///
    /// - Throws: ``GenerationError/Code/invalidRequest`` naming the field and the provider when
    ///   the profile does not take a field that is set, or a value is out of range.
    public func body(for profile: ProviderProfile) throws(GenerationError) -> RequestBody {
        var fields: [RequestBody.Field] = []
        func add(_ name: String, _ json: String) { fields.append(.init(name: name, json: json)) }
        func wireName(_ field: ProviderProfile.Field, isSet: Bool) throws(GenerationError) -> String? {
            guard isSet else { return nil }
            guard let name = profile.wireName(of: field) else {
                throw GenerationError(
                    .invalidRequest, provider: profile.name,
                    "\(profile.name) does not take \(field.option) (\(field)); remove it, or pass the service's own field with --extra key=value"
                )
            }
            return name
        }

        guard !prompt.trimmingWhitespace().isEmpty else {
            throw GenerationError(.invalidRequest, provider: profile.name, "the prompt is empty")
        }
        guard count >= 1 else {
            throw GenerationError(.invalidRequest, provider: profile.name, "the image count n must be at least 1, not \(count)")
        }
        let model = self.model ?? profile.defaultModel
        try validateForModel(model, profile: profile)
        if let model { add("model", JSONText.quoted(model)) }
        add("prompt", JSONText.quoted(prompt))
        add("n", String(count))

        if sizeIsAuto {
            guard profile.sizeEncoding == .size else {
                throw GenerationError(.invalidRequest, provider: profile.name, "\(profile.name) takes a width and height, not -z auto")
            }
            add("size", JSONText.quoted("auto"))
        } else if let size = size ?? (omitsDefaultSize ? nil : profile.defaultSize) {
            guard size.width > 0, size.height > 0 else {
                throw GenerationError(.invalidRequest, provider: profile.name, "the size \(size) must be positive")
            }
            switch profile.sizeEncoding {
            case .size:
                add("size", JSONText.quoted("\(size.width)x\(size.height)"))
            case .widthAndHeight:
                add("width", String(size.width))
                add("height", String(size.height))
            }
        }

        if let format = try responseFormatToSend(profile: profile, model: model) {
            add("response_format", JSONText.quoted(format.rawValue))
        }
        if let name = try wireName(.quality, isSet: quality != nil), let quality {
            add(name, JSONText.quoted(quality))
        }
        if let name = try wireName(.outputFormat, isSet: outputFormat != nil), let outputFormat {
            add(name, JSONText.quoted(outputFormat == .jpeg ? profile.jpegName : outputFormat.rawValue))
        }
        if let name = try wireName(.outputCompression, isSet: outputCompression != nil), let outputCompression {
            add(name, String(outputCompression))
        }
        if let name = try wireName(.background, isSet: background != nil), let background {
            add(name, JSONText.quoted(background))
        }
        if let name = try wireName(.moderation, isSet: moderation != nil), let moderation {
            add(name, JSONText.quoted(moderation))
        }
        if let partialImages {
            guard stream else {
                throw GenerationError(.invalidRequest, provider: profile.name, "--partial-images needs --stream")
            }
            guard (0...3).contains(partialImages) else {
                throw GenerationError(.invalidRequest, provider: profile.name, "--partial-images must be 0-3, not \(partialImages)")
            }
        }
        if let name = try wireName(.stream, isSet: stream), stream {
            add(name, "true")
            if let partialImages { add("partial_images", String(partialImages)) }
        }
        if let name = try wireName(.seed, isSet: seed != nil), let seed {
            add(name, String(seed))
        }
        if let name = try wireName(.negativePrompt, isSet: negativePrompt != nil), let negativePrompt {
            add(name, JSONText.quoted(negativePrompt))
        }
        if let name = try wireName(.steps, isSet: steps != nil), let steps {
            guard steps >= 1 else {
                throw GenerationError(.invalidRequest, provider: profile.name, "--steps must be at least 1, not \(steps)")
            }
            add(name, String(steps))
        }
        if let name = try wireName(.guidanceScale, isSet: guidanceScale != nil), let guidanceScale {
            guard guidanceScale.isFinite else {
                throw GenerationError(.invalidRequest, provider: profile.name, "--guidance-scale must be a finite number, not \(guidanceScale)")
            }
            add(name, "\(guidanceScale)")
        }

        for extra in extraFields {
            guard JSONText.isSingleValue(extra.json) else {
                throw GenerationError(.invalidRequest, provider: profile.name, "--extra \(extra.key): \(extra.json) is not one JSON value")
            }
            if let index = fields.firstIndex(where: { $0.name == extra.key }) {
                fields[index].json = extra.json
            } else {
                add(extra.key, extra.json)
            }
        }
        return RequestBody(fields: fields)
    }

    /// The `response_format` to send under the profile's rule, or `nil` to send none.
    private func responseFormatToSend(profile: ProviderProfile, model: String?) throws(GenerationError) -> ResponseFormat? {
        switch profile.responseFormatRule {
        case .unsupported:
            guard let responseFormat else { return nil }
            // Asking for what the service returns anyway is not worth an error.
            if responseFormat == .b64JSON { return nil }
            throw GenerationError(
                .invalidRequest, provider: profile.name,
                "\(profile.name) does not take --response-format (responseFormat); it always returns b64_json"
            )
        case .supported(let defaultFormat):
            return responseFormat ?? defaultFormat
        case .supportedExceptModels(let prefixes, let defaultFormat):
            if let model, prefixes.contains(where: { model.lowercased().hasPrefix($0) }) {
                if responseFormat == .url {
                    throw GenerationError(
                        .invalidRequest, provider: profile.name,
                        "\(profile.name) model \(model) does not take --response-format url (responseFormat); it always returns b64_json"
                    )
                }
                return nil
            }
            return responseFormat ?? defaultFormat
        }
    }
}
