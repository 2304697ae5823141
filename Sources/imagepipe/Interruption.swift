import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Ctrl-C (and SIGTERM) for long runs: the first signal cancels the work, which stops at its next
/// stage boundary, keeps what it finished and leaves no temporary file; a second one exits at
/// once with status 130.
enum Interruption {
    private final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    /// Runs `work` in a task that the first SIGINT or SIGTERM cancels.
    ///
    /// - Returns: what `work` returned, and whether a signal arrived.
    static func cancellingOnSignals<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> (value: T, interrupted: Bool) {
        let task = Task { await work() }
        let flag = Flag()
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if flag.raised.exchange(true, ordering: .relaxed) { _exit(130) }
                Report.note("interrupted: stopping after the work in flight (press Ctrl-C again to quit at once)")
                task.cancel()
            }
            source.resume()
            return source
        }
        let value = await task.value
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        return (value, flag.raised.load(ordering: .relaxed))
    }
}
