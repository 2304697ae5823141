import ImageCore
import ImagePipeSandbox

/// The boundary the `multipart` seeds use.
let fuzzBoundary = "fuzz-boundary"

/// The sandbox's multipart parser and edit checks, on the input as a form body delimited by
/// ``fuzzBoundary``:
///
/// - a parsed form has at most the part limit, each part's content inside the body, in order,
///   without overlap, and never holding a delimiter;
/// - the edit accepted from it has 1–16 images, an output size within the sandbox's sides, and
///   any refusal is an error answer imagepipe's response scanner reads back with its message;
/// - the input as a `Content-Type` value: the boundary found, if any, is 1–70 printable bytes.
func checkMultipart(_ data: UnsafeRawBufferPointer) {
    let body = [UInt8](data)
    let delimiter = Array("\r\n--\(fuzzBoundary)".utf8)
    if let form = try? MultipartForm(parsing: data, boundary: fuzzBoundary) {
        guard form.parts.count <= MultipartForm.maximumParts else { fatalError("\(form.parts.count) parts") }
        var end = 0
        for part in form.parts {
            guard part.content.lowerBound >= end, part.content.upperBound <= body.count else {
                fatalError("part \(part.name) at \(part.content) overlaps or leaves the body (\(body.count) bytes)")
            }
            end = part.content.upperBound
            let content = body[part.content]
            if content.count >= delimiter.count {
                for start in content.startIndex...(content.endIndex - delimiter.count) where body[start..<(start + delimiter.count)].elementsEqual(delimiter) {
                    fatalError("part \(part.name) holds a delimiter at \(start)")
                }
            }
        }
    }
    switch EditRequest.validate(body: body, boundary: fuzzBoundary) {
    case .success(let edit):
        guard (1...16).contains(edit.images), edit.plan.requestedSize.width >= 1, edit.plan.requestedSize.height >= 1,
              edit.plan.requestedSize.width <= 4096, edit.plan.requestedSize.height <= 4096
        else {
            fatalError("accepted edit out of bounds: \(edit.images) images, size \(edit.plan.requestedSize)")
        }
    case .failure(let problem):
        requireReadable(ErrorReply(problem: problem), in: .openAI, message: problem.message)
    }
    if let text = String(validating: body.prefix(256), as: UTF8.self), let boundary = MultipartForm.boundary(ofContentType: text) {
        guard (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            fatalError("boundary \(boundary.debugDescription) out of bounds")
        }
    }
}
