// CJPEGShims: whole libjpeg-turbo operations behind a status code, so libjpeg's error exit
// (a longjmp) never crosses a Swift frame. The only setjmp for JPEG is here, as CPNGShims holds
// libpng's. Every symbol is prefixed `ijpeg_`.
#ifndef IMAGEPIPE_CJPEGSHIMS_H
#define IMAGEPIPE_CJPEGSHIMS_H
#include <stddef.h>
#include <stdint.h>

/// What the header says (SOF and the markers before it).
typedef struct {
    int width, height;
    int components;        // 1, 3 or 4
    int color_space;       // libjpeg's J_COLOR_SPACE of the file (1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK)
    int progressive;       // SOF2/SOF10
    int arithmetic;        // SOF9/SOF10
    int precision;         // bits per sample (8; 12 is refused by an 8-bit libjpeg)
    int adobe;             // an Adobe APP14 marker was seen (CMYK stored inverted)
} ijpeg_info;

enum {
    IJPEG_OK = 0,
    IJPEG_ERROR = 1,        // libjpeg refused the data; the message says why
    IJPEG_WARNING = 2,      // strict mode: libjpeg warned (corrupt or truncated data)
    IJPEG_TOO_MANY_SCANS = 3,
    IJPEG_SIZE_MISMATCH = 4, // the output size differs from the one the caller allocated for
    IJPEG_FALLBACK = 5      // ijpeg_decode_progressive_scaled: not a file it takes; decode with libjpeg
};

/// Reads the header. On failure, `message` holds libjpeg's text and `*offset` the bytes read.
int ijpeg_probe(const uint8_t *data, size_t size, ijpeg_info *info, char *message, size_t message_size, size_t *offset);

/// The output size of a decode at 1/`denominator` (1, 2, 4 or 8), as libjpeg computes it.
void ijpeg_scaled_size(int width, int height, int denominator, int *out_width, int *out_height);

/// Decodes into `pixels` (`out_width * out_height * channels` bytes, rows packed): gray8
/// (`channels` 1) for a one-component file, else RGB8 (3; CMYK and YCCK converted naively,
/// Adobe-inverted CMYK handled), or, with `channels` 4 for a CMYK or YCCK file, its CMYK samples
/// as libjpeg gives them (inverted when the file has an Adobe marker), for an ICC conversion. `denominator` scales with libjpeg's DCT scaling. `max_scans` refuses a
/// progressive file with more scans (a CPU bomb); `max_memory` bounds libjpeg's own buffers
/// (coefficients of a progressive image). Strict unless `lenient`: a libjpeg warning (corrupt data,
/// premature end) is an error; lenient counts them in `*warnings` and keeps the pixels (missing
/// rows grey, as libjpeg fills them).
int ijpeg_decode(
    const uint8_t *data, size_t size, int denominator, uint8_t *pixels, int out_width, int out_height, int channels,
    int max_scans, long max_memory, int lenient, int *warnings, char *message, size_t message_size, size_t *offset
);

/// The 1/8- or 1/4-scale image (`denominator` 8 or 4) of a Huffman-coded progressive JPEG (SOF2,
/// 8-bit, gray or three components) decoded here, with libjpeg's pixels: gray8 (`channels` 1) or
/// RGB8 (3) at `out_width` x `out_height`, libjpeg's size at that scale. Only the coefficients the
/// scaled inverse DCTs read are kept; at 1/8 the AC scans of full-resolution components are
/// stepped over undecoded. `color_space` is the probe's (3 YCbCr, 2 RGB, 1 gray). Returns
/// IJPEG_FALLBACK, with nothing written, for any file outside that case, or one libjpeg would warn
/// about or treat otherwise (damage, an odd scan order, blocks it would smooth); then decode with
/// ijpeg_decode. IJPEG_TOO_MANY_SCANS past `max_scans`, as ijpeg_decode. `portable` 1 keeps to
/// the baseline instruction set (for tests: the BMI2 tier, where the CPU has it, decodes the
/// same coefficients).
int ijpeg_decode_progressive_scaled(
    const uint8_t *data, size_t size, int denominator, uint8_t *pixels, int out_width, int out_height, int channels,
    int color_space, int max_scans, int portable, char *message, size_t message_size, size_t *offset
);

/// ijpeg_decode (strict, gray8 or RGB8) on up to `threads` threads, for a sequential Huffman
/// JPEG with one scan and restart markers: split at restart markers into parts decoded at once,
/// with the same pixels. IJPEG_FALLBACK, the pixels undefined, when the file cannot be split so
/// (no restart markers, too few, progressive, several scans...) or any part fails: then decode
/// with ijpeg_decode, which reports what is wrong.
int ijpeg_decode_split(
    const uint8_t *data, size_t size, int denominator, uint8_t *pixels, int out_width, int out_height, int channels,
    long max_memory, int threads
);

/// A marker to write after the frame header's defaults: an APPn segment's payload (at most
/// 65533 bytes; `jpeg_write_marker`).
typedef struct {
    int marker;            // 0xE1 for APP1 (EXIF, XMP), ...
    const uint8_t *data;
    size_t size;
} ijpeg_marker;

/// Encoder settings (cjpeg's names).
typedef struct {
    int quality;           // 1-100
    int progressive;       // libjpeg's default progressive scan script
    int optimize;          // image-specific Huffman tables (-optimize)
    int subsampling;       // 444, 422 or 420 (ignored for gray)
} ijpeg_encode_options;

/// Encodes `height` rows of `width` gray8 (`channels` 1) or RGB8 (3) pixels, rows `stride`
/// bytes apart. The ICC profile (may be NULL) is written in as many APP2 segments as it needs;
/// the markers follow it. On success `*output` is a malloc'd buffer of `*output_size` bytes for
/// the caller to free with ijpeg_free.
int ijpeg_encode(
    const uint8_t *pixels, int width, int height, int channels, size_t stride, const ijpeg_encode_options *options,
    const uint8_t *icc, size_t icc_size, const ijpeg_marker *markers, int marker_count,
    uint8_t **output, size_t *output_size, char *message, size_t message_size
);

/// Frees an ijpeg_encode output.
void ijpeg_free(void *buffer);

/// libjpeg-turbo's version as a number (e.g. 2001005 for 2.1.5), 0 when the headers do not say.
int ijpeg_library_version(void);

#endif
