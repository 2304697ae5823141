import Foundation
import Testing
import TestSupport

/// `imagepipe info` on saved images API responses, run as a user would.
@Suite("imagepipe info on saved responses")
struct InfoCommandTests {
    static func run(_ arguments: [String]) throws -> CommandLineTests.Run { try CommandLineTests.run(arguments) }
    static func fixture(_ name: String) -> String { CommandLineTests.fixture(name) }

    static func jsonObjects(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    /// A response file in a scratch folder whose `data` holds these files' bytes as `b64_json`.
    static func response(embedding fixtures: [String]) throws -> String {
        let entries = try fixtures.map { name in
            ["b64_json": try Data(contentsOf: URL(fileURLWithPath: Self.fixture(name))).base64EncodedString()]
        }
        let path = try makeScratchDirectory() + "/saved.json"
        try JSONSerialization.data(withJSONObject: ["created": 1_700_000_000, "data": entries]).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("text: a header line per response, then every image with its real format and size; links redacted")
    func text() throws {
        let run = try Self.run(["info", Self.fixture("response-nscale.json"), Self.fixture("response-openai.json"), Self.fixture("response-nebius-url.json")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").map(String.init) == [
            "\(Self.fixture("response-nscale.json")): images API response, 2 images, created 2023-11-14T22:13:20Z, 1671 bytes",
            "  data[0]: PNG 32x32 gray 8-bit deflate, 452 bytes",
            "  data[1]: WebP 48x48 rgba 8-bit lossy, 752 bytes",
            "\(Self.fixture("response-openai.json")): images API response, 1 image, created 2024-04-23T00:53:48Z, 976 bytes",
            "  data[0]: PNG 32x32 gray 8-bit deflate, 452 bytes, revised prompt “A café \"sign\" ☕”",
            "\(Self.fixture("response-nebius-url.json")): images API response, 1 image, id text2img-0a1b2c, 102 bytes",
            "  data[0]: https://example.invalid/img/abc.png?… (not downloaded)",
        ])
        #expect(!run.stdout.contains("secret") && !run.stderr.contains("secret"), "the signed query is never shown")
    }

    @Test("generate's output folder: the image, its thumbnail and its sidecar all described; another JSON object is an error")
    func generatedFolder() throws {
        let folder = try makeScratchDirectory() + "/out"
        let made = try GenerateCommandTests.generate(["a red fox", "-z", "96x64", "--seed", "7", "--thumbnail", "32", "-o", folder + "/", "--quiet"])
        #expect(made.status == 0, "\(made.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { folder + "/" + $0 }
        #expect(files.map { ($0 as NSString).pathExtension }.sorted() == ["json", "png", "webp"])
        let run = try InfoCommandTests.run(["info"] + files)
        #expect(run.status == 0, "\(run.stderr)")
        let sidecarLine = try #require(run.stdout.split(separator: "\n").first { $0.contains("imagepipe sidecar") })
        #expect(sidecarLine.contains("“a red fox”, sandbox") && sidecarLine.contains("seed 7, png 96x64") && sidecarLine.contains("1 thumbnail"), "\(sidecarLine)")

        let json = try Self.run(["info", "--json"] + files.filter { $0.hasSuffix(".json") })
        let object = try #require(try Self.jsonObjects(json.stdout).first)
        #expect(object["kind"] as? String == "sidecar")
        let provenance = try #require(object["provenance"] as? [String: Any])
        #expect(provenance["prompt"] as? String == "a red fox" && provenance["seed"] as? Int == 7)

        let other = try makeScratchDirectory() + "/settings.json"
        try Data(#"{"software": "something else", "prompt": "x"}"#.utf8).write(to: URL(fileURLWithPath: other))
        let refused = try Self.run(["info", other])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(other) && refused.stderr.contains("no \"data\""), "\(refused.stderr)")
    }

    @Test("--json: one object per file, kind response, an images array with the fields of a file's object")
    func json() throws {
        let run = try Self.run(["info", "--json", Self.fixture("response-nscale.json"), Self.fixture("response-nebius-url.json"), Self.fixture("gray.png")])
        #expect(run.status == 0, "\(run.stderr)")
        let objects = try Self.jsonObjects(run.stdout)
        try #require(objects.count == 3)
        #expect(objects[0]["kind"] as? String == "response")
        #expect(objects[0]["path"] as? String == Self.fixture("response-nscale.json"))
        #expect(objects[0]["created"] as? Int == 1_700_000_000 && objects[0]["bytes"] as? Int == 1671)
        let images = try #require(objects[0]["images"] as? [[String: Any]])
        #expect(images.map { $0["index"] as? Int } == [0, 1])
        #expect(images.map { $0["format"] as? String } == ["png", "webp"])
        #expect(images.map { $0["width"] as? Int } == [32, 48])
        #expect(images.map { $0["colorModel"] as? String } == ["gray", "rgba"])
        #expect(images.map { $0["bytes"] as? Int } == [452, 752])
        // An embedded image has the keys of the same image as a file, but `path`, plus `index`.
        var fileKeys = Set(objects[2].keys)
        fileKeys.remove("path")
        #expect(Set(images[0].keys) == fileKeys.union(["index"]))
        let link = try #require((objects[1]["images"] as? [[String: Any]])?.first)
        #expect(link["url"] as? String == "https://example.invalid/img/abc.png?…")
        #expect(objects[1]["id"] as? String == "text2img-0a1b2c")
        #expect(!run.stdout.contains("secret"))
        #expect(objects[2]["kind"] == nil && objects[2]["format"] as? String == "png", "image files keep their object")
    }

    @Test("an error response exits 1 with the provider's message; the other files are still described")
    func providerError() throws {
        let credit = Self.fixture("response-error-credit.json"), nebius = Self.fixture("response-error-nebius-422.json")
        let run = try Self.run(["info", credit, Self.fixture("gray.png"), nebius])
        #expect(run.status == 1)
        #expect(run.stderr.contains("error: \(credit): the response holds an error from the provider: Insufficient credit to run this request (type: INSUFFICIENT_CREDIT, code: 429)"))
        #expect(run.stderr.contains("error: \(nebius): the response holds an error from the provider: width: ensure this value is less than or equal to 2048"))
        #expect(run.stdout == "\(Self.fixture("gray.png")): PNG 32x32 gray 8-bit deflate, 452 bytes\n")
        let json = try Self.run(["info", "--json", credit])
        #expect(json.status == 1)
        let object = try #require(try Self.jsonObjects(json.stdout).first)
        #expect(object["code"] as? String == "providerError")
        #expect((object["error"] as? String)?.contains("Insufficient credit") == true)
    }

    @Test("an invalid payload or malformed JSON is named with its byte offset; the good images are still listed")
    func invalidResponses() throws {
        let bad = Self.fixture("response-bad-payload.json"), truncated = Self.fixture("response-truncated.json")
        let run = try Self.run(["info", "-v", bad, truncated, Self.fixture("gray.png")])
        #expect(run.status == 1)
        // Byte 754 is the '*' inside data[1]'s payload (counted independently of the scanner).
        #expect(run.stderr.contains("error: \(bad): data[1].b64_json is not valid base64: invalid character at byte 754 of the body [invalidResponse at byte 754]"))
        #expect(run.stderr.contains("error: \(truncated): malformed JSON: the string for data[0].b64_json starting at byte 33 never ends"))
        #expect(run.stdout.contains("\(bad): images API response, 2 images"))
        #expect(run.stdout.contains("  data[0]: PNG 32x32 gray 8-bit deflate, 452 bytes\n  data[1]: failed: data[1].b64_json is not valid base64"))
        #expect(run.stdout.contains("\(Self.fixture("gray.png")): PNG 32x32"))
        #expect(!run.stdout.contains(truncated))
        let json = try Self.jsonObjects(try Self.run(["info", "--json", bad, truncated]).stdout)
        try #require(json.count == 2)
        let failed = try #require((json[0]["images"] as? [[String: Any]])?.last)
        #expect(failed["byteOffset"] as? Int == 754 && failed["code"] as? String == "invalidResponse" && failed["format"] == nil)
        #expect(json[1]["byteOffset"] as? Int == 33 && json[1]["path"] as? String == truncated)
    }

    @Test("--verify decodes each embedded image and names the one that is damaged")
    func verify() throws {
        let good = try Self.run(["info", "--verify", Self.fixture("response-nscale.json")])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("  data[1]: WebP 48x48 rgba 8-bit lossy, 752 bytes, pixels verified"))
        let saved = try Self.response(embedding: ["gradient-rgb.png", "bad-crc.png"])
        let header = try Self.run(["info", saved])
        #expect(header.status == 0, "the header of bad-crc.png is intact: \(header.stderr)")
        let verified = try Self.run(["info", "--verify", saved])
        #expect(verified.status == 1)
        #expect(verified.stdout.contains("  data[0]: PNG 64x48 rgb 8-bit deflate, 8494 bytes, pixels verified"))
        #expect(verified.stdout.contains("  data[1]: failed: PNG checksum mismatch"))
        #expect(verified.stderr.contains("error: \(saved) data[1]: PNG checksum mismatch: IDAT: CRC error"))
        #expect(!verified.stderr.contains("data[0]"))
    }

    @Test("limits apply to each embedded image as to a file")
    func limits() throws {
        let pixels = try Self.run(["info", "--verify", "--max-pixels", "2000", Self.fixture("response-nscale.json")])
        #expect(pixels.status == 1)
        #expect(pixels.stdout.contains("  data[0]: PNG 32x32 gray 8-bit deflate, 452 bytes, pixels verified"), "1024 pixels are within 2000")
        #expect(pixels.stderr.contains("response-nscale.json data[1]: image is 48x48"))
        let bytes = try Self.run(["info", "--max-input-bytes", "1000", Self.fixture("response-nscale.json")])
        #expect(bytes.status == 1)
        #expect(bytes.stderr.contains("response-nscale.json: file is 1671 bytes, over the input limit of 1000 bytes"))
    }
}

/// `imagepipe info --metadata` on hostile text chunks: escaped for the terminal, bounded in memory.
@Suite("imagepipe info --metadata on hostile text")
struct InfoMetadataCommandTests {
    /// A copy of the gray fixture with `chunks` (type, data) after IHDR, in a scratch folder.
    static func png(with chunks: [(String, [UInt8])]) throws -> String {
        let original = try readBytes(TestPaths.fixtures.appendingPathComponent("gray.png"))
        var bytes = Array(original[..<33])
        for (type, data) in chunks { PNGBomb.appendChunk(&bytes, type, data) }
        bytes += original[33...]
        let path = try makeScratchDirectory() + "/text.png"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The peak resident memory the run reported (`IMAGEPIPE_REPORT_RESOURCES=1`), in MiB.
    static func peakMiB(_ run: CommandLineTests.Run) throws -> Int {
        let line = try #require(run.stderr.split(separator: "\n").first { $0.hasPrefix("resources: peak resident ") })
        let kibibytes = try #require(Int(line.split(separator: " ")[3]))
        return kibibytes >> 10
    }

    @Test("control characters (ESC, OSC, BEL, CR, C1 CSI, newlines) in keys and values are printed escaped")
    func controlCharactersEscaped() throws {
        let value: [UInt8] = Array("red\u{1B}[31m fox\u{1B}]0;pwned\u{07}\rback\\slash\nimagepipe.provenance: forged".utf8) + [0x9B, 0x7F, 0x00]
        let path = try Self.png(with: [
            ("tEXt", Array("Comment".utf8) + [0] + value),
            ("iTXt", Array("Title".utf8) + [0, 0, 0, 0, 0] + Array("a\u{202E}b\u{9B}c\u{2028}d".utf8)),
            ("tEXt", Array("Bad\u{1B}key".utf8) + [0] + Array("v".utf8)),
        ])
        let run = try CommandLineTests.run(["info", "--metadata", path])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5)  // the summary, three entries, the final newline
        let controls = run.stdout.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E || $0.value == 0x2028 }
        #expect(controls.isEmpty, "\(controls.map(\.value))")
        #expect(run.stdout.contains(#"  Comment: red\e[31m fox\e]0;pwned\u{7}\rback\\slash\nimagepipe.provenance: forged\u{9b}\u{7f}\u{0}"#))
        #expect(run.stdout.contains(#"  Title: a\u{202e}b\u{9b}c\u{2028}d"#))
        #expect(run.stdout.contains(#"  Bad\ekey: v"#))
        // --json escapes them as JSON does, and keeps the text whole.
        let json = try CommandLineTests.run(["info", "--metadata", "--json", path])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect((object["metadata"] as? [String: String])?["Title"] == "a\u{202E}b\u{9B}c\u{2028}d")
    }

