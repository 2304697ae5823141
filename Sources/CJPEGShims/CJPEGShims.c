#include "CJPEGShims.h"
#include "Segments.h"
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

// libjpeg reports errors through `error_exit`, which must not return: we longjmp back to the
// operation's own frame (never across Swift) with the formatted message. Warnings (corrupt data,
// a premature end of data) go to `emit_message` with level -1: in strict mode they end the
// operation the same way, as `djpeg -strict` does; otherwise they are counted.
//
// After a longjmp, the operation reads only this struct, never its libjpeg object: a local that
// is first written after setjmp (the libjpeg object, filled by jpeg_create_*) has no defined
// value on the second return, and an optimising compiler may delete a branch that reads it (it
// did: a release build looped on a JPEG without an image). The struct's address escapes before
// setjmp (jpeg_std_error), so what the handlers store here is read back; the handlers record the
// input bytes consumed and the encoder's output buffer here for the same reason.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int status;
    int strict;
    int warnings;
    char *message;
    size_t message_size;
    size_t input_size;         // decompression: the input's size, to turn bytes_in_buffer into an offset
    size_t consumed;           // decompression: bytes consumed when the operation stopped
    unsigned char *output;     // compression: jpeg_mem_dest's buffer
    unsigned long output_size;
} ijpeg_error;

static void ijpeg_record_position(j_common_ptr cinfo, size_t input_size, size_t *consumed) {
    if (!cinfo->is_decompressor) return;
    struct jpeg_source_mgr *src = ((j_decompress_ptr)cinfo)->src;
    if (!src) return;
    size_t left = src->bytes_in_buffer;
    *consumed = left <= input_size ? input_size - left : 0;
}

typedef struct {
    struct jpeg_progress_mgr base;
    int max_scans;
} ijpeg_progress;

static void ijpeg_copy_message(j_common_ptr cinfo, ijpeg_error *error) {
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (error->message && error->message_size > 0) {
        strncpy(error->message, text, error->message_size - 1);
        error->message[error->message_size - 1] = 0;
    }
}

static void ijpeg_error_exit(j_common_ptr cinfo) {
    ijpeg_error *error = (ijpeg_error *)cinfo->err;
    ijpeg_copy_message(cinfo, error);
    if (error->status == IJPEG_OK) error->status = IJPEG_ERROR;
    ijpeg_record_position(cinfo, error->input_size, &error->consumed);
    longjmp(error->jump, 1);
}

static void ijpeg_emit_message(j_common_ptr cinfo, int level) {
    ijpeg_error *error = (ijpeg_error *)cinfo->err;
    if (level >= 0) return;  // trace messages
    error->warnings++;
    if (error->strict) {
        ijpeg_copy_message(cinfo, error);
        error->status = IJPEG_WARNING;
        ijpeg_record_position(cinfo, error->input_size, &error->consumed);
        longjmp(error->jump, 1);
    }
}

static void ijpeg_progress_monitor(j_common_ptr cinfo) {
    ijpeg_progress *progress = (ijpeg_progress *)cinfo->progress;
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (progress->max_scans > 0 && decompress->input_scan_number > progress->max_scans) {
        ijpeg_error *error = (ijpeg_error *)cinfo->err;
        if (error->message && error->message_size > 0) {
            snprintf(error->message, error->message_size, "more than %d progressive scans (a JPEG made to cost CPU time; the limit is --max-scans)", progress->max_scans);
        }
        error->status = IJPEG_TOO_MANY_SCANS;
        ijpeg_record_position(cinfo, error->input_size, &error->consumed);
        longjmp(error->jump, 1);
    }
}

static void ijpeg_setup_error(struct jpeg_decompress_struct *cinfo, ijpeg_error *error, int strict, size_t input_size, char *message, size_t message_size) {
    memset(error, 0, sizeof(*error));
    error->input_size = input_size;
    cinfo->err = jpeg_std_error(&error->base);
    error->base.error_exit = ijpeg_error_exit;
    error->base.emit_message = ijpeg_emit_message;
    error->strict = strict;
    error->message = message;
    error->message_size = message_size;
    if (message && message_size > 0) message[0] = 0;
}

