import ImageCore

/// A validated generation request: what to render and how to answer.
package struct GenerationPlan {
    package var dialect: SandboxDialect
    package var prompt: String
    /// The effective seed of the first image; image `i` uses `seed + i`.
    package var seed: Int
    package var count: Int
    package var requestedSize: ImageSize
    /// The size rendered: the requested one, or half of it in wrong-size mode.
    package var renderSize: ImageSize
    package var format: SandboxImageFormat
    /// OpenAI's `output_compression` 0–100 (JPEG and WebP only), or `nil`.
    package var compression: Int?
    package var returnsURL: Bool
    /// OpenAI's `stream`: answer with server-sent events.
    package var stream = false
    /// OpenAI's `partial_images` 0–3, sent before the image when streaming.
    package var partialImages = 0

    package static let sides = 64...4096

    /// The `usage` an answer of `images` images reports, roughly OpenAI's accounting: about 4
    /// characters a text token, one image token per 1024 pixels of each image.
    func tokens(images: Int) -> (input: Int, output: Int) {
        (max(1, (prompt.utf8.count + 3) / 4), images * max(1, (requestedSize.width * requestedSize.height + 1023) / 1024))
    }

    /// Validates `request` in its dialect's rules.
    ///
    /// - Throws: ``RequestProblem`` naming the first field that is wrong.
    init(_ request: GenerationRequest, configuration: SandboxConfiguration) throws(RequestProblem) {
        dialect = request.dialect
        if dialect == .openAI, request.model?.hasPrefix("gpt-image") == true, request.has("response_format") {
            throw RequestProblem(field: "response_format", message: "Unknown parameter: 'response_format'.", code: "unknown_parameter")
        }
        guard let prompt = try request.string("prompt"), !prompt.isEmpty else {
            let message = request.has("prompt") ? "'prompt' must not be empty." : "Missing required parameter: 'prompt'."
            throw RequestProblem(field: "prompt", message: message, code: request.has("prompt") ? "invalid_value" : "missing_required_parameter")
        }
        self.prompt = prompt

        count = try request.integer("n") ?? 1
        guard (1...10).contains(count) else {
            throw RequestProblem(field: "n", message: "'n' must be between 1 and 10 (got \(count)).")
        }

        switch dialect {
        case .nebius:
            let width = try Self.nebiusSide("width", request)
            let height = try Self.nebiusSide("height", request)
            requestedSize = ImageSize(width: width, height: height)
        case .openAI:
            requestedSize = try Self.parseSize(request, default: ImageSize(width: 1024, height: 1024), allowsAuto: true)
        case .nscale:
            requestedSize = try Self.parseSize(request, default: ImageSize(width: 512, height: 512), allowsAuto: false)
        }
        renderSize = configuration.wrongSize
            ? ImageSize(width: max(1, requestedSize.width / 2), height: max(1, requestedSize.height / 2))
            : requestedSize

        if let model = request.model, !sandboxModels.contains(model) {
            throw RequestProblem(
                field: "model",
                message: "The model '\(model)' does not exist in the sandbox. Available models: \(sandboxModels.joined(separator: ", ")).",
                code: "model_not_found", status: 404
            )
        } else if request.has("model"), request.model == nil {
            throw RequestProblem(field: "model", message: "'model' must be a string.")
        }

        let formatField = dialect == .nebius ? "response_extension" : "output_format"
        switch try request.string(formatField)?.lowercased() {
        case nil: format = configuration.defaultFormat
        case "png": format = .png
        case "webp": format = .webp
        case "jpg", "jpeg": format = .jpeg
        case let other?:
            throw RequestProblem(field: formatField, message: "'\(formatField)' must be one of png, webp, jpeg (got '\(other)').")
        }
        compression = try request.integer("output_compression")
        if let compression {
            guard (0...100).contains(compression) else {
                throw RequestProblem(field: "output_compression", message: "'output_compression' must be between 0 and 100 (got \(compression)).")
            }
            guard format != .png else {
                throw RequestProblem(field: "output_compression", message: "'output_compression' applies to jpeg and webp output, not png.")
            }
        }

        switch try request.string("response_format") {
        case nil, "b64_json": returnsURL = false
        case "url": returnsURL = true
        case let other?:
            throw RequestProblem(field: "response_format", message: "'response_format' must be 'b64_json' or 'url' (got '\(other)').")
        }

        stream = try request.boolean("stream") ?? false
        partialImages = try request.integer("partial_images") ?? 0
        guard (0...3).contains(partialImages) else {
            throw RequestProblem(field: "partial_images", message: "'partial_images' must be between 0 and 3 (got \(partialImages)).")
        }
        if stream && dialect != .openAI {
            throw RequestProblem(field: "stream", message: "Streaming is offered in the OpenAI dialect only.", code: "unknown_parameter")
        }
        if stream && returnsURL {
            throw RequestProblem(field: "stream", message: "'stream' answers with b64_json images; it cannot be combined with response_format url.")
        }

        var seed = try request.integer("seed")
        if seed == -1 { seed = nil }
        self.seed = SandboxRenderer.effectiveSeed(seed, prompt: prompt)
    }

    /// Parses a request body and validates it as the server does before rendering (leaving out
    /// latency, the token check and injected faults), for the `SandboxFuzz` target and tests.
    ///
    /// - Returns: the dialect an answer is written in (OpenAI when the body is not a JSON object)
    ///   and the plan, or the problem the answer reports.
    package static func validate(body: [UInt8], configuration: SandboxConfiguration) -> (dialect: SandboxDialect, plan: Result<GenerationPlan, RequestProblem>) {
        let request: GenerationRequest
        do {
            request = try GenerationRequest(body: body)
        } catch {
            return (.openAI, .failure(error))
        }
        do {
            return (request.dialect, .success(try GenerationPlan(request, configuration: configuration)))
        } catch {
            return (request.dialect, .failure(error))
        }
    }

    /// A Nebius `width` or `height`: default 1024, 64…4096, a multiple of 8.
    private static func nebiusSide(_ name: String, _ request: GenerationRequest) throws(RequestProblem) -> Int {
        let value = try request.integer(name) ?? 1024
        guard sides.contains(value), value % 8 == 0 else {
            throw RequestProblem(field: name, message: "\(name) must be a multiple of 8 between \(sides.lowerBound) and \(sides.upperBound) (got \(value)).")
        }
        return value
    }

    /// A `size` of `"WxH"` (or `"auto"` where allowed), each side 64…4096.
    private static func parseSize(_ request: GenerationRequest, default: ImageSize, allowsAuto: Bool) throws(RequestProblem) -> ImageSize {
        guard let text = try request.string("size"), !(allowsAuto && text == "auto") else { return `default` }
        guard let size = ImageSize(parsing: text) else {
            throw RequestProblem(field: "size", message: "'size' must look like WIDTHxHEIGHT, e.g. 512x512 (got '\(text)').")
        }
        guard sides.contains(size.width), sides.contains(size.height) else {
            throw RequestProblem(field: "size", message: "Each side of 'size' must be between \(sides.lowerBound) and \(sides.upperBound) pixels (got \(text)).")
        }
        return size
    }
}
