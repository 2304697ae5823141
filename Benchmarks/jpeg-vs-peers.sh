#!/usr/bin/env bash
# imagepipe vs vipsthumbnail vs Pillow on JPEG photos (the corpus's 16, 1280x1024 to 5640x3172,
# baseline and progressive) -> WebP q80 thumbnails, all in the same sitting: interleaved rounds
# (every tool in turn within a round, one untimed warm-up round first), medians, and each of the
# issue's targets printed beside its ratio, PASS or FAIL.
#
#   single   one process, one photo -> 256 WebP q80, wall time; SINGLE_REPS (default 3) calls per
#            tool per round, on 3640x2400-string.jpg (baseline) and 5640x3172-elephants.jpg
#            (progressive; the script checks both with Pillow):
#              ours:           imagepipe convert IN --thumbnail 256 -q 80 -o OUT.webp (shrinks on load)
#              vipsthumbnail:  vipsthumbnail IN -s 256 -o OUT.webp[Q=80] with VIPS_CONCURRENCY=1: one
#                              worker thread, as imagepipe spends one core on one image, and as the
#                              other scripts here; vipsthumbnail also shrinks on load, and it copies
#                              the EXIF and ICC profile into its output. With its default pool
#                              (VIPS_CONCURRENCY=nproc, "vips-mt") for information.
#              Pillow:         Image.open, thumbnail((256, 256), LANCZOS) (which calls draft():
#                              libjpeg's shrink on load), save WEBP quality 80 method 4 (information)
#   batch    the corpus copied COPIES (default 3) times, 48 files -> 256 WebP q80, two cores:
#              ours:           one imagepipe convert call with all the files, -f webp -o DIR/ --jobs 2
#              vipsthumbnail:  2 processes, each one vipsthumbnail call over its half, VIPS_CONCURRENCY=1
#              Pillow:         2 processes, each its half (as in single)
#            (the halves hold equal pixel counts give or take a photo; the same halves for both peers)
#   gallery  the same 48 files -> 512, 256 and 128 WebP q80, two cores:
#              ours:           imagepipe gallery SRC -o OUT --sizes 512,256,128 -q 80 --jobs 2 (also
#                              writes manifest.json, ThumbHashes and index.html; OUT emptied each round)
#              Pillow:         2 processes, each its half: open once, thumbnail 512 (draft, as above),
#                              256 from the 512, 128 from the 256 (as imagepipe's default cascade)
#              vipsthumbnail:  2 processes, each 3 calls over its half (-s 512, 256, 128),
#                              VIPS_CONCURRENCY=1 (information)
#   memory   peak resident memory (/usr/bin/time -f %M, as memory-vs-peers.sh, after the imagepipe
#            binary's pages are dropped from the page cache and read back by the warm-up round) of
#            the single calls above, on string and elephants; Pillow and vips-mt for information
#
# Targets: single: ours <= 0.5x vipsthumbnail's time (string), <= 0.8x (elephants); batch: ours
# >= 1.5x faster than vipsthumbnail and than Pillow; gallery: ours >= 1.5x faster than Pillow;
# peak memory: ours < 40 MiB (string), <= 0.8x vipsthumbnail's peak (elephants).
# Exit status 0 even when a target is missed (the table says FAIL); non-zero when a tool fails or
# an output is missing or has the wrong size (every round's outputs are checked with Pillow).
#
# usage: Benchmarks/jpeg-vs-peers.sh [ROUNDS]   (default 5; needs a release build:
#        swift build -c release --product imagepipe, or IMAGEPIPE=binary; python3 with Pillow;
#        vipsthumbnail; /usr/bin/time)
set -euo pipefail
trap 'status=$?; [ -n "${failed:-}" ] || echo "jpeg-vs-peers: failed (status $status): $BASH_COMMAND" >&2; failed=1' ERR
set -E  # the ERR trap in functions too
export LC_ALL=C  # a decimal point in $EPOCHREALTIME and printf
ROUNDS="${1:-5}"
SINGLE_REPS="${SINGLE_REPS:-3}"
COPIES="${COPIES:-3}"
[[ "$ROUNDS$SINGLE_REPS$COPIES" =~ ^[0-9]+$ ]] && (( ROUNDS >= 1 && SINGLE_REPS >= 1 && COPIES >= 1 )) \
  || { echo "usage: $0 [ROUNDS]   (ROUNDS, SINGLE_REPS, COPIES: whole numbers >= 1)" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${IMAGEPIPE:-$ROOT/.build/release/imagepipe}"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/jpeg}"
WORK="${WORK:-/tmp/imagepipe-jpeg-bench}"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import PIL' 2>/dev/null || PYTHON=/usr/bin/python3
[ -x "$BIN" ] || { echo "no $BIN: swift build -c release --product imagepipe" >&2; exit 1; }
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (apt-get install time)" >&2; exit 1; }
command -v vipsthumbnail >/dev/null || { echo "vipsthumbnail missing (apt-get install libvips-tools)" >&2; exit 1; }
"$PYTHON" -c 'from PIL import features; assert features.check("jpg") and features.check("webp")' \
  || { echo "Pillow with JPEG and WebP missing (pip install pillow)" >&2; exit 1; }
PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"  # the interpreter, not a pyenv shim
STRING="$CORPUS/3640x2400-string.jpg"
ELEPHANTS="$CORPUS/5640x3172-elephants.jpg"
for f in "$STRING" "$ELEPHANTS"; do [ -f "$f" ] || { echo "no $f" >&2; exit 1; }; done

rm -rf "$WORK"; mkdir -p "$WORK/src"
for ((copy = 1; copy <= COPIES; copy++)); do
  for f in "$CORPUS"/*.jpg; do cp "$f" "$WORK/src/c$copy-$(basename "$f")"; done
done
SRC=("$WORK"/src/*.jpg)
N=${#SRC[@]}
cat "${SRC[@]}" "$STRING" "$ELEPHANTS" >/dev/null  # warm the page cache

cat > "$WORK/pil_thumb.py" <<'PY'
import sys, os
from PIL import Image
out = sys.argv[1]
for src in sys.argv[2:]:
    with Image.open(src) as im:
        im.thumbnail((256, 256), Image.Resampling.LANCZOS)  # draft(): shrink on load
        im.save(os.path.join(out, os.path.splitext(os.path.basename(src))[0] + ".webp"),
                "WEBP", quality=80, method=4)
PY
cat > "$WORK/pil_gallery.py" <<'PY'
import sys, os
from PIL import Image
out = sys.argv[1]
for src in sys.argv[2:]:
    stem = os.path.join(out, os.path.splitext(os.path.basename(src))[0])
    with Image.open(src) as im:
        im.thumbnail((512, 512), Image.Resampling.LANCZOS)  # draft(): shrink on load, one decode
        im.save(f"{stem}-512.webp", "WEBP", quality=80, method=4)
        prev = im
        for s in (256, 128):  # each from the next larger
            t = prev.copy()
            t.thumbnail((s, s), Image.Resampling.LANCZOS)
            t.save(f"{stem}-{s}.webp", "WEBP", quality=80, method=4)
            prev = t
PY
cat > "$WORK/tools.py" <<'PY'
import sys, os, glob
from PIL import Image

def oriented_size(path):
    with Image.open(path) as im:
        w, h = im.size
        return (h, w) if im.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (w, h)

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "progressive":  # the progressive JPEGs among args
    for p in args:
        with Image.open(p) as im:
            if im.info.get("progressive") or im.info.get("progression"):
                print(os.path.basename(p))
elif cmd == "halves":  # halves A B FILES...: two lists of about equal pixel count (largest first)
    px = sorted(((w * h, p) for p in args[2:] for w, h in [oriented_size(p)]), reverse=True)
    halves, sums = ([], []), [0, 0]
    for n, p in px:
        i = 0 if sums[0] <= sums[1] else 1
        halves[i].append(p); sums[i] += n
    for name, half in zip(args[:2], halves):
        with open(name, "w") as f: f.write("".join(p + "\n" for p in sorted(half)))
elif cmd == "check":  # check SPEC...; SPEC = kind:outdir:sizes:listfile (kind flat, gallery or ours-gallery)
    bad, n = [], 0
    for spec in args:
        kind, out, sizes, listfile = spec.split(":")
        for src in open(listfile).read().split("\n"):
            if not src: continue
            name = os.path.basename(src); stem = os.path.splitext(name)[0]
            w, h = oriented_size(src)
            for s in map(int, sizes.split(",")):
                if kind == "ours-gallery":
                    found = glob.glob(os.path.join(glob.escape(out), "thumbs", glob.escape(name) + f"-*.{s}.webp"))
                else:
                    found = [p for p in [os.path.join(out, f"{stem}-{s}.webp" if kind == "gallery" else stem + ".webp")]
                             if os.path.exists(p)]
                if len(found) != 1:
                    bad.append(f"{out}: {name} at {s}: {len(found)} outputs"); continue
                with Image.open(found[0]) as t: fmt, (tw, th) = t.format, t.size
                k = min(1.0, s / max(w, h)); ew, eh = w * k, h * k
                if fmt != "WEBP" or max(tw, th) != round(max(ew, eh)) or abs(tw - ew) > 1 or abs(th - eh) > 1:
                    bad.append(f"{found[0]}: {fmt} {tw}x{th}, expected WEBP {ew:.0f}x{eh:.0f}")
                n += 1
    if bad:
        print("output check failed:\n  " + "\n  ".join(bad[:20]), file=sys.stderr); sys.exit(1)
    print(n)
PY

PROGRESSIVE="$("$PYTHON" "$WORK/tools.py" progressive "$CORPUS"/*.jpg | sed 's/\.jpg$//' | tr '\n' ' ')"
[[ " $PROGRESSIVE " == *" $(basename "$ELEPHANTS" .jpg) "* ]] || echo "warning: $ELEPHANTS is not progressive" >&2
[[ " $PROGRESSIVE " != *" $(basename "$STRING" .jpg) "* ]] || echo "warning: $STRING is not baseline" >&2
"$PYTHON" "$WORK/tools.py" halves "$WORK/half-a.txt" "$WORK/half-b.txt" "${SRC[@]}"
mapfile -t HALF_A < "$WORK/half-a.txt"
mapfile -t HALF_B < "$WORK/half-b.txt"
printf '%s\n' "$STRING" "$ELEPHANTS" > "$WORK/singles.txt"
printf '%s\n' "${SRC[@]}" > "$WORK/src.txt"

SINGLE_TOOLS=(ours vips vips-mt pillow)
INPUTS=(string elephants)
declare -A PATH_OF=([string]="$STRING" [elephants]="$ELEPHANTS")
single() {  # single TOOL INPUT OUTDIR: the one-photo command of TOOL in CMD, its VIPS_CONCURRENCY in CONC
  CONC=1
  case "$1" in
    ours)    CMD=("$BIN" convert "$2" --thumbnail 256 -q 80 -o "$3/$(basename "$2" .jpg).webp" --quiet) ;;
    vips)    CMD=(vipsthumbnail "$2" -s 256 -o "$3/%s.webp[Q=80]") ;;
    vips-mt) CMD=(vipsthumbnail "$2" -s 256 -o "$3/%s.webp[Q=80]"); CONC=$(nproc) ;;
    pillow)  CMD=("$PYTHON" "$WORK/pil_thumb.py" "$3" "$2") ;;
  esac
}
ours_batch() {
  rm -rf "$WORK/b-ours"; mkdir -p "$WORK/b-ours"
  # (with several inputs, convert --quiet still prints "converted N of N images" on stderr)
  "$BIN" convert "${SRC[@]}" --thumbnail 256 -q 80 -f webp -o "$WORK/b-ours/" --jobs 2 --quiet 2>"$WORK/err" \
    || { cat "$WORK/err" >&2; return 1; }
}
pillow_batch() {
  rm -rf "$WORK/b-pillow"; mkdir -p "$WORK/b-pillow"
  "$PYTHON" "$WORK/pil_thumb.py" "$WORK/b-pillow" "${HALF_A[@]}" &
  local a=$!
  "$PYTHON" "$WORK/pil_thumb.py" "$WORK/b-pillow" "${HALF_B[@]}" &
  wait "$a"; wait $!
}
vips_batch() {
  rm -rf "$WORK/b-vips"; mkdir -p "$WORK/b-vips"
  VIPS_CONCURRENCY=1 vipsthumbnail "${HALF_A[@]}" -s 256 -o "$WORK/b-vips/%s.webp[Q=80]" &
  local a=$!
  VIPS_CONCURRENCY=1 vipsthumbnail "${HALF_B[@]}" -s 256 -o "$WORK/b-vips/%s.webp[Q=80]" &
  wait "$a"; wait $!
}
ours_gallery() { rm -rf "$WORK/g-ours"; "$BIN" gallery "$WORK/src" -o "$WORK/g-ours" --sizes 512,256,128 -q 80 --jobs 2 --quiet; }
pillow_gallery() {
  rm -rf "$WORK/g-pillow"; mkdir -p "$WORK/g-pillow"
  "$PYTHON" "$WORK/pil_gallery.py" "$WORK/g-pillow" "${HALF_A[@]}" &
  local a=$!
  "$PYTHON" "$WORK/pil_gallery.py" "$WORK/g-pillow" "${HALF_B[@]}" &
  wait "$a"; wait $!
}
vips_half_gallery() { local s; for s in 512 256 128; do VIPS_CONCURRENCY=1 vipsthumbnail "$@" -s $s -o "$WORK/g-vips/%s-$s.webp[Q=80]"; done; }
vips_gallery() {
  rm -rf "$WORK/g-vips"; mkdir -p "$WORK/g-vips"
  vips_half_gallery "${HALF_A[@]}" &
  local a=$!
  vips_half_gallery "${HALF_B[@]}" &
  wait "$a"; wait $!
}
drop_from_cache() {
  "$PYTHON" -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1"
}

declare -A times kib secs
for input in "${INPUTS[@]}"; do
  for tool in "${SINGLE_TOOLS[@]}"; do times[single,$tool,$input]=""; kib[$tool,$input]=""; secs[$tool,$input]=""; done
done
for tool in ours pillow vips; do times[batch,$tool]=""; times[gallery,$tool]=""; done
timed() {  # timed KEY COMMAND...: run COMMAND; its wall time goes into times[KEY], but not in the warm-up round
  local key="$1" start end; shift
  start=$EPOCHREALTIME; "$@"; end=$EPOCHREALTIME
  (( round == 0 )) || times[$key]+="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }') "
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "# JPEG: imagepipe vs vipsthumbnail vs Pillow, $N photos ($COPIES copies of the corpus's $(ls "$CORPUS"/*.jpg | wc -l)) and single calls; $ROUNDS rounds (+1 warm-up); $(date -u +%FT%TZ), load $LOAD_BEFORE"
echo "progressive in the corpus: $PROGRESSIVE"
drop_from_cache "$BIN"  # read back by the warm-up round (see memory-vs-peers.sh)
run_cmd() { VIPS_CONCURRENCY=$CONC "${CMD[@]}"; }
for round in $(seq 0 "$ROUNDS"); do
  rm -rf "$WORK"/s-* "$WORK"/m-*
  for tool in "${SINGLE_TOOLS[@]}"; do mkdir -p "$WORK/s-$tool" "$WORK/m-$tool"; done
  for input in "${INPUTS[@]}"; do
    for ((rep = 0; rep < SINGLE_REPS; rep++)); do
      for tool in "${SINGLE_TOOLS[@]}"; do
        single "$tool" "${PATH_OF[$input]}" "$WORK/s-$tool"
        timed "single,$tool,$input" run_cmd
      done
    done
  done
  for tool in ours pillow vips; do timed "batch,$tool" "${tool}_batch"; done
  for tool in ours pillow vips; do timed "gallery,$tool" "${tool}_gallery"; done
  for input in "${INPUTS[@]}"; do
    for tool in "${SINGLE_TOOLS[@]}"; do
      single "$tool" "${PATH_OF[$input]}" "$WORK/m-$tool"
      VIPS_CONCURRENCY=$CONC /usr/bin/time -f '%M %e' -o "$WORK/m" "${CMD[@]}"
      if (( round > 0 )); then read -r k t < <(tail -1 "$WORK/m"); kib[$tool,$input]+="$k "; secs[$tool,$input]+="$t "; fi
    done
  done
  specs=()
  for tool in "${SINGLE_TOOLS[@]}"; do specs+=("flat:$WORK/s-$tool:256:$WORK/singles.txt" "flat:$WORK/m-$tool:256:$WORK/singles.txt"); done
  for tool in ours pillow vips; do specs+=("flat:$WORK/b-$tool:256:$WORK/src.txt"); done
  specs+=("ours-gallery:$WORK/g-ours:512,256,128:$WORK/src.txt" "gallery:$WORK/g-pillow:512,256,128:$WORK/src.txt"
          "gallery:$WORK/g-vips:512,256,128:$WORK/src.txt")
  checked=$("$PYTHON" "$WORK/tools.py" check "${specs[@]}")
  echo "round $round done ($( ((round)) || echo "warm-up, " )$checked outputs checked: all there, WebP, right size)"
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() {  # verdict VALUE OP LIMIT -> PASS or FAIL
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { ok = op == "<=" ? v <= l : op == "<" ? v < l : v >= l; print (ok ? "PASS" : "FAIL") }'
}
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
declare -A med
for key in "${!times[@]}"; do med[$key]=$(median <<<"${times[$key]}"); done
for input in "${INPUTS[@]}"; do
  for tool in "${SINGLE_TOOLS[@]}"; do
    med[kib,$tool,$input]=$(median <<<"${kib[$tool,$input]}"); med[secs,$tool,$input]=$(median <<<"${secs[$tool,$input]}")
  done
done

echo
echo "## one call, one photo -> 256 WebP q80: median wall ms of $((ROUNDS * SINGLE_REPS)) calls"
echo
echo "| tool | string 3640x2400 baseline | elephants 5640x3172 progressive |"
echo "|---|---:|---:|"
for tool in "${SINGLE_TOOLS[@]}"; do
  echo "| $tool | $(ms "${med[single,$tool,string]}") | $(ms "${med[single,$tool,elephants]}") |"
done
echo
# A two-core section's table: median, per image, every round.
section_table() {
  local section=$1 tool
  printf '| tool | median s | per image ms | all rounds (s) |\n|---|---:|---:|---|\n'
  for tool in ours pillow vips; do
    printf '| %s | %.3f | %.1f | %s|\n' "$tool" "${med[$section,$tool]}" "$(awk -v s="${med[$section,$tool]}" -v n="$N" 'BEGIN { print s * 1000 / n }')" "${times[$section,$tool]}"
  done
}
echo "## batch: $N photos -> 256 WebP q80, 2 cores"
echo
section_table batch
echo
echo "## gallery: $N photos -> 512+256+128 WebP q80, 2 cores"
echo
section_table gallery
echo
echo "## peak resident memory, one photo -> 256 WebP q80: median of $ROUNDS (/usr/bin/time -f %M)"
echo
echo "| tool | string MiB | elephants MiB | string s | elephants s |"
echo "|---|---:|---:|---:|---:|"
for tool in "${SINGLE_TOOLS[@]}"; do
  echo "| $tool | $(mib "${med[kib,$tool,string]}") | $(mib "${med[kib,$tool,elephants]}") | ${med[secs,$tool,string]} | ${med[secs,$tool,elephants]} |"
done

row() {  # row WHAT OURS PEER RATIO OP LIMIT: a target row
  echo "| $1 | $2 | $3 | ${4}x | $5 ${6}x | $(verdict "$4" "$5" "$6") |"
}
s_str=$(ratio "${med[single,ours,string]}" "${med[single,vips,string]}")
s_ele=$(ratio "${med[single,ours,elephants]}" "${med[single,vips,elephants]}")
b_vips=$(ratio "${med[batch,vips]}" "${med[batch,ours]}")
b_pil=$(ratio "${med[batch,pillow]}" "${med[batch,ours]}")
g_pil=$(ratio "${med[gallery,pillow]}" "${med[gallery,ours]}")
g_vips=$(ratio "${med[gallery,vips]}" "${med[gallery,ours]}")
m_ele=$(ratio "${med[kib,ours,elephants]}" "${med[kib,vips,elephants]}")
m_str=$(mib "${med[kib,ours,string]}")
IP_VERSION="$("$BIN" --version 2>/dev/null || echo '?')"
PIL_VERSION="$("$PYTHON" -c 'import PIL; from PIL import features as f
print("Pillow %s (libjpeg-turbo %s, libwebp %s)" % (PIL.__version__, f.version("libjpeg_turbo"), f.version("webp")))')"
echo
echo "## targets (for docs/performance.md)"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); imagepipe $IP_VERSION ($BIN), $(vips --version), $PIL_VERSION, Python $("$PYTHON" -c 'import platform; print(platform.python_version())'). $(date -u +%F), $ROUNDS interleaved rounds (+1 warm-up), medians; one-call times of $((ROUNDS * SINGLE_REPS)) calls each; load $LOAD_BEFORE before, $LOAD_AFTER after. vipsthumbnail with VIPS_CONCURRENCY=1; batch and gallery on 2 cores: imagepipe --jobs 2, peers in 2 processes. Inputs: the JPEG corpus; $N photos = $COPIES copies of it."
echo
echo "| measurement | imagepipe | peer | ratio | target | result |"
echo "|---|---:|---:|---:|---|---|"
row "one call, 3640x2400-string.jpg (baseline) -> 256 WebP: time vs vipsthumbnail" \
  "$(ms "${med[single,ours,string]}") ms" "$(ms "${med[single,vips,string]}") ms" "$s_str" "<=" 0.5
row "one call, 5640x3172-elephants.jpg (progressive) -> 256 WebP: time vs vipsthumbnail" \
  "$(ms "${med[single,ours,elephants]}") ms" "$(ms "${med[single,vips,elephants]}") ms" "$s_ele" "<=" 0.8
row "batch, $N photos -> 256 WebP, 2 cores: speed-up over vipsthumbnail (2 processes)" \
  "$(printf %.2f "${med[batch,ours]}") s" "$(printf %.2f "${med[batch,vips]}") s" "$b_vips" ">=" 1.5
row "batch, $N photos -> 256 WebP, 2 cores: speed-up over Pillow (2 processes)" \
  "$(printf %.2f "${med[batch,ours]}") s" "$(printf %.2f "${med[batch,pillow]}") s" "$b_pil" ">=" 1.5
row "gallery, $N photos -> 512+256+128 WebP, 2 cores: speed-up over Pillow (2 processes)" \
  "$(printf %.2f "${med[gallery,ours]}") s" "$(printf %.2f "${med[gallery,pillow]}") s" "$g_pil" ">=" 1.5
echo "| gallery, same: speed-up over vipsthumbnail (2 processes, 3 calls each; information) | $(printf %.2f "${med[gallery,ours]}") s | $(printf %.2f "${med[gallery,vips]}") s | ${g_vips}x | | |"
echo "| peak memory, 3640x2400-string.jpg -> 256 (vipsthumbnail, Pillow: information) | $m_str MiB | $(mib "${med[kib,vips,string]}"), $(mib "${med[kib,pillow,string]}") MiB | | < 40 MiB | $(verdict "$m_str" "<" 40) |"
row "peak memory, 5640x3172-elephants.jpg -> 256: vs vipsthumbnail (Pillow: $(mib "${med[kib,pillow,elephants]}") MiB)" \
  "$(mib "${med[kib,ours,elephants]}") MiB" "$(mib "${med[kib,vips,elephants]}") MiB" "$m_ele" "<=" 0.8
