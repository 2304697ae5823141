/// One step of a pipeline: takes a value, does one job, returns the next value.
///
/// Stages are chained by ``PipelineBuilder`` into concrete generic types (``Chain``), so a
/// pipeline's hot path calls each stage directly, with no type-erased values between them (the
/// model is Hummingbird's middleware builder). A stage is a small `Sendable` struct holding its
/// settings; per-item state travels in the ``StageContext``.
///
/// ```swift
/// // The built-in image stages are ImagePipeline's; any type conforming to Stage composes.
/// let thumbnails = Pipeline {
///     ReadImageFile()                                    // String (path) -> GeneratedImageFile
///     DecodeGeneratedImage()                             // -> DecodedGeneratedImage
///     MakeThumbnails(edges: [256])                       // adds thumbnails
///     EncodeGeneratedImage(format: .webp)                // -> EncodedGeneratedImage
///     WriteGeneratedImage(destination: .directory("out"))   // -> SavedImage
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

    /// Whether the stage is made of other stages, which record their own timings (`true` for
    /// every ``CompositeStage``; default `false`). Read from the type, without a dynamic cast.
    static var isComposite: Bool { get }
}

extension Stage {
    public var name: String { String(describing: Self.self) }
    public static var isComposite: Bool { false }
}

extension Stage where Self: CompositeStage {
    public static var isComposite: Bool { true }
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
        Dictionary(timings.map { ($0.stage, $0.duration.inMilliseconds) }, uniquingKeysWith: +)
    }
}

extension Duration {
    /// The duration in milliseconds, to the microsecond.
    public var inMilliseconds: Double {
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
        if Wrapped.isComposite { return try await wrapped.process(input, context: &context) }
        let start = ContinuousClock.now
        defer { context.record(wrapped.name, ContinuousClock.now - start) }
        return try await wrapped.process(input, context: &context)
    }
}

