#!/usr/bin/env python3
"""Makes the project's small test images (committed beside this script).

PNGs are written by hand with zlib (Python standard library only), so their bytes do not depend
on an image library; WebPs come from Debian's `webp` tools (cwebp, img2webp) run on those PNGs.
Corrupt files are made from the valid ones. Run from anywhere: python3 Fixtures/make-fixtures.py
"""
import os, shutil, struct, subprocess, sys, tempfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, color_type, rows, extra_chunks=(), bit_depth=8):
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(extra_chunks)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gradient_rows(width, height):
    return [[v for x in range(width) for v in ((x * 255) // (width - 1), (y * 255) // (height - 1), ((x + y) * 255) // (width + height - 2))]
            for y in range(height)]


def apng():
    """An APNG of 3 frames: the default image (IDAT, the gradient) is the first, so decoders
    without APNG show it; an 8x8 red square at (4, 4) and a 16x16 blue frame follow in fdAT."""
    def fctl(sequence, width, height, x, y):
        return chunk(b"fcTL", struct.pack(">IIIIIHHBB", sequence, width, height, x, y, 1, 10, 0, 0))

    def fdat(sequence, width, height, pixel):
        raw = b"".join(b"\x00" + bytes(pixel) * width for _ in range(height))
        return chunk(b"fdAT", struct.pack(">I", sequence) + zlib.compress(raw, 9))

    ihdr = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(row) for row in gradient_rows(16, 16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"acTL", struct.pack(">II", 3, 0))
            + fctl(0, 16, 16, 0, 0) + chunk(b"IDAT", zlib.compress(raw, 9))
            + fctl(1, 8, 8, 4, 4) + fdat(2, 8, 8, (255, 0, 0))
            + fctl(3, 16, 16, 0, 0) + fdat(4, 16, 16, (0, 0, 255))
            + chunk(b"IEND", b""))


def disc_rows(size):
    rows = []
    c = (size - 1) / 2
    for y in range(size):
        row = []
        for x in range(size):
            d = ((x - c) ** 2 + (y - c) ** 2) ** 0.5 / c
            alpha = 255 if d < 0.6 else 0 if d > 0.95 else int(255 * (0.95 - d) / 0.35)
            row += [200, (x * 255) // (size - 1), 60, alpha]
        rows.append(row)
    return rows


def main():
    grad = png(64, 48, 2, gradient_rows(64, 48))
    write("gradient-rgb.png", grad)
    write("disc-rgba.png", png(48, 48, 6, disc_rows(48)))
    write("gray.png", png(32, 32, 0, [[(x * 8 + y) % 256 for x in range(32)] for y in range(32)]))
    write("gray-as-rgb.png", png(32, 32, 2, [[v for x in range(32) for v in ((x * 8) % 256,) * 3] for y in range(32)]))
    write("opaque-rgba.png", png(40, 30, 6, [[v for x in range(40) for v in (x * 6, y * 8, 100, 255)] for y in range(30)]))
    write("one-pixel.png", png(1, 1, 6, [[10, 20, 30, 128]]))
    write("strip-1000x1.png", png(1000, 1, 2, [[(x * 7) % 256 for x in range(3000)]]))
    write("animated.png", apng())

    # Corrupt and refused inputs.
    idat = grad.index(b"IDAT")
    write("truncated.png", grad[: idat + 40])
    bad_crc = bytearray(grad)
    bad_crc[idat + 4 + struct.unpack(">I", grad[idat - 4: idat])[0]] ^= 0xFF  # first CRC byte of IDAT
    write("bad-crc.png", bytes(bad_crc))
    huge = png(1, 1, 2, [[0, 0, 0]])
    huge = huge[:16] + struct.pack(">II", 100000, 100000) + huge[24:29]
    huge = huge[:8] + chunk(b"IHDR", huge[16:29]) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    write("huge-dimensions.png", huge)
    write("empty.png", b"")
    write("not-an-image.png", b"this is a text file with a .png name\n")
    write("photo.jpg", bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes([0xFF, 0xD9]))
    write("tiny.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

    cwebp, img2webp = shutil.which("cwebp"), shutil.which("img2webp")
    if not (cwebp and img2webp):
        sys.exit("cwebp and img2webp are needed for the WebP fixtures: apt-get install webp")
    run = lambda *args: subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run(cwebp, "-q", "80", os.path.join(HERE, "gradient-rgb.png"), "-o", os.path.join(HERE, "gradient-lossy.webp"))
    run(cwebp, "-lossless", "-exact", os.path.join(HERE, "disc-rgba.png"), "-o", os.path.join(HERE, "disc-lossless.webp"))
    run(cwebp, "-q", "70", os.path.join(HERE, "disc-rgba.png"), "-o", os.path.join(HERE, "disc-lossy-alpha.webp"))
    with tempfile.TemporaryDirectory() as tmp:
        frames = []
        for i in range(3):
            path = os.path.join(tmp, f"f{i}.png")
            with open(path, "wb") as f:
                f.write(png(24, 16, 2, [[v for x in range(24) for v in ((x * 10 + i * 80) % 256, y * 16, i * 100)] for y in range(16)]))
            frames.append(path)
        run(img2webp, "-loop", "0", "-lossless", "-d", "100", *frames, "-o", os.path.join(HERE, "animated.webp"))
    with open(os.path.join(HERE, "gradient-lossy.webp"), "rb") as f:
        webp = f.read()
    write("truncated.webp", webp[: len(webp) // 2])
    write("garbage.webp", webp[:30] + bytes((i * 37) % 256 for i in range(200)))
    write_responses()


def write_responses():
    """Saved images API responses in the shapes providers send, built around the fixture images."""
    import base64, json
    def b64(name):
        with open(os.path.join(HERE, name), "rb") as f:
            return base64.b64encode(f.read()).decode()
    gray, disc = b64("gray.png"), b64("disc-lossy-alpha.webp")
    # Nscale: created + data, compact; n=2, one PNG and one WebP (whatever the request said).
    write("response-nscale.json", json.dumps({"created": 1700000000, "data": [{"b64_json": gray}, {"b64_json": disc}]},
                                              separators=(",", ":")).encode())
    # OpenAI: keys in another order, pretty-printed, '/' escaped as '\/' (as some gateways do),
    # a revised prompt with non-ASCII text as \u escapes, usage with nested details.
    body = json.dumps({"usage": {"input_tokens": 12, "output_tokens": 4160, "total_tokens": 4172,
                                 "input_tokens_details": {"text_tokens": 12, "image_tokens": 0}},
                       "data": [{"revised_prompt": "A caf\u00e9 \"sign\" \u2615", "b64_json": gray}],
                       "background": "opaque", "created": 1713833628, "output_format": "png"}, indent=2)
    body = body.replace("/", "\\/").replace("\\\\u", "\\u")
    write("response-openai.json", body.encode())
    # Nebius: data + id, no created; a URL result.
    write("response-nebius-url.json", json.dumps({"data": [{"url": "https://example.invalid/img/abc.png?X-Signature=secret"}],
                                                  "id": "text2img-0a1b2c"}).encode())
    # Errors: Nscale's credit 429, OpenAI's 400, Nebius's 422 validation list.
    write("response-error-credit.json", json.dumps({"error": {"message": "Insufficient credit to run this request",
                                                              "error_type": "INSUFFICIENT_CREDIT", "code": 429}}).encode())
    write("response-error-nebius-422.json", json.dumps({"detail": [{"loc": ["body", "width"], "msg": "ensure this value is less than or equal to 2048",
                                                                    "type": "value_error.number.not_le"}]}).encode())
    # Two images, the second with a '*' planted in its base64 at a known offset.
    bad = gray[:100] + "*" + gray[101:]
    write("response-bad-payload.json", ('{"created":1,"data":[{"b64_json":"' + gray + '"},{"b64_json":"' + bad + '"}]}').encode())
    write("response-truncated.json", ('{"created":1,"data":[{"b64_json":"' + gray[:200]).encode())


if __name__ == "__main__":
    main()