    @Test("a 50 MB tEXt value is cut at 1 MiB with the count of bytes left; memory stays near the file's size")
    func largeTextBounded() throws {
        let size = 50_000_000
        let path = try Self.png(with: [("tEXt", Array("Comment".utf8) + [0] + [UInt8](repeating: UInt8(ascii: "x"), count: size))])
        let run = try runImagepipe(["info", "--metadata", path], environment: ["IMAGEPIPE_REPORT_RESOURCES": "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("  Comment: ") })
        #expect(line == "  Comment: " + String(repeating: "x", count: 1 << 20) + "… (\(size - (1 << 20)) more bytes)")
        // Reading the file costs its size once (77 MiB measured, debug build); the old reader held
        // about 11 copies (550 MiB). The bound leaves room for sanitizer builds.
        #expect(try Self.peakMiB(run) < 250)
    }

    @Test("a zTXt that inflates to 1 GiB is not inflated: info --metadata lists the rest, in little memory")
    func compressedBomb() throws {
        let path = try Self.png(with: [
            ("zTXt", Array("Comment".utf8) + [0, 0] + PNGBomb.zlibZeros(atLeast: 1 << 30)),
            ("tEXt", Array("Title".utf8) + [0] + Array("after the bomb".utf8)),
        ])
        let run = try runImagepipe(["info", "--metadata", path], environment: ["IMAGEPIPE_REPORT_RESOURCES": "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("\n  Title: after the bomb\n"))
        #expect(try Self.peakMiB(run) < 250)
    }

    @Test("content credentials: info says present (not verified) with the store's size, container and claim generator; --json the same fields")
    func contentCredentials() throws {
        let files = ["png", "jpg", "webp"].map { InfoCommandTests.fixture("c2pa/signed.\($0)") }
        let run = try InfoCommandTests.run(["info"] + files)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        for (line, container) in zip(lines, ["a PNG caBX chunk", "1 JPEG APP11 segment", "a WebP C2PA chunk"]) {
            #expect(line.contains("content credentials: present (not verified), "), "\(line)")
            #expect(line.contains(" bytes in \(container), claim generator \"imagepipe-test-fixtures 1.0\""), "\(line)")
            #expect(!line.lowercased().contains("valid"), "never claims validity: \(line)")
        }
        let json = try InfoCommandTests.jsonObjects(try InfoCommandTests.run(["info", "--json"] + files).stdout)
        for object in json {
            let credentials = try #require(object["contentCredentials"] as? [String: Any], "\(object)")
            #expect(credentials["signatureVerified"] as? Bool == false)
            #expect(credentials["claimGenerator"] as? String == "imagepipe-test-fixtures 1.0")
            #expect((credentials["byteCount"] as? Int ?? 0) > 1000)
        }
        let plain = try InfoCommandTests.run(["info", "--json", InfoCommandTests.fixture("gradient-rgb.png")])
        #expect(try InfoCommandTests.jsonObjects(plain.stdout).first?["contentCredentials"] == nil)
    }
}
