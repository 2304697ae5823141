import ImageCodecs
import ImageCore
import ImageOps
import ImagePipeline
import TestSupport
import Synchronization
import Testing
import PipelineCore

/// Small stages for testing the pipeline machinery itself.
private struct Double_: Stage {
    var name: String { "double" }
    func process(_ input: Int, context: inout StageContext) async throws -> Int { input * 2 }
}

private struct Describe: Stage {
    var name: String { "describe" }
    func process(_ input: Int, context: inout StageContext) async throws -> String {
        context.warnings.append("saw \(input)")
        return "#\(input)"
    }
}

private struct Quote: Stage {
    var name: String { "quote" }
    func process(_ input: Int, context: inout StageContext) async throws -> String { "'\(input)'" }
}

private struct FailOn: Stage {
    var value: Int
    var name: String { "fail-on" }
    struct Refused: Error {}
    func process(_ input: Int, context: inout StageContext) async throws -> Int {
        if input == value { throw Refused() }
        return input
    }
}

private struct Split: Stage {
    func process(_ input: Int, context: inout StageContext) async throws -> [Int] { Array(0..<input) }
}

/// Counts items in flight and waits a little, to observe concurrency and backpressure.
private final class Gauge: Sendable {
    let state = Mutex((current: 0, peak: 0, started: 0))
}

private struct Slow: Stage {
    let gauge: Gauge
    var delay: Duration = .milliseconds(20)
    func process(_ input: Int, context: inout StageContext) async throws -> Int {
        gauge.state.withLock { $0.current += 1; $0.started += 1; $0.peak = max($0.peak, $0.current) }
        defer { gauge.state.withLock { $0.current -= 1 } }
        try await Task.sleep(for: delay)
        return input
    }
}

private struct Hang: Stage {
    let gauge: Gauge
    func process(_ input: Int, context: inout StageContext) async throws -> Int {
        gauge.state.withLock { $0.started += 1 }
        if input > 2 { try await Task.sleep(for: .seconds(60)) }
        return input
    }
}

/// Inputs produced on demand, counting how many were pulled.
private struct CountingInputs: AsyncSequence, Sendable {
    let count: Int
    let pulled: Gauge
    struct AsyncIterator: AsyncIteratorProtocol {
        var next = 0
        let count: Int
        let pulled: Gauge
        mutating func next() async -> Int? {
            guard next < count else { return nil }
            next += 1
            pulled.state.withLock { $0.started += 1 }
            return next
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count, pulled: pulled) }
}

@Suite("Pipeline: stages, chains, runner")
struct PipelineRunnerTests {
    @Test("a built chain passes typed values through and records each stage's time and warnings")
    func chain() async throws {
        let pipeline = Pipeline {
            Double_()
            Double_()
            Describe()
        }
        var context = StageContext(label: "x")
        #expect(try await pipeline.process(5, context: &context) == "#20")
        #expect(context.timings.map(\.stage) == ["double", "describe"])
        #expect(context.warnings == ["saw 20"])
    }

    @Test("if … else and for loops build pipelines: the chosen branch runs, each iteration's stage in order")
    func branchesAndLoops() async throws {
        func build(describe: Bool, doublings: Int) -> some Stage<Int, String> {
            Pipeline {
                for _ in 0..<doublings {
                    Double_()
                }
                if describe {
                    Describe()
                } else {
                    Quote()
                }
            }
        }
        var context = StageContext(label: "x")
        #expect(try await build(describe: true, doublings: 3).process(1, context: &context) == "#8")
        #expect(context.timings.map(\.stage) == ["double", "describe"], "a loop's stages are timed under their own name")
        #expect(context.duration(of: "double") > .zero)
        context = StageContext(label: "y")
        #expect(try await build(describe: false, doublings: 0).process(5, context: &context) == "'5'")
        #expect(context.timings.map(\.stage) == ["quote"])
        #expect(build(describe: true, doublings: 2).name == "double → double → describe")
    }

    @Test("ForEachElement runs the inner pipeline per element and keeps each element's failure to itself")
    func forEach() async throws {
        let pipeline = Pipeline {
            Split()
            ForEachElement {
                FailOn(value: 2)
                Describe()
            }
        }
        var context = StageContext(label: "item")
        let results = try await pipeline.process(4, context: &context)
        #expect(results.count == 4)
        #expect(results.map { (try? $0.get()) ?? "failed" } == ["#0", "#1", "failed", "#3"])
        #expect(context.warnings == ["saw 0", "saw 1", "saw 3"])
        #expect(context.timings.contains { $0.stage == "describe" })
    }

    @Test("the runner keeps at most `concurrency` items in flight and pulls inputs only as slots free")
    func boundedConcurrency() async throws {
        let gauge = Gauge(), pulled = Gauge()
        let runner = PipelineRunner(Slow(gauge: gauge), concurrency: 3)
        var seenWhilePulling: [Int] = []
        let report = await runner.run(CountingInputs(count: 12, pulled: pulled)) { _ in
            seenWhilePulling.append(pulled.state.withLock { $0.started })
        }
        #expect(report.items.map(\.index) == Array(0..<12))
        #expect(gauge.state.withLock { $0.peak } <= 3)
        #expect(gauge.state.withLock { $0.peak } >= 2)
        // When the first item finished, no more than `concurrency` inputs had been pulled.
        #expect(seenWhilePulling.first! <= 3)
        #expect(!report.wasStopped)
        #expect(report.stageTotals.first?.stage == "Slow")
    }

