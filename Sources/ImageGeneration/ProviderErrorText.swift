import ImageResponses

/// A provider's error message read from any body: the images-response scanner's reading of
/// `error`/`detail` when the body is JSON, else the body as text, cut short.
struct ProviderErrorText {
    /// The longest plain-text body kept in a message, in characters.
    static let maximumTextLength = 300

    var message: String
    /// `type`/`error_type` then `code`, as given.
    var types: [String]

    init(parsing body: UnsafeRawBufferPointer) {
        if let response = try? ImagesResponse(parsing: body), let error = response.error {
            self.init(error)
            return
        }
        self.init(message: Self.plainText(body), types: [])
    }

    private init(message: String, types: [String]) {
        self.message = message
        self.types = types
    }

    /// The text of an error already read (a body's `error`, a stream's error event).
    init(_ error: ProviderErrorBody) {
        var message = error.message
        if let parameter = error.parameter, !message.contains(parameter) { message += " (param: \(parameter))" }
        self.init(message: message, types: [error.type, error.code].compactMap { $0 }.filter { !$0.isEmpty })
    }

    /// The body as one line of text, cut to ``maximumTextLength`` characters with `…`.
    static func plainText(_ body: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: body.prefix(4 * maximumTextLength), as: UTF8.self)
        var line = ""
        var lastWasSpace = false
        for character in text {
            if character.isWhitespace || character.isNewline {
                if !lastWasSpace && !line.isEmpty { line.append(" ") }
                lastWasSpace = true
            } else if let ascii = character.asciiValue, ascii < 0x20 || ascii == 0x7F {
                continue
            } else {
                line.append(character)
                lastWasSpace = false
            }
        }
        if line.hasSuffix(" ") { line.removeLast() }
        if line.count > maximumTextLength || body.count > 4 * maximumTextLength {
            line = String(line.prefix(maximumTextLength)) + "…"
        }
        return line
    }
}
