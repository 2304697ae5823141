#include "CPNGShims.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    ipng_status status;
    char *message;
    size_t message_capacity;
    ipng_buffer *out;
    // Decoding only: the header, and the state of the check on image data after the rows.
    uint32_t width, height;
    int color_type, bit_depth, interlaced;
    size_t rows_total, rows_read, tail_threshold, tail_bytes, scan_at;
    int last_row, tail_checked;
    ipng_inflate_report *report;
} ipng_context;

static void ipng_copy_message(ipng_context *context, const char *text) {
    if (context->message == NULL || context->message_capacity == 0) return;
    size_t length = strlen(text);
    if (length >= context->message_capacity) length = context->message_capacity - 1;
    memcpy(context->message, text, length);
    context->message[length] = '\0';
}

static void ipng_on_error(png_structp png, png_const_charp text) {
    ipng_context *context = (ipng_context *)png_get_error_ptr(png);
    if (context->status == IPNG_OK) context->status = IPNG_ERROR_LIBPNG;
    ipng_copy_message(context, text);
    png_longjmp(png, 1);
}

/// Fails the operation from inside a libpng callback or after a check, with our own status.
static void ipng_fail(png_structp png, ipng_context *context, ipng_status status, const char *text) {
    context->status = status;
    ipng_copy_message(context, text);
    png_longjmp(png, 1);
}

static uint32_t ipng_u32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/// The first run of IDAT chunks (the only image data libpng reads): start of its first chunk,
/// end of its last. 0, 0 when there is none.
static void ipng_idat_run(const uint8_t *data, size_t size, size_t *start, size_t *end) {
    *start = *end = 0;
    size_t offset = 8;
    while (size >= 12 && offset <= size - 12) {
        size_t length = ipng_u32(data + offset);
        int is_idat = memcmp(data + offset + 4, "IDAT", 4) == 0;
        if (*end != 0 && !is_idat) return;
        if (length > size - offset - 12) length = size - offset - 12;  // a cut chunk: what is there
        if (is_idat) {
            if (*end == 0) *start = offset;
            *end = offset + 12 + length;
        }
        offset += 12 + length;
    }
}

/// Once the rows are read, checks that the IDAT run does not inflate far past them, and fails
/// the decode if it does; any other problem with the stream is left to libpng, which reports it
/// or tolerates it. Runs at most once.
static void ipng_check_tail(png_structp png, ipng_context *context) {
    context->tail_checked = 1;
    size_t start, end;
    ipng_idat_run(context->data, context->size, &start, &end);
    if (end == 0) return;
    size_t count = 0;
    for (size_t at = start; at < end; at += 12 + (size_t)ipng_u32(context->data + at)) count++;
    size_t *pieces = (size_t *)malloc(2 * count * sizeof(size_t));
    if (pieces == NULL) ipng_fail(png, context, IPNG_ERROR_OUT_OF_MEMORY, "out of memory checking the image data");
    size_t index = 0;
    for (size_t at = start; at < end; index++) {
        size_t length = ipng_u32(context->data + at);
        pieces[index] = at + 8;
        pieces[count + index] = length < end - at - 12 ? length : end - at - 12;
        at += 12 + length;
    }
    size_t expected = ipng_filtered_size(context->width, context->height, context->color_type, context->bit_depth, context->interlaced);
    char text[200];
    ipng_inflate_report report;
    ipng_status status = ipng_check_stream(context->data, pieces, pieces + count, count,
                                           context->width, context->height, context->color_type, context->bit_depth,
                                           context->interlaced, expected + IPNG_INFLATE_SLACK, &report, text, sizeof text);
    free(pieces);
    if (status == IPNG_ERROR_TOO_MUCH_DATA) {
        if (context->report) *context->report = report;
        ipng_fail(png, context, IPNG_ERROR_TOO_MUCH_DATA, text);
    }
}

static void ipng_on_warning(png_structp png, png_const_charp text) {
    // Benign problems (an ancillary chunk with a bad CRC, extra IDAT bytes) are warnings in
    // libpng 1.6: the pixels are still right, so they are not reported as failures. Extra image
    // data after the rows is tolerated only up to the slack.
    (void)text;
    ipng_context *context = (ipng_context *)png_get_error_ptr(png);
    if (context != NULL && context->last_row && !context->tail_checked) ipng_check_tail(png, context);
}

