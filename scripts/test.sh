#!/usr/bin/env bash
# The test command: installs missing system packages, builds the release binary exactly as users get
# it (scripts/demo.sh's build), then runs the whole test suite with every end-to-end CLI test
# (generate, convert, gallery, info, serve, bench) driving that release binary.
# Conformance tests read ../shared/conformance beside the project and skip, saying so, when it is absent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# exiftool reads back the XMP imagepipe writes (the interoperability test skips, saying so, without it).
IMAGEPIPE_EXTRA_PACKAGES="libimage-exiftool-perl" source scripts/install-deps.sh
# The C base64 kernels against a scalar model of their contract: AVX2 natively, AVX-512 VBMI
# through emulated intrinsics (its only check on CPUs without AVX-512). A few seconds.
sh Tests/CBase64KernelsEmulation/run.sh
# What ships: optimised, with the Swift runtime linked statically (the README's and demo's build).
swift build -c release --static-swift-stdlib --product imagepipe
# The OpenAI Python SDK, for the test that runs it against `imagepipe serve` (it skips, saying so,
# when PyPI cannot be reached).
python3 -m pip install --quiet --disable-pip-version-check openai >/dev/null 2>&1 || echo "note: could not install the OpenAI Python SDK; its test will skip" >&2
swift build --build-tests
# A real S3 server on loopback for the object-storage tests (they skip, saying so, without it),
# stopped by its PID however the tests end.
source scripts/seaweedfs.sh start
trap 'scripts/seaweedfs.sh stop' EXIT
# The library tests run in the debug build (assertions on); the CLI tests run the release binary.
IMAGEPIPE_BINARY="$PWD/.build/release/imagepipe" swift test --skip-build
