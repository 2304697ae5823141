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

/// The work on one source file of a gallery: read, recognise, decode once, make every size,
/// write the thumbnails, describe them.
struct GalleryRenderer: Sendable {
    var settings: GallerySettings
    var decoder: ImageDecoder
    var sources: any Storage
    var outputs: any Storage
    var resizeOptions: ResizeOptions

    /// Works on one file; never throws: failures are in the result.
    func process(_ item: GalleryJob.WorkItem, context: GalleryJob.Context) async -> GalleryFileResult {
        let file = item.file
        var result = GalleryFileResult(file: file.key, path: item.path, status: item.previous.isEmpty ? .new : .updated, entries: [], errors: [])
        let bytes: [UInt8]
        do throws(PipelineError) {
            // Most files that are not images are told by their first bytes, without reading them whole.
            let prefix = try await sources.readPrefix(file.key, count: ImageFormat.sniffLength)
            let sniffed = ImageFormat.sniff(prefix)
            guard sniffed == .png || sniffed == .webp || sniffed == .jpeg || (sniffed == nil && ImagesResponse.looksLikeJSON(prefix)) else {
                result.status = .ignored
                return result
            }
            bytes = try await sources.read(file.key, maxBytes: decoder.limits.maxInputBytes)
        } catch {
            result.status = .failed
            result.errors = [error]
            return result
        }

        let digest = SHA256.hex(of: bytes)
        if !item.previous.isEmpty, item.previous.allSatisfy({ $0.sha256 == digest && $0.settings == context.fingerprint && context.thumbnailsExist($0) }) {
            // Touched but not changed: remember the new time, so the next run takes the fast path.
            result.status = .unchanged
            result.entries = item.previous.map { entry in
                var entry = entry
                entry.fileBytes = file.size
                entry.modifiedNanoseconds = file.modifiedNanoseconds
                entry.version = file.version
                return entry
            }
            return result
        }
        let name = StorageKey.name(of: file.key)
        let link = context.sourceLink.map { $0 == "." ? file.key : $0 + "/" + file.key }
        if let format = ImageFormat.sniff(bytes) {
            guard format == .png || format == .webp || format == .jpeg else {
                result.status = .ignored
                return result
            }
            do throws(PipelineError) {
                result.entries = [try await render(
                    encoded: bytes, label: item.path, source: file.key, file: file, index: nil,
                    fileDigest: digest, alt: name, original: link, context: context
                )]
            } catch {
                result.status = .failed
                result.errors = [error]
            }
            return result
        }

        let response: ImagesResponse
        do {
            response = try ImagesResponse(parsing: bytes)
        } catch {
            if error.code == .notAnImagesResponse {
                result.status = .ignored
            } else {
                result.status = .failed
                result.errors = [PipelineError(.invalidResponse, path: item.path, error.message, byteOffset: error.byteOffset)]
            }
            return result
        }
        // A saved error response (no images) is not a gallery source.
        guard !response.images.isEmpty else {
            result.status = .ignored
            return result
        }
        for image in response.images {
            let label = "\(item.path) data[\(image.index)]"
            do throws(PipelineError) {
                let encoded = try image.encodedBytes(
                    label: label, ifURL: "the image is a URL, not bytes; gallery does not download (such URLs expire within minutes)"
                )
                let alt = image.revisedPrompt.flatMap { $0.isEmpty ? nil : $0 } ?? "\(name) image \(image.index)"
                result.entries.append(try await render(
                    encoded: encoded, label: label, source: "\(file.key)#\(image.index)", file: file, index: image.index,
                    fileDigest: digest, alt: alt, original: nil, context: context
                ))
            } catch {
                result.errors.append(error)
            }
        }
        if result.entries.isEmpty { result.status = .failed }
        return result
    }

