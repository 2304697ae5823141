#!/usr/bin/env bash
# Installs what imagepipe needs on Debian/Ubuntu when it is missing: the libpng, libwebp, libdeflate, ISA-L, libjpeg-turbo, LittleCMS and zlib
# development packages and pkg-config. Sourced by scripts/demo.sh and scripts/test.sh; safe to rerun.
set -euo pipefail

imagepipe_install_deps() {
    local needed=(libpng-dev libwebp-dev libdeflate-dev libisal-dev libjpeg62-turbo-dev liblcms2-dev zlib1g-dev pkg-config)
    # A script may ask for more (scripts/test.sh: exiftool, to check that other tools read what we write).
    # shellcheck disable=SC2206
    needed+=(${IMAGEPIPE_EXTRA_PACKAGES:-})
    local missing=()
    for package in "${needed[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        echo "imagepipe: installing ${missing[*]} (apt-get)" >&2
        local sudo=()
        if [ "$(id -u)" -ne 0 ]; then
            command -v sudo >/dev/null || { echo "imagepipe: run as root or install sudo to install ${missing[*]}" >&2; return 1; }
            sudo=(sudo)
        fi
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || { echo "imagepipe: Swift 6.1 or newer is required (https://www.swift.org/install/linux/)" >&2; return 1; }
}

imagepipe_install_deps
