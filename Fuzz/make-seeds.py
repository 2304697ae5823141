#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/corpus/TARGET: a few small files per fuzz target, taken from
Fixtures/ or made here so that each covers a branch the fixtures do not (every PNG filter and
color type, PAM depths and MAXVALs, text chunks and XMP, JSON escapes, each sandbox dialect).

Run from anywhere: python3 Fuzz/make-seeds.py (it replaces the generated files, keeps others).
"""
import os
import shutil
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def fixture(target, name):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    shutil.copyfile(os.path.join(ROOT, "Fixtures", name), os.path.join(CORPUS, target, name))


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width, height, color_type, depth, rows, interlace=0, extra=b"", split=False, trns=None, plte=None):
    """rows: the filtered scanlines (filter byte + data) as one bytes object."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
    if plte:
        out += chunk(b"PLTE", plte)
    if trns:
        out += chunk(b"tRNS", trns)
    compressed = zlib.compress(rows, 9)
    if split:
        half = len(compressed) // 2
        out += chunk(b"IDAT", compressed[:half]) + chunk(b"IDAT", compressed[half:])
    else:
        out += chunk(b"IDAT", compressed)
    return out + chunk(b"IEND", b"")


def pattern(count, seed):
    return bytes((seed * 37 + i * 101 + (i * i) % 13) & 0xFF for i in range(count))


# PNG: the fast path's cases (8-bit gray, gray+alpha, RGB, RGBA; every filter) and libpng's others.
for channels, color_type, name in [(1, 0, "gray8"), (2, 4, "grayalpha8"), (3, 2, "rgb8"), (4, 6, "rgba8")]:
    width = 5
    rows = b"".join(bytes([row % 5]) + pattern(width * channels, row + channels) for row in range(5))
    write("png", f"filters-{name}.png", png(width, 5, color_type, 8, rows))
write("png", "rgb8-two-idat.png", png(4, 4, 2, 8, b"".join(b"\x04" + pattern(12, r) for r in range(4)), split=True))
write("png", "rgb16.png", png(3, 2, 2, 16, b"".join(b"\x01" + pattern(18, r) for r in range(2))))
def adam7_rows(width, height, channels):
    """Filter-0 scanlines of every Adam7 pass of an 8-bit image."""
    rows = b""
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        columns = (width - x0 + dx - 1) // dx
        for y in range(y0, height, dy):
            if columns > 0:
                rows += b"\x00" + pattern(columns * channels, y)
    return rows


write("png", "interlaced-rgb8.png", png(9, 9, 2, 8, adam7_rows(9, 9, 3), interlace=1))
write("png", "palette2-trns.png", png(6, 3, 3, 2, b"".join(b"\x00" + pattern(2, r) for r in range(3)),
                                       plte=pattern(12, 3), trns=b"\x00\x80"))
write("png", "gray1.png", png(10, 2, 0, 1, b"\x00\xaa\x40\x00\x55\x80"))
write("png", "rgb8-text.png", png(2, 2, 2, 8, b"\x00" + pattern(6, 1) + b"\x02" + pattern(6, 2),
                                  extra=chunk(b"tEXt", b"Comment\x00seed")))
for name in ["one-pixel.png", "gray-as-rgb.png", "animated.png", "truncated.png"]:
    fixture("png", name)

# WebP: lossy, lossy with alpha, lossless, animated, truncated (fixtures).
for name in ["gradient-lossy.webp", "disc-lossless.webp", "disc-lossy-alpha.webp", "animated.webp", "truncated.webp"]:
    fixture("webp", name)

# PAM: each depth, MAXVALs below 255 and above it, comments and a split TUPLTYPE.
write("pam", "gray-maxval15.pam", b"P7\n# comment\nWIDTH 3\nHEIGHT 2\nDEPTH 1\nMAXVAL 15\nTUPLTYPE GRAYSCALE\nENDHDR\n" + bytes([0, 5, 15, 7, 3, 12]))
write("pam", "grayalpha.pam", b"P7\nWIDTH 2\nHEIGHT 2\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n" + pattern(8, 1))
write("pam", "rgb16.pam", b"P7\nWIDTH 2\nHEIGHT 1\nDEPTH 3\nMAXVAL 65535\nTUPLTYPE RGB\nENDHDR\n" + pattern(12, 2))
write("pam", "rgba.pam", b"P7\nWIDTH 2\r\nHEIGHT 2\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB\nTUPLTYPE _ALPHA\nENDHDR\n" + pattern(16, 3))

