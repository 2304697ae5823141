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
/// the kernel picks; a dispatch read source on the pipe reads it and cancels the task. (A
/// dispatch signal source is not enough on Linux: it relies on the signal being blocked in every
/// thread, and threads that exist before it is set up, such as the HTTP client's, do not block it.)
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
        // test runners block them): unblock them in this thread, so at least one thread takes
        // them.
        unblockSignals()
        let task = Task { await work() }
        let readEnd = ends[0]
        // A read source, not a thread blocked in read(): on Linux the Swift tasks run on
        // dispatch's pool of one thread per core, which does not notice a blocked thread, so a
        // waiting read would leave the work one core fewer (half the machine on two cores).
        let watcher = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: .global())
        watcher.setEventHandler {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) == 1 {
                if flag.raised.exchange(true, ordering: .relaxed) { _exit(130) }
                Report.note("interrupted: stopping after the work in flight (press Ctrl-C again to quit at once)")
                task.cancel()
            }
        }
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        watcher.resume()
        let value = await task.value
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        watcher.cancel()
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
