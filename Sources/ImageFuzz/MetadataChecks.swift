import ImageCodecs

/// The text-metadata readers: PNG `tEXt`/`iTXt` chunks and the WebP XMP packet (there is no EXIF
/// reader to fuzz: imagepipe reads no EXIF).
///
/// Reading never crashes; and whatever container the writer accepts, the entries it adds are read
/// back (with a value taken from the input, so escaping meets arbitrary text).
func checkMetadata(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)
    _ = try? ImageTextMetadata.read(from: bytes)

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
