/// One step of a pipeline: takes a value, does one job, returns the next value.
///
/// Stages are chained by ``PipelineBuilder`` into concrete generic types (``Chain``), so a
/// pipeline's hot path calls each stage directly, with no type-erased values between them (the
/// model is Hummingbird's middleware builder). A stage is a small `Sendable` struct holding its
/// settings; per-item state travels in the ``StageContext``.
///
/// ```swift
/// let thumbnails = Pipeline {
///     ReadImageFile()                                    // String (path) -> EncodedImage
///     DecodeImage()                                      // EncodedImage -> DecodedImageItem
///     MakeThumbnails(edges: [256])                       // adds thumbnails
///     EncodeImage(format: .webp)                         // -> EncodedImageItem
///     WriteImage(destination: .directory("out"))         // -> SavedImage
/// }
/// var context = StageContext(label: "cat.png")
/// let saved = try await thumbnails.process("cat.png", context: &context)
/// ```
public protocol Stage<Input, Output>: Sendable {
    /// What the stage takes.
    associatedtype Input: Sendable
    /// What the stage gives.
    associatedtype Output: Sendable

    /// Does the stage's work on one item.
    ///
    /// - Parameter context: the item's context: its label for messages, the timings and
    ///   warnings recorded so far. Stages add to it.
    /// - Throws: any error; the runner records it as the item's failure and goes on.
    func process(_ input: Input, context: inout StageContext) async throws -> Output

    /// The name timings are recorded under (default: the type's name).
    var name: String { get }
}

extension Stage {
    public var name: String { String(describing: Self.self) }
}

/// What travels with one item through a pipeline besides its value.
public struct StageContext: Sendable {
    /// How to name the item in messages (a path, `prompt #3`, `response.json data[1]`).
    public var label: String
    /// Time spent per stage, in the order the stages first ran; a stage that runs several times
    /// for one item (per image of a response) adds up.
    public private(set) var timings: [(stage: String, duration: Duration)] = []
    /// What the checks found, in words, for the item's report.
    public var warnings: [String] = []
    /// Things counted for the item (`attempts` of a request, …).
    public var counts: [String: Int] = [:]

    /// Creates a context for one item.
    public init(label: String) {
        self.label = label
    }

    /// Adds `duration` to the time of `stage`.
    public mutating func record(_ stage: String, _ duration: Duration) {
        if let index = timings.firstIndex(where: { $0.stage == stage }) {
            timings[index].duration += duration
        } else {
            timings.append((stage, duration))
        }
    }

    /// The time of `stage`, zero when it did not run.
    public func duration(of stage: String) -> Duration {
        timings.first { $0.stage == stage }?.duration ?? .zero
    }

    /// The timings in milliseconds by stage name (for sidecars and JSON reports).
    public var timingsMilliseconds: [String: Double] {
        Dictionary(timings.map { ($0.stage, $0.duration.milliseconds) }, uniquingKeysWith: +)
    }
}

extension Duration {
    /// The duration in milliseconds, to the microsecond.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return ((Double(seconds) * 1000 + Double(attoseconds) / 1e15) * 1000).rounded() / 1000
    }
}

/// Two stages run one after the other: what ``PipelineBuilder`` makes of consecutive stages.
///
/// Each stage's time is recorded in the context under its ``Stage/name``; cancellation is
/// checked between stages, so a cancelled run stops at the next stage boundary.
public struct Chain<First: Stage, Second: Stage>: Stage where First.Output == Second.Input {
    /// The stage that runs first.
    public let first: First
    /// The stage that takes its output.
    public let second: Second

    /// Chains two stages.
    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public var name: String { "\(first.name) → \(second.name)" }

    @inlinable
    public func process(_ input: First.Input, context: inout StageContext) async throws -> Second.Output {
        let middle = try await Timed(first).process(input, context: &context)
        try Task.checkCancellation()
        return try await Timed(second).process(middle, context: &context)
    }
}

/// Records a stage's time under its name, unless it is a chain or a fan-out (whose parts record
/// their own).
@usableFromInline
struct Timed<Wrapped: Stage> {
    @usableFromInline let wrapped: Wrapped

    @usableFromInline
    init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    @inlinable
    func process(_ input: Wrapped.Input, context: inout StageContext) async throws -> Wrapped.Output {
        if wrapped is any CompositeStage { return try await wrapped.process(input, context: &context) }
        let start = ContinuousClock.now
        defer { context.record(wrapped.name, ContinuousClock.now - start) }
        return try await wrapped.process(input, context: &context)
    }
}

/// A stage made of other stages, which record their own timings.
public protocol CompositeStage {}

extension Chain: CompositeStage {}

/// Builds a chain of stages from a list: each stage's output type must be the next one's input.
@resultBuilder
public enum PipelineBuilder {
    /// The first stage.
    public static func buildPartialBlock<S: Stage>(first: S) -> S { first }

    /// The chain so far, then the next stage.
    public static func buildPartialBlock<Accumulated: Stage, Next: Stage>(
        accumulated: Accumulated, next: Next
    ) -> Chain<Accumulated, Next> where Accumulated.Output == Next.Input {
        Chain(accumulated, next)
    }

