import FastBase64
import ImageCodecs
import ImageCore

/// An edit request (`POST /v1/images/edits`, `multipart/form-data`), parsed and checked as
/// OpenAI's endpoint checks it: one to 16 images (`image` or `image[]` parts), each PNG, JPEG or
/// WebP with a `Content-Type` that says so; an optional `mask`, a PNG with an alpha channel and
/// the first image's dimensions; the other options as text fields, validated like a generation's.
package struct EditRequest {
    /// The text fields, as a generation request in the OpenAI dialect.
    var request: GenerationRequest
    /// The images' bytes, in order.
    var images: [[UInt8]]
    /// The first image's stored size.
    var firstSize: ImageSize
    /// The mask's bytes.
    var mask: [UInt8]?

    static let maximumImages = 16
    static let integerFields: Set<String> = ["n", "output_compression", "partial_images", "seed"]
    static let imageTypes = ["image/png": ImageFormat.png, "image/jpeg": .jpeg, "image/webp": .webp]

    /// Parses and checks a form body.
    ///
    /// - Throws: ``RequestProblem`` naming the part or field.
    init(body: [UInt8], boundary: String) throws(RequestProblem) {
        let form: MultipartForm
        do {
            form = try body.withUnsafeBytes { bytes throws(MultipartForm.Problem) in try MultipartForm(parsing: bytes, boundary: boundary) }
        } catch {
            throw RequestProblem(field: nil, message: "The multipart body is malformed: \(error).", code: "invalid_multipart")
        }
        var fields: [String: JSONValue] = [:]
        var images: [[UInt8]] = []
        var mask: [UInt8]?
        for part in form.parts {
            let content = Array(body[part.content])
            if part.fileName == nil && part.contentType == nil {
                let text = String(decoding: content, as: UTF8.self)
                if Self.integerFields.contains(part.name), let number = Int(text) {
                    fields[part.name] = .number(Double(number))
                } else if part.name == "stream", text == "true" || text == "false" {
                    fields[part.name] = .bool(text == "true")
                } else {
                    fields[part.name] = .string(text)
                }
                continue
            }
            switch part.name {
            case "image", "image[]":
                try Self.checkType(part, content)
                images.append(content)
                guard images.count <= Self.maximumImages else {
                    throw RequestProblem(field: part.name, message: "Too many images: an edit takes at most \(Self.maximumImages).", code: "too_many_images")
                }
            case "mask":
                try Self.checkType(part, content)
                guard ImageFormat.sniff(content) == .png else {
                    throw RequestProblem(field: "mask", message: "Invalid mask: the mask must be a PNG.", code: "invalid_image_format")
                }
                mask = content
            default:
                throw RequestProblem(field: part.name, message: "Unknown file parameter: '\(part.name)'.", code: "unknown_parameter")
            }
        }
        guard !images.isEmpty else {
            throw RequestProblem(field: "image", message: "Missing required parameter: 'image'.", code: "missing_required_parameter")
        }
        let decoder = ImageDecoder()
        var firstSize = ImageSize(width: 0, height: 0)
        for (index, image) in images.enumerated() {
            do {
                let info = try decoder.probe(image)
                if index == 0 { firstSize = info.size }
            } catch {
                throw RequestProblem(field: "image", message: "Invalid image \(index): \(error).", code: "invalid_image")
            }
        }
        if let mask {
            let info: ImageInfo
            do { info = try decoder.probe(mask) } catch {
                throw RequestProblem(field: "mask", message: "Invalid mask: \(error).", code: "invalid_image")
            }
            guard info.hasAlpha else {
                throw RequestProblem(field: "mask", message: "Invalid mask image format - mask must have an alpha channel.", code: "invalid_image_format")
            }
            guard info.size == firstSize else {
                throw RequestProblem(
                    field: "mask", message: "Invalid mask image format - mask size (\(info.size)) does not match image size (\(firstSize)).",
                    code: "invalid_image_format"
                )
            }
        }
        if case .string(let fidelity)? = fields["input_fidelity"], !["high", "low"].contains(fidelity) {
            throw RequestProblem(field: "input_fidelity", message: "'input_fidelity' must be 'high' or 'low' (got '\(fidelity)').")
        }
        if fields["moderation"] != nil {
            throw RequestProblem(field: "moderation", message: "Unknown parameter: 'moderation'.", code: "unknown_parameter")
        }
        request = GenerationRequest(dialect: .openAI, fields: fields)
        self.images = images
        self.firstSize = firstSize
        self.mask = mask
    }

    /// A file part's `Content-Type` must be an image type, and the one its bytes are.
    private static func checkType(_ part: MultipartForm.Part, _ content: [UInt8]) throws(RequestProblem) {
        let name = part.fileName.map { " (\($0))" } ?? ""
        guard let type = part.contentType, let declared = imageTypes[type] else {
            throw RequestProblem(
                field: part.name,
                message: "Invalid file '\(part.name)'\(name): unsupported mimetype ('\(part.contentType ?? "none")'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
                code: "invalid_image_format"
            )
        }
        let actual = ImageFormat.sniff(content)
        guard actual == declared else {
            throw RequestProblem(
                field: part.name,
                message: "Invalid file '\(part.name)'\(name): its Content-Type is \(type) but its bytes are \(actual.map { $0.mimeType } ?? "no image").",
                code: "invalid_image_format"
            )
        }
    }

    /// The size an answer has: the `size` asked for, else the first image's (scaled down to the
    /// sandbox's longest side, 4096, when larger).
    func outputSize(requested: ImageSize) -> ImageSize {
        if case .string(let text)? = request.fields["size"], text != "auto" { return requested }
        let limit = GenerationPlan.sides.upperBound
        let longest = max(firstSize.width, firstSize.height)
        guard longest > limit else { return firstSize }
        func side(_ value: Int) -> Int { max(1, value * limit / longest) }
        return ImageSize(width: side(firstSize.width), height: side(firstSize.height))
    }

    /// A hash of every input's bytes: the edit's procedural layer depends on all of them.
    var inputsHash: UInt64 {
        var hash = StableHash()
        for image in images {
            hash.combine(UInt64(image.count))
            hash.combine(image)
        }
        if let mask { hash.combine(mask) }
        return hash.value
    }
}

