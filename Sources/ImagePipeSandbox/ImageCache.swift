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
/// Rendering happens outside the lock, so two identical requests arriving together may both render
/// (the second insert is dropped): harmless, and it keeps the lock short.
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

    init(byteLimit: Int) {
        self.byteLimit = byteLimit
    }

    /// The cached image for `key`, rendering and encoding it on a miss.
    func image(for key: ImageKey) throws(SandboxError) -> CachedImage {
        if let hit = state.withLock({ state -> CachedImage? in
            guard let hit = state.entries[key] else { return nil }
            state.hits += 1
            return hit
        }) {
            return hit
        }
        let pixels = key.black
            ? try! Image(size: key.size, format: .rgb8)
            : SandboxRenderer.image(prompt: key.prompt, effectiveSeed: key.seed, size: key.size)
        let encoded = try SandboxRenderer.encode(pixels, as: key.format)
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

    /// Images rendered so far, cache hits so far, and bytes held now.
    var counters: (renders: Int, hits: Int, bytes: Int) {
        state.withLock { ($0.renders, $0.hits, $0.bytes) }
    }
}
