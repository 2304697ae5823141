import ColorManagement
import ImageCodecs

/// The metadata readers and writers: PNG `tEXt`/`iTXt` chunks and the WebP and JPEG XMP packets;
/// the EXIF/ICC/XMP walk of PNG, WebP and JPEG (``EmbeddedMetadata``), the EXIF Orientation and
/// GPS readers, ICC profile embedding, and EXIF/XMP replacement (``MetadataEmbedding``).
///
/// - Reading never crashes, and stays within its limits.
/// - Whatever container the writer accepts, the entries it adds are read back (with a value taken
///   from the input, so escaping meets arbitrary text).
/// - An Orientation reset in place reads back as 1, every other byte kept.
/// - A profile embedded into a container reads back whole.
/// - EXIF and XMP set into a container read back byte for byte; removed, they are gone.
/// - An ICC profile (the input itself, and any a container holds) that LittleCMS opens: telling
///   sRGB from its tags never crashes, and a profile called sRGB so passes the transform test too.
func checkMetadata(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)
    _ = try? ImageTextMetadata.read(from: bytes)

    var limits = EmbeddedMetadata.Limits()
    limits.maxICCBytes = 1 << 16
    limits.maxXMPBytes = 1 << 16
    let found = EmbeddedMetadata.read(from: data, limits: limits)
    guard (found.iccProfile?.count ?? 0) <= limits.maxICCBytes, (found.exif?.count ?? 0) <= limits.maxEXIFBytes,
          (found.xmp?.count ?? 0) <= limits.maxXMPBytes else {
        fatalError("metadata past its limits: ICC \(found.iccProfile?.count ?? 0), EXIF \(found.exif?.count ?? 0), XMP \(found.xmp?.count ?? 0)")
    }
    for candidate in [bytes, found.iccProfile].compactMap({ $0 }) {
        if let profile = ICCProfile(candidate), profile.isSRGBMatrixShaper, (try? ColorConversion.mapsToItself(profile)) != true {
            fatalError("a profile called sRGB from its tags maps colours elsewhere (\(profile.name))")
        }
    }
    _ = ExifReader.hasGPSPosition(in: bytes)
    // The input as an EXIF block itself.
    if ExifReader.orientation(in: bytes) != nil, let reset = ExifReader.settingOrientation(.up, in: bytes) {
        guard ExifReader.orientation(in: reset) == .up, reset.count == bytes.count,
              zip(reset, bytes).filter({ $0 != $1 }).count <= 1 else {
            fatalError("Orientation reset changed more than its value")
        }
    }
    let profile = Array(bytes.prefix(300))
    if !profile.isEmpty, let embedded = try? ProfileEmbedding.embedding(profile, in: bytes) {
        let readBack = EmbeddedMetadata.read(from: embedded).iccProfile
        guard readBack == profile else {
            fatalError("a profile of \(profile.count) bytes embedded into \(bytes.count) bytes reads back as \(readBack?.count ?? -1) bytes")
        }
    }

    // EXIF and XMP blocks taken from the input, set into it as a container, then removed.
    let exif = Array(bytes.prefix(200)), packet = Array(bytes.suffix(120))
    if !exif.isEmpty, let rewritten = try? MetadataEmbedding.rewriting(bytes, exif: .set(exif), xmp: .set(packet)) {
        let back = EmbeddedMetadata.read(from: rewritten)
        guard back.exif == exif || exif.starts(with: Array("Exif\0\0".utf8)), back.xmp == packet else {
            fatalError("EXIF (\(exif.count) bytes) and XMP (\(packet.count) bytes) set into \(bytes.count) bytes read back as \(back.exif?.count ?? -1) and \(back.xmp?.count ?? -1) bytes")
        }
        guard let bare = try? MetadataEmbedding.rewriting(rewritten, exif: .remove, xmp: .remove) else {
            fatalError("a container imagepipe rewrote cannot be rewritten again")
        }
        let gone = EmbeddedMetadata.read(from: bare)
        guard gone.exif == nil, gone.xmp == nil else { fatalError("EXIF or XMP removed from \(rewritten.count) bytes is still read") }
    }

    let text = String(decoding: bytes.prefix(48), as: UTF8.self)
    let added = ImageTextMetadata([
        .init(key: "Description", value: text),
        .init(key: "Software", value: "fuzz <&> \"check\""),
        .init(key: "fuzz.value", value: String(text.reversed())),
        .init(key: ImageTextMetadata.digitalSourceTypeKey, value: ImageTextMetadata.aiGeneratedSourceType),
    ])
    guard let tagged = try? added.embedded(in: bytes) else { return }
    let readBack: ImageTextMetadata
    do {
        readBack = try ImageTextMetadata.read(from: tagged)
    } catch {
        fatalError("metadata embedded into \(bytes.count) bytes cannot be read back: \(error)")
    }
    for entry in added.entries where !readBack.entries.contains(entry) {
        fatalError("embedded entry \(entry.key) = \(entry.value.debugDescription) is not read back; read: \(readBack.entries)")
    }
}
