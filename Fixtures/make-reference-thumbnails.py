#!/usr/bin/env python3
"""Makes the resampling references: Pillow's Image.resize((w, h), Image.LANCZOS) of every corpus
PNG, fitted inside 256x256 (aspect kept, sizes rounded as imagepipe rounds them), saved as PNG in
Fixtures/reference/. Run once (needs Pillow and ../shared/corpus beside the project):

    python3 Fixtures/make-reference-thumbnails.py

The corpus images come from Debian packages and scikit-image (see ../shared/corpus/README.md:
mate-backgrounds GPL-2+, ukui-wallpapers CC-BY-SA-3.0, NASA public domain); these 256-pixel
derivatives carry the same licences.
"""
import os
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus", "png")
OUT = os.path.join(HERE, "reference")


def fit_inside(width, height, box):
    scale = min(box / width, box / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in sorted(os.listdir(CORPUS)):
        if not name.endswith(".png"):
            continue
        with Image.open(os.path.join(CORPUS, name)) as image:
            image.load()
            size = fit_inside(image.width, image.height, 256)
            image.resize(size, Image.LANCZOS).save(os.path.join(OUT, name.replace(".png", ".pillow-lanczos-256.png")), optimize=True)
    print(f"Pillow {Image.__version__ if hasattr(Image, '__version__') else ''} references written to {OUT}")


if __name__ == "__main__":
    main()
