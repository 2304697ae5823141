#!/usr/bin/env python3
"""imagepipe's resampling kernel against Pillow's Image.resize, interleaved on one core.

Each round times Pillow's resize((w, h), Image.LANCZOS) in-process and imagepipe's kernel
(Benchmarks/ResizeTiming, decode untimed) back to back, each as the median of ITERATIONS calls;
the report gives both medians over rounds and the median of the per-round ratios, so machine
noise hits both alike. Needs Pillow (pip install pillow) and a release build:

    swift build -c release --package-path Benchmarks --product ResizeTiming
    python3 Benchmarks/resize-vs-pillow.py [--rounds 9] [--iterations 9] [IMAGE ...]
"""
import argparse, os, statistics, subprocess, timeit
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus", "png")
TIMING = os.path.join(HERE, ".build", "release", "ResizeTiming")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images", nargs="*", default=[os.path.join(CORPUS, "1024x1024-goldfish-rgba.png"),
                                                      os.path.join(CORPUS, "1024x1024-ladybird-rgb.png")])
    parser.add_argument("--size", default="256x256")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--iterations", type=int, default=9)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(f"| image | mode | Pillow resize ms | imagepipe ms | Pillow / imagepipe (median of rounds) |")
    print("|---|---|---:|---:|---:|")
    for path in args.images:
        with Image.open(path) as im:
            im.load()
            pillow, ours, ratios = [], [], []
            for _ in range(args.rounds):
                p = statistics.median(timeit.repeat(lambda: im.resize((width, height), Image.LANCZOS), number=1, repeat=args.iterations)) * 1e3
                o = float(subprocess.run([TIMING, path, str(width), str(height), str(args.iterations), "direct"],
                                         check=True, capture_output=True, text=True).stdout)
                pillow.append(p); ours.append(o); ratios.append(p / o)
            print(f"| {os.path.basename(path)} ({im.mode}) | Lanczos3 direct | {statistics.median(pillow):.2f} | "
                  f"{statistics.median(ours):.2f} | {statistics.median(ratios):.2f} |")


if __name__ == "__main__":
    main()
