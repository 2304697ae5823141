public import ImageCore

/// One image file for an edit (an `image[]` part or the `mask`), with the facts about it that
/// are checked before anything is sent.
///
/// The file is read again, in chunks, when the request goes out: its bytes are never held in
/// memory whole. A file whose length changed meanwhile fails the request.
public struct EditImageFile: Sendable, Hashable {
    /// The file's path on this machine.
    public var path: String
    /// Its format, by its magic bytes.
    public var format: ImageFormat
    /// Its length in bytes.
    public var byteCount: Int
    /// Its stored dimensions (before any EXIF orientation).
    public var size: ImageSize
    /// Whether it has an alpha channel (or PNG `tRNS` transparency).
    public var hasAlpha: Bool
    /// The SHA-256 of its bytes, lowercase hex (for provenance).
    public var sha256: String

    /// Creates the description of a file; `GenerationJob`'s `EditImageFile.open(_:)` probes a
    /// file for these facts.
    public init(path: String, format: ImageFormat, byteCount: Int, size: ImageSize, hasAlpha: Bool, sha256: String) {
        self.path = path
        self.format = format
        self.byteCount = byteCount
        self.size = size
        self.hasAlpha = hasAlpha
        self.sha256 = sha256
    }

    /// The name sent in the part's `Content-Disposition`: the path's last component.
    public var fileName: String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }
}

/// An edit (`POST {base}/images/edits`): the images, an optional mask for the first one, the
/// prompt and the options shared with generations.
///
/// ```swift
/// var edit = ImageEditRequest(prompt: "add a red hat", images: [photo])
/// edit.mask = mask
/// edit.inputFidelity = "high"
/// let result = try await client.edit(edit)
/// ```
public struct ImageEditRequest: Sendable, Hashable {
    /// The most images one edit takes (OpenAI's limit for GPT image models).
    public static let maximumImages = 16
    /// The largest input image, in bytes (OpenAI: under 50 MB each).
    public static let maximumImageBytes = 50 << 20
    /// The largest mask, in bytes (OpenAI: under 4 MB).
    public static let maximumMaskBytes = 4 << 20
    /// The `input_fidelity` values.
    public static let inputFidelities = ["high", "low"]

    /// The prompt and the options shared with generations (model, size, count, quality, output
    /// format and compression, background, streaming, extra fields). `moderation` is not an
    /// edit option.
    public var options: GenerationRequest
    /// The images, the first one edited (and masked); the others are references. One `image[]`
    /// part each (`image` when there is one), never fewer than given.
    public var images: [EditImageFile]
    /// A PNG whose fully transparent pixels mark where the first image may change; the same
    /// dimensions as the first image.
    public var mask: EditImageFile?
    /// `input_fidelity`: `high` or `low` (GPT image models that take it: ``ImageModelRules``).
    public var inputFidelity: String?

    /// Creates an edit.
    public init(prompt: String, images: [EditImageFile], mask: EditImageFile? = nil, options: GenerationRequest? = nil) {
        var options = options ?? GenerationRequest(prompt: prompt)
        options.prompt = prompt
        self.options = options
        self.images = images
        self.mask = mask
    }

    /// The prompt.
    public var prompt: String {
        get { options.prompt }
        set { options.prompt = newValue }
    }

    /// Checks the edit against the profile, the model's rules and the endpoint's limits, before
    /// anything is sent.
    ///
    /// - Throws: ``GenerationError/Code/invalidRequest`` naming the file or field and the rule.
    public func validate(for profile: ProviderProfile) throws(GenerationError) {
        func refuse(_ message: String) -> GenerationError {
            GenerationError(.invalidRequest, provider: profile.name, message + ": nothing was sent")
        }
        guard profile.takesEdits else {
            throw refuse("\(profile.displayName) has no image edits endpoint (POST /images/edits); edit with --provider openai, an OpenAI-compatible server (--base-url) or the sandbox")
        }
        guard let first = images.first else { throw refuse("an edit needs at least one image") }
        guard images.count <= Self.maximumImages else {
            throw refuse("\(images.count) images given; an edit takes at most \(Self.maximumImages) (edit them in several requests, e.g. with --each)")
        }
        for image in images {
            guard [.png, .jpeg, .webp].contains(image.format) else {
                throw refuse("\(image.path): a \(image.format.name) file; edits take PNG, JPEG or WebP images")
            }
            guard image.byteCount < Self.maximumImageBytes else {
                throw refuse("\(image.path): \(image.byteCount) bytes; edits take images under \(Self.maximumImageBytes >> 20) MB")
            }
        }
        if let mask {
            guard mask.format == .png else {
                throw refuse("mask \(mask.path): a \(mask.format.name) file; the mask must be a PNG with an alpha channel")
            }
            guard mask.hasAlpha else {
                throw refuse("mask \(mask.path): the PNG has no alpha channel; its fully transparent pixels mark where to edit (save it as RGBA)")
            }
            guard mask.size == first.size else {
                throw refuse("mask \(mask.path) is \(mask.size) but the first image \(first.path) is \(first.size); the mask must have the same dimensions")
            }
            guard mask.byteCount < Self.maximumMaskBytes else {
                throw refuse("mask \(mask.path): \(mask.byteCount) bytes; the mask must be under \(Self.maximumMaskBytes >> 20) MB")
            }
        }
        if options.moderation != nil {
            throw refuse("edits do not take --moderation")
        }
        if let inputFidelity {
            guard Self.inputFidelities.contains(inputFidelity) else {
                throw refuse("--input-fidelity must be high or low, not \"\(inputFidelity)\"")
            }
            guard profile.wireName(of: .inputFidelity) != nil else {
                throw refuse("\(profile.name) does not take --input-fidelity")
            }
            if let model = options.model ?? profile.defaultModel, let rules = ImageModelRules.known(model), !rules.takesInputFidelity {
                throw refuse("\(model) does not take --input-fidelity (gpt-image-1, gpt-image-1.5 and gpt-image-2 and later do)")
            }
        }
    }

    /// The form's text fields as sent: the generation body's fields for `profile` (JSON strings
    /// unquoted, other values as their JSON text), then `input_fidelity`.
    ///
    /// - Throws: ``GenerationError/Code/invalidRequest`` as ``GenerationRequest/body(for:)``.
    public func formFields(for profile: ProviderProfile) throws(GenerationError) -> RequestBody {
        var options = self.options
        options.omitsDefaultSize = true
        var fields = try options.body(for: profile).fields
        if let inputFidelity, let name = profile.wireName(of: .inputFidelity), !fields.contains(where: { $0.name == name }) {
            fields.append(RequestBody.Field(name: name, json: JSONText.quoted(inputFidelity)))
        }
        return RequestBody(fields: fields)
    }
}

extension ImageFormat {
    /// The format's name for messages: `PNG`, `JPEG`, `WebP`.
    var name: String {
        switch self {
        case .webp: "WebP"
        case .jpeg: "JPEG"
        default: fileExtension.uppercased()
        }
    }
}
