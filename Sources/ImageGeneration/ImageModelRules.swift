public import ImageCore

/// What imagepipe knows of an image model's parameters, to refuse a request the service would
/// refuse before it is sent, with a message that says which rule failed.
///
/// Only models in the table are checked; any other model id passes through untouched, so a
/// model works the day it ships. The table (OpenAI's GPT image family):
///
/// | models | sizes | `quality` | `input_fidelity` (edits) |
/// |---|---|---|---|
/// | `gpt-image-1`, `gpt-image-1.5`, `chatgpt-image-latest` | 1024x1024, 1536x1024, 1024x1536, auto | low, medium, high, auto | yes |
/// | `gpt-image-1-mini` | the same | the same | no |
/// | `gpt-image-2` | custom: edges multiples of 16, aspect within 1:3…3:1, longest edge ≤ 3840; auto | and xhigh | yes |
/// | `gpt-image-2.5…` | the same | and xhigh, max | yes |
///
/// A snapshot (`gpt-image-2-2026-04-15`) follows its model. For every model here:
/// `response_format` is never sent; `background: transparent` needs PNG or WebP output;
/// `output_compression` (0–100) applies to JPEG and WebP output only.
public struct ImageModelRules: Hashable, Sendable {
    /// Which sizes a model takes.
    public enum Sizes: Hashable, Sendable {
        /// Only these (and `auto`).
        case fixed([ImageSize])
        /// Any size whose edges are multiples of `multiple`, whose longer edge is at most
        /// `maxEdge` and whose aspect ratio is within `maxAspect`:1 either way (and `auto`).
        case custom(multiple: Int, maxEdge: Int, maxAspect: Int)
    }

    /// The model family's name (`gpt-image-2`).
    public var family: String
    /// The sizes taken.
    public var sizes: Sizes
    /// The `quality` values taken.
    public var qualities: [String]
    /// Whether edits take `input_fidelity`.
    public var takesInputFidelity: Bool

    private static let gptImage1Sizes = Sizes.fixed([
        ImageSize(width: 1024, height: 1024), ImageSize(width: 1536, height: 1024), ImageSize(width: 1024, height: 1536),
    ])
    private static let gptImage2Sizes = Sizes.custom(multiple: 16, maxEdge: 3840, maxAspect: 3)
    private static let baseQualities = ["low", "medium", "high", "auto"]

    /// The rules for `model`, or `nil` for a model not in the table (passed through unchecked).
    public static func known(_ model: String) -> ImageModelRules? {
        let base = withoutSnapshotDate(model.lowercased())
        switch base {
        case "gpt-image-1", "gpt-image-1.5", "chatgpt-image-latest":
            return ImageModelRules(family: base, sizes: gptImage1Sizes, qualities: baseQualities, takesInputFidelity: true)
        case "gpt-image-1-mini":
            return ImageModelRules(family: base, sizes: gptImage1Sizes, qualities: baseQualities, takesInputFidelity: false)
        case "gpt-image-2":
            return ImageModelRules(family: base, sizes: gptImage2Sizes, qualities: baseQualities + ["xhigh"], takesInputFidelity: true)
        case _ where base.hasPrefix("gpt-image-2.5"):
            return ImageModelRules(family: "gpt-image-2.5", sizes: gptImage2Sizes, qualities: baseQualities + ["xhigh", "max"], takesInputFidelity: true)
        default:
            return nil
        }
    }

    /// `model` without a trailing `-YYYY-MM-DD` snapshot date.
    static func withoutSnapshotDate(_ model: String) -> String {
        let utf8 = Array(model.utf8)
        guard utf8.count > 11 else { return model }
        let tail = utf8.suffix(11)
        let pattern = Array("-dddd-dd-dd".utf8)
        let matches = zip(tail, pattern).allSatisfy { byte, expected in
            expected == UInt8(ascii: "d") ? (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) : byte == expected
        }
        return matches ? String(decoding: utf8.dropLast(11), as: UTF8.self) : model
    }

    /// Why `size` is refused, or `nil` when the model takes it.
    public func sizeProblem(_ size: ImageSize) -> String? {
        switch sizes {
        case .fixed(let allowed):
            guard allowed.contains(size) else {
                return "\(family) takes the sizes \(allowed.map(\.description).joined(separator: ", ")) or auto, not \(size)"
            }
            return nil
        case .custom(let multiple, let maxEdge, let maxAspect):
            if size.width % multiple != 0 || size.height % multiple != 0 {
                return "\(family) needs both edges to be multiples of \(multiple); \(size) is not (nearest: \(rounded(size, to: multiple)))"
            }
            if max(size.width, size.height) > maxEdge {
                return "\(family) takes a longest edge of at most \(maxEdge) pixels; \(size) has \(max(size.width, size.height))"
            }
            if max(size.width, size.height) > maxAspect * min(size.width, size.height) {
                return "\(family) takes aspect ratios from 1:\(maxAspect) to \(maxAspect):1; \(size) is wider than that"
            }
            return nil
        }
    }

    private func rounded(_ size: ImageSize, to multiple: Int) -> ImageSize {
        func round(_ value: Int) -> Int { max(multiple, (value + multiple / 2) / multiple * multiple) }
        return ImageSize(width: round(size.width), height: round(size.height))
    }
}

extension GenerationRequest {
    /// Checks the request against what its model is known to take (``ImageModelRules``) and the
    /// rules of the GPT image options; a model not in the table is checked for nothing but the
    /// ranges of the values given.
    ///
    /// - Throws: ``GenerationError/Code/invalidRequest`` naming the rule that failed.
    func validateForModel(_ model: String?, profile: ProviderProfile) throws(GenerationError) {
        func refuse(_ message: String) -> GenerationError {
            GenerationError(.invalidRequest, provider: profile.name, message)
        }
        if let outputCompression, !(0...100).contains(outputCompression) {
            throw refuse("--output-compression must be 0-100, not \(outputCompression)")
        }
        if let background, !["transparent", "opaque", "auto"].contains(background) {
            throw refuse("--background must be transparent, opaque or auto, not \"\(background)\"")
        }
        if let moderation, !["low", "auto"].contains(moderation) {
            throw refuse("--moderation must be low or auto, not \"\(moderation)\"")
        }
        guard let model, let rules = ImageModelRules.known(model) else { return }
        if let quality, !rules.qualities.contains(quality.lowercased()) {
            throw refuse("\(model) takes --image-quality \(rules.qualities.joined(separator: ", ")), not \"\(quality)\"")
        }
        if let size, let problem = rules.sizeProblem(size) {
            throw refuse(problem)
        }
        if background == "transparent", let outputFormat, outputFormat == .jpeg {
            throw refuse("--background transparent needs PNG or WebP output (--service-format png or webp); JPEG has no alpha")
        }
        if outputCompression != nil, outputFormat == nil || outputFormat == .png {
            throw refuse("--output-compression applies to JPEG and WebP output only; add --service-format jpeg or webp")
        }
    }
}
