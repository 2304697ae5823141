import Foundation
import Testing
import TestSupport

/// `imagepipe edit` as a user runs it: no token set, so the built-in sandbox answers.
@Suite("imagepipe edit")
struct EditCommandTests {
    static func edit(_ arguments: [String]) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["edit"] + arguments, removing: GenerateCommandTests.tokenVariables)
    }

    /// A 96x64 photo-like PNG, a JPEG reference, and a mask with a transparent square, made with
    /// imagepipe's own sandbox render so the test needs no Python.
    static func inputs() throws -> (folder: String, photo: String, reference: String, mask: String) {
        let folder = try makeScratchDirectory()
        let photo = folder + "/photo.png", reference = folder + "/reference.jpg", mask = folder + "/mask.png"
        try Data(try TestPaths.fixture("gradient-rgb.png")).write(to: URL(fileURLWithPath: photo))
        try Data(try TestPaths.fixture("metadata/gps-rotated-p3.jpg")).write(to: URL(fileURLWithPath: reference))
        try Data(Self.maskPNG(width: 64, height: 48, hole: (16..<48, 8..<40))).write(to: URL(fileURLWithPath: mask))
        return (folder, photo, reference, mask)
    }

    /// An RGBA PNG, opaque black but for a transparent rectangle (stored uncompressed).
    static func maskPNG(width: Int, height: Int, hole: (x: Range<Int>, y: Range<Int>), colorType: UInt8 = 6) -> [UInt8] {
        let channels = colorType == 6 ? 4 : 3
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                raw += [0, 0, 0]
                if channels == 4 { raw.append(hole.x.contains(x) && hole.y.contains(y) ? 0 : 255) }
            }
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return withUnsafeBytes(of: UInt32(data.count).bigEndian, Array.init) + body + withUnsafeBytes(of: crc32(body).bigEndian, Array.init)
        }
        // zlib stored blocks: no compression library needed.
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65535, raw.count - offset)
            zlib.append(offset + length == raw.count ? 1 : 0)
            zlib += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            zlib += raw[offset..<(offset + length)]
            offset += length
        } while offset < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        zlib += withUnsafeBytes(of: ((b << 16) | a).bigEndian, Array.init)
        let header = withUnsafeBytes(of: UInt32(width).bigEndian, Array.init) + withUnsafeBytes(of: UInt32(height).bigEndian, Array.init) + [8, colorType, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func sidecar(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test("an edit with a reference and a mask: named from the photo and prompt, at the photo's size, inputs and their SHA-256 in the sidecar, marked a composite in XMP")
    func editWithMask() throws {
        let (folder, photo, reference, mask) = try Self.inputs()
        let out = folder + "/out/"
        let run = try Self.edit([photo, reference, "-P", "add a red hat", "--mask", mask, "--thumbnail", "32", "-o", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == [
            "photo-add-a-red-hat-1.32.webp", "photo-add-a-red-hat-1.json", "photo-add-a-red-hat-1.png",
        ])
        #expect(run.stdout.contains("photo-add-a-red-hat-1.png (png, 64x48"), "\(run.stdout)")
        let record = try Self.sidecar(out + "photo-add-a-red-hat-1.json")
        let inputs = try #require(record["inputs"] as? [[String: Any]])
        #expect(inputs.map { $0["role"] as? String } == ["image", "image", "mask"])
        #expect(inputs.map { $0["path"] as? String } == [photo, reference, mask])
        #expect(inputs[0]["sha256"] as? String == sha256Hex(try TestPaths.fixture("gradient-rgb.png")))
        let info = try CommandLineTests.run(["info", "--metadata", out + "photo-add-a-red-hat-1.png"])
        #expect(info.stdout.contains("compositeWithTrainedAlgorithmicMedia"), "\(info.stdout)")
        let thumbnail = try CommandLineTests.run(["info", "--metadata", out + "photo-add-a-red-hat-1.32.webp"])
        #expect(thumbnail.stdout.contains("compositeWithTrainedAlgorithmicMedia"), "\(thumbnail.stdout)")
    }

    @Test("--each: one request per image, each named from its image; --json one line each; --stream --save-partials")
    func each() throws {
        let (folder, photo, reference, _) = try Self.inputs()
        let run = try Self.edit([photo, reference, "-P", "snow", "--each", "--json", "--stream", "--partial-images", "1", "--save-partials", "-m", "gpt-image-1", "-o", folder + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/out").sorted() == [
            "photo-snow-1.json", "photo-snow-1.partial-0.png", "photo-snow-1.png",
            "reference-snow-1.json", "reference-snow-1.partial-0.png", "reference-snow-1.png",
        ])
        #expect(run.stderr.contains("saved 2 images for 2 edits"), "\(run.stderr)")
    }

    @Test("refused before any request, naming the file, exit 1: mask without alpha, mask of another size, GIF input, provider without edits, 17 images", arguments: [
        "no alpha", "mask size", "not an image", "nscale", "17 images", "mini fidelity",
    ])
    func refusals(_ case_: String) throws {
        let (folder, photo, _, mask) = try Self.inputs()
        var arguments = [photo, "-P", "x", "-o", folder + "/out"]
        var expected: String
        var status: Int32 = 1
        switch case_ {
        case "no alpha":
            let path = folder + "/rgb-mask.png"
            try Data(Self.maskPNG(width: 64, height: 48, hole: (0..<1, 0..<1), colorType: 2)).write(to: URL(fileURLWithPath: path))
            arguments += ["--mask", path]; expected = "mask \(path): the PNG has no alpha channel"
        case "mask size":
            let path = folder + "/small-mask.png"
            try Data(Self.maskPNG(width: 32, height: 32, hole: (0..<1, 0..<1))).write(to: URL(fileURLWithPath: path))
            arguments += ["--mask", path]; expected = "mask \(path) is 32x32 but the first image \(photo) is 64x48"
        case "not an image":
            let path = folder + "/notes.txt"
            try "hello".write(toFile: path, atomically: true, encoding: .utf8)
            arguments = [path] + arguments.dropFirst(); expected = "\(path): not an image imagepipe knows"
        case "nscale":
            arguments += ["--provider", "nscale", "-t", "secret-token-1234", "--mask", mask]; expected = "Nscale has no image edits endpoint"
        case "17 images":
            arguments = Array(repeating: photo, count: 17) + arguments.dropFirst(); expected = "one edit takes at most 16"; status = 64
        default:
            arguments += ["-m", "gpt-image-1-mini", "--input-fidelity", "high"]; expected = "gpt-image-1-mini does not take --input-fidelity"
        }
        let run = try Self.edit(arguments)
        #expect(run.status == status, "\(run.stderr)")
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(!run.stderr.contains("secret-token-1234"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/out"), "nothing written")
    }

    @Test("the OpenAI Python SDK's images.edit with two images and a mask works against imagepipe serve (skipped, saying so, without `pip install openai`)")
    func openAISDKEdit() throws {
        let (_, photo, reference, mask) = try Self.inputs()
        let script = """
        import base64, sys
        from openai import OpenAI
        client = OpenAI(base_url=sys.argv[1], api_key="test")
        with open(sys.argv[2], "rb") as photo, open(sys.argv[3], "rb") as reference, open(sys.argv[4], "rb") as mask:
            result = client.images.edit(model="gpt-image-1", image=[photo, reference], mask=mask, prompt="add a red hat", input_fidelity="high")
        image = base64.b64decode(result.data[0].b64_json)
        print(image[:4] == b"\\x89PNG", int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big"), result.usage.total_tokens > 0)
        stream = client.images.edit(model="gpt-image-1", image=open(sys.argv[2], "rb"), prompt="snow", stream=True, partial_images=1)
        for event in stream:
            print(event.type)
        """
        guard let (status, text) = try GenerateCommandTests.runWithOpenAISDK(script, [photo, reference, mask]) else { return }
        #expect(status == 0, "\(text)")
        #expect(text == "True 64 48 True\nimage_edit.partial_image\nimage_edit.completed\n", "\(text)")
    }
}