    @Test("failures are per item; fail-fast stops the run")
    func failures() async throws {
        let keepGoing = await PipelineRunner(FailOn(value: 3), concurrency: 2).run(Array(1...6))
        #expect(keepGoing.items.count == 6)
        #expect(keepGoing.failures.map(\.index) == [2])
        #expect(!keepGoing.wasStopped)

        let gauge = Gauge()
        let stopping = PipelineRunner(Pipeline { FailOn(value: 1); Slow(gauge: gauge) }, concurrency: 1, failFast: true)
        let report = await stopping.run(Array(1...50))
        #expect(report.wasStopped)
        #expect(report.items.count < 50)
        #expect(report.failures.count == 1)
    }

    @Test("an input sequence that throws ends the inputs: the items before it finish, the report carries the error")
    func failingInputs() async throws {
        struct Unreadable: Error {}
        let inputs = AsyncThrowingStream<Int, any Error> { continuation in
            for value in 1...3 { continuation.yield(value) }
            continuation.finish(throwing: Unreadable())
        }
        let report = await PipelineRunner(Double_(), concurrency: 2).run(inputs)
        #expect(report.items.compactMap { try? $0.result.get() } == [2, 4, 6])
        #expect(report.inputError is Unreadable)
        #expect(report.wasStopped)

        let clean = await PipelineRunner(Double_(), concurrency: 2).run(Array(1...3))
        #expect(clean.inputError == nil && !clean.wasStopped)
    }

    @Test("cancelling the run stops pulling inputs and cancels items in flight", .timeLimit(.minutes(5)))
    func cancellation() async throws {
        let gauge = Gauge()
        // Inputs 1 and 2 finish at once; later ones would take a minute unless cancelled.
        let runner = PipelineRunner(Pipeline { Hang(gauge: gauge) }, concurrency: 2)
        let task = Task { await runner.run(Array(1...100)) }
        while gauge.state.withLock({ $0.started }) < 4 { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let report = await task.value
        #expect(report.wasStopped)
        #expect(gauge.state.withLock { $0.started } == 4)
        #expect(report.items.prefix(2).allSatisfy { (try? $0.result.get()) != nil })
        #expect(report.items.dropFirst(2).allSatisfy { if case .failure(let error) = $0.result { error is CancellationError } else { false } })
        #expect(report.items.count == 4)
    }
}

@Suite("Pipeline: built-in stages on files and responses")
struct BuiltInStageTests {
    @Test("read → probe → decode → resize → encode → write → sidecar, from a file")
    func fileChain() async throws {
        let out = try makeScratchDirectory()
        let pipeline = Pipeline {
            ReadImageFile()
            ProbeImage(expectedSize: ImageSize(width: 64, height: 48))
            DecodeGeneratedImage()
            ResizeImage(ResizeGeometry(box: ImageSize(width: 32, height: 32), fit: .cover))
            EncodeGeneratedImage(format: .webp)
            WriteGeneratedImage(destination: .directory(out))
            WriteSidecar()
        }
        var context = StageContext(label: "gradient")
        let saved = try await pipeline.process(TestPaths.fixtures.appendingPathComponent("gradient-rgb.png").path, context: &context)
        #expect(saved.path == out + "/gradient-rgb-1.webp")
        #expect(saved.sidecarPath == out + "/gradient-rgb-1.json")
        #expect(try ImageDecoder().probe(try FileIO.readFile(saved.path, maxBytes: 1 << 20)).size == ImageSize(width: 32, height: 32))
        #expect(context.timings.map(\.stage) == ["read", "probe", "decode", "resize", "encode", "write", "sidecar"])
    }

    @Test("a saved response decodes into its images; a bad payload names its byte offset")
    func responses() async throws {
        var context = StageContext(label: "response-openai.json")
        let images = try await DecodeResponse(prompt: "p").process(try TestPaths.fixture("response-openai.json"), context: &context)
        #expect(!images.isEmpty && images.allSatisfy { ImageFormat.sniff($0.bytes) != nil })
        let error = await #expect(throws: PipelineError.self) {
            var context = StageContext(label: "bad")
            _ = try await DecodeResponse().process(try TestPaths.fixture("response-bad-payload.json"), context: &context)
        }
        #expect(error?.code == .invalidResponse && error?.byteOffset != nil)
        let probeError = await #expect(throws: PipelineError.self) {
            var context = StageContext(label: "probe")
            _ = try await ProbeImage(expectedSize: ImageSize(width: 1, height: 1)).process(images[0], context: &context)
        }
        #expect(probeError?.code == .sizeMismatch)
    }
}
