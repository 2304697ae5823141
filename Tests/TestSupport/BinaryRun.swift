import Foundation

/// What a run of the built `imagepipe` binary printed and how it ended.
public struct ImagepipeRun: Sendable {
    /// The exit status.
    public var status: Int32
    /// Everything written to stdout.
    public var stdout: String
    /// Everything written to stderr.
    public var stderr: String
}

/// Runs the built `imagepipe` binary (``TestPaths/imagepipeBinary``) as a user would;
/// `environment` adds or replaces variables, `removing` takes some away (API tokens, so that a
/// test never reaches a real service).
///
/// A hang guard, not a timing check: a run still going after five minutes (every run in the
/// suite takes seconds) is terminated, so a binary that loops fails its test (status 15, SIGTERM)
/// instead of holding the suite until CI's limit.
public func runImagepipe(_ arguments: [String], environment: [String: String] = [:], removing: [String] = []) throws -> ImagepipeRun {
    let process = Process()
    process.executableURL = TestPaths.imagepipeBinary
    process.arguments = arguments
    if !environment.isEmpty || !removing.isEmpty {
        var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in removing { merged[name] = nil }
        process.environment = merged
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let guardTimer = DispatchSource.makeTimerSource(queue: .global())
    guardTimer.schedule(deadline: .now() + .seconds(300))
    guardTimer.setEventHandler { if process.isRunning { process.terminate() } }
    guardTimer.resume()
    defer { guardTimer.cancel() }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ImagepipeRun(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}
