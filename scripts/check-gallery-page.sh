#!/usr/bin/env bash
# Opens galleries made by `imagepipe gallery` in headless Chromium and checks the page works:
# no console or script errors, no failed resource load, every thumbnail loaded
# (img.complete && naturalWidth > 0), then saves screenshots to gallery-check/ (git-ignored).
#
# Galleries: Fixtures/ (which holds corrupt files on purpose: those fail, the rest must show)
# and, when ../shared/corpus exists, the corpus (PNG, WebP and saved API responses).
#
# usage: scripts/check-gallery-page.sh        (installs Debian's chromium if missing; needs root)
#        IMAGEPIPE=.build/release/imagepipe scripts/check-gallery-page.sh
# Not part of scripts/test.sh: CI has no Chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/gallery-check"
cd "$ROOT"

BROWSER="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$BROWSER" ]; then
  echo "installing chromium (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  BROWSER="$(command -v chromium)"
fi
BIN="${IMAGEPIPE:-}"
if [ -z "$BIN" ]; then
  swift build --product imagepipe >&2
  BIN="$ROOT/.build/debug/imagepipe"
fi

rm -rf "$OUT"; mkdir -p "$OUT"
galleries=(fixtures)
"$BIN" gallery Fixtures -o "$OUT/fixtures" --quiet 2>"$OUT/fixtures.log" || true  # corrupt fixtures fail on purpose
if [ -d ../shared/corpus ]; then
  galleries+=(corpus)
  "$BIN" gallery ../shared/corpus -o "$OUT/corpus" --quiet 2>"$OUT/corpus.log" || true
fi

# A browser profile of its own, so that nothing of the user's is touched or used.
PROFILE="$(mktemp -d)"; trap 'rm -rf "$PROFILE"' EXIT
chrome() {
  timeout 120 "$BROWSER" --headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
    --user-data-dir="$PROFILE" --enable-logging=stderr --v=0 "$@"
}

failed=0
for name in "${galleries[@]}"; do
  dir="$OUT/$name"
  [ -f "$dir/index.html" ] || { echo "FAIL $name: no index.html ($(tail -1 "$OUT/$name.log"))"; failed=1; continue; }
  # A copy of the page with a probe: errors are recorded from the first moment (head), and after
  # the load event the state of every image is written into the DOM, which --dump-dom prints.
  # The window is tall, so that every lazy image is in view and loads.
  python3 - "$dir/index.html" "$dir/.check.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe_head = """<script>
window.__errors = [];
window.addEventListener("error", e => {
  const t = e.target;
  window.__errors.push(t && t !== window ? "failed to load " + (t.currentSrc || t.src || t.href) : "script error: " + e.message);
}, true);
const original = console.error;
console.error = (...a) => { window.__errors.push("console.error: " + a.join(" ")); original(...a); };
</script>"""
probe_tail = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const imgs = [...document.querySelectorAll("main img")];
  const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src"));
  const missingSize = imgs.filter(i => !i.getAttribute("width") || !i.getAttribute("height")).length;
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({images: imgs.length, loaded: imgs.length - bad.length, notLoaded: bad,
    missingSize, errors: window.__errors});
  document.body.appendChild(out);
}, 500));
</script>"""
page = page.replace("<head>", "<head>" + probe_head, 1).replace("</body>", probe_tail + "</body>", 1)
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY
  chrome --window-size=1280,30000 --virtual-time-budget=30000 --dump-dom "file://$dir/.check.html" >"$dir/.dom.html" 2>"$dir/.chrome.log" || true
  result="$(python3 - "$dir/.dom.html" <<'PY'
import sys, re, json, html
dom = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
print(json.dumps(json.loads(html.unescape(m.group(1)))) if m else "")
PY
)"
  console_errors="$(grep -E 'CONSOLE.*(Error|Uncaught)|ERROR:CONSOLE' "$dir/.chrome.log" || true)"
  if [ -z "$result" ]; then
    echo "FAIL $name: the probe did not run (see $dir/.chrome.log)"; failed=1
  else
    echo "$name: $result"
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["images"]>0 and r["loaded"]==r["images"] and not r["errors"] and r["missingSize"]==0 else 1)' "$result" \
      || { echo "FAIL $name: images not loaded, sizes missing, or errors"; failed=1; }
  fi
  if [ -n "$console_errors" ]; then echo "FAIL $name: console errors:"; echo "$console_errors"; failed=1; fi
  # What a visitor sees first, on a desktop and on a phone.
  chrome --window-size=1280,1000 --virtual-time-budget=10000 --screenshot="$OUT/$name-desktop.png" "file://$dir/index.html" >/dev/null 2>&1 || true
  chrome --window-size=390,844 --virtual-time-budget=10000 --screenshot="$OUT/$name-phone.png" "file://$dir/index.html" >/dev/null 2>&1 || true
  for shot in "$OUT/$name-desktop.png" "$OUT/$name-phone.png"; do
    [ -s "$shot" ] && echo "screenshot: $shot" || { echo "FAIL $name: no screenshot $shot"; failed=1; }
  done
done
if ((failed)); then echo "gallery page check FAILED"; exit 1; fi
echo "gallery page check passed"