/// How many of bytes [offset, offset + length) of the file are IDAT chunk data (not a chunk
/// header or CRC, which libpng reads after the rows of every file). Reads come in file order,
/// so the walk resumes where the last one stopped.
static size_t ipng_idat_data_in(ipng_context *context, size_t offset, size_t length) {
    const uint8_t *data = context->data;
    size_t size = context->size, total = 0;
    if (context->scan_at < 8) context->scan_at = 8;
    for (size_t at = context->scan_at; size >= 12 && at <= size - 12 && at < offset + length;) {
        size_t chunk_length = ipng_u32(data + at);
        if (chunk_length > size - at - 12) chunk_length = size - at - 12;
        size_t next = at + 12 + chunk_length;
        if (memcmp(data + at + 4, "IDAT", 4) == 0) {
            size_t from = at + 8 > offset ? at + 8 : offset;
            size_t to = at + 8 + chunk_length < offset + length ? at + 8 + chunk_length : offset + length;
            if (to > from) total += to - from;
        }
        if (next <= offset) context->scan_at = next;
        at = next;
    }
    return total;
}

/// Counts the rows libpng delivers, to know when the last one is being read: from then on,
/// image data is counted, as what follows the last row is what a zlib bomb inflates.
static void ipng_on_row(png_structp png, png_uint_32 row, int pass) {
    (void)row;
    (void)pass;
    ipng_context *context = (ipng_context *)png_get_io_ptr(png);
    if (++context->rows_read + 1 >= context->rows_total) context->last_row = 1;
}

static void ipng_read_from_memory(png_structp png, png_bytep out, size_t length) {
    ipng_context *context = (ipng_context *)png_get_io_ptr(png);
    // Past the last row's share of the image data (and libpng's read-ahead), libpng is
    // inflating data the image has no room for: measure the stream before it inflates it all.
    if (context->last_row && !context->tail_checked) {
        context->tail_bytes += ipng_idat_data_in(context, context->offset, length);
        if (context->tail_bytes > context->tail_threshold) ipng_check_tail(png, context);
    }
    if (length > context->size - context->offset) {
        ipng_fail(png, context, IPNG_ERROR_TRUNCATED, "data ends in the middle of a chunk");
    }
    memcpy(out, context->data + context->offset, length);
    context->offset += length;
}

