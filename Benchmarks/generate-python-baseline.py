#!/usr/bin/env python3
"""The Python baseline for `imagepipe generate`: the same job written as a Python user would.

For each prompt of a prompt file: the `openai` SDK's `client.images.generate(...)` (base_url
pointed at an OpenAI-compatible service such as `imagepipe serve`), `base64.b64decode` of
`b64_json`, Pillow opens the image and checks its size, the PNG bytes are saved, and a 256-pixel
thumbnail (`Image.thumbnail`, LANCZOS) is saved as WebP quality 80. A ThreadPoolExecutor keeps the
same number of requests in flight as imagepipe's --concurrency. Prints the elapsed seconds.

Needs `pip install openai pillow`.

    python3 Benchmarks/generate-python-baseline.py --base-url http://127.0.0.1:8080/v1 \
        --prompt-file prompts.txt --size 1024x1024 --thumbnail 256 --concurrency 4 -o out/
"""
import argparse
import base64
import io
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from openai import OpenAI
from PIL import Image


def slug(prompt):
    return "-".join(re.findall(r"[a-z0-9]+", prompt.lower()))[:48] or "image"


def generate_one(client, args, index, prompt):
    response = client.images.generate(model=args.model, prompt=prompt, size=args.size, n=1)
    item = response.data[0]
    data = base64.b64decode(item.b64_json)
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # the whole image is decoded: truncated data fails here
        width, height = (int(v) for v in args.size.split("x"))
        if image.size != (width, height):
            print(f"warning: {prompt!r}: {image.size[0]}x{image.size[1]}, not {args.size}", file=sys.stderr)
        stem = os.path.join(args.output, f"{slug(prompt)}-{index + 1}")
        with open(stem + ".png", "wb") as file:
            file.write(data)
        thumbnail = image.copy()
        thumbnail.thumbnail((args.thumbnail, args.thumbnail), Image.LANCZOS)
        thumbnail.save(stem + f".{args.thumbnail}.webp", "WEBP", quality=80)
    return stem


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--prompt-file", required=True)
    parser.add_argument("--model", default="sandbox/flux-like")  # the sandbox's default, as imagepipe sends none
    parser.add_argument("--size", default="1024x1024")
    parser.add_argument("--thumbnail", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("-o", "--output", default="python-out")
    args = parser.parse_args()
    with open(args.prompt_file) as file:
        prompts = [line.strip() for line in file if line.strip() and not line.strip().startswith("#")]
    os.makedirs(args.output, exist_ok=True)
    client = OpenAI(base_url=args.base_url, api_key=os.environ.get("OPENAI_API_KEY", "sandbox"))
    start = time.perf_counter()
    failed = 0
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        futures = [pool.submit(generate_one, client, args, index, prompt) for index, prompt in enumerate(prompts)]
        for future in futures:
            try:
                future.result()
            except Exception as error:  # one failing prompt does not stop the others
                failed += 1
                print(f"error: {error}", file=sys.stderr)
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.3f}")
    print(f"python: {len(prompts) - failed} images in {elapsed:.3f} s", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
