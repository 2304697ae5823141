import Hummingbird
import ImageResponses

/// Builds JSON response bodies by appending text: the base64 payloads (megabytes) are copied once
/// into the buffer, never through an encoder.
struct JSONText {
    private(set) var buffer: ByteBuffer

    init(capacity: Int = 256) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends raw JSON text (punctuation, numbers, literals).
    mutating func raw(_ text: String) {
        buffer.writeString(text)
    }

    /// Appends bytes that are already valid inside a JSON string (base64 text).
    mutating func rawBytes(_ bytes: [UInt8]) {
        buffer.writeBytes(bytes)
    }

    /// Appends `text` as a quoted, escaped JSON string.
    mutating func string(_ text: String) {
        buffer.writeString(JSONText.quoted(text))
    }

    /// Appends `text` as a JSON string, or `null`.
    mutating func stringOrNull(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    /// `text` as a quoted JSON string literal.
    static func quoted(_ text: String) -> String { JSONString.quoted(text) }
}
