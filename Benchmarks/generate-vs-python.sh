#!/usr/bin/env bash
# imagepipe generate against the same job in Python (openai SDK + Pillow,
# Benchmarks/generate-python-baseline.py), on one `imagepipe serve` sandbox whose render cache is
# warmed first, so both measure their client side: request, base64, decode and verify, save the
# PNG, a 256 WebP thumbnail.
#
# Rounds are interleaved (the order alternates each round) and the figures are medians, so machine
# noise hits both alike. Two ratios are printed: whole processes (what a user waits for), and
# imagepipe's whole process against the Python script's own timer (which leaves out the
# interpreter's start and its imports: the ratio least favourable to imagepipe).
#
# usage: Benchmarks/generate-vs-python.sh [ROUNDS=5] [CONCURRENCY=4] [PROMPTS=50]
# needs: swift build -c release --product imagepipe; pip install openai pillow
set -euo pipefail
rounds=${1:-5}
concurrency=${2:-4}
count=${3:-50}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
binary="${IMAGEPIPE:-$root/.build/release/imagepipe}"   # IMAGEPIPE=other/binary compares a build
[ -x "$binary" ] || { echo "build first: swift build -c release --product imagepipe" >&2; exit 1; }
python3 -c 'import openai, PIL' 2>/dev/null || { echo "needs: pip install openai pillow" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/imagepipe-vs-python-XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The prompts: the same 50 subjects and styles as `imagepipe bench generate`'s built-in list.
subjects=("a lighthouse on a cliff" "a red fox in fresh snow" "a bowl of ramen" "an old tram in the rain" "a hummingbird at a flower"
          "a desert canyon" "a glass teapot" "a mountain village" "a koi pond" "a vintage bicycle")
styles=("at dusk, oil painting" "in morning light, photograph" "watercolor" "isometric 3d render" "charcoal sketch")
for ((i = 0; i < count; i++)); do
    round=$((i / 50))
    suffix=""; [ "$round" -gt 0 ] && suffix=" ($((round + 1)))"
    echo "${subjects[$((i % 10))]}, ${styles[$(((i / 10) % 5))]}$suffix"
done > "$work/prompts.txt"

"$binary" serve --port 0 > "$work/serve.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
    url=$(grep -o 'http://[0-9.:]*/v1' "$work/serve.log" | head -1 || true)
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { echo "the sandbox did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); sandbox at $url; $count prompts, 1024x1024, thumbnail 256, concurrency $concurrency, $rounds rounds"
"$binary" generate --prompt-file "$work/prompts.txt" -z 1024x1024 --provider sandbox --base-url "$url" -o "$work/warm" --quiet
rm -rf "$work/warm"

now() { date +%s.%N; }
run_imagepipe() {
    local out="$work/ours-$1"
    local start; start=$(now)
    "$binary" generate --prompt-file "$work/prompts.txt" -z 1024x1024 --thumbnail 256 --concurrency "$concurrency" \
        --provider sandbox --base-url "$url" -o "$out" --quiet
    echo "$(now) - $start" | bc -l
    rm -rf "$out"
}
run_python() {
    local out="$work/python-$1"
    local start; start=$(now)
    local inner
    inner=$(python3 "$here/generate-python-baseline.py" --base-url "$url" --prompt-file "$work/prompts.txt" --size 1024x1024 \
        --thumbnail 256 --concurrency "$concurrency" -o "$out" 2>/dev/null)
    echo "$(echo "$(now) - $start" | bc -l) $inner"
    rm -rf "$out"
}

ours=(); python=(); python_inner=()
for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then
        o=$(run_imagepipe "$r"); read -r p pi <<< "$(run_python "$r")"
    else
        read -r p pi <<< "$(run_python "$r")"; o=$(run_imagepipe "$r")
    fi
    ours+=("$o"); python+=("$p"); python_inner+=("$pi")
    printf 'round %d: imagepipe %.3f s, python %.3f s (%.3f s inside the script)\n' "$((r + 1))" "$o" "$p" "$pi"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mo=$(median "${ours[@]}"); mp=$(median "${python[@]}"); mpi=$(median "${python_inner[@]}")
printf '\n| | median s | images/s |\n|---|---:|---:|\n'
printf '| imagepipe generate (whole process) | %.3f | %.1f |\n' "$mo" "$(echo "$count / $mo" | bc -l)"
printf '| Python openai + Pillow (whole process) | %.3f | %.1f |\n' "$mp" "$(echo "$count / $mp" | bc -l)"
printf '| Python openai + Pillow (its own timer) | %.3f | %.1f |\n' "$mpi" "$(echo "$count / $mpi" | bc -l)"
printf '\nimagepipe is %.2fx faster (whole processes), %.2fx against the script'"'"'s own timer; load now %s\n' \
    "$(echo "$mp / $mo" | bc -l)" "$(echo "$mpi / $mo" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
