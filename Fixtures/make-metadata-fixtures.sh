#!/usr/bin/env bash
# Makes Fixtures/metadata/: small photos carrying what a phone camera writes (EXIF with a GPS
# position, serial number and Orientation, an XMP packet, and for the JPEG a Display P3 ICC
# profile), for the --keep-metadata / --strip / default tests. Needs exiftool (Debian
# libimage-exiftool-perl), a release build of imagepipe, and ../shared/conformance/jpeg for the
# profile. The test suite reads the committed files; it does not run this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
imagepipe=${IMAGEPIPE:-../.build/release/imagepipe}
profile_source=${PROFILE_SOURCE:-../../shared/conformance/jpeg/icc-displayp3.jpg}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p metadata
exiftool -q -b -ICC_Profile "$profile_source" > "$work/p3.icc"
"$imagepipe" convert --quiet gradient-rgb.png -o "$work/base.jpg" -q 90
"$imagepipe" convert --quiet gradient-rgb.png -o "$work/base.webp" -q 90
cp gradient-rgb.png "$work/base.png"
tags=(-overwrite_original -q
    -EXIF:Make=imagepipe-test -EXIF:Model="Fixture Camera" -EXIF:SerialNumber=SN-0123456789
    -EXIF:GPSLatitude=48.8584 -EXIF:GPSLatitudeRef=N -EXIF:GPSLongitude=2.2945 -EXIF:GPSLongitudeRef=E
    -XMP-dc:Title="metadata fixture" -XMP-dc:Creator="imagepipe tests")
# The JPEG: turned (Orientation 6, stored sideways) and in Display P3.
exiftool "${tags[@]}" -EXIF:Orientation#=6 "-ICC_Profile<=$work/p3.icc" "$work/base.jpg"
cp "$work/base.jpg" metadata/gps-rotated-p3.jpg
# PNG (eXIf, iTXt XMP) and WebP (EXIF, XMP chunks): upright, no profile, so a same-format
# conversion is a copy.
for format in png webp; do
    exiftool "${tags[@]}" -EXIF:Orientation#=1 "$work/base.$format"
    cp "$work/base.$format" "metadata/gps.$format"
done
ls -l metadata
