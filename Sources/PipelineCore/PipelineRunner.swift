/// Feeds a sequence of inputs through a pipeline, several at once.
///
/// - **Bounded concurrency and backpressure**: at most ``concurrency`` items are in flight; the
///   next input is pulled from the sequence only when one finishes, so a slow pipeline never
///   makes the runner read ahead (a prompt file of a million lines costs one line at a time).
/// - **Failures per item**: an item that throws is reported and the others go on, unless
///   ``failFast`` is set (then the items in flight are cancelled and no new one starts). An input
///   sequence that throws ends the inputs; the items already started finish, and the error is
///   ``PipelineReport/inputError``.
/// - **Cancellation**: cancelling the task that runs the runner (Ctrl-C in the CLI) stops pulling
///   inputs and cancels the items in flight at their next stage boundary. Outputs already
///   written stay; no temporary file is left, because every write is atomic.
/// - **Progress and timings**: `onItem` is called as each item finishes (in completion order,
///   on the runner's task; the next input is started after it returns, so it may do async work
///   such as writing a checkpoint); ``PipelineReport`` sums the time of every stage over all items.
///
/// ```swift
/// let runner = PipelineRunner(Pipeline { ReadImageFile(); DecodeGeneratedImage() }, concurrency: 4)
/// let report = await runner.run(paths) { item in print(item.index, item.result) }
/// ```
public struct PipelineRunner<Stages: Stage>: Sendable {
    /// The pipeline each input goes through.
    public var stages: Stages
    /// Items in flight at once.
    public var concurrency: Int
    /// Stop at the first failure (cancelling the items in flight).
    public var failFast: Bool
    /// The label of an input in messages and contexts (default: its description).
    public var label: @Sendable (Stages.Input, Int) -> String

    /// Creates a runner.
    public init(
        _ stages: Stages, concurrency: Int = 1, failFast: Bool = false,
        label: @escaping @Sendable (Stages.Input, Int) -> String = { input, _ in "\(input)" }
    ) {
        self.stages = stages
        self.concurrency = max(1, concurrency)
        self.failFast = failFast
        self.label = label
    }

    /// One finished item.
    public typealias Item = PipelineItem<Stages.Output>

    /// Runs every input; see the type's description.
    ///
    /// - Returns: every finished item in input order, the per-stage totals, and whether the run
    ///   was cut short (cancelled, or stopped by ``failFast``).
    @discardableResult
    public func run<Inputs: AsyncSequence & Sendable>(
        _ inputs: Inputs, onItem: (Item) async -> Void = { _ in }
    ) async -> PipelineReport<Stages.Output> where Inputs.Element == Stages.Input {
        var items: [Item] = []
        var stopped = false
        var inputError: (any Error)?
        let start = ContinuousClock.now
        await withTaskGroup(of: Item.self) { group in
            var iterator = inputs.makeAsyncIterator()
            var next = 0
            var inFlight = 0
            var exhausted = false
            func startNext() async {
                guard !exhausted, !stopped, !Task.isCancelled else { return }
                let input: Stages.Input?
                do {
                    input = try await iterator.next()
                } catch {
                    // A failing input sequence (a file of prompts that cannot be read further)
                    // ends the inputs; the items in flight finish and the report carries it.
                    inputError = error
                    input = nil
                }
                guard let input else {
                    exhausted = true
                    return
                }
                let index = next
                next += 1
                inFlight += 1
                let stages = self.stages
                let label = self.label(input, index)
                group.addTask {
                    var context = StageContext(label: label)
                    do {
                        let output = try await Timed(stages).process(input, context: &context)
                        return Item(index: index, result: .success(output), context: context)
                    } catch {
                        return Item(index: index, result: .failure(error), context: context)
                    }
                }
            }
            while inFlight < concurrency && !exhausted && !Task.isCancelled { await startNext() }
            while let item = await group.next() {
                inFlight -= 1
                items.append(item)
                await onItem(item)
                if failFast, case .failure = item.result {
                    stopped = true
                    group.cancelAll()
                }
                if Task.isCancelled { stopped = true }
                await startNext()
            }
        }
        items.sort { $0.index < $1.index }
        return PipelineReport(
            items: items, elapsed: ContinuousClock.now - start,
            wasStopped: stopped || inputError != nil || Task.isCancelled, inputError: inputError
        )
    }
}

extension PipelineRunner {
    /// Runs every element of a sequence (an array of prompts or paths); see
    /// ``run(_:onItem:)-(Inputs,_)``.
    @discardableResult
    public func run<Inputs: Sequence & Sendable>(
        _ inputs: Inputs, onItem: (Item) async -> Void = { _ in }
    ) async -> PipelineReport<Stages.Output> where Inputs.Element == Stages.Input {
        await run(SequenceInputs(base: inputs), onItem: onItem)
    }
}

/// A sequence's elements as an async sequence, pulled one at a time.
struct SequenceInputs<Base: Sequence & Sendable>: AsyncSequence, Sendable {
    let base: Base

    struct AsyncIterator: AsyncIteratorProtocol {
        var iterator: Base.Iterator
        mutating func next() async -> Base.Element? { iterator.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(iterator: base.makeIterator()) }
}

/// What a run produced: the items, the time of each stage summed over them, and the wall time.
public struct PipelineReport<Output: Sendable>: Sendable {
    /// Every finished item, in input order (items never started are absent).
    public var items: [PipelineItem<Output>]
    /// Wall-clock time of the run.
    public var elapsed: Duration
    /// Whether the run stopped before the inputs ran out (cancelled, a failure with fail-fast, or
    /// an input sequence that threw).
    public var wasStopped: Bool
    /// The error the input sequence threw, if it did: no input after it was started.
    public var inputError: (any Error)?

    init(items: [PipelineItem<Output>], elapsed: Duration, wasStopped: Bool, inputError: (any Error)? = nil) {
        self.items = items
        self.elapsed = elapsed
        self.wasStopped = wasStopped
        self.inputError = inputError
    }

    /// The items that failed.
    public var failures: [(index: Int, label: String, error: any Error)] {
        items.compactMap { item in
            if case .failure(let error) = item.result { (item.index, item.context.label, error) } else { nil }
        }
    }

    /// The time of each stage summed over all items, in the order stages first ran.
    public var stageTotals: [(stage: String, duration: Duration)] {
        var totals = StageContext(label: "")
        for item in items {
            for (stage, duration) in item.context.timings { totals.record(stage, duration) }
        }
        return totals.timings
    }
}

/// One finished item of a run.
public struct PipelineItem<Output: Sendable>: Sendable {
    /// The input's position in the sequence.
    public var index: Int
    /// The pipeline's output, or the error that stopped the item.
    public var result: Result<Output, any Error>
    /// The item's context at the end: label, per-stage timings, warnings.
    public var context: StageContext
}
