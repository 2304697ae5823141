import ArgumentParser
import ImagePipeSandbox

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Imagepipe {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Run the sandbox: a local OpenAI-compatible image-generation server with procedural images.",
            discussion: """
            POST /v1/images/generations answers in the OpenAI, Nebius or Nscale shape, chosen from the \
            request's fields; GET /v1/models lists the models; URL results are served once from \
            /v1/files/<name>. The same request always gives the same image, rendered once and then cached. \
            Images are png or webp (a request for jpg/jpeg is refused with a validation error).

            Examples:
              imagepipe serve --port 0
              imagepipe serve --latency 100ms...800ms --fail 503:0.2 --fail 429-credit:0.05
              imagepipe serve --fail 503:first=2 --retry-after 0 --token-env SANDBOX_TOKEN
            """
        )

        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "Port to listen on; 0 picks a free one (printed at start).")
        var port = 8080

        @Option(help: ArgumentHelp(
            "Delay before each generation answer: a duration (200ms, 1.5s) or a range drawn per request (100ms...800ms).",
            valueName: "duration"
        ))
        var latency: String?

        @Option(name: .customLong("fail"), help: ArgumentHelp(
            "Inject a fault (repeatable): KIND[:RATE][:first=N][:retry-after=S]. KIND: 429 (rate limited), 429-credit (out of credit, final), 503, 500, moderation (400 moderation_blocked, final), or any status 400-599. RATE 0-1 (default 1); first=N: only the first N requests. E.g. 503:0.2, 429-credit:0.1, 503:first=2. Faults are tried in order; the first that fires answers.",
            valueName: "fault"
        ))
        var faults: [String] = []

        @Option(name: .customLong("retry-after"), help: ArgumentHelp(
            "Retry-After seconds for faults that name none (429 and 503 otherwise send 1).",
            valueName: "seconds"
        ))
        var retryAfter: Int?

        @Option(help: "Require 'Authorization: Bearer <token>'. Prefer --token-env: arguments are visible to other users.")
        var token: String?

        @Option(name: .customLong("token-env"), help: ArgumentHelp("Require the token held in this environment variable.", valueName: "variable"))
        var tokenEnvironment: String?

        @Flag(name: .customLong("wrong-size"), help: "Answer with images of half the requested width and height.")
        var wrongSize = false

        @Flag(help: "Answer with all-black images, as a content filter would.")
        var black = false

        @Option(help: "Image format when a request names none: png or webp.")
        var format: SandboxImageFormatArgument = .png

        @Option(help: "Seed for the random choices (latency within a range, fault rates, ids).")
        var seed: UInt64 = 0

        @Option(name: .customLong("answer-first"), help: ArgumentHelp(
            "Answer only the first N generation requests; hold later ones open unanswered until the client gives up or the server stops (then 503). For testing interrupts and timeouts.",
            valueName: "N"
        ))
        var answerFirst: Int?

        @Option(name: .customLong("rate-limit"), help: ArgumentHelp(
            "Allow N generation requests per window (N/60s, N/1m, N/500ms; N alone is per minute), with OpenAI's x-ratelimit-* headers on every answer and 429 past the limit.",
            valueName: "N/window"
        ))
        var rateLimit: String?

        /// `--rate-limit` as a request count and a window.
        func parsedRateLimit() throws -> (requests: Int, window: Duration)? {
            guard let rateLimit else { return nil }
            let parts = rateLimit.split(separator: "/", maxSplits: 1).map(String.init)
            guard let requests = Int(parts[0]), requests > 0 else {
                throw ValidationError("--rate-limit takes N/window with N a positive count, such as 60/1m (got \(rateLimit))")
            }
            guard parts.count == 2 else { return (requests, .seconds(60)) }
            let text = parts[1]
            let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
            for (unit, scale) in units where text.hasSuffix(unit) {
                let number = text.dropLast(unit.count)
                if let value = Double(number.isEmpty ? "1" : String(number)), value > 0, value.isFinite,
                   !(unit == "s" && text.hasSuffix("ms")) {
                    return (requests, .milliseconds(Int64((value * scale * 1000).rounded(.up))))
                }
            }
            throw ValidationError("--rate-limit window must be a duration such as 60s, 1m or 500ms (got \(text))")
        }

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") }
            if token != nil, tokenEnvironment != nil { throw ValidationError("give --token or --token-env, not both") }
            if let retryAfter, retryAfter < 0 { throw ValidationError("--retry-after must not be negative") }
            if let answerFirst, answerFirst < 0 { throw ValidationError("--answer-first must not be negative") }
            _ = try parsedRateLimit()
        }

        func run() async throws {
            var configuration = SandboxConfiguration(host: host, port: port)
            configuration.wrongSize = wrongSize
            configuration.blackImages = black
            configuration.defaultFormat = format.format
            configuration.seed = seed
            configuration.answeredRequests = answerFirst
            configuration.rateLimit = try parsedRateLimit()
            do {
                if let latency { configuration.latency = try SandboxLatency(parsing: latency) }
                for fault in faults {
                    configuration.faults.append(try SandboxFault(parsing: fault, defaultRetryAfter: retryAfter))
                }
            } catch {
                throw ValidationError(error.message)
            }
            if let tokenEnvironment {
                guard let value = getenv(tokenEnvironment).map({ String(cString: $0) }), !value.isEmpty else {
                    throw ValidationError("the environment variable \(tokenEnvironment) named by --token-env is not set")
                }
                configuration.requiredToken = value
            } else {
                configuration.requiredToken = token
            }

            let server: SandboxServer
            do {
                server = try await SandboxServer.start(configuration, stopsOnSignals: true)
            } catch {
                Report.standardError("error: \(error.message)")
                throw ExitCode.failure
            }
            Report.output("imagepipe sandbox listening on \(server.baseURL) (OpenAI images API; Ctrl-C stops)")
            try await server.waitUntilStopped()
            let statistics = server.statistics
            Report.note("imagepipe sandbox stopped after \(statistics.generationRequests) generation requests")
        }
    }
}

/// `--format png|webp` for `serve`.
struct SandboxImageFormatArgument: ExpressibleByArgument {
    let format: SandboxImageFormat

    init?(argument: String) {
        guard let format = SandboxImageFormat(rawValue: argument.lowercased()) else { return nil }
        self.format = format
    }

    static let png = SandboxImageFormatArgument(argument: "png")!

    static var allValueStrings: [String] { SandboxImageFormat.allCases.map(\.rawValue) }

    var defaultValueDescription: String { format.rawValue }
}
