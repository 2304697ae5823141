#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageCodecs
import PipelineCore

/// `OUT/manifest.json` of a gallery: every source with its digest, size and thumbnails, and the
/// settings that made them. The next run reads it to skip what has not changed.
///
/// ```json
/// {"version": 1, "settings": "v1 sizes=512,256,128 …", "sourceRoot": "../photos",
///  "sources": [{"source": "cats/tom.png", "sha256": "…", "thumbnails": [{"size": 512, …}], …}]}
/// ```
public struct GalleryManifest: Codable, Hashable, Sendable {
    /// The schema version (1).
    public var version: Int = 1
    /// The program that wrote it.
    public var generator: String = "imagepipe"
    /// ``GallerySettings/fingerprint`` of the run that wrote it.
    public var settings: String
    /// The source folder, relative to the output folder (links in `index.html` start here).
    public var sourceRoot: String
    /// The sources, sorted by ``GalleryEntry/source``.
    public var entries: [GalleryEntry]

    enum CodingKeys: String, CodingKey {
        case version, generator, settings, sourceRoot, entries = "sources"
    }

    /// Creates a manifest.
    public init(settings: String, sourceRoot: String, entries: [GalleryEntry]) {
        self.settings = settings
        self.sourceRoot = sourceRoot
        self.entries = entries
    }

    /// Reads a manifest.
    ///
    /// - Throws: ``PipelineError`` with `.invalidOptions` when the bytes are not a version-1
    ///   manifest.
    public init(parsing bytes: [UInt8]) throws(PipelineError) {
        do {
            self = try JSONDecoder().decode(GalleryManifest.self, from: Data(bytes))
        } catch {
            throw PipelineError(.invalidOptions, "not a gallery manifest: \(error)")
        }
        guard version == 1 else { throw PipelineError(.invalidOptions, "gallery manifest version \(version) is not supported") }
    }

    /// The manifest as pretty-printed JSON with sorted keys (stable across runs).
    public func encoded() -> [UInt8] {
        do {
            return try StableJSON.encode(self, pretty: true) + [0x0A]
        } catch {
            preconditionFailure("a manifest of strings and integers always encodes: \(error)")
        }
    }
}

/// One source image in a gallery: a PNG or WebP file, or one image of a saved API response.
public struct GalleryEntry: Codable, Hashable, Sendable {
    /// The source's name: its path relative to the source folder, with `#INDEX` for an image of
    /// an API response (`runs/resp.json#0`).
    public var source: String
    /// The file it comes from, relative to the source folder.
    public var file: String
    /// For an image of an API response, its index in `data`.
    public var index: Int?
    /// SHA-256 of the file's bytes (the whole response for response images), lowercase hex.
    public var sha256: String
    /// The file's size in bytes when it was read.
    public var fileBytes: Int
    /// The file's modification time in nanoseconds since 1970 when it was read (the fast path:
    /// same size and time means unchanged, without reading it).
    public var modifiedNanoseconds: Int64
    /// The object's content identifier when the source store gives one (S3's ETag): on a bucket
    /// the fast path compares it and the size, not the time (a copy or a restore changes the time
    /// of identical bytes).
    public var version: String?
    /// The image's format (`png`, `webp`).
    public var format: String
    /// The image's width in pixels.
    public var width: Int
    /// The image's height in pixels.
    public var height: Int
    /// The encoded image's size in bytes.
    public var bytes: Int
    /// The thumbnails, largest first (sizes that would come out the same as a larger one are left out).
    public var thumbnails: [GalleryThumbnail]
    /// The ThumbHash of the image, base64.
    public var thumbHash: String
    /// The ThumbHash decoded: a PNG of at most 32×32 pixels as a `data:` URL, for the page.
    public var placeholder: String
    /// The image's average color, `#rrggbb` (from the ThumbHash).
    public var averageColor: String
    /// Text for the `alt` attribute: the file name, or a response's revised prompt.
    public var alt: String
    /// The link to the original, relative to the output folder: the source file, or for a
    /// response image the largest thumbnail.
    public var original: String
    /// ``GallerySettings/fingerprint`` of the run that made the thumbnails.
    public var settings: String
    /// The C2PA content credentials the source carries (never verified); the thumbnails, being
    /// derivatives, do not carry them.
    public var contentCredentials: ContentCredentials?
    /// What the thumbnails kept of the source's metadata and what they dropped; absent when the
    /// source had none.
    public var metadata: MetadataOutcome?
}

/// One thumbnail file of a gallery entry.
public struct GalleryThumbnail: Codable, Hashable, Sendable {
    /// The requested size (the longer edge of the box), which is in the file name.
    public var size: Int
    /// The path relative to the output folder (`thumbs/…`).
    public var path: String
    /// The width in pixels.
    public var width: Int
    /// The height in pixels.
    public var height: Int
    /// The file's size in bytes.
    public var bytes: Int
}
