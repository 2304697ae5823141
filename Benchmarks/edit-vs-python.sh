#!/usr/bin/env bash
# imagepipe edit against the OpenAI Python SDK's images.edit, the same 16-image edit on one
# `imagepipe serve` sandbox: peak memory (the multipart body: imagepipe streams it from the files,
# httpx builds it in memory) and wall time, each process whole. Rounds alternate the order;
# medians are printed.
#
# usage: Benchmarks/edit-vs-python.sh [ROUNDS=3] [IMAGES_DIR=../shared/corpus/jpeg]
# needs: swift build -c release --product imagepipe; pip install openai
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
images=${2:-$root/../shared/corpus/jpeg}
binary="${IMAGEPIPE:-$root/.build/release/imagepipe}"
[ -x "$binary" ] || { echo "build first: swift build -c release --product imagepipe" >&2; exit 1; }
python3 -c 'import openai' 2>/dev/null || { echo "needs: pip install openai" >&2; exit 1; }
[ -d "$images" ] || { echo "no images in $images" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/imagepipe-edit-XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The 16 first images by name, the smallest first (the sandbox edits the first).
mapfile -t files < <(ls -S -r "$images"/*.jpg "$images"/*.png "$images"/*.webp 2>/dev/null | head -16)
[ "${#files[@]}" -ge 2 ] || { echo "fewer than 2 images in $images" >&2; exit 1; }
total=$(du -cb "${files[@]}" | tail -1 | cut -f1)

"$binary" serve --port 0 > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q http "$work/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/serve.log" | head -1)

cat > "$work/edit.py" <<'PY'
import base64, sys
from openai import OpenAI
client = OpenAI(base_url=sys.argv[1], api_key="sandbox")
files = [open(path, "rb") for path in sys.argv[3:]]
result = client.images.edit(model="gpt-image-1", image=files, prompt="snow")
open(sys.argv[2], "wb").write(base64.b64decode(result.data[0].b64_json))
PY

measure() {  # prints "KiB seconds"
    /usr/bin/time -f "%M %e" -o "$work/time" "$@" > /dev/null 2>&1
    cat "$work/time"
}
ours=() theirs=()
for ((round = 0; round < rounds; round++)); do
    rm -rf "$work/out"
    if ((round % 2 == 0)); then
        ours+=("$(measure "$binary" edit "${files[@]}" -P snow --provider sandbox --base-url "$url" -o "$work/out/" --quiet)")
        theirs+=("$(measure python3 "$work/edit.py" "$url" "$work/sdk.png" "${files[@]}")")
    else
        theirs+=("$(measure python3 "$work/edit.py" "$url" "$work/sdk.png" "${files[@]}")")
        ours+=("$(measure "$binary" edit "${files[@]}" -P snow --provider sandbox --base-url "$url" -o "$work/out/" --quiet)")
    fi
done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
our_kib=$(printf '%s\n' "${ours[@]}" | cut -d' ' -f1 | median); our_s=$(printf '%s\n' "${ours[@]}" | cut -d' ' -f2 | median)
their_kib=$(printf '%s\n' "${theirs[@]}" | cut -d' ' -f1 | median); their_s=$(printf '%s\n' "${theirs[@]}" | cut -d' ' -f2 | median)
echo "${#files[@]} images, $((total / 1048576)) MiB in all, $rounds rounds (medians)"
echo "imagepipe edit:        $(awk "BEGIN { printf \"%.1f\", $our_kib / 1024 }") MiB peak, $our_s s"
echo "OpenAI SDK images.edit: $(awk "BEGIN { printf \"%.1f\", $their_kib / 1024 }") MiB peak, $their_s s"
echo "ratio: memory $(awk "BEGIN { printf \"%.2f\", $our_kib / $their_kib }")x, time $(awk "BEGIN { printf \"%.2f\", $our_s / $their_s }")x"
