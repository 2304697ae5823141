import ImageCodecs
import ImageCore
import PipelineCore

/// What a converted file or thumbnail keeps of its source's metadata.
///
/// | | EXIF (GPS, serial numbers, …) | XMP | ICC profile | content credentials |
/// |---|---|---|---|---|
/// | ``colorOnly`` (default) | dropped | dropped but for IPTC's digital source type | only for pixels kept in their own colour space (`--keep-icc`) | dropped |
/// | ``keep`` (`--keep-metadata`) | kept, Orientation reset to 1 when the pixels were turned upright | kept (its `tiff:Orientation` likewise) | kept (the pixels stay in its colour space) | dropped |
/// | ``strip`` (`--strip`) | dropped | dropped | dropped | dropped |
///
/// Content credentials bind the bytes of the file that carries them, so no re-encoded output can
/// keep them; a file copied unchanged (same format, nothing to change) keeps every byte when it
/// carries them, and otherwise loses only what the policy drops, without its pixels being
/// re-encoded. ``strip`` never copies: it re-encodes, so that nothing of the container survives.
///
/// A source marked as AI-generated (IPTC's `DigitalSourceType` in its XMP, as imagepipe writes)
/// stays marked by default: its output gets an XMP packet holding that property alone, so the
/// marking survives a conversion while the rest of the packet (names, places, history) does not.
public enum MetadataPolicy: String, Hashable, Sendable, CaseIterable {
    /// Colour meaning only (the default): see the type's table.
    case colorOnly = "color-only"
    /// `--keep-metadata`: EXIF, XMP and ICC copied into the output.
    case keep
    /// `--strip`: nothing but the pixels.
    case strip
}

/// What an output kept of its source's metadata and what it dropped, for `--verbose` lines,
/// gallery manifests and sidecars: `kept: ["EXIF (Orientation reset to 1)", "XMP"]`,
/// `dropped: ["EXIF (with a GPS position)"]`.
public struct MetadataOutcome: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The blocks written into the output.
    public var kept: [String] = []
    /// The source's blocks the output does not carry, each with why where it is not the policy.
    public var dropped: [String] = []

    /// An empty outcome.
    public init(kept: [String] = [], dropped: [String] = []) {
        self.kept = kept
        self.dropped = dropped
    }

    /// Whether there is nothing to report.
    public var isEmpty: Bool { kept.isEmpty && dropped.isEmpty }

    /// `metadata kept: EXIF, XMP; dropped: content credentials`.
    public var description: String {
        var parts: [String] = []
        if !kept.isEmpty { parts.append("kept " + kept.joined(separator: ", ")) }
        if !dropped.isEmpty { parts.append("dropped " + dropped.joined(separator: ", ")) }
        return "metadata " + (parts.isEmpty ? "none" : parts.joined(separator: "; "))
    }
}

/// What a policy writes into re-encoded outputs of one format from one source: the blocks to
/// set or remove, and what to report. Made once for all of a source's outputs (a gallery's
/// thumbnails), applied to each.
struct MetadataPlan {
    var exif: MetadataEmbedding.Change = .keep
    var xmp: MetadataEmbedding.Change = .keep
    var icc: MetadataEmbedding.Change = .keep
    var outcome = MetadataOutcome()

    /// `encoded` (which carries no metadata of its own yet) with the blocks written: one
    /// rewrite for all three, the output copied once.
    ///
    /// - Throws: ``ImageCodecError`` when the container cannot be rebuilt.
    func applied(to encoded: [UInt8]) throws(ImageCodecError) -> [UInt8] {
        try MetadataEmbedding.rewriting(encoded, exif: exif, xmp: xmp, icc: icc)
    }
}

extension MetadataPolicy {
    /// A re-encoded output (`encoded`, which carries no metadata of its own yet) with what this
    /// policy keeps of `decoded`'s source written into it.
    ///
    /// - Throws: ``ImageCodecError`` when the container cannot be rebuilt.
    func embedding(in encoded: [UInt8], from decoded: DecodedImage) throws(ImageCodecError) -> (bytes: [UInt8], outcome: MetadataOutcome) {
        let plan = plan(for: encoded.withUnsafeBytes { ImageFormat.sniff($0) }, from: decoded)
        return (try plan.applied(to: encoded), plan.outcome)
    }

