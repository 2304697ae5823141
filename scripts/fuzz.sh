#!/usr/bin/env bash
# Fuzzes one parser (or all of them in turn) with libFuzzer, AddressSanitizer and, for the C code,
# UndefinedBehaviorSanitizer:
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options…]     TARGET: png webp pam jpeg metadata response s3 sandbox multipart base64
#   scripts/fuzz.sh all SECONDS
#
# Builds the target's executable in .build-fuzz (its own scratch path: sanitizer flags would
# rebuild .build), copies the committed seeds (Fuzz/corpus/TARGET) into a working corpus
# (.build-fuzz/corpus/TARGET, kept between runs, so coverage accumulates), runs for SECONDS, and
# prints one line: target, seconds, executions, coverage (cov/ft), findings. Findings (crash-,
# leak-, timeout-, oom- files) go to .build-fuzz/findings/TARGET-TIME/; the exit status is non-zero
# when there is one. Replay one with the plain build: `swift run ImageFuzz png FILE`.
# libFuzzer's -fork=N -ignore_crashes=1 keep a long run going past a known finding.
# Builds and runs are niced: they yield to other work on the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

all_targets=(png webp pam jpeg metadata response s3 sandbox multipart base64)
if [[ $# -lt 2 || ! "$2" =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer options…]   (TARGET: ${all_targets[*]})" >&2
    exit 2
fi
target=$1 seconds=$2
shift 2

scratch=.build-fuzz
product_of() {
    case $1 in
        png|webp|pam|jpeg|metadata|response|s3) echo ImageFuzz ;;
        sandbox|multipart) echo SandboxFuzz ;;
        base64) echo Base64Fuzz ;;
        *) echo "error: unknown fuzz target '$1' (targets: ${all_targets[*]})" >&2; return 1 ;;
    esac
}
# Image files need room for a few chunks; JSON bodies and base64 text less.
max_len_of() {
    case $1 in
        png|webp|jpeg|metadata|multipart) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

build() {
    local product=$1 log=$scratch/logs/build-$1.log
    mkdir -p "$scratch/logs"
    # -sanitize=fuzzer instruments the Swift code for coverage; fuzzer-no-link does the same for
    # the C targets (CPNGShims, CBase64Kernels, ...), which also get UBSan (Swift has none of its
    # own) set to stop at the first report. The system libpng/libwebp/libdeflate/ISA-L are not rebuilt:
    # they run uninstrumented.
    if ! nice -n 15 swift build -c release --product "$product" --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
        -Xcc -fsanitize=fuzzer-no-link,address,undefined -Xcc -fno-sanitize-recover=undefined \
        >"$log" 2>&1; then
        tail -30 "$log" >&2
        echo "error: building $product failed (whole log: $log)" >&2
        return 1
    fi
}

run() {
    local name=$1 product
    shift
    product=$(product_of "$name")
    local seeds=Fuzz/corpus/$name work=$scratch/corpus/$name
    local findings
    findings=$scratch/findings/$name-$(date +%Y%m%d-%H%M%S)
    local log=$scratch/logs/$name.log
    mkdir -p "$work" "$findings"
    cp "$seeds"/* "$work"/
    local status=0
    # SWIFT_BACKTRACE=enable=no: libFuzzer, not the Swift runtime, catches a crash and writes its file.
    SWIFT_BACKTRACE=enable=no FUZZ_TARGET=$name \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        nice -n 15 "$scratch/release/$product" "$name" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_of "$name")" -artifact_prefix="$findings/" \
        "$@" "$work" >"$log" 2>&1 || status=$?
    local executions coverage count
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # -fork mode prints no final stats: its last status line has the count.
    [[ -n $executions ]] || executions=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    count=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    [[ $count -eq 0 ]] && rmdir "$findings"
    echo "$name: ${seconds} s, ${executions:-?} executions, ${coverage:-cov: ? ft: ?}, $count finding$([[ $count -eq 1 ]] || echo s)$([[ $count -gt 0 ]] && echo " in $findings/")"
    if [[ $count -gt 0 || $status -ne 0 ]]; then
        [[ $count -eq 0 ]] && echo "  libFuzzer exited with status $status without a finding file; see $log" >&2
        grep -m 5 -E 'ERROR:|Fatal error|runtime error|SUMMARY' "$log" | sed 's/^/  /' >&2 || true
        return 1
    fi
}

if [[ $target == all ]]; then
    targets=("${all_targets[@]}")
else
    product_of "$target" >/dev/null
    targets=("$target")
fi
for product in $(for name in "${targets[@]}"; do product_of "$name"; done | sort -u); do
    build "$product"
done
failed=0
for name in "${targets[@]}"; do
    run "$name" "$@" || failed=1
done
exit $failed