/// Bytes consumed so far, read from the libjpeg object on the normal path (never after a longjmp).
static size_t ijpeg_consumed(struct jpeg_decompress_struct *cinfo, size_t size) {
    size_t consumed = 0;
    ijpeg_record_position((j_common_ptr)cinfo, size, &consumed);
    return consumed;
}

static void ijpeg_fill_info(struct jpeg_decompress_struct *cinfo, ijpeg_info *info) {
    info->width = (int)cinfo->image_width;
    info->height = (int)cinfo->image_height;
    info->components = cinfo->num_components;
    info->color_space = (int)cinfo->jpeg_color_space;
    info->progressive = cinfo->progressive_mode ? 1 : 0;
    info->arithmetic = cinfo->arith_code ? 1 : 0;
    info->precision = cinfo->data_precision;
    info->adobe = cinfo->saw_Adobe_marker ? 1 : 0;
}

int ijpeg_probe(const uint8_t *data, size_t size, ijpeg_info *info, char *message, size_t message_size, size_t *offset) {
    struct jpeg_decompress_struct cinfo;
    ijpeg_error error;
    ijpeg_setup_error(&cinfo, &error, 1, size, message, message_size);
    *offset = 0;
    if (setjmp(error.jump)) {
        *offset = error.consumed;
        int status = error.status;
        jpeg_destroy_decompress(&cinfo);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    ijpeg_fill_info(&cinfo, info);
    *offset = ijpeg_consumed(&cinfo, size);
    jpeg_destroy_decompress(&cinfo);
    return IJPEG_OK;
}

void ijpeg_scaled_size(int width, int height, int denominator, int *out_width, int *out_height) {
    // jdiv_round_up(dimension * scale_num, scale_denom), as jpeg_calc_output_dimensions does.
    *out_width = (int)(((long)width + denominator - 1) / denominator);
    *out_height = (int)(((long)height + denominator - 1) / denominator);
}

/// CMYK (or YCCK, which libjpeg turns into CMYK) samples to RGB. Adobe's files store CMYK
/// inverted (255 = no ink), which is what libjpeg returns for them; others store ink.
static void ijpeg_cmyk_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, int width, int inverted) {
    for (int x = 0; x < width; x++) {
        int c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        rgb[3 * x] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

/// Reads output rows up to `end` into consecutive rows of `dest` (`row_bytes` apart; the first
/// into `dest` is output row `first_row`), in batches of up to 16 as libjpeg likes them.
static void ijpeg_read_rows(struct jpeg_decompress_struct *cinfo, uint8_t *dest, size_t row_bytes, JDIMENSION first_row, JDIMENSION end) {
    while (cinfo->output_scanline < end) {
        JSAMPROW rows[16];
        JDIMENSION first = cinfo->output_scanline;
        JDIMENSION count = end - first < 16 ? end - first : 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = dest + (size_t)(first - first_row + i) * row_bytes;
        jpeg_read_scanlines(cinfo, rows, count);
    }
}

int ijpeg_decode(
    const uint8_t *data, size_t size, int denominator, uint8_t *pixels, int out_width, int out_height, int channels,
    int max_scans, long max_memory, int lenient, int *warnings, char *message, size_t message_size, size_t *offset
) {
    struct jpeg_decompress_struct cinfo;
    ijpeg_error error;
    ijpeg_progress progress;
    JSAMPARRAY cmyk_row = NULL;
    ijpeg_setup_error(&cinfo, &error, !lenient, size, message, message_size);
    *offset = 0;
    *warnings = 0;
    if (setjmp(error.jump)) {
        *offset = error.consumed;
        *warnings = error.warnings;
        int status = error.status;
        jpeg_destroy_decompress(&cinfo);  // frees cmyk_row too (pool memory)
        return status;
    }
    jpeg_create_decompress(&cinfo);
    if (max_memory > 0) cinfo.mem->max_memory_to_use = max_memory;
    memset(&progress, 0, sizeof(progress));
    progress.base.progress_monitor = ijpeg_progress_monitor;
    progress.max_scans = max_scans;
    cinfo.progress = &progress.base;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    int cmyk = cinfo.num_components == 4;
    if (cinfo.num_components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (cmyk) {
        cinfo.out_color_space = JCS_CMYK;
    } else {
        cinfo.out_color_space = JCS_RGB;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)denominator;
    jpeg_calc_output_dimensions(&cinfo);
    int raw_cmyk = cmyk && channels == 4;  // the caller converts (with the file's ICC profile)
    int expected_channels = cinfo.num_components == 1 ? 1 : raw_cmyk ? 4 : 3;
    if ((int)cinfo.output_width != out_width || (int)cinfo.output_height != out_height || channels != expected_channels) {
        if (message && message_size > 0) {
            snprintf(message, message_size, "decoded size %ux%u differs from the header's %dx%d", cinfo.output_width, cinfo.output_height, out_width, out_height);
        }
        jpeg_destroy_decompress(&cinfo);
        return IJPEG_SIZE_MISMATCH;
    }
    jpeg_start_decompress(&cinfo);
    size_t row_bytes = (size_t)out_width * (size_t)channels;
    if (cmyk && !raw_cmyk) {
        cmyk_row = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, (JDIMENSION)out_width * 4, 1);
        while (cinfo.output_scanline < cinfo.output_height) {
            jpeg_read_scanlines(&cinfo, cmyk_row, 1);
            ijpeg_cmyk_to_rgb(cmyk_row[0], pixels + (size_t)(cinfo.output_scanline - 1) * row_bytes, out_width, cinfo.saw_Adobe_marker);
        }
    } else {
        ijpeg_read_rows(&cinfo, pixels, row_bytes, 0, cinfo.output_height);
    }
    jpeg_finish_decompress(&cinfo);
    *offset = ijpeg_consumed(&cinfo, size);
    *warnings = error.warnings;
    jpeg_destroy_decompress(&cinfo);
    return IJPEG_OK;
}

// MARK: decoding in parts, split at restart markers

// A sequential JPEG with restart markers can be decoded in parts on several threads: at a restart
// marker the entropy coder starts afresh (DC predictions zero, a whole byte), so the data from a
// marker on, behind the file's own headers with the frame height cut to what follows and the
// markers renumbered from RST0, is a JPEG of its own whose blocks are the original's. Each part
// starts one restart boundary early and ends one late where it can, and those rows are decoded
// and dropped, so libjpeg's upsampling sees the rows around every seam as in one decode: the
// pixels are the same. The first part is decoded from the file itself.

typedef struct {
    const uint8_t *data;
    size_t size;
    int denominator, channels, out_width;
    int skip_rows, keep_rows;  // output rows decoded and dropped, then written to `dest`
    uint8_t *dest;
    long max_memory;
    int status;
} ijpeg_part;

static void *ijpeg_decode_part(void *argument) {
    ijpeg_part *part = (ijpeg_part *)argument;
    struct jpeg_decompress_struct cinfo;
    ijpeg_error error;
    ijpeg_setup_error(&cinfo, &error, 1, part->size, NULL, 0);
    if (setjmp(error.jump)) {
        part->status = error.status;
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    jpeg_create_decompress(&cinfo);
    if (part->max_memory > 0) cinfo.mem->max_memory_to_use = part->max_memory;
    jpeg_mem_src(&cinfo, part->data, (unsigned long)part->size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = part->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)part->denominator;
    jpeg_start_decompress(&cinfo);
    if ((int)cinfo.output_width != part->out_width || cinfo.output_components != part->channels
        || (int)cinfo.output_height < part->skip_rows + part->keep_rows) {
        jpeg_destroy_decompress(&cinfo);
        part->status = IJPEG_SIZE_MISMATCH;
        return NULL;
    }
    size_t row_bytes = (size_t)part->out_width * (size_t)part->channels;
    JSAMPARRAY scratch = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, (JDIMENSION)row_bytes, 1);
    while ((int)cinfo.output_scanline < part->skip_rows) jpeg_read_scanlines(&cinfo, scratch, 1);
    ijpeg_read_rows(&cinfo, part->dest, row_bytes, (JDIMENSION)part->skip_rows, (JDIMENSION)(part->skip_rows + part->keep_rows));
    jpeg_destroy_decompress(&cinfo);  // the rest (the next part's rows) is left undecoded
    part->status = IJPEG_OK;
    return NULL;
}

/// Where a sequential single-scan Huffman JPEG's parts are: its frame, restart interval and the
/// position of every restart marker. 0 when the file is not one to split.
typedef struct {
    size_t sof_height;      // offset of the frame header's height field
    size_t entropy;         // first byte of the scan's data
    size_t end;             // the EOI marker after it
    int width, height, mcu_height, mcus_wide, mcu_rows;
    long interval, intervals;
    size_t *restarts;       // intervals - 1 marker offsets
} ijpeg_layout;

static int ijpeg_layout_read(const uint8_t *data, size_t size, ijpeg_layout *layout) {
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return 0;
    size_t pos = 2;
    int components = 0, max_h = 1, max_v = 1, saw_frame = 0;
    for (;;) {
        ijpeg_segment next;
        if (!ijpeg_next_segment(data, size, &pos, &next) || next.offset == 0) return 0;  // EOI, SOI, RSTn before the scan
        int marker = next.marker;
        const uint8_t *segment = data + next.offset;
        size_t length = next.size + 2;
        if (marker == 0xC0 || marker == 0xC1) {
            if (saw_frame || length < 8 || segment[0] != 8) return 0;
            layout->sof_height = next.offset + 1;
            layout->height = segment[1] << 8 | segment[2];
            layout->width = segment[3] << 8 | segment[4];
            components = segment[5];
            if (layout->height == 0 || layout->width == 0 || (components != 1 && components != 3) || length != 8 + 3 * (size_t)components) return 0;
            for (int i = 0; i < components; i++) {
                int h = segment[7 + 3 * i] >> 4, v = segment[7 + 3 * i] & 15;
                if (h < 1 || h > 4 || v < 1 || v > 4) return 0;
                if (h > max_h) max_h = h;
                if (v > max_v) max_v = v;
            }
            saw_frame = 1;
        } else if (marker == 0xDD) {
            if (length != 4) return 0;
            layout->interval = segment[0] << 8 | segment[1];
        } else if (marker == 0xDA) {
            if (!saw_frame || segment[0] != components) return 0;  // one scan with every component
            layout->entropy = pos;
            break;
        } else if ((marker >= 0xC0 && marker <= 0xCF && marker != 0xC4) || marker == 0xDC) {
            return 0;  // another frame type, DAC, DNL
        }
    }
    if (layout->interval <= 0) return 0;
    int mcu_width = components == 1 ? 8 : 8 * max_h;
    layout->mcu_height = components == 1 ? 8 : 8 * max_v;
    layout->mcus_wide = (layout->width + mcu_width - 1) / mcu_width;
    layout->mcu_rows = (layout->height + layout->mcu_height - 1) / layout->mcu_height;
    long mcus = (long)layout->mcus_wide * layout->mcu_rows;
    layout->intervals = (mcus + layout->interval - 1) / layout->interval;
    layout->restarts = malloc(sizeof(size_t) * (size_t)(layout->intervals > 1 ? layout->intervals - 1 : 1));
    if (!layout->restarts) return 0;
    // Every restart marker, in order, then the end of image (a second scan: not split).
    long found = 0;
    pos = layout->entropy;
    for (;;) {
        pos = ijpeg_next_marker_byte(data, size, pos);
        if (pos + 1 >= size) return 0;
        uint8_t next = data[pos + 1];
        if (next == 0xFF) { pos += 1; continue; }  // a fill byte
        if (next >= 0xD0 && next <= 0xD7) {
            if (found < layout->intervals - 1) {
                if (next != 0xD0 + (found & 7)) return 0;
                layout->restarts[found] = pos;
            }
            found++;
            pos += 2;
            continue;
        }
        if (next != 0xD9 || found < layout->intervals - 1) return 0;
        layout->end = pos;
        return 1;
    }
}

int ijpeg_decode_split(
    const uint8_t *data, size_t size, int denominator, uint8_t *pixels, int out_width, int out_height, int channels,
    long max_memory, int threads
) {
    if (threads < 2 || (channels != 1 && channels != 3)) return IJPEG_FALLBACK;
    if (threads > 16) threads = 16;
    ijpeg_layout layout;
    memset(&layout, 0, sizeof(layout));
    int status = IJPEG_FALLBACK;
    ijpeg_part parts[16];
    uint8_t *streams[16] = {NULL};
    pthread_t workers[16];
    int started[16] = {0};
    if (!ijpeg_layout_read(data, size, &layout)) goto done;
    // Parts start at MCU rows where a restart interval starts: every `step` rows.
    long common = layout.interval, b = layout.mcus_wide;
    while (b) { long t = common % b; common = b; b = t; }
    int step = (int)(layout.interval / common);
    int rows_out = layout.mcu_height / denominator;
    if (rows_out < 1 || layout.mcu_rows / step < 2 * threads || out_height != (layout.height + denominator - 1) / denominator) goto done;
    int boundaries[17];
    for (int k = 0; k <= threads; k++) {
        boundaries[k] = k == threads ? layout.mcu_rows : (int)((long)layout.mcu_rows * k / threads / step * step);
    }
    size_t row_bytes = (size_t)out_width * (size_t)channels;
    for (int k = 0; k < threads; k++) {
        ijpeg_part *part = &parts[k];
        part->denominator = denominator;
        part->channels = channels;
        part->out_width = out_width;
        part->max_memory = max_memory;
        part->dest = pixels + (size_t)boundaries[k] * rows_out * row_bytes;
        part->keep_rows = k == threads - 1 ? out_height - boundaries[k] * rows_out : (boundaries[k + 1] - boundaries[k]) * rows_out;
        part->status = IJPEG_ERROR;
        if (k == 0) {
            part->data = data;
            part->size = size;
            part->skip_rows = 0;
            continue;
        }
        // Rows [first, last) of MCUs: one boundary before this part, one after it (context).
        int first = boundaries[k] - step;
        int last = k == threads - 1 ? layout.mcu_rows : boundaries[k + 1] + step;
        if (last > layout.mcu_rows) last = layout.mcu_rows;
        long from = (long)first * layout.mcus_wide / layout.interval;
        long to = last == layout.mcu_rows ? layout.intervals : (long)last * layout.mcus_wide / layout.interval;
        size_t begin = from == 0 ? layout.entropy : layout.restarts[from - 1] + 2;
        size_t finish = to == layout.intervals ? layout.end : layout.restarts[to - 1];
        size_t length = layout.entropy + (finish - begin) + 2;
        uint8_t *stream = malloc(length);
        if (!stream) goto done;
        streams[k] = stream;
        memcpy(stream, data, layout.entropy);
        memcpy(stream + layout.entropy, data + begin, finish - begin);
        stream[length - 2] = 0xFF;
        stream[length - 1] = 0xD9;
        int height = last == layout.mcu_rows ? layout.height - first * layout.mcu_height : (last - first) * layout.mcu_height;
        stream[layout.sof_height] = (uint8_t)(height >> 8);
        stream[layout.sof_height + 1] = (uint8_t)height;
        for (long j = from; j < to - 1; j++) {  // the markers inside, numbered from RST0
            stream[layout.entropy + (layout.restarts[j] - begin) + 1] = (uint8_t)(0xD0 + ((j - from) & 7));
        }
        part->data = stream;
        part->size = length;
        part->skip_rows = (boundaries[k] - first) * rows_out;
    }
    for (int k = 1; k < threads; k++) started[k] = pthread_create(&workers[k], NULL, ijpeg_decode_part, &parts[k]) == 0;
    ijpeg_decode_part(&parts[0]);
    status = IJPEG_OK;
    for (int k = 1; k < threads; k++) {
        if (started[k]) {
            pthread_join(workers[k], NULL);
        } else {
            ijpeg_decode_part(&parts[k]);  // no thread to be had: decode it here
        }
    }
    for (int k = 0; k < threads; k++) {
        if (parts[k].status != IJPEG_OK) status = IJPEG_FALLBACK;  // decoded again in one piece, reporting as usual
    }
done:
    for (int k = 0; k < 16; k++) free(streams[k]);
    free(layout.restarts);
    return status;
}

// MARK: encoding

static void ijpeg_setup_compress_error(struct jpeg_compress_struct *cinfo, ijpeg_error *error, char *message, size_t message_size) {
    memset(error, 0, sizeof(*error));
    cinfo->err = jpeg_std_error(&error->base);
    error->base.error_exit = ijpeg_error_exit;
    error->base.emit_message = ijpeg_emit_message;
    error->strict = 0;  // an encoder's warnings are not about the data
    error->message = message;
    error->message_size = message_size;
    if (message && message_size > 0) message[0] = 0;
}

int ijpeg_encode(
    const uint8_t *pixels, int width, int height, int channels, size_t stride, const ijpeg_encode_options *options,
    const uint8_t *icc, size_t icc_size, const ijpeg_marker *markers, int marker_count,
    uint8_t **output, size_t *output_size, char *message, size_t message_size
) {
    struct jpeg_compress_struct cinfo;
    ijpeg_error error;
    ijpeg_setup_compress_error(&cinfo, &error, message, message_size);
    *output = NULL;
    *output_size = 0;
    if (setjmp(error.jump)) {
        int status = error.status;
        jpeg_destroy_compress(&cinfo);
        free(error.output);
        return status;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &error.output, &error.output_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, options->quality, TRUE);
    if (channels == 3) {
        // Component 0 is luma: its sampling factors against chroma's 1x1 set the subsampling.
        int h = options->subsampling == 444 ? 1 : 2;
        int v = options->subsampling == 420 ? 2 : 1;
        cinfo.comp_info[0].h_samp_factor = h;
        cinfo.comp_info[0].v_samp_factor = v;
        for (int c = 1; c < 3; c++) {
            cinfo.comp_info[c].h_samp_factor = 1;
            cinfo.comp_info[c].v_samp_factor = 1;
        }
    }
    cinfo.optimize_coding = options->optimize ? TRUE : FALSE;
    if (options->progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    if (icc && icc_size > 0) jpeg_write_icc_profile(&cinfo, icc, (unsigned int)icc_size);
    for (int i = 0; i < marker_count; i++) {
        jpeg_write_marker(&cinfo, markers[i].marker, markers[i].data, (unsigned int)markers[i].size);
    }
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[16];
        JDIMENSION first = cinfo.next_scanline;
        JDIMENSION count = cinfo.image_height - first < 16 ? cinfo.image_height - first : 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = (JSAMPROW)(pixels + (size_t)(first + i) * stride);
        jpeg_write_scanlines(&cinfo, rows, count);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *output = error.output;
    *output_size = (size_t)error.output_size;
    return IJPEG_OK;
}

void ijpeg_free(void *buffer) { free(buffer); }

int ijpeg_library_version(void) {
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
    return LIBJPEG_TURBO_VERSION_NUMBER;
#else
    return 0;
#endif
}
