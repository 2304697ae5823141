import ImageCore
import ImageResponses
import NIOCore
import Synchronization

/// A preview a streamed generation sent before its image (`partial_image` events).
public struct PartialImage: Sendable {
    /// The partial's number, from 0 (`partial_image_index`).
    public var index: Int
    /// The encoded preview, decoded from the event's base64.
    public var bytes: [UInt8]
    /// Its format, by its magic bytes; `nil` when the bytes are no image imagepipe knows.
    public var format: ImageFormat?
}

/// Reads a `text/event-stream` reply's events as their bytes arrive: each partial image is
/// decoded and handed on at once (so a terminal can show it while the service works on), the
/// completed images are kept, and the body itself is not held.
final class EventStreamReader: Sendable {
    struct Outcome: Sendable {
        /// The completed events' images, in order.
        var completed: [GeneratedImage] = []
        /// The usage of the last completed event that had one.
        var usage: ImagesUsage?
        /// Partial images received.
        var partialCount = 0
        /// An error event's error.
        var error: ProviderErrorBody?
        /// The stream's own failure: an event that is not JSON, or grew past the limit.
        var failure: ImagesResponseError?
        /// Bytes of an event were left without its ending blank line.
        var endedMidEvent = false
        /// Bytes read.
        var byteCount = 0
    }

    private struct State {
        var parser = ServerSentEventParser()
        var outcome = Outcome()
    }

    private let state = Mutex(State())
    private let onPartial: @Sendable (PartialImage) -> Void

    init(onPartial: @escaping @Sendable (PartialImage) -> Void) {
        self.onPartial = onPartial
    }

    /// Feeds the next body bytes.
    func feed(_ buffer: ByteBuffer) {
        var partials: [PartialImage] = []
        state.withLock { state in
            guard state.outcome.failure == nil else { return }
            state.outcome.byteCount += buffer.readableBytes
            do throws(ImagesResponseError) {
                let events = try buffer.withUnsafeReadableBytes { bytes in
                    Result { () throws(ImagesResponseError) in try state.parser.feed(bytes) }
                }.get()
                for event in events {
                    let parsed = try ImageStreamEvent(parsing: event, imageIndex: state.outcome.completed.count)
                    switch parsed.kind {
                    case .partial(let index):
                        state.outcome.partialCount += 1
                        if case .bytes(let bytes, let format)? = parsed.image?.payload {
                            partials.append(PartialImage(index: index, bytes: bytes, format: format))
                        }
                    case .completed:
                        if let image = parsed.image { state.outcome.completed.append(image) }
                        if let usage = parsed.usage { state.outcome.usage = usage }
                    case .error:
                        state.outcome.error = parsed.error ?? state.outcome.error
                    case .other:
                        break
                    }
                }
            } catch {
                state.outcome.failure = error
            }
        }
        // Outside the lock: the handler may take its time (a terminal preview).
        for partial in partials { onPartial(partial) }
    }

    /// What the stream held, once it ended.
    func finish() -> Outcome {
        state.withLock { state in
            var outcome = state.outcome
            outcome.endedMidEvent = state.parser.hasPartialEvent
            return outcome
        }
    }
}
