#!/usr/bin/env bash
# imagepipe gallery vs Pillow vs vipsthumbnail on ~50 PNGs (the corpus's 12 PNGs copied 4 times):
# three WebP q80 thumbnails (512, 256, 128) of each, on two cores, whole runs, interleaved rounds,
# median wall time.
#
#   ours:           imagepipe gallery SRC -o OUT --sizes 512,256,128 -q 80 (2 jobs; also writes
#                   the manifest, ThumbHashes and index.html; OUT emptied before every round)
#   Pillow:         2 processes, each opens its half of the files once and makes 3 thumbnails
#                   (Image.thumbnail LANCZOS, save WEBP quality 80 method 4: the anchors' pil_gallery)
#   vipsthumbnail:  3 calls per image (-s 512/256/128, [Q=80]), xargs -P2, VIPS_CONCURRENCY=1
#
# usage: Benchmarks/gallery-vs-peers.sh [ROUNDS]   (default 7; needs a release build:
#        swift build -c release --product imagepipe; python3 with Pillow; vipsthumbnail)
set -euo pipefail
ROUNDS="${1:-7}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${IMAGEPIPE:-$ROOT/.build/release/imagepipe}"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/png}"
WORK="${WORK:-/tmp/imagepipe-gallery-bench}"
[ -x "$BIN" ] || { echo "no $BIN: swift build -c release --product imagepipe" >&2; exit 1; }
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS" >&2; exit 1; }
command -v vipsthumbnail >/dev/null || { echo "vipsthumbnail missing (apt-get install libvips-tools)" >&2; exit 1; }
python3 -c 'import PIL' || { echo "Pillow missing (pip install pillow)" >&2; exit 1; }

rm -rf "$WORK"; mkdir -p "$WORK/src"
for copy in 1 2 3 4; do
  for f in "$CORPUS"/*.png; do cp "$f" "$WORK/src/c$copy-$(basename "$f")"; done
done
cat "$WORK"/src/*.png >/dev/null  # warm the page cache
N=$(ls "$WORK/src" | wc -l)

cat > "$WORK/pil_gallery.py" <<'PY'
import sys, os
from PIL import Image
out = sys.argv[1]
for src in sys.argv[2:]:
    stem = os.path.join(out, os.path.basename(src))
    with Image.open(src) as im:
        im.load()
        for s in (512, 256, 128):
            t = im.copy()
            t.thumbnail((s, s), Image.LANCZOS)
            t.save(f"{stem}-{s}.webp", "WEBP", quality=80, method=4)
PY

ours()   { rm -rf "$WORK/o-ours"; "$BIN" gallery "$WORK/src" -o "$WORK/o-ours" --sizes 512,256,128 -q 80 --jobs 2 --quiet; }
pillow() {
  rm -rf "$WORK/o-pil"; mkdir -p "$WORK/o-pil"
  local files=("$WORK"/src/*.png) a=() b=() i
  for i in "${!files[@]}"; do if (( i % 2 )); then b+=("${files[$i]}"); else a+=("${files[$i]}"); fi; done
  python3 "$WORK/pil_gallery.py" "$WORK/o-pil" "${a[@]}" & python3 "$WORK/pil_gallery.py" "$WORK/o-pil" "${b[@]}" & wait
}
vips() {
  rm -rf "$WORK/o-vips"; mkdir -p "$WORK/o-vips"
  ls "$WORK"/src/*.png | VIPS_CONCURRENCY=1 xargs -P2 -I{} sh -c \
    'for s in 512 256 128; do vipsthumbnail "$1" -s $s -o "$2/%s-$s.webp[Q=80]"; done' _ {} "$WORK/o-vips"
}
now() { date +%s.%N; }
declare -A times
for tool in ours pillow vips; do times[$tool]=""; done
echo "# gallery: $N PNGs -> 512+256+128 WebP q80, 2 cores, $ROUNDS rounds (+1 warm-up); $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 0 "$ROUNDS"); do
  for tool in ours pillow vips; do
    start=$(now); $tool; end=$(now)
    (( round == 0 )) || times[$tool]+="$(echo "$end - $start" | bc) "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A med
for tool in ours pillow vips; do med[$tool]=$(echo "${times[$tool]}" | median); done
printf '| tool | median s | per image ms | all rounds (s) |\n|---|---|---|---|\n'
for tool in ours pillow vips; do
  printf '| %s | %.3f | %.1f | %s|\n' "$tool" "${med[$tool]}" "$(echo "${med[$tool]} * 1000 / $N" | bc -l)" "${times[$tool]}"
done
printf '\nours vs Pillow: %.2fx faster; ours vs vipsthumbnail: %.2fx faster; load after: %s\n' \
  "$(echo "${med[pillow]} / ${med[ours]}" | bc -l)" "$(echo "${med[vips]} / ${med[ours]}" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
ls "$WORK/o-ours/thumbs" | wc -l | xargs printf 'check: ours wrote %s thumbnails, '
ls "$WORK/o-pil" | wc -l | xargs printf 'Pillow %s, '
ls "$WORK/o-vips" | wc -l | xargs printf 'vipsthumbnail %s\n'
