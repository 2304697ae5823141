// libFuzzer targets for the image parsers and the response scanner, in one executable so that
// one sanitizer build serves them all: `ImageFuzz png|webp|pam|jpeg|metadata|response|s3`.
// `scripts/fuzz.sh` builds and runs them; a plain `swift build` builds the replayer.

import FuzzSupport

@main
enum ImageFuzz {
    static let targets = [
        FuzzTarget("png", check: checkPNG),
        FuzzTarget("webp", check: checkWebP),
        FuzzTarget("pam", check: checkPAM),
        FuzzTarget("jpeg", check: checkJPEG),
        FuzzTarget("metadata", check: checkMetadata),
        FuzzTarget("response", check: checkResponse),
        FuzzTarget("s3", check: checkS3Wire),
    ]

    static func main() {
        fuzzMain(targets)
    }
}
