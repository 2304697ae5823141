#!/usr/bin/env bash
# The test command: installs missing system packages, then runs the whole test suite.
# Conformance tests read ../shared/conformance beside the project and skip, saying so, when it is absent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-deps.sh
# The C base64 kernels against a scalar model of their contract: AVX2 natively, AVX-512 VBMI
# through emulated intrinsics (its only check on CPUs without AVX-512). A few seconds.
sh Tests/CBase64KernelsEmulation/run.sh
swift build --build-tests
swift test --skip-build
