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
    IJPEG_SIZE_MISMATCH = 4 // the output size differs from the one the caller allocated for
};

/// Reads the header. On failure, `message` holds libjpeg's text and `*offset` the bytes read.
int ijpeg_probe(const uint8_t *data, size_t size, ijpeg_info *info, char *message, size_t message_size, size_t *offset);

/// The output size of a decode at 1/`denominator` (1, 2, 4 or 8), as libjpeg computes it.
void ijpeg_scaled_size(int width, int height, int denominator, int *out_width, int *out_height);

/// Decodes into `pixels` (`out_width * out_height * channels` bytes, rows packed): gray8
/// (`channels` 1) for a one-component file, else RGB8 (3; CMYK and YCCK converted, Adobe-inverted
/// CMYK handled). `denominator` scales with libjpeg's DCT scaling. `max_scans` refuses a
/// progressive file with more scans (a CPU bomb); `max_memory` bounds libjpeg's own buffers
/// (coefficients of a progressive image). Strict unless `lenient`: a libjpeg warning (corrupt data,
/// premature end) is an error; lenient counts them in `*warnings` and keeps the pixels (missing
/// rows grey, as libjpeg fills them).
int ijpeg_decode(
    const uint8_t *data, size_t size, int denominator, uint8_t *pixels, int out_width, int out_height, int channels,
    int max_scans, long max_memory, int lenient, int *warnings, char *message, size_t message_size, size_t *offset
);

#endif
