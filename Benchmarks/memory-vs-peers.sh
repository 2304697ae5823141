#!/usr/bin/env bash
# Peak resident memory of one PNG -> 256 WebP q80 thumbnail: imagepipe vs Pillow vs vipsthumbnail,
# at 1024x1024 and 2048x2048 (corpus photos), measured with `/usr/bin/time -f %M` (the process's
# own peak RSS, file-backed pages of the binary and libraries included), interleaved rounds,
# median. Also prints the median wall time of the same runs.
#
#   imagepipe:      imagepipe convert IN -o OUT.webp --thumbnail 256 -q 80
#   Pillow:         Image.open, Image.thumbnail((256, 256), LANCZOS), save WEBP quality 80
#   vipsthumbnail:  vipsthumbnail IN -s 256 -o OUT.webp[Q=80], VIPS_CONCURRENCY=1
#
# Before the rounds, each binary's pages are dropped from the page cache (posix_fadvise
# DONTNEED) and read back by one untimed run: a binary just written by the linker is held in
# larger page-cache folios and measures 2-3 MiB more than one read back from disk.
#
# usage: Benchmarks/memory-vs-peers.sh [ROUNDS] [BASELINE_IMAGEPIPE]
#        (default 5 rounds; with a second imagepipe binary, e.g. one built from an older commit,
#        its figures are printed beside the current one's, from the same rounds)
set -euo pipefail
ROUNDS="${1:-5}"
BASELINE="${2:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${IMAGEPIPE:-$ROOT/.build/release/imagepipe}"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/png}"
WORK="${WORK:-/tmp/imagepipe-memory-bench}"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import PIL' 2>/dev/null || PYTHON=/usr/bin/python3
[ -x "$BIN" ] || { echo "no $BIN: swift build -c release --static-swift-stdlib --product imagepipe" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (apt-get install time)" >&2; exit 1; }
command -v vipsthumbnail >/dev/null || { echo "vipsthumbnail missing (apt-get install libvips-tools)" >&2; exit 1; }
"$PYTHON" -c 'import PIL' || { echo "Pillow missing (pip install pillow)" >&2; exit 1; }
INPUTS=("$CORPUS/1024x1024-garden-rgb.png" "$CORPUS/2048x2048-elephants-rgb.png")
for f in "${INPUTS[@]}"; do [ -f "$f" ] || { echo "no $f" >&2; exit 1; }; done

rm -rf "$WORK"; mkdir -p "$WORK"
cat "${INPUTS[@]}" >/dev/null  # inputs in the page cache
cat > "$WORK/pil_thumb.py" <<'PY'
import sys
from PIL import Image
with Image.open(sys.argv[1]) as im:
    im.thumbnail((256, 256), Image.LANCZOS)
    im.save(sys.argv[2], "WEBP", quality=80)
PY

TOOLS=(imagepipe pillow vips)
[ -n "$BASELINE" ] && TOOLS=(imagepipe baseline pillow vips)
run() {  # run TOOL INPUT -> "KiB seconds"
  local tool="$1" input="$2" out="$WORK/out-$1.webp"
  case "$tool" in
    imagepipe) /usr/bin/time -f '%M %e' -o "$WORK/m" "$BIN" convert "$input" -o "$out" --thumbnail 256 -q 80 >/dev/null ;;
    baseline)  /usr/bin/time -f '%M %e' -o "$WORK/m" "$BASELINE" convert "$input" -o "$out" --thumbnail 256 -q 80 >/dev/null ;;
    pillow)    /usr/bin/time -f '%M %e' -o "$WORK/m" "$PYTHON" "$WORK/pil_thumb.py" "$input" "$out" ;;
    vips)      VIPS_CONCURRENCY=1 /usr/bin/time -f '%M %e' -o "$WORK/m" vipsthumbnail "$input" -s 256 -o "$out[Q=80]" ;;
  esac
  tail -1 "$WORK/m"
}
drop_from_cache() {
  "$PYTHON" -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1"
}
drop_from_cache "$BIN"; [ -n "$BASELINE" ] && drop_from_cache "$BASELINE"
for tool in "${TOOLS[@]}"; do run "$tool" "${INPUTS[0]}" >/dev/null; done  # read back, untimed

declare -A kib secs
for input in "${INPUTS[@]}"; do
  for tool in "${TOOLS[@]}"; do kib[$tool,$input]=""; secs[$tool,$input]=""; done
  for ((round = 1; round <= ROUNDS; round++)); do
    for tool in "${TOOLS[@]}"; do
      read -r k s < <(run "$tool" "$input")
      kib[$tool,$input]+="$k "; secs[$tool,$input]+="$s "
    done
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "# peak resident memory, PNG -> 256 WebP q80, median of $ROUNDS interleaved rounds ($(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| tool | 1024² MiB | 2048² MiB | 1024² s | 2048² s |"
echo "|---|---:|---:|---:|---:|"
for tool in "${TOOLS[@]}"; do
  row="| $tool"
  for input in "${INPUTS[@]}"; do row+=" | $(median <<<"${kib[$tool,$input]}" | awk '{printf "%.1f", $1 / 1024}')"; done
  for input in "${INPUTS[@]}"; do row+=" | $(median <<<"${secs[$tool,$input]}")"; done
  echo "$row |"
done
echo
for input in "${INPUTS[@]}"; do
  ours=$(median <<<"${kib[imagepipe,$input]}"); pil=$(median <<<"${kib[pillow,$input]}")
  verdict=$(awk -v a="$ours" -v b="$pil" 'BEGIN { print (a <= b ? "at or under" : "ABOVE") }')
  echo "$(basename "$input"): imagepipe $verdict Pillow ($(awk -v a="$ours" -v b="$pil" 'BEGIN { printf "%+.1f MiB", (a - b) / 1024 }'))"
done
