#!/usr/bin/env bash
# The main job, runnable on a fresh machine: installs missing system packages, builds imagepipe
# (release), generates images with thumbnails and provenance (through the provider whose token is
# set: NSCALE_SERVICE_TOKEN, NEBIUS_API_KEY or OPENAI_API_KEY; else the built-in sandbox, offline),
# then shows the rest on images the project ships in Fixtures/: probe headers, transcode PNG -> WebP
# and WebP -> PNG atomically, extract saved API responses, make thumbnails, refuse bad input clearly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install-deps.sh
# Static Swift runtime: process start-up drops from ~13 ms to ~8 ms (see docs/performance.md).
swift build -c release --static-swift-stdlib --product imagepipe
imagepipe=.build/release/imagepipe
out="${1:-demo-output}"
rm -rf "$out" && mkdir -p "$out"

echo "== imagepipe generate: a 1024x1024 image and its 256-pixel WebP thumbnail, verified, with a JSON sidecar"
"$imagepipe" generate "a lighthouse on a cliff at dusk, oil painting" -z 1024x1024 --thumbnail 256 -o "$out/generated/"

echo; echo "== several prompts, two requests in flight, saved as WebP; the provenance travels inside each file"
printf '%s\n' "a red fox in fresh snow" "a bowl of ramen, studio light" "a city skyline at night" > "$out/prompts.txt"
"$imagepipe" generate --prompt-file "$out/prompts.txt" -z 512x512 --format webp --thumbnail 128 --jobs 2 -o "$out/generated/"
"$imagepipe" info --metadata "$out/generated/a-red-fox-in-fresh-snow-1.webp"

echo; echo "== imagepipe info: headers only, formats recognised by their bytes"
"$imagepipe" info Fixtures/gradient-rgb.png Fixtures/disc-rgba.png Fixtures/animated.webp

echo; echo "== PNG -> WebP (lossy q80), several inputs into one folder, one core per file"
"$imagepipe" convert Fixtures/gradient-rgb.png Fixtures/disc-rgba.png Fixtures/gray.png -o "$out/webp" --format webp --quality 80

echo; echo "== WebP -> PNG (alpha kept, smallest faithful color type)"
"$imagepipe" convert Fixtures/disc-lossy-alpha.webp -o "$out/disc-from-webp.png"

echo; echo "== a saved images API response: every image out, with the extension of its real format"
"$imagepipe" convert Fixtures/response-nscale.json Fixtures/response-openai.json -o "$out/responses"

echo; echo "== thumbnails (Lanczos3, alpha premultiplied) and a smart 'attention' crop"
"$imagepipe" convert Fixtures/gradient-rgb.png Fixtures/disc-rgba.png -o "$out/thumbs" --format webp --thumbnail 32
"$imagepipe" convert Fixtures/gradient-rgb.png -o "$out/card.png" --resize 24x24 --fit cover --gravity attention

echo; echo "== a batch with bad inputs: the good files are converted, each bad one is named, exit status 1"
set +e
"$imagepipe" convert Fixtures/gradient-lossy.webp Fixtures/truncated.png Fixtures/huge-dimensions.png Fixtures/photo.jpg -o "$out/mixed" --format png
status=$?
set -e
echo "(exit status $status)"

echo; echo "== outputs"
"$imagepipe" info "$out"/generated/*.png "$out"/generated/*.webp "$out"/webp/* "$out"/disc-from-webp.png "$out"/responses/* "$out"/thumbs/* "$out"/card.png "$out"/mixed/*
