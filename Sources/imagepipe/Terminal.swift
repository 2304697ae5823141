import GenerationJob
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the standard output is connected to, for `generate -p` and `-x`.
struct Terminal {
    /// Whether stdout is a terminal (a preview is printed only then).
    var isTerminal: Bool
    /// Its width in columns (80 when unknown).
    var columns: Int
    /// Whether to use 24-bit color: not with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`.
    var color: Bool

    static var current: Terminal {
        let isTerminal = isatty(1) == 1
        var size = winsize()
        var columns = 80
        if isTerminal, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            columns = Int(size.ws_col)
        } else if let text = variable("COLUMNS"), let value = Int(text), value > 0 {
            columns = value
        }
        let noColor = variable("NO_COLOR").map { !$0.isEmpty } ?? false
        return Terminal(isTerminal: isTerminal, columns: columns, color: !noColor && variable("TERM") != "dumb")
    }

    private static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Opens a file with the desktop's opener (`xdg-open`), without waiting for it; warns when
    /// there is none.
    static func open(_ path: String) {
        var pid = pid_t()
        let arguments = ["xdg-open", path]
        var pointers = arguments.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The opener's own chatter must not mix with our output.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let status = posix_spawnp(&pid, "xdg-open", &actions, nil, &pointers, environ)
        if status != 0 {
            Report.warn("cannot open \(path): no desktop opener (xdg-open) found")
        }
    }
}

extension Terminal {
    /// Whether standard error is a terminal (where progress lines may be redrawn).
    static var standardErrorIsTerminal: Bool { isatty(2) != 0 }
}

/// The line `generate` and `edit` redraw on standard error once a request has taken longer than
/// ``ProgressText/delaySeconds``: time waited and requests done. Cleared before any other output.
final class ProgressLine: Sendable {
    private struct State {
        var done = 0
        var shown = false
    }

    private let provider: String
    private let total: Int
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    init(provider: String, total: Int) {
        self.provider = provider
        self.total = total
    }

    /// Starts redrawing once a second.
    func start() {
        let task = Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled { break }
                draw()
            }
        }
        ticker.withLock { $0 = task }
    }

    private func draw() {
        let elapsed = Int((ContinuousClock.now - started).components.seconds)
        guard elapsed >= ProgressText.delaySeconds else { return }
        state.withLock { state in
            guard state.done < total else { return }
            let text = ProgressText.waiting(provider: provider, elapsedSeconds: elapsed, done: state.done, total: total)
            Report.write("\r" + text + "\u{1B}[K", to: 2)
            state.shown = true
        }
    }

    /// Runs `report` with the line cleared and not redrawn meanwhile, then counts one request done.
    func around(_ report: () -> Void) {
        state.withLock { state in
            if state.shown { Report.write("\r\u{1B}[K", to: 2) }
            state.shown = false
            report()
            state.done += 1
        }
    }

    /// Stops redrawing and clears the line.
    func stop() {
        ticker.withLock { $0?.cancel() }
        state.withLock { state in
            if state.shown { Report.write("\r\u{1B}[K", to: 2) }
            state.shown = false
        }
    }
}
