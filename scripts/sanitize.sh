#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer:
#
#   scripts/sanitize.sh address     # AddressSanitizer + LeakSanitizer, in .build-asan
#   scripts/sanitize.sh thread      # ThreadSanitizer, in .build-tsan
#
# Builds the package and its tests (debug) with -sanitize in a scratch path of its own (the
# sanitizer flags would otherwise rebuild .build), then runs every test. The CLI tests run the
# sanitized imagepipe binary built beside the tests (IMAGEPIPE_BINARY is unset), and a report in
# that binary makes it exit non-zero, so its test fails. Reports that are not imagepipe's (the
# Swift runtime, Foundation, XCTest; explained one by one) are suppressed by
# scripts/sanitizers/*.supp. A full build takes 20-35 minutes on two cores; the run 3-10.
# The system libpng, libwebp, libdeflate and ISA-L are not instrumented.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

case ${1:-} in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) echo "usage: scripts/sanitize.sh address|thread" >&2; exit 2 ;;
esac
sanitizer=$1
source scripts/install-deps.sh

swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"

unset IMAGEPIPE_BINARY
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="suppressions=$PWD/scripts/sanitizers/tsan.supp:print_suppressions=0:halt_on_error=0"
log=$scratch/sanitize-$sanitizer.log
status=0
swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" 2>&1 | tee "$log" || status=$?
reports=$(grep -cE "ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:" "$log" || true)
echo "sanitize $sanitizer: exit $status, $reports report(s) (whole output: $log)"
[[ $status -eq 0 && $reports -eq 0 ]]
