import Foundation
import Testing
import TestSupport

/// `imagepipe generate` as a user runs it: no token set, so the built-in sandbox answers.
@Suite("imagepipe generate")
struct GenerateCommandTests {
    static let tokenVariables = ["NSCALE_SERVICE_TOKEN", "NEBIUS_API_KEY", "OPENAI_API_KEY", "TOGETHER_API_KEY"]

    static func generate(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["generate"] + arguments, environment: environment, removing: tokenVariables)
    }

    @Test("without a token: the sandbox, a notice, the image with thumbnail and sidecar, provenance in the file")
    func sandboxByDefault() throws {
        let folder = try makeScratchDirectory()
        let run = try Self.generate(["a quiet harbour at dawn", "-z", "256x256", "--thumbnail", "64", "-o", folder + "/"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("no API token set") && run.stderr.contains("built-in sandbox"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
            "a-quiet-harbour-at-dawn-1.64.webp", "a-quiet-harbour-at-dawn-1.json", "a-quiet-harbour-at-dawn-1.png",
        ])
        #expect(run.stdout.contains("a-quiet-harbour-at-dawn-1.png (png, 256x256"))
        let info = try CommandLineTests.run(["info", "--metadata", folder + "/a-quiet-harbour-at-dawn-1.png"])
        #expect(info.stdout.contains("Description: a quiet harbour at dawn"))
        #expect(info.stdout.contains("imagepipe.provenance: {"))
    }

    @Test("--thumbnail none: no thumbnail, as without the option")
    func noThumbnail() throws {
        let folder = try makeScratchDirectory()
        let run = try Self.generate(["a kite", "-z", "64x64", "--thumbnail", "none", "-o", folder + "/"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a-kite-1.json", "a-kite-1.png"])
    }

    @Test("--json prints one object per image; -n 2 --format webp writes two WebPs; -p prints nothing off a terminal")
    func jsonAndFormat() throws {
        let folder = try makeScratchDirectory()
        let run = try Self.generate(["two gulls", "-n", "2", "-z", "128x128", "--format", "webp", "--json", "-p", "-o", folder])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let provenance = object["provenance"] as! [String: Any]
            #expect((object["path"] as! String).hasSuffix(".webp"))
            #expect(provenance["format"] as? String == "webp" && provenance["source_format"] as? String == "png")
        }
        #expect(!run.stdout.contains("\u{1B}["))
    }

    @Test("--prompt-file with one failing request saves the rest and exits 1 with one error line")
    func promptFile() throws {
        let folder = try makeScratchDirectory()
        let prompts = folder + "/prompts.txt"
        try "# comments and blank lines are skipped\nfirst\n\nsecond\nthird\n".write(toFile: prompts, atomically: true, encoding: .utf8)
        // The sandbox is started by the test here, failing its first request with a final 400.
        let out = folder + "/out"
        let (serve, url) = try Self.serve(["--fail", "400:first=1"])
        defer { serve.interrupt(); serve.waitUntilExit() }
        let run = try Self.generate(["--prompt-file", prompts, "--provider", "openai-compatible", "--base-url", url, "-z", "128x128", "--concurrency", "1", "-o", out])
        #expect(run.status == 1)
        #expect(run.stderr.components(separatedBy: "error: ").count == 2, "\(run.stderr)")
        #expect(run.stderr.contains("HTTP 400"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".png") }.sorted() == ["second-1.png", "third-1.png"])
        #expect(run.stderr.contains("saved 2 images for 3 prompts, 1 failed"))
    }

    /// Starts `imagepipe serve --port 0` with `arguments`; returns the process (stop it by
    /// interrupting it) and the base URL it announced.
    /// Runs a Python `script` with `sys.argv[1]` the URL of a fresh `imagepipe serve` and the
    /// `arguments` after it; its status and output, or `nil` (saying it skipped) when the OpenAI
    /// Python SDK is not installed.
    static func runWithOpenAISDK(_ script: String, _ arguments: [String]) throws -> (Int32, String)? {
        guard pythonHasOpenAI() else {
            print("skipped: the OpenAI Python SDK is not installed (pip install openai; scripts/test.sh installs it)")
            return nil
        }
        let (serve, url) = try serve([])
        defer { serve.interrupt(); serve.waitUntilExit() }
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["python3", "-c", script, url] + arguments
        let output = Pipe()
        run.standardOutput = output
        run.standardError = output
        try run.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        return (run.terminationStatus, text)
    }

    /// Whether `python3 -c "import openai"` works.
    static func pythonHasOpenAI() -> Bool {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import openai"]
        python.standardError = FileHandle.nullDevice
        guard (try? python.run()) != nil else { return false }
        python.waitUntilExit()
        return python.terminationStatus == 0
    }

    static func serve(_ arguments: [String]) throws -> (Process, String) {
        let serve = Process()
        serve.executableURL = CommandLineTests.binary
        serve.arguments = ["serve", "--port", "0"] + arguments
        let serveOutput = Pipe()
        serve.standardOutput = serveOutput
        serve.standardError = serveOutput
        try serve.run()
        var announced = ""
        while !announced.contains("\n") {
            let chunk = serveOutput.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            announced += String(decoding: chunk, as: UTF8.self)
        }
        guard let url = announced.split(separator: " ").first(where: { $0.hasPrefix("http://") }).map(String.init) else {
            serve.interrupt()
            serve.waitUntilExit()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "serve announced no URL: \(announced)"])
        }
        return (serve, url)
    }

    @Test("a safety refusal from the service is reported as such, once, never retried, and nothing is written")
    func moderationRefusal() throws {
        let folder = try makeScratchDirectory()
        let (serve, url) = try Self.serve(["--fail", "moderation"])
        defer { serve.interrupt(); serve.waitUntilExit() }
        let run = try Self.generate(["a fox", "--provider", "openai-compatible", "--base-url", url, "--retries", "3", "-o", folder + "/out"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("HTTP 400 refused by the provider's safety system: Your request was rejected by the safety system"), "\(run.stderr)")
        #expect(run.stderr.contains("(after 1 attempt)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out"))
    }

    @Test("a batch paces itself by the service's rate-limit headers: the third request waits for the window instead of drawing a 429; sidecars record the headers and usage")
    func rateLimitPacing() throws {
        let folder = try makeScratchDirectory()
        let prompts = folder + "/prompts.txt"
        try "first\nsecond\nthird\n".write(toFile: prompts, atomically: true, encoding: .utf8)
        let (serve, url) = try Self.serve(["--rate-limit", "2/2s"])
        defer { serve.interrupt(); serve.waitUntilExit() }
        let run = try Self.generate([
            "--prompt-file", prompts, "--provider", "openai-compatible", "--base-url", url, "-m", "gpt-image-1", "-z", "1024x1024",
            "--image-quality", "low", "--jobs", "1", "--retries", "0", "--json", "-o", folder + "/out",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("429"), "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let records = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["provenance"] as? [String: Any]
        }
        let waited = records.compactMap { ($0?["timings_ms"] as? [String: Double])?["rate_limit_wait"] }
        #expect(waited.count == 1, "exactly one request waited for the window: \(records.map { $0?["timings_ms"] ?? "" })")
        for record in records {
            let limits = try #require(record?["rate_limits"] as? [String: [String: Any]], "\(String(describing: record))")
            #expect(limits["requests"]?["limit"] as? Int == 2)
            #expect((record?["usage"] as? [String: Int])?["total_tokens"] != nil, "\(String(describing: record?["usage"]))")
        }
    }

    @Test("--stream --partial-images 2 --save-partials: the partials written beside the image and named in the sidecar")
    func streamed() throws {
        let folder = try makeScratchDirectory()
        let run = try Self.generate(["a fox", "--stream", "--partial-images", "2", "--save-partials", "-m", "gpt-image-1", "-z", "1024x1024", "-o", folder + "/fox.png"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["fox.json", "fox.partial-0.png", "fox.partial-1.png", "fox.png"])
        let sidecar = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/fox.json"))) as? [String: Any])
        #expect(sidecar["partial_images"] as? [String] == [folder + "/fox.partial-0.png", folder + "/fox.partial-1.png"])
        let refused = try Self.generate(["a fox", "--partial-images", "2", "-o", folder + "/x.png"])
        #expect(refused.status == 64 && refused.stderr.contains("need --stream"), "\(refused.stderr)")
    }

    @Test("the OpenAI Python SDK streams partial images from imagepipe serve (skipped, saying so, without `pip install openai`)")
    func openAISDKStream() throws {
        let script = """
        import sys
        from openai import OpenAI
        client = OpenAI(base_url=sys.argv[1], api_key="test")
        stream = client.images.generate(model="gpt-image-1", prompt="a fox", size="1024x1024", stream=True, partial_images=2)
        for event in stream:
            print(event.type, getattr(event, "partial_image_index", None), len(event.b64_json) > 1000)
        """
        guard let (status, text) = try Self.runWithOpenAISDK(script, []) else { return }
        #expect(status == 0, "\(text)")
        #expect(text == "image_generation.partial_image 0 True\nimage_generation.partial_image 1 True\nimage_generation.completed None True\n", "\(text)")
    }

    @Test("bad options are refused before any request", arguments: [
        (["x", "--strict-size", "--fix-size"], "contradict"),
        (["x", "-z", "big"], "WxH"),
        (["x", "-t", "tok"], "needs --provider"),
        (["x", "--provider", "nowhere"], "unknown provider"),
        (["x", "--provider", "nscale"], "NSCALE_SERVICE_TOKEN"),
        (["x", "--format", "keep", "-q", "80"], "keep"),
        (["--thumbnail", "0", "x"], "--thumbnail takes pixel sizes such as 512,256, or none (got \"0\")"),
        (["--thumbnail", "256,none", "x"], "--thumbnail takes pixel sizes"),
        ([String](), "give a prompt"),
    ])
    func refusals(_ arguments: [String], _ expected: String) throws {
        let run = try Self.generate(arguments + ["-o", try makeScratchDirectory()])
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
    }

    @Test("a token never appears in output, even when the service rejects it")
    func tokenNeverShown() throws {
        let folder = try makeScratchDirectory()
        let secret = "sk-very-secret-token-0123456789"
        let run = try Self.generate(["x", "--provider", "openai-compatible", "--base-url", "http://127.0.0.1:9/v1", "-t", secret, "--retries", "0", "--connect-timeout", "1", "-o", folder])
        #expect(run.status != 0)
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
    }
}

extension GenerateCommandTests {
    @Test("Ctrl-C stops a batch: finished images stay complete, nothing half-written, exit 130", .timeLimit(.minutes(5)))
    func interrupt() async throws {
        let folder = try makeScratchDirectory()
        let prompts = folder + "/prompts.txt"
        try (1...12).map { "prompt \($0)" }.joined(separator: "\n").write(toFile: prompts, atomically: true, encoding: .utf8)
        // The sandbox answers one request and holds every later one open: when the interrupt comes,
        // exactly one image is finished and the batch cannot have ended, however fast the machine is.
        let serve = Process()
        serve.executableURL = CommandLineTests.binary
        serve.arguments = ["serve", "--port", "0", "--answer-first", "1"]
        let serveOutput = Pipe()
        serve.standardOutput = serveOutput
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { serve.terminate(); serve.waitUntilExit() }
        let url = try #require(Self.readLine(serveOutput).split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))

        let generate = Process()
        generate.executableURL = CommandLineTests.binary
        generate.arguments = ["generate", "--prompt-file", prompts, "--provider", "sandbox", "--base-url", url,
                              "-z", "128x128", "--thumbnail", "32", "-j", "2", "-o", folder + "/out"]
        let errors = Pipe(), output = Pipe()
        generate.standardError = errors
        generate.standardOutput = output
        try generate.run()
        // generate prints a line once an image and its files are saved: the run is under way (and its
        // handler set), and every other request is held by the sandbox.
        let saved = Self.readLine(output)
        #expect(saved.contains(".png"), "generate printed \(saved)")
        generate.interrupt()
        generate.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(generate.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/out")
        #expect(!files.contains { $0.hasPrefix(".") }, "temporary files left: \(files)")
        let images = files.filter { $0.hasSuffix(".png") }
        #expect(images.count == 1, "\(images)")
        for image in images {
            let stem = String(image.dropLast(4))
            #expect(files.contains(stem + ".json") && files.contains(stem + ".32.webp"), "incomplete set for \(stem)")
        }
    }
}

extension GenerateCommandTests {
    // The release binary crashed (SIGILL in collectImages) in most runs that downloaded URL results,
    // while the debug build passed: many runs of four downloads each, against one server.
    @Test("URL results: twelve runs of -n 4 each save four images and exit 0", .timeLimit(.minutes(5)))
    func urlResults() throws {
        let serve = Process()
        serve.executableURL = CommandLineTests.binary
        serve.arguments = ["serve", "--port", "0"]
        let serveOutput = Pipe()
        serve.standardOutput = serveOutput
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { serve.terminate(); serve.waitUntilExit() }
        let url = try #require(Self.readLine(serveOutput).split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        for round in 1...12 {
            let folder = try makeScratchDirectory()
            let run = try Self.generate(["round \(round)", "--provider", "sandbox", "--base-url", url, "--response-format", "url",
                                         "-n", "4", "-z", "64x64", "-o", folder + "/"])
            #expect(run.status == 0, "round \(round): \(run.stderr)")
            let images = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".png") }
            #expect(images.count == 4, "round \(round): \(images)")
            if run.status != 0 { break }
        }
    }
}

extension GenerateCommandTests {
    /// Reads `pipe` up to and including its first line feed (or to its end), one read at a time.
    static func readLine(_ pipe: Pipe) -> String {
        var text = ""
        while !text.contains("\n") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text
    }
}
