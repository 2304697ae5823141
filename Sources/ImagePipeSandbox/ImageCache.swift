import FastBase64
import ImageCore
import Synchronization

/// One image the sandbox can serve: what identifies it.
struct ImageKey: Hashable, Sendable {
    var prompt: String
    /// The seed after ``SandboxRenderer/effectiveSeed(_:prompt:)`` and the `+ i` of image `i`.
    var seed: Int
    /// The size actually rendered (after the wrong-size mode).
    var size: ImageSize
    var format: SandboxImageFormat
    /// OpenAI's `output_compression` (JPEG and WebP quality), or `nil` for the default.
    var compression: Int? = nil
    var black: Bool
}

/// An encoded image and its base64 text, kept so a repeated request costs a dictionary look-up.
struct CachedImage: Sendable {
    var encoded: [UInt8]
    var base64: [UInt8]
    var size: ImageSize
    var format: SandboxImageFormat

    var byteCount: Int { encoded.count + base64.count }
}

/// Rendered images by key, bounded by total bytes; the oldest inserted are evicted first.
///
/// Renders pass through a ``RenderGate`` that admits fewer renders at once than there are cores,
/// so a burst of large requests never takes every thread of the cooperative pool: `/health`,
/// cache hits and file downloads keep being answered. A render that waited at the gate looks in
/// the cache again first, so identical requests queued together render once.
final class ImageCache: Sendable {
    private struct State {
        var entries: [ImageKey: CachedImage] = [:]
        var order: [ImageKey] = []
        var orderStart = 0
        var bytes = 0
        var renders = 0
        var hits = 0
    }

    private let state = Mutex(State())
    private let byteLimit: Int
    private let gate: RenderGate
    private let beforeRender: (@Sendable () -> Void)?

    init(byteLimit: Int, concurrentRenders: Int, beforeRender: (@Sendable () -> Void)? = nil) {
        self.byteLimit = byteLimit
        gate = RenderGate(width: concurrentRenders)
        self.beforeRender = beforeRender
    }

    /// The cached image for `key`, rendering and encoding it on a miss.
    func image(for key: ImageKey) async throws(SandboxError) -> CachedImage {
        if let hit = cached(key) { return hit }
        return try await gate.run { () throws(SandboxError) -> CachedImage in
            if let hit = cached(key) { return hit }
            return try render(key)
        }
    }

    private func cached(_ key: ImageKey) -> CachedImage? {
        state.withLock { state -> CachedImage? in
            guard let hit = state.entries[key] else { return nil }
            state.hits += 1
            return hit
        }
    }

    private func render(_ key: ImageKey) throws(SandboxError) -> CachedImage {
        beforeRender?()
        let pixels = key.black
            ? try! Image(size: key.size, format: .rgb8)
            : SandboxRenderer.image(prompt: key.prompt, effectiveSeed: key.seed, size: key.size)
        let encoded = try SandboxRenderer.encode(pixels, as: key.format, quality: key.compression)
        let image = CachedImage(encoded: encoded, base64: Base64Encoder().encode(encoded), size: key.size, format: key.format)
        state.withLock { state in
            state.renders += 1
            guard state.entries[key] == nil, image.byteCount <= byteLimit else { return }
            state.entries[key] = image
            state.order.append(key)
            state.bytes += image.byteCount
            while state.bytes > byteLimit, state.orderStart < state.order.count {
                let oldest = state.order[state.orderStart]
                state.orderStart += 1
                if let evicted = state.entries.removeValue(forKey: oldest) {
                    state.bytes -= evicted.byteCount
                }
            }
            // Compact the queue once its consumed prefix dominates it.
            if state.orderStart > 64, state.orderStart * 2 > state.order.count {
                state.order.removeFirst(state.orderStart)
                state.orderStart = 0
            }
        }
        return image
    }

    /// Runs an uncached render (an edit's) through the same gate as the cached ones.
    func gated<Result>(_ body: () throws(SandboxError) -> Result) async throws(SandboxError) -> Result {
        try await gate.run { () throws(SandboxError) -> Result in
            beforeRender?()
            return try body()
        }
    }

    /// Images rendered so far, cache hits so far, and bytes held now.
    var counters: (renders: Int, hits: Int, bytes: Int) {
        state.withLock { ($0.renders, $0.hits, $0.bytes) }
    }
}

/// Admits at most `width` bodies at once; the others wait their turn, in order, without holding
/// a thread.
final class RenderGate: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
        var nextWaiting = 0
    }

    private let state: Mutex<State>

    /// A gate for `width` bodies at once (at least one).
    init(width: Int) {
        state = Mutex(State(available: max(1, width)))
    }

    /// Waits for a place, runs `body`, and gives the place to the next in line.
    func run<Result, Failure: Error>(_ body: () throws(Failure) -> Result) async throws(Failure) -> Result {
        await enter()
        defer { leave() }
        return try body()
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.nextWaiting < state.waiting.count else {
                state.available += 1
                return nil
            }
            let next = state.waiting[state.nextWaiting]
            state.nextWaiting += 1
            if state.nextWaiting == state.waiting.count {
                state.waiting.removeAll(keepingCapacity: true)
                state.nextWaiting = 0
            }
            return next
        }
        next?.resume()
    }
}