ipng_status ipng_decode(const uint8_t *data, size_t size,
                        uint32_t width, uint32_t height, int channels,
                        uint8_t *pixels, size_t pixels_size,
                        size_t max_chunk_bytes, size_t *consumed, ipng_inflate_report *report,
                        char *message, size_t message_capacity) {
    ipng_context context = {data, size, 0, IPNG_OK, message, message_capacity, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, report};
    if (message && message_capacity) message[0] = '\0';
    if (consumed) *consumed = 0;
    if (channels != 3 && channels != 4) return IPNG_ERROR_ARGUMENT;
    if ((size_t)width * height * (size_t)channels != pixels_size) return IPNG_ERROR_ARGUMENT;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, ipng_on_error, ipng_on_warning);
    if (png == NULL) return IPNG_ERROR_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return IPNG_ERROR_OUT_OF_MEMORY;
    }
    // Written after setjmp and read after a longjmp back to it: must be volatile.
    png_bytep *volatile rows = NULL;

    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        if (consumed) *consumed = context.offset;
        png_destroy_read_struct(&png, &info, NULL);
        return context.status == IPNG_OK ? IPNG_ERROR_LIBPNG : context.status;
    }

    png_set_read_fn(png, &context, ipng_read_from_memory);
    // Our caller has already checked width*height against its pixel limit; libpng's own
    // per-dimension default (1,000,000) would refuse legal long strips.
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_chunk_malloc_max(png, max_chunk_bytes);
    png_read_info(png, info);

    if (png_get_image_width(png, info) != width || png_get_image_height(png, info) != height) {
        ipng_fail(png, &context, IPNG_ERROR_MISMATCH, "IHDR size differs from the probed size");
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    context.width = width;
    context.height = height;
    context.color_type = color_type;
    context.bit_depth = bit_depth;
    context.interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    int has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
    if (has_alpha && channels == 3) {
        ipng_fail(png, &context, IPNG_ERROR_ARGUMENT, "image has alpha but RGB output was requested");
    }

    // Palette -> RGB, gray 1/2/4 -> 8 bits (v*255/(2^d-1)), tRNS -> alpha channel.
    png_set_expand(png);
    if (bit_depth == 16) png_set_scale_16(png);  // round(v/257), not truncation
    if (!(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    if (channels == 4 && !has_alpha) png_set_add_alpha(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    if (png_get_rowbytes(png, info) != (size_t)width * (size_t)channels) {
        ipng_fail(png, &context, IPNG_ERROR_MISMATCH, "row layout after transforms differs from the requested one");
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (rows == NULL) ipng_fail(png, &context, IPNG_ERROR_OUT_OF_MEMORY, "out of memory for row pointers");
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) rows[y] = pixels + stride * y;

    context.rows_total = ipng_filtered_rows(width, height, context.interlaced, &context.tail_threshold);
    // The last row's data, libpng's read-ahead (8 KiB) twice over, and room for a slow encoder's
    // block boundaries: a real file never reads that much image data after its last row begins.
    context.tail_threshold = 2 * context.tail_threshold + 16384;
    context.last_row = context.rows_total <= 1;
    png_set_read_status_fn(png, ipng_on_row);
    png_read_image(png, rows);
    // Reading to IEND checks the CRCs and zlib stream end of everything after the pixels too, so
    // a file cut short after its image data is reported, not silently accepted.
    png_read_end(png, NULL);

    free(rows);
    if (consumed) *consumed = context.offset;
    png_destroy_read_struct(&png, &info, NULL);
    return IPNG_OK;
}

static void ipng_write_to_buffer(png_structp png, png_bytep data, size_t length) {
    ipng_context *context = (ipng_context *)png_get_io_ptr(png);
    ipng_buffer *out = context->out;
    if (length > out->capacity - out->size) {
        size_t capacity = out->capacity ? out->capacity : 65536;
        while (capacity - out->size < length) {
            if (capacity > SIZE_MAX / 2) ipng_fail(png, context, IPNG_ERROR_OUT_OF_MEMORY, "output too large");
            capacity *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(out->data, capacity);
        if (grown == NULL) ipng_fail(png, context, IPNG_ERROR_OUT_OF_MEMORY, "out of memory for the encoded file");
        out->data = grown;
        out->capacity = capacity;
    }
    memcpy(out->data + out->size, data, length);
    out->size += length;
}

static void ipng_flush_nothing(png_structp png) { (void)png; }

static int ipng_color_type_channels(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 0;
    }
}

ipng_status ipng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t row_stride,
                        int input_channels, int color_type, int level, int filters,
                        const ipng_text *texts, int text_count,
                        ipng_buffer *out, char *message, size_t message_capacity) {
    ipng_context context = {NULL, 0, 0, IPNG_OK, message, message_capacity, out, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL};
    if (message && message_capacity) message[0] = '\0';
    int channels = ipng_color_type_channels(color_type);
    if (channels == 0 || (input_channels != channels && input_channels != channels + 1)) return IPNG_ERROR_ARGUMENT;
    if (level < 0 || level > 9 || width == 0 || height == 0) return IPNG_ERROR_ARGUMENT;
    if (row_stride < (size_t)width * (size_t)input_channels) return IPNG_ERROR_ARGUMENT;

    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, ipng_on_error, ipng_on_warning);
    if (png == NULL) return IPNG_ERROR_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return IPNG_ERROR_OUT_OF_MEMORY;
    }
    png_textp volatile text_chunks = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(text_chunks);
        png_destroy_write_struct(&png, &info);
        return context.status == IPNG_OK ? IPNG_ERROR_LIBPNG : context.status;
    }

    png_set_write_fn(png, &context, ipng_write_to_buffer, ipng_flush_nothing);
    png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    if (text_count > 0) {
        text_chunks = (png_textp)calloc((size_t)text_count, sizeof(png_text));
        if (text_chunks == NULL) ipng_fail(png, &context, IPNG_ERROR_OUT_OF_MEMORY, "out of memory for text chunks");
        for (int i = 0; i < text_count; i++) {
            text_chunks[i].compression = texts[i].utf8 ? PNG_ITXT_COMPRESSION_NONE : PNG_TEXT_COMPRESSION_NONE;
            text_chunks[i].key = (png_charp)texts[i].key;
            text_chunks[i].text = (png_charp)texts[i].text;
            text_chunks[i].text_length = strlen(texts[i].text);
        }
        png_set_text(png, info, text_chunks, text_count);
    }
    png_write_info(png, info);
    if (input_channels == channels + 1) png_set_filler(png, 0, PNG_FILLER_AFTER);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + row_stride * y));
    }
    png_write_end(png, info);
    free(text_chunks);
    png_destroy_write_struct(&png, &info);
    return IPNG_OK;
}

void ipng_buffer_free(ipng_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}

const char *ipng_libpng_version(void) { return PNG_LIBPNG_VER_STRING; }