# Metadata: PNG tEXt (Latin-1) and iTXt (UTF-8, and a compressed one that is skipped); WebP XMP.
text_chunks = (chunk(b"tEXt", b"Description\x00caf\xe9 & <tag>")
               + chunk(b"iTXt", b"Software\x00\x00\x00\x00\x00imagepipe \xe2\x9c\x93")
               + chunk(b"iTXt", b"Comment\x00\x01\x00en\x00\x00" + zlib.compress(b"zipped")))
write("metadata", "text-chunks.png", png(1, 1, 0, 8, b"\x00\x80", extra=text_chunks))
xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>'
       '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">a &amp; b &#x263A;</rdf:li></rdf:Alt></dc:description>'
       '<xmp:CreatorTool>tool</xmp:CreatorTool><imagepipe:seed>42</imagepipe:seed>'
       '</rdf:Description></rdf:RDF></x:xmpmeta>').encode()
with open(os.path.join(ROOT, "Fixtures", "gradient-lossy.webp"), "rb") as f:
    simple = f.read()
vp8 = simple[12:]  # the VP8 chunk of a simple-format file
width, height = struct.unpack("<HH", vp8[14:18])
vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x04, 0, 0, 0]) + struct.pack("<I", (width & 0x3FFF) - 1)[:3] + struct.pack("<I", (height & 0x3FFF) - 1)[:3]
xmp_chunk = b"XMP " + struct.pack("<I", len(xmp)) + xmp + (b"\x00" if len(xmp) % 2 else b"")
body = b"WEBP" + vp8x + vp8 + xmp_chunk
write("metadata", "xmp.webp", b"RIFF" + struct.pack("<I", len(body)) + body)
fixture("metadata", "one-pixel.png")

# Response: the fixtures' shapes, and one with every kind of escape and a usage object.
for name in ["response-openai.json", "response-error-nebius-422.json", "response-error-credit.json",
             "response-nebius-url.json", "response-truncated.json"]:
    fixture("response", name)
write("response", "escapes-usage.json",
      '{"created":1.7e9,"id":"r\\u0041","usage":{"input_tokens":3,"output_tokens":null,"total_tokens":5},'
      '"data":[{"b64_json":"data:image/png;base64,aGk\\/\\nMA","revised_prompt":"caf\\u00e9 \\ud83d\\ude00 \\"q\\"\\t"},'
      '{"b64_json":"!!","url":"https:\\/\\/x.test\\/a.png"}],"extra":[{"deep":[true,false,-0.5e-3]}]}')
write("response", "error-object.json", '{"error":{"message":"","type":"invalid_request_error","code":42,"param":null}}')

# Sandbox: a request in each dialect, refusals, and `serve --fault` / `--latency` texts.
write("sandbox", "openai.json", '{"model":"gpt-image-1","prompt":"a red fox","n":2,"size":"1024x1536","output_format":"webp","quality":"low"}')
write("sandbox", "nebius.json", '{"model":"black-forest-labs/flux-schnell","prompt":"fox","width":512,"height":256,"response_extension":"png","seed":-1,"response_format":"url"}')
write("sandbox", "nscale.json", '{"prompt":"fox","size":"64x4096","n":1,"seed":7}')
write("sandbox", "refused.json", '{"prompt":"","n":11,"size":"auto","model":5}')
write("sandbox", "fault.txt", "503:0.5:first=2:retry-after=3")
write("sandbox", "latency.txt", "100ms...1.5s")

# Base64: the first byte picks the options (see Sources/Base64Fuzz/FuzzChecks.swift).
write("base64", "standard.txt", b"\x00" + b"aGVsbG8gd29ybGQ=")
write("base64", "url-unpadded-ws.txt", b"\x07" + b"aGVs bG8_-w\n")
write("base64", "json-data-url.txt", b"\x18" + b"data:image/png;base64,iVBO\\/Rw0K")
write("base64", "small-buffer.txt", b"\x60" + b"QUJDREVGR0hJSktMTU5PUA==")

# JPEG: made by Pillow (its bundled libjpeg) from a fixture of ours, one file per coding path
# the decoder takes (baseline 4:2:0, progressive, 4:4:4, gray, Adobe CMYK).
try:
    from PIL import Image
except ImportError:  # the committed seeds stay; only a re-run needs Pillow
    Image = None
