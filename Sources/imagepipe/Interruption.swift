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
///
/// A plain `sigaction` handler writes one byte to a pipe (all it may safely do), whichever thread
/// the kernel picks; a waiting thread reads it and cancels the task. (A dispatch signal source is
/// not enough on Linux: it relies on the signal being blocked in every thread, and threads that
/// exist before it is set up, such as the HTTP client's, do not block it.)
enum Interruption {
    private final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    /// Runs `work` in a task that the first SIGINT or SIGTERM cancels.
    ///
    /// - Returns: what `work` returned, and whether a signal arrived.
    static func cancellingOnSignals<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> (value: T, interrupted: Bool) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return (await work(), false) }
        interruptionPipe = ends[1]
        let flag = Flag()
        // The handler goes in before the work starts: a signal in between would otherwise meet
        // the inherited disposition (ignored, under some parents) and be lost.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(interruptionPipe, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A parent may have left the signals blocked (the mask is inherited across exec, and
        // test runners block them): unblock them here and in the waiting thread, so at least
        // one thread takes them.
        unblockSignals()
        let task = Task { await work() }
        let readEnd = ends[0]
        DispatchQueue.global().async {
            unblockSignals()
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) == 1 {
                if byte == 0 { return }  // the run finished: stop waiting
                if flag.raised.exchange(true, ordering: .relaxed) { _exit(130) }
                Report.note("interrupted: stopping after the work in flight (press Ctrl-C again to quit at once)")
                task.cancel()
            }
        }
        let value = await task.value
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var done: UInt8 = 0
        _ = write(ends[1], &done, 1)
        return (value, flag.raised.load(ordering: .relaxed))
    }
}

/// Unblocks SIGINT and SIGTERM in the calling thread.
private func unblockSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// The pipe's write end, for the signal handler (a C function pointer cannot capture context);
/// set once before the handler is installed.
nonisolated(unsafe) private var interruptionPipe: Int32 = -1
