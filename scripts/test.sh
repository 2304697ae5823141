#!/usr/bin/env bash
# The test command: installs missing system packages, then runs the whole test suite.
# Conformance tests read ../shared/conformance beside the project and skip, saying so, when it is absent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