    /// A stage that runs only when a condition holds (`if writeSidecar { WriteSidecar() }`);
    /// otherwise the value passes through unchanged.
    public static func buildOptional<S: Stage>(_ stage: S?) -> OptionalStage<S> where S.Input == S.Output {
        OptionalStage(stage)
    }

    /// The `if` branch of an `if … else` (or the first case of a `switch`): both branches take
    /// and give the same types.
    public static func buildEither<First: Stage, Second: Stage>(first: First) -> EitherStage<First, Second>
    where First.Input == Second.Input, First.Output == Second.Output {
        .first(first)
    }

    /// The `else` branch of an `if … else` (or a later case of a `switch`).
    public static func buildEither<First: Stage, Second: Stage>(second: Second) -> EitherStage<First, Second>
    where First.Input == Second.Input, First.Output == Second.Output {
        .second(second)
    }

    /// A `for` loop: one stage per iteration, run in order, each taking what the one before gave
    /// (`for edge in sizes { Thumbnail(edge) }`).
    public static func buildArray<S: Stage>(_ stages: [S]) -> StageSequence<S> where S.Input == S.Output {
        StageSequence(stages)
    }
}

/// One of two stages of the same shape, chosen when the pipeline is built (`if … else`).
public enum EitherStage<First: Stage, Second: Stage>: Stage, CompositeStage
where First.Input == Second.Input, First.Output == Second.Output {
    case first(First)
    case second(Second)

    public var name: String {
        switch self {
        case .first(let stage): stage.name
        case .second(let stage): stage.name
        }
    }

    public func process(_ input: First.Input, context: inout StageContext) async throws -> First.Output {
        switch self {
        case .first(let stage): try await Timed(stage).process(input, context: &context)
        case .second(let stage): try await Timed(stage).process(input, context: &context)
        }
    }
}

/// Stages of one kind run one after another, each on what the one before gave (a `for` loop in
/// a pipeline); with none, the value passes through unchanged.
public struct StageSequence<Element: Stage>: Stage, CompositeStage where Element.Input == Element.Output {
    /// The stages, in the order they run.
    public let stages: [Element]

    /// The stages, in the order they run.
    public init(_ stages: [Element]) {
        self.stages = stages
    }

    public var name: String { stages.isEmpty ? "none" : stages.map(\.name).joined(separator: " → ") }

    public func process(_ input: Element.Input, context: inout StageContext) async throws -> Element.Output {
        var value = input
        for stage in stages {
            try Task.checkCancellation()
            value = try await Timed(stage).process(value, context: &context)
        }
        return value
    }
}

/// A stage that may be absent: its input passes through unchanged when it is.
public struct OptionalStage<Wrapped: Stage>: Stage where Wrapped.Input == Wrapped.Output {
    /// The stage, or `nil` to pass values through.
    public let wrapped: Wrapped?

    /// Wraps a stage that may be absent.
    public init(_ wrapped: Wrapped?) {
        self.wrapped = wrapped
    }

    public var name: String { wrapped?.name ?? "skipped" }

    public func process(_ input: Wrapped.Input, context: inout StageContext) async throws -> Wrapped.Output {
        guard let wrapped else { return input }
        return try await wrapped.process(input, context: &context)
    }
}

/// A pipeline: a chain of stages built with ``PipelineBuilder``, itself a stage, so pipelines
/// nest and can be run by ``PipelineRunner``.
public struct Pipeline<Stages: Stage>: Stage, CompositeStage {
    /// The chain.
    public let stages: Stages

    /// Builds a pipeline from stages listed in order.
    public init(@PipelineBuilder _ build: () -> Stages) {
        stages = build()
    }

    public var name: String { stages.name }

    @inlinable
    public func process(_ input: Stages.Input, context: inout StageContext) async throws -> Stages.Output {
        try await Timed(stages).process(input, context: &context)
    }
}

/// Runs a pipeline on every element of an array (the images of one response), collecting each
/// element's result: one failing image does not lose the others.
///
/// Each element gets a copy of the item's context (so it knows the timings so far, such as the
/// request's); the element's own stage timings are kept in its copy (which the element's last
/// stage can write into its record) and also added to the item's context.
public struct ForEachElement<Element: Sendable, Stages: Stage>: Stage, CompositeStage where Stages.Input == Element {
    /// The pipeline run per element.
    public let stages: Stages

    /// Runs the stages listed on every element.
    public init(@PipelineBuilder _ build: () -> Stages) {
        stages = build()
    }

    public var name: String { "each(\(stages.name))" }

    public func process(_ input: [Element], context: inout StageContext) async throws -> [Result<Stages.Output, any Error>] {
        var results: [Result<Stages.Output, any Error>] = []
        results.reserveCapacity(input.count)
        let before = context.timings
        for (index, element) in input.enumerated() {
            try Task.checkCancellation()
            var elementContext = context
            elementContext.label = context.label + (input.count > 1 ? " [\(index)]" : "")
            do {
                results.append(.success(try await Timed(stages).process(element, context: &elementContext)))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                results.append(.failure(error))
            }
            for (stage, duration) in elementContext.timings {
                let earlier = before.first { $0.stage == stage }?.duration ?? .zero
                context.record(stage, duration - earlier)
            }
            context.warnings += elementContext.warnings.dropFirst(context.warnings.count)
        }
        return results
    }
}
