import S3Wire

/// S3's wire text, the input read every way imagepipe reads such text:
///
/// - as a `ListBucketResult`: a listing read has non-negative sizes, and a truncated one a
///   continuation token; read twice, the same page;
/// - as an `InitiateMultipartUploadResult` (a non-empty id) and an `Error` answer;
/// - as text: a `LastModified` time is within the years it accepts (1970–2261), an AWS configuration file
///   parses, and RFC 3986 encoding produces only unreserved bytes and `%XX`, decoding back to the
///   input's UTF-8.
func checkS3Wire(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)
    if let page = try? S3XML.listPage(bytes) {
        guard page.objects.allSatisfy({ $0.size >= 0 }) else { fatalError("a negative size") }
        if page.isTruncated && (page.nextContinuationToken ?? "").isEmpty { fatalError("truncated without a token") }
        guard (try? S3XML.listPage(bytes)) == page else { fatalError("the same listing read twice differs") }
    }
    if let id = try? S3XML.uploadID(bytes), id.isEmpty { fatalError("an empty upload id accepted") }
    _ = S3XML.error(bytes)

    let text = String(decoding: bytes, as: UTF8.self)
    if let nanoseconds = S3XML.nanoseconds(iso8601: text) {
        // 1970-01-01 to the end of 2261.
        guard nanoseconds >= 0, nanoseconds < 9_214_646_400 * 1_000_000_000 else { fatalError("time \(nanoseconds) out of range for \(text.debugDescription)") }
    }
    _ = AWSText.profiles(text)
    let encoded = AWSText.uriEncoded(text, keepingSlashes: true)
    var decoded: [UInt8] = []
    var utf8 = Array(encoded.utf8)[...]
    while let byte = utf8.popFirst() {
        let unreserved = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/")].contains(byte)
        if unreserved {
            decoded.append(byte)
        } else if byte == UInt8(ascii: "%"), let high = utf8.popFirst(), let low = utf8.popFirst(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
            decoded.append(value)
        } else {
            fatalError("encoded text holds \(byte) unescaped: \(encoded.debugDescription)")
        }
    }
    guard decoded == Array(text.utf8) else { fatalError("encoding does not decode back: \(text.debugDescription)") }
}
