#!/usr/bin/env bash
# Builds the DocC documentation of every library product (Sources/*/*.docc) into
# .build/docs/MODULE, with swift-docc-plugin. Not part of the test command (a few minutes per
# module on two cores); DocumentationRulesTests checks that every catalog exists.
#
# usage: scripts/docs.sh [MODULE...]     (default: every Swift library product)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
  mapfile -t modules < <(grep -o '\.library(name: "[A-Za-z0-9]*"' Package.swift | sed 's/.*"\(.*\)"/\1/' | grep -v '^C')
fi
mkdir -p .build/docs
for module in "${modules[@]}"; do
  echo "== $module"
  swift package --disable-sandbox --allow-writing-to-directory ".build/docs/$module" \
    generate-documentation --target "$module" --output-path ".build/docs/$module"
done