    /// Decodes one image once and writes its thumbnails.
    ///
    /// - Parameter original: the link to the original, or `nil` for the largest thumbnail.
    func render(
        encoded bytes: [UInt8], label: String, source: String, file: StorageEntry, index: Int?,
        fileDigest: String, alt: String, original: String?, context: GalleryJob.Context
    ) async throws(PipelineError) -> GalleryEntry {
        let sizes = settings.orderedSizes
        let geometries = sizes.map { settings.geometry(for: $0) }
        let decoded = try PipelineError.codec(path: label) {
            try bytes.withUnsafeBytes { buffer in
                // Shrink on load (WebP) to what the largest size needs; the others derive from it.
                try decoder.decodeWithInfo(buffer) { info in
                    geometries[0].minimumDecodeSize(for: geometries[0].plan(for: decoder.outputSize(for: info)), options: resizeOptions)
                }
            }
        }
        let images = thumbnails(of: decoded, sizes: sizes, geometries: geometries)

        let stem = FileName.uniqueStem(for: source)
        var thumbnails: [GalleryThumbnail] = []
        var plan: MetadataPlan?
        for (size, image) in images {
            let encoded: [UInt8]
            do {
                // A kept profile (--keep-icc) and what the metadata policy keeps go in: planned
                // once, from the first thumbnail's format (they all have it).
                let thumbnail = try image.encoded(as: settings.encodeOptions)
                let metadata = plan ?? settings.metadata.plan(for: thumbnail.withUnsafeBytes { ImageFormat.sniff($0) }, from: decoded)
                plan = metadata
                encoded = try metadata.applied(to: thumbnail)
            } catch {
                throw PipelineError(.codec, path: label, "cannot encode the \(size) thumbnail: \(error)")
            }
            let key = StorageKey.join(GalleryJob.thumbnailPrefix, "\(stem).\(size).\(settings.format.fileExtension)")
            try await outputs.write(encoded, to: key)
            thumbnails.append(GalleryThumbnail(size: size, path: key, width: image.size.width, height: image.size.height, bytes: encoded.count))
        }

        let smallest = images.last!.image
        let hash = ThumbHash.encode(smallest.resized(to: ThumbHash.encodingSize(for: smallest.size), filter: .box, options: resizeOptions))
        var placeholder = ""
        if let preview = ThumbHash.decode(hash), let png = try? preview.encoded(as: .png(PNGEncodeOptions())) {
            placeholder = "data:image/png;base64," + Data(png).base64EncodedString()
        }
        let average = ThumbHash.averageColor(of: hash) ?? (0.5, 0.5, 0.5, 1)
        func hex(_ value: Double) -> String {
            let byte = Int((value * 255).rounded())
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
        var entry = GalleryEntry(
            source: source, file: file.key, index: index, sha256: fileDigest, fileBytes: file.size,
            modifiedNanoseconds: file.modifiedNanoseconds, format: decoded.info.format.fileExtension,
            width: decoder.outputSize(for: decoded.info).width, height: decoder.outputSize(for: decoded.info).height, bytes: bytes.count, thumbnails: thumbnails,
            thumbHash: Data(hash).base64EncodedString(), placeholder: placeholder,
            averageColor: "#" + hex(average.red) + hex(average.green) + hex(average.blue),
            alt: alt, original: original ?? thumbnails[0].path, settings: context.fingerprint
        )
        entry.contentCredentials = decoded.info.contentCredentials
        entry.metadata = plan.map(\.outcome).flatMap { $0.isEmpty ? nil : $0 }
        entry.version = file.version
        return entry
    }

    /// Every size from one decode, largest first; a size that would come out the same as a
    /// larger one (a source smaller than the boxes: never enlarged) is left out.
    func thumbnails(of decoded: DecodedImage, sizes: [Int], geometries: [ResizeGeometry]) -> [(size: Int, image: Image)] {
        var made: [(size: Int, image: Image)] = []
        for (size, geometry) in zip(sizes, geometries) {
            let plan = geometry.plan(for: decoder.outputSize(for: decoded.info))
            if made.contains(where: { $0.image.size == plan.outputSize }) { continue }
            let image: Image
            if settings.derivation == .cascade, let previous = made.last?.image {
                image = previous.resized(to: plan.outputSize, filter: settings.filter, options: resizeOptions)
            } else {
                image = geometry.apply(plan, to: decoded.image, filter: settings.filter, options: resizeOptions)
            }
            made.append((size, image))
        }
        return made
    }
}
