// libFuzzer target for the sandbox's request parsing, in its own executable because the sandbox
// module brings Hummingbird and NIO along (the image targets build without them).
// `scripts/fuzz.sh sandbox SECONDS` builds and runs it; a plain `swift build` builds the replayer.

import FuzzSupport

@main
enum SandboxFuzz {
    static let targets = [FuzzTarget("sandbox", check: checkSandboxRequest), FuzzTarget("multipart", check: checkMultipart)]

    static func main() {
        fuzzMain(targets)
    }
}
