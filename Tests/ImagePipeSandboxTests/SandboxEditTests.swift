import Foundation
import ImageCodecs
import ImageCore
import ImagePipeSandbox
import Testing
import TestSupport

/// A multipart form written by hand, independently of the client's writer.
struct TestForm {
    var boundary = "test-boundary-0123"
    var parts: [(headers: String, content: [UInt8])] = []

    mutating func field(_ name: String, _ value: String) {
        parts.append(("Content-Disposition: form-data; name=\"\(name)\"", Array(value.utf8)))
    }

    mutating func file(_ name: String, _ bytes: [UInt8], type: String? = "image/png", fileName: String = "file.png") {
        let typeLine = type.map { "\r\nContent-Type: \($0)" } ?? ""
        parts.append(("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"" + typeLine, bytes))
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    var body: [UInt8] {
        var output: [UInt8] = []
        for part in parts { output += Array("--\(boundary)\r\n\(part.headers)\r\n\r\n".utf8) + part.content + [13, 10] }
        return output + Array("--\(boundary)--\r\n".utf8)
    }
}

/// The sandbox's `POST /v1/images/edits` and its multipart parser.
@Suite("sandbox edits")
struct SandboxEditTests {
    /// A 64x48 RGB PNG with a left half red and right half blue.
    static func photo(width: Int = 64, height: Int = 48) throws -> [UInt8] {
        let image = Image(size: ImageSize(width: width, height: height), format: .rgb8) { (bytes: UnsafeMutableRawBufferPointer) in
            for index in 0..<(width * height) {
                let red = index % width < width / 2
                bytes[index * 3] = red ? 220 : 20
                bytes[index * 3 + 1] = 40
                bytes[index * 3 + 2] = red ? 20 : 220
            }
        }
        return try image.encoded(as: .png(PNGEncodeOptions()))
    }

    /// A mask, opaque but for a transparent rectangle `hole`.
    static func mask(width: Int = 64, height: Int = 48, hole: (x: Range<Int>, y: Range<Int>), alpha: Bool = true) throws -> [UInt8] {
        let format: PixelFormat = alpha ? .rgba8 : .rgb8
        let image = Image(size: ImageSize(width: width, height: height), format: format) { (bytes: UnsafeMutableRawBufferPointer) in
            for y in 0..<height {
                for x in 0..<width {
                    let base = (y * width + x) * format.bytesPerPixel
                    for channel in 0..<format.bytesPerPixel { bytes[base + channel] = 0 }
                    if alpha { bytes[base + 3] = hole.x.contains(x) && hole.y.contains(y) ? 0 : 255 }
                }
            }
        }
        return try image.encoded(as: .png(PNGEncodeOptions(reduceColorType: false)))
    }

    static func form(images: [[UInt8]], mask: [UInt8]? = nil, fields: [(String, String)] = [("prompt", "add a hat")]) -> TestForm {
        var form = TestForm()
        for image in images { form.file(images.count == 1 ? "image" : "image[]", image) }
        if let mask { form.file("mask", mask) }
        for (name, value) in fields { form.field(name, value) }
        return form
    }

    @Test("the edit changes the image only where the mask is transparent, at the input's size; image_edit answer with usage")
    func maskHonoured() async throws {
        let photo = try Self.photo()
        let hole = (x: 16..<40, y: 8..<32)
        try await withSandbox { client in
            let reply = try await client.edit(Self.form(images: [photo], mask: try Self.mask(hole: hole), fields: [("prompt", "a hat"), ("model", "gpt-image-1")]))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["usage"] != nil)
            let edited = try ImageDecoder().decode(try #require(reply.images.first)).converted(to: .rgb8)
            let original = try ImageDecoder().decode(photo).converted(to: .rgb8)
            #expect(edited.size == original.size)
            var changedInside = 0, changedOutside = 0
            edited.withUnsafeBytes { new in
                original.withUnsafeBytes { old in
                    for y in 0..<48 {
                        for x in 0..<64 {
                            let offset = (y * 64 + x) * 3
                            let same = (0..<3).allSatisfy { new[offset + $0] == old[offset + $0] }
                            if hole.x.contains(x) && hole.y.contains(y) { changedInside += same ? 0 : 1 } else { changedOutside += same ? 0 : 1 }
                        }
                    }
                }
            }
            #expect(changedOutside == 0)
            #expect(changedInside > hole.x.count * hole.y.count * 9 / 10, "\(changedInside) of \(hole.x.count * hole.y.count) changed")
            let statistics = client.server.statistics
            #expect(statistics.editRequests == 1 && statistics.editImagesReceived == 1 && statistics.masksReceived == 1)
        }
    }

    @Test("16 images accepted and counted; 17 refused with too_many_images")
    func sixteenImages() async throws {
        let photo = try Self.photo()
        try await withSandbox { client in
            let accepted = try await client.edit(Self.form(images: Array(repeating: photo, count: 16)))
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(client.server.statistics.editImagesReceived == 16)
            let refused = try await client.edit(Self.form(images: Array(repeating: photo, count: 17)))
            #expect(refused.status == 400)
            #expect(refused.error["code"] as? String == "too_many_images")
        }
    }

    @Test("refusals name the part: wrong Content-Type, mask without alpha, mask of another size, no image, not multipart")
    func refusals() async throws {
        let photo = try Self.photo()
        try await withSandbox { client in
            var wrongType = TestForm()
            wrongType.file("image", photo, type: "application/octet-stream")
            wrongType.field("prompt", "x")
            let typed = try await client.edit(wrongType)
            #expect(typed.status == 400 && (typed.error["message"] as? String ?? "").contains("unsupported mimetype ('application/octet-stream')"), "\(typed.text)")
            var mislabelled = TestForm()
            mislabelled.file("image", photo, type: "image/jpeg")
            mislabelled.field("prompt", "x")
            let labelled = try await client.edit(mislabelled)
            #expect(labelled.status == 400 && (labelled.error["message"] as? String ?? "").contains("its Content-Type is image/jpeg but its bytes are image/png"), "\(labelled.text)")
            let noAlpha = try await client.edit(Self.form(images: [photo], mask: try Self.mask(hole: (0..<1, 0..<1), alpha: false)))
            #expect(noAlpha.status == 400 && noAlpha.error["param"] as? String == "mask", "\(noAlpha.text)")
            let otherSize = try await client.edit(Self.form(images: [photo], mask: try Self.mask(width: 32, height: 32, hole: (0..<1, 0..<1))))
            #expect(otherSize.status == 400 && (otherSize.error["message"] as? String ?? "").contains("does not match image size"), "\(otherSize.text)")
            let none = try await client.edit(Self.form(images: []))
            #expect(none.status == 400 && none.error["param"] as? String == "image", "\(none.text)")
            let json = try await client.post(["prompt": "x"], path: "images/edits")
            #expect(json.status == 400 && json.error["code"] as? String == "invalid_content_type", "\(json.text)")
        }
    }

    @Test("streamed edit: image_edit.partial_image events then image_edit.completed")
    func streamed() async throws {
        try await withSandbox { client in
            let reply = try await client.edit(Self.form(images: [try Self.photo()], fields: [("prompt", "x"), ("stream", "true"), ("partial_images", "2"), ("model", "gpt-image-1")]))
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/event-stream")
            let types = reply.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(types == ["image_edit.partial_image", "image_edit.partial_image", "image_edit.completed"])
        }
    }

    // MARK: The parser

    static func parse(_ text: String, boundary: String = "b") throws(MultipartForm.Problem) -> MultipartForm {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(MultipartForm.Problem) in try MultipartForm(parsing: buffer, boundary: boundary) }
        }
        return try result.get()
    }

    @Test("parser: preamble and epilogue ignored, quoted and escaped names, empty content, content holding the boundary text mid-line")
    func parser() throws {
        let text = "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"x.png\"\r\nContent-Type: Image/PNG; charset=x\r\n\r\n1--b2\r\n--b\r\ncontent-disposition: form-data; name=empty\r\n\r\n\r\n--b--\r\nepilogue"
        let form = try Self.parse(text)
        #expect(form.parts.map(\.name) == ["a\"b", "empty"])
        #expect(form.parts[0].fileName == "x.png" && form.parts[0].contentType == "image/png")
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[form.parts[0].content], as: UTF8.self) == "1--b2")
        #expect(form.parts[1].content.isEmpty)
        #expect(MultipartForm.boundary(ofContentType: "multipart/form-data; boundary=\"quoted b\"") == "quoted b")
        #expect(MultipartForm.boundary(ofContentType: "application/json") == nil)
    }

    @Test("parser: every malformation is a problem with its byte offset", arguments: [
        ("no delimiter at all", "no --b delimiter", 0),
        ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ncut off", "does not end", 49),
        ("--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "no Content-Disposition name", 5),
        ("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--", "not form-data", 5),
        ("--b\r\nno colon here\r\n\r\nx\r\n--b--", "has no ':'", 5),
        ("--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--", "unclosed quote", 5),
        ("--bX", "not followed by a line break", 3),
        ("--b", "before the closing", 3),
    ])
    func malformed(_ text: String, _ expected: String, _ offset: Int) {
        do {
            let form = try Self.parse(text)
            Issue.record("parsed \(form.parts.count) parts")
        } catch {
            #expect(error.message.contains(expected), "\(error)")
            #expect(error.byteOffset == offset, "\(error)")
        }
    }

    @Test("parser: more than 64 parts, or headers past 8 KiB, are refused")
    func limits() {
        let many = (0..<65).map { "--b\r\nContent-Disposition: form-data; name=\"p\($0)\"\r\n\r\nx\r\n" }.joined() + "--b--"
        #expect(throws: MultipartForm.Problem.self) { try Self.parse(many) }
        let long = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: " + String(repeating: "y", count: 9000) + "\r\n\r\nx\r\n--b--"
        #expect(throws: MultipartForm.Problem.self) { try Self.parse(long) }
    }
}
