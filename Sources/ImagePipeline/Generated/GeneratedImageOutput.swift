import ImageCore
import PipelineCore

// The output side of a generated image, shared by the writer and its stages: where its files go,
// in which format, and what a size mismatch does.

/// Where files go.
public enum GeneratedImageDestination: Hashable, Sendable {
    /// Into a folder, named from a slug of the prompt and the image number.
    case directory(String)
    /// To this name (its extension follows the real format); several images get `-1`, `-2`, ….
    case file(String)

    /// A folder for several prompts, a path ending in `/`, an existing folder or a name
    /// without an image extension; otherwise a file name.
    public static func planned(for output: String, prompts: Int) -> GeneratedImageDestination {
        let isFolder = prompts > 1 || output.hasSuffix("/") || FileIO.isDirectory(output) || FileName.format(namedBy: output) == nil
        return isFolder ? .directory(output) : .file(output)
    }

    /// The path of an image's files without extension: `out/a-red-fox-1` in a folder (a slug of
    /// the prompt and the image number), the name given for a file (`-N` added when the request
    /// made several images).
    func stem(for generated: GeneratedImageFile, several: Bool) -> String {
        switch self {
        case .directory(let folder):
            return StorageKey.join(folder, (generated.nameStem ?? FileName.slug(generated.prompt)) + "-\(generated.index + 1)")
        case .file(let path):
            let stem = FileName.withoutExtension(path)
            return several ? stem + "-\(generated.index + 1)" : stem
        }
    }

    /// A thumbnail's path beside its image: `STEM.EDGE.EXT`.
    static func thumbnailPath(_ stem: String, _ edge: Int, _ format: ImageFormat) -> String {
        stem + ".\(edge)." + format.fileExtension
    }
}

/// The format of the file written.
public enum GeneratedImageFormat: String, Hashable, Sendable, CaseIterable {
    /// The service's format; pixels not re-encoded; provenance embedded unless stripped.
    case auto
    /// The service's bytes exactly as returned: nothing embedded, nothing re-encoded.
    case keep
    /// PNG (re-encoded unless the service sent PNG).
    case png
    /// WebP (re-encoded unless the service sent WebP and no encoder setting was given).
    case webp
    /// JPEG (re-encoded unless the service sent JPEG and no encoder setting was given).
    case jpeg
}

/// What to do when the returned size is not the requested one.
public enum GeneratedImageSizeCheck: String, Hashable, Sendable, CaseIterable {
    /// Write the image, print a warning, and record it in the sidecar.
    case warn
    /// Fail the image; nothing is written.
    case strict
    /// Resize (cover and centre-crop) to the requested size, and record that.
    case fix
}

