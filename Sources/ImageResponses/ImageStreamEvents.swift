public import FastBase64

/// One server-sent event: its `event:` name and its `data:` lines joined by line feeds.
public struct ServerSentEvent: Hashable, Sendable {
    /// The `event:` field, when the event had one.
    public var name: String?
    /// The `data:` lines, joined with `\n`.
    public var data: [UInt8]

    /// Creates an event.
    public init(name: String? = nil, data: [UInt8]) {
        self.name = name
        self.data = data
    }
}

/// Splits a `text/event-stream` body into events as its bytes arrive (the WHATWG rules: lines
/// end in LF, CRLF or CR; a blank line ends an event; `:` starts a comment; a field's value
/// loses one leading space; `data:` lines are joined with LF; `id` and `retry` are ignored).
///
/// ```swift
/// var parser = ServerSentEventParser()
/// for chunk in chunks { for event in try parser.feed(chunk) { handle(event) } }
/// let cutShort = parser.hasPartialEvent
/// ```
public struct ServerSentEventParser: Sendable {
    /// The largest event accepted (its data and name), in bytes: 128 MiB by default, room for a
    /// 4K image's base64 many times over; a larger one is an error, not an allocation.
    public var maximumEventBytes: Int
    private var line: [UInt8] = []
    private var name: String?
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false
    /// Bytes fed so far (for error offsets).
    public private(set) var offset = 0

    /// Creates a parser.
    public init(maximumEventBytes: Int = 128 << 20) {
        self.maximumEventBytes = maximumEventBytes
    }

    /// Whether bytes of an event that has not ended (no blank line yet) are held: at the end of
    /// the stream, it was cut off mid-event.
    public var hasPartialEvent: Bool { !line.isEmpty || hasData || name != nil }

    /// Feeds the next bytes; returns the events they complete, in order.
    ///
    /// - Throws: ``ImagesResponseError`` (`.malformedJSON` is not used: `.notAnImagesResponse`)
    ///   when an event grows past ``maximumEventBytes``, with the stream offset.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(ImagesResponseError) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A || byte == 0x0D {
            // A LF right after a CR ends nothing: CRLF is one line end.
            if byte == 0x0A && lastWasCR && index == start {
                lastWasCR = false
                start = index + 1
                continue
            }
            try append(UnsafeRawBufferPointer(rebasing: bytes[start..<index]), at: offset + index)
            if let event = endLine() { events.append(event) }
            lastWasCR = byte == 0x0D
            start = index + 1
        }
        if start < bytes.count {
            lastWasCR = false
            try append(UnsafeRawBufferPointer(rebasing: bytes[start...]), at: offset + bytes.count)
        }
        offset += bytes.count
        return events
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(ImagesResponseError) {
        guard line.count + bytes.count + data.count <= maximumEventBytes else {
            throw ImagesResponseError(.notAnImagesResponse, "an event of the stream passes \(maximumEventBytes) bytes (at byte \(position))", at: position)
        }
        line.append(contentsOf: bytes)
    }

    /// Handles the line held; returns the event a blank line completes.
    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            guard hasData || name != nil else { return nil }
            let event = ServerSentEvent(name: name, data: data)
            name = nil
            data = []
            hasData = false
            return event
        }
        if line[0] == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let field = line[..<colon]
        let value = line[valueStart...]
        if field.elementsEqual("data".utf8) {
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            name = String(decoding: value, as: UTF8.self)
        }
        return nil
    }
}

/// One event of a streamed image generation or edit (OpenAI's `stream: true`):
/// `image_generation.partial_image` / `image_edit.partial_image` with a refined preview, or
/// `image_generation.completed` / `image_edit.completed` with the final image and the usage; an
/// `error` event carries the provider's error.
public struct ImageStreamEvent: Sendable {
    /// What the event is.
    public enum Kind: Hashable, Sendable {
        /// A partial image, numbered from 0.
        case partial(index: Int)
        /// The final image.
        case completed
        /// The provider's error.
        case error
        /// Another event type (passed over).
        case other(String)
    }

    /// What the event is.
    public var kind: Kind
    /// The image it carries (payload decoded straight from the event's bytes), if any.
    public var image: GeneratedImage?
    /// The usage a completed event reports.
    public var usage: ImagesUsage?
    /// An error event's error.
    public var error: ProviderErrorBody?

    /// Reads an event's JSON (its `type`, or else the SSE event name, says what it is).
    ///
    /// - Parameter imageIndex: the number the image gets (its `data` index).
    /// - Throws: ``ImagesResponseError`` when the data is not a JSON object, with the offset in it.
    public init(parsing event: ServerSentEvent, imageIndex: Int = 0, decoder: Base64Decoder = Base64Decoder(options: .jsonPayload)) throws(ImagesResponseError) {
        var type = event.name
        var partialIndex: Int?
        var image: GeneratedImage?
        var usage: ImagesUsage?
        var error: ProviderErrorBody?
        try event.data.withUnsafeBytes { body in Result { () throws(ImagesResponseError) in
            var cursor = JSONCursor(body: body)
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else {
                throw ImagesResponseError(.notAnImagesResponse, "a stream event's data is not a JSON object (it starts with \(cursor.describeCurrent()))", at: cursor.position)
            }
            var bytes: [UInt8]?
            var payloadRange: Range<Int>?
            var payloadError: ImagesResponseError?
            var revisedPrompt: String?
            var hasPayload = false
            try cursor.forEachMember { key, cursor throws(ImagesResponseError) in
                if cursor.key(key, is: "type") {
                    type = try cursor.stringOrNull() ?? type
                } else if cursor.key(key, is: "b64_json") {
                    hasPayload = true
                    (bytes, payloadRange, payloadError) = try ImagesResponse.readPayload(&cursor, field: "the event's b64_json", of: "its data", decoder: decoder)
                } else if cursor.key(key, is: "partial_image_index") {
                    partialIndex = try cursor.integerOrNull()
                } else if cursor.key(key, is: "revised_prompt") {
                    revisedPrompt = try cursor.stringOrNull()
                } else if cursor.key(key, is: "usage") {
                    usage = try ImagesResponse.parseUsage(&cursor)
                } else if cursor.key(key, is: "error") {
                    error = try ImagesResponse.parseError(&cursor)
                } else {
                    try cursor.skipValue()
                }
            }
            if hasPayload {
                image = GeneratedImage(index: imageIndex, bytes: bytes, payloadRange: payloadRange, payloadError: payloadError, revisedPrompt: revisedPrompt)
            }
        } }.get()
        switch type {
        case let name? where name.hasSuffix(".partial_image"): kind = .partial(index: partialIndex ?? 0)
        case let name? where name.hasSuffix(".completed"): kind = .completed
        case "error"?: kind = .error
        case let name: kind = error != nil ? .error : .other(name ?? "")
        }
        self.image = image
        self.usage = usage
        self.error = error
    }
}
