// A bounded inflate that keeps nothing: how the libpng path stops a zlib bomb, and how every
// APNG frame is verified. zlib's streaming inflate writes into one 64 KiB window that is thrown
// away, so checking a stream costs no memory proportional to the image, and inflating stops
// one byte past the limit whatever the stream would go on to produce.

#include "CPNGShims.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int check_channels(int color_type) {
    switch (color_type) {
    case 0: return 1;
    case 2: return 3;
    case 3: return 1;
    case 4: return 2;
    case 6: return 4;
    default: return 0;
    }
}

static int check_depth_allowed(int color_type, int bit_depth) {
    switch (color_type) {
    case 0: return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8 || bit_depth == 16;
    case 3: return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8;
    default: return bit_depth == 8 || bit_depth == 16;
    }
}

/// The Adam7 passes as (first column, first row, column step, row step); a plain image is one
/// pass of (0, 0, 1, 1).
static const uint32_t check_adam7[7][4] = {
    {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2},
};

/// Rows and row bytes (without the filter byte) of each pass; a pass with no pixels has no rows.
static int check_passes(uint32_t width, uint32_t height, int bits_per_pixel, int interlaced,
                        uint64_t rows[7], uint64_t row_bytes[7]) {
    int passes = interlaced ? 7 : 1;
    for (int p = 0; p < passes; p++) {
        uint64_t x0 = interlaced ? check_adam7[p][0] : 0, y0 = interlaced ? check_adam7[p][1] : 0;
        uint64_t dx = interlaced ? check_adam7[p][2] : 1, dy = interlaced ? check_adam7[p][3] : 1;
        uint64_t columns = width > x0 ? (width - x0 + dx - 1) / dx : 0;
        uint64_t lines = height > y0 ? (height - y0 + dy - 1) / dy : 0;
        rows[p] = columns ? lines : 0;
        row_bytes[p] = (columns * (uint64_t)bits_per_pixel + 7) / 8;
    }
    return passes;
}

size_t ipng_filtered_size(uint32_t width, uint32_t height, int color_type, int bit_depth, int interlaced) {
    int channels = check_channels(color_type);
    if (channels == 0 || !check_depth_allowed(color_type, bit_depth)) return 0;
    uint64_t rows[7], row_bytes[7];
    int passes = check_passes(width, height, channels * bit_depth, interlaced, rows, row_bytes);
    // width, height < 2^31 and row bytes < 2^35: each product fits in 67 bits only in theory, so
    // the sum is built with overflow checks.
    size_t total = 0;
    for (int p = 0; p < passes; p++) {
        size_t pass_bytes;
        if (__builtin_mul_overflow((size_t)rows[p], (size_t)(row_bytes[p] + 1), &pass_bytes)) return SIZE_MAX;
        if (rows[p] == 0) pass_bytes = 0;
        if (__builtin_add_overflow(total, pass_bytes, &total)) return SIZE_MAX;
    }
    return total;
}

size_t ipng_filtered_rows(uint32_t width, uint32_t height, int interlaced, size_t *widest_row) {
    uint64_t rows[7], row_bytes[7];
    // 64 bits a pixel: the widest a PNG row can be.
    int passes = check_passes(width, height, 64, interlaced, rows, row_bytes);
    size_t total = 0;
    *widest_row = 0;
    for (int p = 0; p < passes; p++) {
        total += (size_t)rows[p];
        if (rows[p] && row_bytes[p] + 1 > *widest_row) *widest_row = (size_t)row_bytes[p] + 1;
    }
    return total;
}

__attribute__((format(printf, 3, 4)))
static void check_message(char *message, size_t capacity, const char *format, ...) {
    if (message == NULL || capacity == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, capacity, format, arguments);
    va_end(arguments);
}

