// The one `main` every fuzz executable shares: the first argument names the target (or else
// $FUZZ_TARGET; either may be left out when the executable has only one), the rest go to
// libFuzzer or to the replayer.
//
// Fuzzing build (`scripts/fuzz.sh` passes `-Xswiftc -DFUZZING` with the sanitizers): libFuzzer's
// driver runs the chosen check. Plain build (`swift build`): a replayer that runs the same check
// over the files (or the files in the folders) named on the command line, such as a crash file
// libFuzzer wrote: `swift run ImageFuzz png crash-…`.

import Foundation

/// One fuzz target: a name for the command line and the check libFuzzer calls with each input.
///
/// A check returns normally for any input, accepted or refused; it crashes (a `fatalError`, a
/// trap, a sanitizer report) only on a bug, which is what libFuzzer records.
public struct FuzzTarget: Sendable {
    /// The name on the command line (`png`, `sandbox`, …) and of its seed folder `Fuzz/corpus/NAME`.
    public var name: String
    /// The check.
    public var check: @Sendable (UnsafeRawBufferPointer) -> Void

    /// Creates a target.
    public init(_ name: String, check: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.name = name
        self.check = check
    }
}

/// Runs the target named by the first argument under libFuzzer (fuzzing build) or replays files
/// through it (plain build), then exits.
public func fuzzMain(_ targets: [FuzzTarget]) -> Never {
    var arguments = CommandLine.arguments
    let target: FuzzTarget
    if arguments.count > 1, let named = targets.first(where: { $0.name == arguments[1] }) {
        target = named
        arguments.remove(at: 1)
    } else if let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"], let named = targets.first(where: { $0.name == name }) {
        // libFuzzer's -fork and -jobs modes start workers with libFuzzer's arguments only.
        target = named
    } else if targets.count == 1 {
        target = targets[0]
    } else {
        let names = targets.map(\.name).joined(separator: "|")
        FileHandle.standardError.write(Data("usage: \(arguments[0]) \(names) [libFuzzer options or files…]\n".utf8))
        exit(2)
    }
    #if FUZZING
    selectedCheck = target.check
    // libFuzzer parses argv itself; hand it ours without the target name.
    var argv = arguments.map { strdup($0) } + [nil]
    var argc = CInt(arguments.count)
    let status = argv.withUnsafeMutableBufferPointer { buffer in
        var pointer = buffer.baseAddress!
        return libFuzzerRunDriver(&argc, &pointer) { data, size in
            selectedCheck?(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
    exit(status)
    #else
    var replayed = 0
    for path in arguments.dropFirst() {
        for file in filesToReplay(path) {
            guard let contents = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("error: cannot read \(file)\n".utf8))
                exit(1)
            }
            contents.withUnsafeBytes { target.check($0) }
            replayed += 1
        }
    }
    print("ok: \(target.name): \(replayed) input\(replayed == 1 ? "" : "s") replayed, no finding")
    exit(0)
    #endif
}

/// `path` itself, or the regular files directly inside it when it is a folder (a corpus).
private func filesToReplay(_ path: String) -> [String] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.sorted().map { "\(path)/\($0)" }.filter { file in
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) && !isFolder.boolValue
    }
}

#if FUZZING
/// The check libFuzzer's callback runs: a C function pointer cannot capture it.
nonisolated(unsafe) private var selectedCheck: (@Sendable (UnsafeRawBufferPointer) -> Void)?

/// libFuzzer's classic entry point. The driver below is handed the callback directly; this is
/// defined too because the libFuzzer runtime references it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedCheck?(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))`,
/// from the libFuzzer runtime that `-sanitize=fuzzer` links. SwiftPM links every executable's
/// entry point as `main`, so libFuzzer's own `main` is not used: ours hands control to its driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func libFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