    /// What this policy keeps of `decoded`'s source in an output of `format`.
    func plan(for format: ImageFormat?, from decoded: DecodedImage) -> MetadataPlan {
        let source = decoded.metadata
        var outcome = MetadataOutcome()
        let canCarry = format == .png || format == .webp || format == .jpeg
        // The ICC profile that describes the pixels: a kept non-sRGB one (--keep-icc, or this
        // policy), or with `keep` an sRGB one the pixels were left in.
        var profile = self == .strip ? nil : decoded.iccProfile
        if self == .keep, profile == nil, decoded.colorOutcome == .sRGB, let sourceProfile = source.iccProfile {
            profile = sourceProfile
        }
        var icc: MetadataEmbedding.Change = .keep
        if let profile, canCarry {
            icc = .set(profile)
            outcome.kept.append("ICC profile")
        } else if let sourceProfile = source.iccProfile {
            let why: String = switch (self, decoded.colorOutcome) {
            case (_, .converted): "pixels converted to sRGB"
            case (.strip, _): "--strip"
            case (_, _) where !canCarry: "\(format.map { "\($0)" } ?? "the format") carries none"
            default: "sRGB, written untagged"
            }
            outcome.dropped.append("ICC profile (\(sourceProfile.count) bytes; \(why))")
        }
        var exif: MetadataEmbedding.Change = .keep
        var xmp: MetadataEmbedding.Change = .keep
        if let block = source.exif {
            let label = Self.exifLabel(block)
            if self == .keep && canCarry {
                let upright = decoded.appliedOrientation == .up ? nil : ExifReader.settingOrientation(.up, in: block)
                if format == .jpeg && block.count > MetadataEmbedding.maxJPEGEXIFBytes {
                    outcome.dropped.append("\(label) (\(block.count) bytes, more than a JPEG segment holds)")
                } else {
                    exif = .set(upright ?? block)
                    outcome.kept.append(upright == nil ? label : Self.exifLabel(block, "Orientation reset to 1"))
                }
            } else {
                outcome.dropped.append(label)
            }
        }
        if let packet = source.xmp {
            if self == .keep && canCarry {
                if format == .jpeg && packet.count > MetadataEmbedding.maxJPEGXMPBytes {
                    outcome.dropped.append("XMP (\(packet.count) bytes, more than a JPEG segment holds)")
                } else {
                    // A packet that repeats the Orientation follows EXIF's reset.
                    let upright = decoded.appliedOrientation == .up ? nil : XMPOrientation.settingUp(in: packet)
                    xmp = .set(upright ?? packet)
                    outcome.kept.append(upright == nil ? "XMP" : "XMP (tiff:Orientation reset to 1)")
                }
            } else if self == .colorOnly && canCarry, let marking = Self.sourceTypeXMP(packet) {
                xmp = .set(marking.packet)
                outcome.kept.append(marking.label)
                outcome.dropped.append("XMP (the rest)")
            } else {
                outcome.dropped.append("XMP")
            }
        }
        if source.contentCredentials != nil {
            outcome.dropped.append("content credentials (they sign the source's bytes, not a re-encoded copy)")
        }
        return MetadataPlan(exif: exif, xmp: xmp, icc: icc, outcome: outcome)
    }

    /// An XMP packet holding only the source's IPTC digital source type, and how to report it;
    /// `nil` when the source's packet has none.
    private static func sourceTypeXMP(_ packet: [UInt8]) -> (packet: [UInt8], label: String)? {
        guard let sourceType = ImageTextMetadata.digitalSourceType(inXMP: packet) else { return nil }
        let marking = ImageTextMetadata([ImageTextMetadata.Entry(key: ImageTextMetadata.digitalSourceTypeKey, value: sourceType)])
        let name = sourceType.split(separator: "/").last.map(String.init) ?? sourceType
        return (Array(marking.xmpPacket().utf8), "XMP DigitalSourceType (\(name))")
    }

    /// `EXIF`, with what a reader should know: `EXIF (with a GPS position; Orientation reset to 1)`.
    private static func exifLabel(_ block: [UInt8], _ note: String? = nil) -> String {
        let notes = [ExifReader.hasGPSPosition(in: block) ? "with a GPS position" : nil, note].compactMap { $0 }
        return notes.isEmpty ? "EXIF" : "EXIF (\(notes.joined(separator: "; ")))"
    }

    /// A verified copy of a source in the output's format (no pixel changes): its bytes with
    /// what this policy drops removed, the compressed pixels untouched. A source with content
    /// credentials is copied byte for byte (removing anything would break their signature).
    ///
    /// Never called for ``strip``, which re-encodes.
    func copying(_ bytes: [UInt8], metadata source: EmbeddedMetadata) throws(ImageCodecError) -> (bytes: [UInt8], outcome: MetadataOutcome) {
        precondition(self != .strip, "--strip re-encodes rather than copies")
        var outcome = MetadataOutcome()
        let exifLabel = source.exif.map { Self.exifLabel($0) }
        if self == .keep || source.contentCredentials != nil {
            outcome.kept = [exifLabel, source.xmp.map { _ in "XMP" }, source.iccProfile.map { _ in "ICC profile" }].compactMap { $0 }
            if source.contentCredentials != nil {
                outcome.kept.append("content credentials (the file is copied unchanged)")
            }
            return (bytes, outcome)
        }
        if source.iccProfile != nil { outcome.kept.append("ICC profile") }
        if let exifLabel { outcome.dropped.append(exifLabel) }
        let marking = source.xmp.flatMap { Self.sourceTypeXMP($0) }
        if let marking {
            outcome.kept.append(marking.label)
            outcome.dropped.append("XMP (the rest)")
        } else if source.xmp != nil {
            outcome.dropped.append("XMP")
        }
        // A block over the reader's limits was not read, but is there all the same.
        let unread = source.skipped.contains { $0.hasPrefix("EXIF") || $0.hasPrefix("XMP") }
        guard source.exif != nil || source.xmp != nil || unread else { return (bytes, outcome) }
        if unread { outcome.dropped.append(contentsOf: source.skipped.filter { $0.hasPrefix("EXIF") || $0.hasPrefix("XMP") }) }
        return (try MetadataEmbedding.rewriting(bytes, exif: .remove, xmp: marking.map { .set($0.packet) } ?? .remove), outcome)
    }
}
