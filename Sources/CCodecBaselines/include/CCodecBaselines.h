// CCodecBaselines: the codec work done by calling the system libpng and libwebp straight from C,
// the floor `imagepipe bench codecs` measures imagepipe's Swift wrappers against in the same run.
//
// The one copy: the nested Benchmarks package uses it through this package's `CCodecBaselines`
// product. Every symbol is prefixed `imagepipe_baseline_`.
// Each function does one whole operation and returns a size (0 on error): nothing here longjmps
// into Swift (libpng's simplified API keeps its setjmp inside libpng).
#ifndef IMAGEPIPE_CCODECBASELINES_H
#define IMAGEPIPE_CCODECBASELINES_H
#include <stddef.h>
#include <stdint.h>

/// Decodes a PNG from memory with libpng's simplified API to RGB (or RGBA when it has alpha),
/// into `pixels` (capacity bytes). Returns the bytes written, or 0 on error.
size_t imagepipe_baseline_png_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity);

/// Decodes a WebP to RGB or RGBA into `pixels`. Returns the bytes written, or 0 on error.
size_t imagepipe_baseline_webp_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity);

/// Encodes RGB (channels 3) or RGBA (4) pixels as WebP like `cwebp -q Q -m M`. Returns the
/// encoded size, or 0 on error.
size_t imagepipe_baseline_webp_encode(const uint8_t *pixels, int width, int height, int channels, float quality, int method);

/// Encodes RGB or RGBA pixels as PNG (zlib level 6, adaptive filters) with libpng's simplified
/// API. Returns the encoded size, or 0 on error.
size_t imagepipe_baseline_png_encode(const uint8_t *pixels, int width, int height, int channels);

/// Decodes a JPEG with libjpeg-turbo's defaults (as djpeg: accurate integer IDCT, fancy
/// upsampling) to RGB8, or gray8 for a one-component file, into `pixels`. Returns the bytes
/// written, or 0 on error.
size_t imagepipe_baseline_jpeg_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity);

/// imagepipe_baseline_jpeg_decode at 1/`denominator` of the size (libjpeg's DCT scaling: 1, 2,
/// 4 or 8).
size_t imagepipe_baseline_jpeg_decode_scaled(const uint8_t *data, size_t size, int denominator, uint8_t *pixels, size_t capacity);

/// Encodes RGB8 (channels 3) or gray8 (1) pixels as JPEG at `quality` with optimised Huffman
/// tables and 4:2:0 below quality 90, 4:4:4 from 90 (imagepipe's defaults). Returns the
/// encoded size, or 0 on error.
size_t imagepipe_baseline_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality);

#endif
