// libFuzzer entry point for FastBase64: every tier against every other, against Foundation, and
// encoder round trips (see FuzzChecks.swift). Any disagreement is a crash.
//
// Fuzzing build (`-Xcc -fsanitize=fuzzer-no-link` adds coverage of the C kernels; add
// `-Xswiftc -sanitize=address -Xcc -fsanitize=address` for ASan):
//   swift build -c release --product Base64Fuzz --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer -Xswiftc -DBASE64_FUZZING -Xcc -fsanitize=fuzzer-no-link
//   mkdir -p .build-fuzz/corpus
//   SWIFT_BACKTRACE=enable=no .build-fuzz/release/Base64Fuzz -max_total_time=600 -max_len=4096 \
//     .build-fuzz/corpus
// (SWIFT_BACKTRACE=enable=no lets libFuzzer, not the Swift runtime, catch the crash and write the
// crash-* file.)
//
// Plain build (`swift build`): a replayer that runs the same checks over the files named on the
// command line, such as a crash file libFuzzer wrote: `swift run Base64Fuzz crash-…`.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func base64FuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkFuzzInput(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum Base64Fuzz {
    static func main() {
        #if BASE64_FUZZING
        // SwiftPM links every executable's entry point as `main`, so libFuzzer's own `main` is
        // not used: hand control to its driver from ours.
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(libFuzzerRunDriver(&argc, &argv) { data, size in
            checkFuzzInput(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() {
            guard let contents = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("error: cannot read \(path)\n".utf8))
                exit(1)
            }
            contents.withUnsafeBytes { checkFuzzInput($0) }
            print("ok: \(path)")
        }
        #endif
    }
}

#if BASE64_FUZZING
/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))`,
/// from the libFuzzer runtime that `-sanitize=fuzzer` links.
@_silgen_name("LLVMFuzzerRunDriver")
private func libFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
