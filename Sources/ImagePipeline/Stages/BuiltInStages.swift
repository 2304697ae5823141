#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCodecs
import ImageCore
import ImageOps
import ImageResponses
import PipelineCore

// Stages for the steps that `generate` and `convert` do not need separately but a library user
// may: read a file, decode a saved response's payloads (the base64 step), download a URL result,
// probe a header before decoding, resize, write the sidecar.

/// Reads an image file (its size checked against the limit first) as an encoded image; the
/// provenance names the file (`provider` is `file`, the prompt its name).
public struct ReadImageFile: Stage {
    /// The byte limit of a file.
    public var maxBytes: Int

    /// Creates the stage.
    public init(maxBytes: Int = DecodeLimits.default.maxInputBytes) {
        self.maxBytes = maxBytes
    }

    public var name: String { "read" }

    public func process(_ path: String, context: inout StageContext) async throws -> GeneratedImageFile {
        let bytes = try FileIO.readFile(path, maxBytes: maxBytes)
        return GeneratedImageFile(bytes: bytes, index: 0, prompt: FileName.base(of: path), provider: "file", source: path)
    }
}

/// The base64 step on its own: a saved (or just received) images API response body becomes its
/// images, each payload decoded straight from the body bytes by the SIMD decoder.
public struct DecodeResponse: Stage {
    /// The prompt recorded in the images' provenance.
    public var prompt: String
    /// The provider recorded.
    public var provider: String

    /// Creates the stage.
    public init(prompt: String = "", provider: String = "response") {
        self.prompt = prompt
        self.provider = provider
    }

    public var name: String { "base64" }

    /// - Throws: ``PipelineError`` with `.invalidResponse` (byte offset of malformed JSON or of
    ///   the first invalid payload byte) or `.providerError` when the body holds an `error`.
    public func process(_ body: [UInt8], context: inout StageContext) async throws -> [GeneratedImageFile] {
        let response: ImagesResponse
        do {
            response = try ImagesResponse(parsing: body)
        } catch {
            throw PipelineError(.invalidResponse, path: context.label, error.message, byteOffset: error.byteOffset)
        }
        if let providerError = response.error, response.images.isEmpty {
            throw PipelineError(.providerError, path: context.label, "the response holds an error from the provider: \(providerError)")
        }
        return try response.images.map { entry in
            let bytes = try entry.encodedBytes(label: context.label + " data[\(entry.index)]", ifURL: "the entry holds a URL, not bytes (use DownloadImage)")
            return GeneratedImageFile(
                bytes: bytes, index: entry.index, prompt: prompt, revisedPrompt: entry.revisedPrompt, provider: provider,
                created: response.created, responseID: response.id
            )
        }
    }
}

/// Sniffs and probes the header without decoding, refusing an image over the decoder's pixel
/// limit or of an unexpected size before any pixel memory is allocated.
public struct ProbeImage: Stage {
    /// Limits.
    public var decoder: ImageDecoder
    /// Fail when the header's size is not this one.
    public var expectedSize: ImageSize?

    /// Creates the stage.
    public init(decoder: ImageDecoder = ImageDecoder(), expectedSize: ImageSize? = nil) {
        self.decoder = decoder
        self.expectedSize = expectedSize
    }

    public var name: String { "probe" }

    public func process(_ file: GeneratedImageFile, context: inout StageContext) async throws -> GeneratedImageFile {
        let info = try PipelineError.codec(path: context.label) { try decoder.probe(file.bytes) }
        if let expectedSize, info.size != expectedSize {
            throw PipelineError(.sizeMismatch, path: context.label, "the header says \(info.size), not \(expectedSize)")
        }
        return file
    }
}

/// Resizes (and crops) the decoded image by a geometry: contain, cover or fill, with gravity.
public struct ResizeImage: Stage {
    /// The box and how to fit it.
    public var geometry: ResizeGeometry
    /// The resampling filter.
    public var filter: ResamplingFilter
    /// Linear light, threads.
    public var options: ResizeOptions

    /// Creates the stage.
    public init(_ geometry: ResizeGeometry, filter: ResamplingFilter = .lanczos3, options: ResizeOptions = ResizeOptions()) {
        self.geometry = geometry
        self.filter = filter
        self.options = options
    }

    public var name: String { "resize" }

    public func process(_ item: DecodedGeneratedImage, context: inout StageContext) async throws -> DecodedGeneratedImage {
        var item = item
        let resized = geometry.apply(to: item.image, filter: filter, options: options)
        if resized.size != item.image.size {
            item.image = resized
            item.wasResized = true
        }
        return item
    }
}

/// Writes the JSON sidecar of a saved image (`NAME.json` beside it, never replacing a file),
/// last, so that its presence means the set is complete; if it cannot be written, the set's
/// files are removed.
public struct WriteSidecar: Stage {
    /// Where the sidecar is written, beside the image.
    public var storage: any Storage

    /// Creates the stage.
    public init(storage: any Storage = LocalStorage.paths) {
        self.storage = storage
    }

    public var name: String { "sidecar" }

    public func process(_ saved: SavedImage, context: inout StageContext) async throws -> SavedImage {
        var saved = saved
        let dot = saved.path.lastIndex(of: ".") ?? saved.path.endIndex
        let path = String(saved.path[..<dot]) + ".json"
        do {
            try await storage.write(saved.provenance.json(pretty: true) + [0x0A], to: path, mode: .createOnly)
        } catch {
            try? await storage.remove(saved.path)
            for thumbnail in saved.provenance.thumbnails { try? await storage.remove(thumbnail.path) }
            throw error
        }
        saved.sidecarPath = path
        return saved
    }
}

extension GeneratedImage {
    /// The entry's image file bytes, for a job that does not download, or the error to report
    /// under `label`: the scanner's for invalid base64 (with its byte offset), `urlMessage` for a
    /// link, ``GeneratedImage/missingMessage`` for nothing.
    func encodedBytes(label: String, ifURL urlMessage: String) throws(PipelineError) -> [UInt8] {
        switch payload {
        case .bytes(let bytes, _): bytes
        case .invalid(let error): throw PipelineError(.invalidResponse, path: label, error.message, byteOffset: error.byteOffset)
        case .url: throw PipelineError(.invalidResponse, path: label, urlMessage)
        case .missing: throw PipelineError(.invalidResponse, path: label, GeneratedImage.missingMessage)
        }
    }
}
