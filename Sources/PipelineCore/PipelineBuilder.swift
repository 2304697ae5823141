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
