// libFuzzer target for FastBase64: every tier against every other, against Foundation, and
// encoder round trips (see FuzzChecks.swift). Any disagreement is a crash.
// `scripts/fuzz.sh base64 SECONDS` builds and runs it; a plain `swift build` builds the replayer
// (`swift run Base64Fuzz crash-…`).

import FuzzSupport

@main
enum Base64Fuzz {
    static let targets = [FuzzTarget("base64") { checkFuzzInput($0) }]

    static func main() {
        fuzzMain(targets)
    }
}