if Image is not None:
    import io
    source = Image.open(os.path.join(ROOT, "Fixtures", "gradient-rgb.png")).convert("RGB").resize((67, 45))
    variants = {
        "baseline.jpg": (source, dict(quality=75)),
        "progressive.jpg": (source, dict(quality=75, progressive=True)),
        "444.jpg": (source, dict(quality=90, subsampling=0)),
        "gray.jpg": (source.convert("L"), dict(quality=75)),
        "cmyk.jpg": (source.convert("CMYK"), dict(quality=75)),
    }
    for name, (image, options) in variants.items():
        out = io.BytesIO()
        image.save(out, "JPEG", **options)
        write("jpeg", name, out.getvalue())

    # Orientation and ICC seeds: EXIF Orientation 6 (big- and little-endian IFD0) and a small
    # ICC profile made by Pillow's ImageCms (LittleCMS), in each container the metadata walk reads.
    from PIL import ImageCms
    small = source.resize((12, 8))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6
    for name, fmt, options in [("orientation-icc.jpg", "JPEG", dict(quality=80)),
                               ("orientation-icc.png", "PNG", {}),
                               ("orientation-icc.webp", "WEBP", dict(lossless=True))]:
        out = io.BytesIO()
        small.save(out, fmt, exif=exif.tobytes(), icc_profile=profile, **options)
        write("metadata", name, out.getvalue())
        if fmt == "JPEG":
            write("jpeg", name, out.getvalue())

    # Multipart seeds: edit forms delimited by SandboxFuzz's boundary, valid and not.
    def encoded(size, mode="RGB", color=(200, 30, 30), fmt="PNG"):
        out = io.BytesIO()
        Image.new(mode, size, color).save(out, fmt)
        return out.getvalue()

    boundary = b"fuzz-boundary"

    def form(parts, preamble=b"", epilogue=b""):
        out = preamble
        for headers, content in parts:
            out += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
        return out + b"--" + boundary + b"--\r\n" + epilogue

    def file_part(name, content, ctype=b"image/png", filename=b"a.png"):
        return (b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename + b'"\r\nContent-Type: ' + ctype, content)

    def text_part(name, value):
        return (b'Content-Disposition: form-data; name="' + name + b'"', value)

    red = encoded((16, 12))
    hole = encoded((16, 12), "RGBA", (0, 0, 0, 0))
    write("multipart", "edit-mask", form([file_part(b"image", red), file_part(b"mask", hole), text_part(b"prompt", b"add a hat"),
                                          text_part(b"model", b"gpt-image-1"), text_part(b"n", b"2"), text_part(b"input_fidelity", b"high")]))
    write("multipart", "edit-three", form([file_part(b"image[]", encoded((8, 8))),
                                           file_part(b"image[]", encoded((8, 8), fmt="JPEG"), b"image/jpeg", b"b.jpg"),
                                           file_part(b"image[]", encoded((4, 4), "L", 0)), text_part(b"prompt", b"x"),
                                           text_part(b"size", b"64x64"), text_part(b"output_format", b"webp"),
                                           text_part(b"output_compression", b"50")], preamble=b"preamble\r\n", epilogue=b"epilogue"))
    write("multipart", "edit-stream", form([file_part(b"image", encoded((8, 8))), text_part(b"prompt", b"x"),
                                            text_part(b"stream", b"true"), text_part(b"partial_images", b"2")]))
    write("multipart", "mask-size", form([file_part(b"image", red), file_part(b"mask", encoded((8, 8), "RGBA", (0, 0, 0, 0))),
                                          text_part(b"prompt", b"x")]))
    write("multipart", "wrong-type", form([file_part(b"image", encoded((8, 8)), b"application/octet-stream"), text_part(b"prompt", b"x")]))
    write("multipart", "truncated", form([file_part(b"image", encoded((8, 8))), text_part(b"prompt", b"x")])[:-40])
    write("multipart", "content-type", b'multipart/form-data; boundary="fuzz-boundary"; charset=utf-8')
    write("multipart", "quoted-names", form([(b'Content-Disposition: form-data; name="a\\"b"; filename="c\\\\d.png"\r\nContent-Type: IMAGE/PNG; x=y',
                                              encoded((4, 4))), text_part(b"prompt", b"--fuzz-boundary inside")]))

    # S3 wire seeds: a listing (truncated, escaped keys, CDATA), an upload id, an error, a time,
    # a configuration file.
    write("s3", "list-page.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
          '<Name>photos</Name><Prefix>a/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>'
          '<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>'
          '<Contents><Key>a/b &amp; c.png</Key><LastModified>2026-12-04T19:18:44.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>'
          '<Contents><Key><![CDATA[a/ü+ß.webp]]></Key><LastModified>2026-01-01T00:00:00Z</LastModified><ETag>"x-2"</ETag><Size>0</Size></Contents>'
          '</ListBucketResult>')
    write("s3", "upload.xml", '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>')
    write("s3", "error.xml", '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match &#x27;x&#39;.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>')
    write("s3", "time.txt", "2026-12-04T19:18:44.123456789Z")
    write("s3", "config.ini", "[default]\naws_access_key_id = AKID\naws_secret_access_key = secret\n[profile other]\nregion=eu-west-1\n; comment\n")