ipng_status ipng_check_stream(const uint8_t *file, const size_t *offsets, const size_t *lengths, size_t count,
                              uint32_t width, uint32_t height, int color_type, int bit_depth, int interlaced,
                              size_t limit, ipng_inflate_report *report, char *message, size_t message_capacity) {
    if (message && message_capacity) message[0] = '\0';
    size_t expected = ipng_filtered_size(width, height, color_type, bit_depth, interlaced);
    if (expected == 0 || report == NULL) return IPNG_ERROR_ARGUMENT;
    report->expected = expected;
    report->produced = 0;
    report->stopped_at = count ? offsets[0] : 0;

    // Where the next filter byte falls in the inflated stream, row by row and pass by pass.
    uint64_t rows[7], row_bytes[7];
    int passes = check_passes(width, height, check_channels(color_type) * bit_depth, interlaced, rows, row_bytes);
    int pass = 0;
    uint64_t row = 0, row_in_image = 0;
    while (pass < passes && rows[pass] == 0) pass++;
    size_t next_filter = pass < passes ? 0 : SIZE_MAX;

    enum { WINDOW = 65536 };
    uint8_t *window = (uint8_t *)malloc(WINDOW);
    if (window == NULL) return IPNG_ERROR_OUT_OF_MEMORY;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit(&stream) != Z_OK) {
        free(window);
        return IPNG_ERROR_OUT_OF_MEMORY;
    }

    ipng_status status = IPNG_OK;
    size_t piece = 0, produced = 0;
    int ended = 0;
    while (!ended) {
        if (stream.avail_in == 0) {
            while (piece < count && lengths[piece] == 0) piece++;
            if (piece == count) {
                status = IPNG_ERROR_TRUNCATED;
                check_message(message, message_capacity, "the image data ends after %zu inflated bytes, before its zlib stream does (%zu bytes needed)", produced, expected);
                break;
            }
            stream.next_in = (Bytef *)(file + offsets[piece]);
            // Pieces are chunk data, each under 2^31 bytes, so they fit zlib's uInt.
            stream.avail_in = (uInt)lengths[piece];
            piece++;
        }
        // Never let the stream produce more than one byte past the limit.
        size_t room = limit + 1 - produced;
        stream.next_out = window;
        stream.avail_out = (uInt)(room < WINDOW ? room : WINDOW);
        int result = inflate(&stream, Z_NO_FLUSH);
        size_t made = (size_t)(stream.next_out - window);
        // Check the filter bytes that fell in this window.
        while (next_filter < produced + made) {
            uint8_t filter = window[next_filter - produced];
            if (filter > 4) {
                status = IPNG_ERROR_CORRUPT;
                check_message(message, message_capacity, "filtered row %llu has filter type %u (valid: 0-4)", (unsigned long long)row_in_image, (unsigned)filter);
                break;
            }
            next_filter += 1 + (size_t)row_bytes[pass];
            row_in_image++;
            if (++row == rows[pass]) {
                row = 0;
                do pass++; while (pass < passes && rows[pass] == 0);
                if (pass == passes) next_filter = SIZE_MAX;
            }
        }
        produced += made;
        report->produced = produced;
        report->stopped_at = offsets[piece - 1] + (lengths[piece - 1] - stream.avail_in);
        if (status != IPNG_OK) break;
        if (produced > limit) {
            status = IPNG_ERROR_TOO_MUCH_DATA;
            check_message(message, message_capacity, "the image data inflates past the %zu bytes the rows need (stopped at %zu bytes)", expected, produced);
            break;
        }
        if (result == Z_STREAM_END) {
            ended = 1;
        } else if (result == Z_BUF_ERROR && stream.avail_in == 0) {
            continue;  // needs the next piece
        } else if (result != Z_OK) {
            status = IPNG_ERROR_CORRUPT;
            check_message(message, message_capacity, "zlib: %s after %zu inflated bytes", stream.msg ? stream.msg : "invalid data", produced);
            break;
        }
    }
    if (status == IPNG_OK && produced < expected) {
        status = IPNG_ERROR_TRUNCATED;
        check_message(message, message_capacity, "the zlib stream ends after %zu of the %zu bytes the rows need", produced, expected);
    }
    inflateEnd(&stream);
    free(window);
    return status;
}
