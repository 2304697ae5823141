import FastBase64
import ImageResponses

/// The images-response scanner: any body is read or refused with an offset inside it, and what it
/// reads survives being written back as JSON (with ``JSONString``) and read again: strings
/// unescape and re-escape to the same text, payloads decode to the same bytes.
func checkResponse(_ data: UnsafeRawBufferPointer) {
    checkEventStream(data)
    let response: ImagesResponse
    do {
        response = try ImagesResponse(parsing: data)
    } catch {
        guard (0...data.count).contains(error.byteOffset) else {
            fatalError("error offset \(error.byteOffset) outside the \(data.count)-byte body: \(error)")
        }
        return
    }
    for image in response.images {
        if let range = image.payloadRange, range.lowerBound < 0 || range.upperBound > data.count {
            fatalError("data[\(image.index)] payload range \(range) outside the \(data.count)-byte body")
        }
        if image.bytes != nil && image.payloadError != nil {
            fatalError("data[\(image.index)] has both bytes and a payload error")
        }
    }

    let rewritten = Array(rewrite(response).utf8)
    let again: ImagesResponse
    do {
        again = try ImagesResponse(parsing: rewritten)
    } catch {
        fatalError("the rewritten response does not parse: \(error)\n\(String(decoding: rewritten, as: UTF8.self))")
    }
    guard again.created == response.created, again.id == response.id,
          again.usage?.inputTokens == response.usage?.inputTokens,
          again.usage?.outputTokens == response.usage?.outputTokens,
          again.usage?.totalTokens == response.usage?.totalTokens
    else {
        fatalError("the rewritten response reads differently: created/id/usage")
    }
    guard again.images.count == response.images.count else {
        fatalError("the rewritten response has \(again.images.count) images, not \(response.images.count)")
    }
    for (first, second) in zip(response.images, again.images) {
        guard first.url == second.url, first.revisedPrompt == second.revisedPrompt, first.bytes == second.bytes else {
            fatalError("data[\(first.index)] reads differently after rewriting: url \(String(describing: first.url?.debugDescription)) vs \(String(describing: second.url?.debugDescription)), revised_prompt \(String(describing: first.revisedPrompt?.debugDescription)) vs \(String(describing: second.revisedPrompt?.debugDescription)), bytes \(String(describing: first.bytes?.count)) vs \(String(describing: second.bytes?.count))")
        }
    }
    // An empty message is filled in from the type or code on reading, so only a non-empty one must
    // come back unchanged.
    if let error = response.error, !error.message.isEmpty, again.error != error {
        fatalError("the error reads differently after rewriting: \(error) vs \(String(describing: again.error))")
    }
}

/// `response` as an OpenAI-shaped JSON body.
private func rewrite(_ response: ImagesResponse) -> String {
    func string(_ text: String?) -> String { text.map(JSONString.quoted) ?? "null" }
    func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }
    var members: [String] = []
    members.append(#""created":\#(number(response.created))"#)
    members.append(#""id":\#(string(response.id))"#)
    if let usage = response.usage {
        members.append(#""usage":{"input_tokens":\#(number(usage.inputTokens)),"output_tokens":\#(number(usage.outputTokens)),"total_tokens":\#(number(usage.totalTokens))}"#)
    }
    let images = response.images.map { image in
        let payload = image.bytes.map { String(decoding: Base64Encoder().encode($0), as: UTF8.self) }
        return #"{"b64_json":\#(string(payload)),"url":\#(string(image.url)),"revised_prompt":\#(string(image.revisedPrompt))}"#
    }
    members.append(#""data":[\#(images.joined(separator: ","))]"#)
    if let error = response.error, !error.message.isEmpty {
        members.append(#""error":{"message":\#(string(error.message)),"type":\#(string(error.type)),"code":\#(string(error.code)),"param":\#(string(error.parameter))}"#)
    }
    return "{" + members.joined(separator: ",") + "}"
}

/// The same bytes as a streamed answer (`text/event-stream`): the parser gives the same events
/// whether the bytes come at once or cut in two anywhere, stays within its event limit, and every
/// event is read as an image event or refused with an offset inside its data.
func checkEventStream(_ data: UnsafeRawBufferPointer) {
    let limit = 1 << 16
    func events(_ chunks: [UnsafeRawBufferPointer]) -> [ServerSentEvent]? {
        var parser = ServerSentEventParser(maximumEventBytes: limit)
        var events: [ServerSentEvent] = []
        for chunk in chunks {
            guard let more = try? parser.feed(chunk) else { return nil }
            events += more
        }
        return events
    }
    let cut = data.isEmpty ? 0 : Int(data[0]) % (data.count + 1)
    let whole = events([data])
    let split = events([UnsafeRawBufferPointer(rebasing: data[..<cut]), UnsafeRawBufferPointer(rebasing: data[cut...])])
    guard whole == split else {
        fatalError("the event stream reads differently when cut at byte \(cut): \(whole?.count ?? -1) against \(split?.count ?? -1) events")
    }
    for event in whole ?? [] {
        guard event.data.count <= limit else { fatalError("an event of \(event.data.count) bytes passed the \(limit)-byte limit") }
        do {
            _ = try ImageStreamEvent(parsing: event)
        } catch {
            guard (0...event.data.count).contains(error.byteOffset) else {
                fatalError("event error offset \(error.byteOffset) outside its \(event.data.count) bytes: \(error)")
            }
        }
    }
}
