import ImageCodecs

/// The metadata readers and writers: PNG `tEXt`/`iTXt` chunks and the WebP XMP packet; the
/// EXIF/ICC walk of PNG, WebP and JPEG (``EmbeddedMetadata``), the EXIF Orientation reader, and
/// ICC profile embedding.
///
/// - Reading never crashes, and stays within its limits.
/// - Whatever container the writer accepts, the entries it adds are read back (with a value taken
///   from the input, so escaping meets arbitrary text).
/// - An Orientation reset in place reads back as 1, every other byte kept.
/// - A profile embedded into a container reads back whole.
func checkMetadata(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)
    _ = try? ImageTextMetadata.read(from: bytes)

    var limits = EmbeddedMetadata.Limits()
    limits.maxICCBytes = 1 << 16
    let found = EmbeddedMetadata.read(from: data, limits: limits)
    guard (found.iccProfile?.count ?? 0) <= limits.maxICCBytes, (found.exif?.count ?? 0) <= limits.maxEXIFBytes else {
        fatalError("metadata past its limits: ICC \(found.iccProfile?.count ?? 0), EXIF \(found.exif?.count ?? 0)")
    }
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

    let text = String(decoding: bytes.prefix(48), as: UTF8.self)
    let added = ImageTextMetadata([
        .init(key: "Description", value: text),
        .init(key: "Software", value: "fuzz <&> \"check\""),
        .init(key: "fuzz.value", value: String(text.reversed())),
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
