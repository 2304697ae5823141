#!/bin/sh
# Checks the C block kernels against a scalar model of their contract, outside SwiftPM:
#   - the AVX2 kernel natively (needs an AVX2 CPU);
#   - the AVX-512 VBMI kernel with its intrinsics emulated in scalar C (emulated/immintrin.h),
#     which runs anywhere. It checks the kernel's logic (tables, permutation indices, loop
#     bounds, stop position, capacity), not the compiler's AVX-512 code generation: on a CPU with
#     AVX-512 VBMI, FastBase64Tests runs the real thing.
# Usage: sh Tests/CBase64KernelsEmulation/run.sh   (from the package root; needs clang or gcc)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kernels="$here/../../Sources/CBase64Kernels"
cc=${CC:-clang}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

$cc -O2 -I "$kernels/include" -I "$kernels" -DBLOCK=32 -DKERNEL=ipb64_decode_avx2 -DKERNEL_NAME='"avx2 (native)"' \
    "$here/check.c" "$kernels/decode_avx2.c" "$kernels/scalar_tables.c" -o "$out/avx2"
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    "$out/avx2"
else
    echo "avx2 (native): skipped, this CPU has no AVX2"
fi

# The kernel's target attribute is dropped so that the scalar emulation compiles to plain x86-64.
sed 's/__attribute__((target("avx512f,avx512bw,avx512vbmi")))//' "$kernels/decode_avx512vbmi.c" > "$out/decode_avx512vbmi.c"
$cc -O2 -I "$here/emulated" -I "$kernels/include" -I "$kernels" -DBLOCK=64 -DKERNEL=ipb64_decode_avx512vbmi \
    -DKERNEL_NAME='"avx512vbmi (emulated intrinsics)"' "$here/check.c" "$out/decode_avx512vbmi.c" "$kernels/scalar_tables.c" -o "$out/avx512"
"$out/avx512"