/// The sandbox's edit: the first image, with the prompt's procedural image painted in where the
/// mask is transparent (in proportion to its transparency) and nowhere else; without a mask,
/// blended half over the whole image. So a test can check that the mask was sent and honoured:
/// where the mask is opaque, the answer's pixels are the input's.
enum SandboxEditor {
    /// Renders one edited image at `size`, as RGB8.
    ///
    /// - Throws: ``SandboxError`` when an input does not decode.
    static func render(_ edit: EditRequest, prompt: String, effectiveSeed: Int, size: ImageSize) throws(SandboxError) -> Image {
        let base: Image
        let mask: Image?
        do {
            var decoder = ImageDecoder()
            decoder.autoOrient = false  // the mask is in the stored orientation too
            base = try decoder.decode(edit.images[0]).converted(to: .rgb8)
            mask = try edit.mask.map { try decoder.decode($0).converted(to: .rgba8) }
        } catch {
            throw SandboxError(.encodingFailed, "decoding the edit's inputs: \(error)")
        }
        let seed = Int(truncatingIfNeeded: UInt64(bitPattern: Int64(effectiveSeed)) ^ edit.inputsHash)
        let layer = SandboxRenderer.image(prompt: prompt, effectiveSeed: seed, size: size)
        let (width, height) = (size.width, size.height)
        let (baseWidth, baseHeight) = (base.size.width, base.size.height)
        return base.withUnsafeBytes { baseBytes in
            layer.withUnsafeBytes { layerBytes in
                let paint = { (output: UnsafeMutableRawBufferPointer, maskBytes: UnsafeRawBufferPointer?) in
                    for y in 0..<height {
                        let sourceY = y * baseHeight / height
                        for x in 0..<width {
                            let sourceX = x * baseWidth / width
                            let source = (sourceY * baseWidth + sourceX) * 3, target = (y * width + x) * 3
                            // How much of the new layer shows: the mask's transparency, or half.
                            let weight = maskBytes.map { 255 - Int($0[(sourceY * baseWidth + sourceX) * 4 + 3]) } ?? 128
                            for channel in 0..<3 {
                                let old = Int(baseBytes[source + channel]), new = Int(layerBytes[target + channel])
                                output[target + channel] = UInt8((old * (255 - weight) + new * weight + 127) / 255)
                            }
                        }
                    }
                }
                return Image(size: size, format: .rgb8) { (output: UnsafeMutableRawBufferPointer) in
                    if let mask { mask.withUnsafeBytes { paint(output, $0) } } else { paint(output, nil) }
                }
            }
        }
    }
}

extension EditRequest {
    /// What the edits endpoint makes of a multipart body before rendering (leaving out latency,
    /// the token, faults and the render itself), for the `SandboxFuzz` target and tests: the
    /// images and mask found and the plan, or the problem the answer reports.
    package static func validate(body: [UInt8], boundary: String, configuration: SandboxConfiguration = SandboxConfiguration())
        -> Result<(images: Int, firstSize: ImageSize, hasMask: Bool, plan: GenerationPlan), RequestProblem>
    {
        do throws(RequestProblem) {
            let edit = try EditRequest(body: body, boundary: boundary)
            var plan = try GenerationPlan(edit.request, configuration: configuration)
            plan.requestedSize = edit.outputSize(requested: plan.requestedSize)
            return .success((edit.images.count, edit.firstSize, edit.mask != nil, plan))
        } catch {
            return .failure(error)
        }
    }
}
