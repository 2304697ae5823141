#include "CCodecBaselines.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/encode.h>

size_t imagepipe_baseline_png_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) return 0;
    image.format = (image.format & PNG_FORMAT_FLAG_ALPHA) ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    size_t needed = PNG_IMAGE_SIZE(image);
    if (needed > capacity || !png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
        png_image_free(&image);
        return 0;
    }
    return needed;
}

size_t imagepipe_baseline_webp_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity) {
    WebPBitstreamFeatures features;
    if (WebPGetFeatures(data, size, &features) != VP8_STATUS_OK || features.has_animation) return 0;
    int channels = features.has_alpha ? 4 : 3;
    size_t needed = (size_t)features.width * (size_t)features.height * (size_t)channels;
    if (needed > capacity) return 0;
    uint8_t *out = features.has_alpha
        ? WebPDecodeRGBAInto(data, size, pixels, capacity, features.width * channels)
        : WebPDecodeRGBInto(data, size, pixels, capacity, features.width * channels);
    return out ? needed : 0;
}

size_t imagepipe_baseline_webp_encode(const uint8_t *pixels, int width, int height, int channels, float quality, int method) {
    WebPConfig config;
    WebPPicture picture;
    WebPMemoryWriter writer;
    if (!WebPConfigInit(&config) || !WebPPictureInit(&picture)) return 0;
    config.quality = quality;
    config.method = method;
    picture.width = width;
    picture.height = height;
    int imported = channels == 4 ? WebPPictureImportRGBA(&picture, pixels, width * 4) : WebPPictureImportRGB(&picture, pixels, width * 3);
    if (!imported) return 0;
    WebPMemoryWriterInit(&writer);
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &writer;
    size_t size = WebPEncode(&config, &picture) ? writer.size : 0;
    WebPMemoryWriterClear(&writer);
    WebPPictureFree(&picture);
    return size;
}

size_t imagepipe_baseline_png_encode(const uint8_t *pixels, int width, int height, int channels) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    png_alloc_size_t size = PNG_IMAGE_PNG_SIZE_MAX(image);
    uint8_t *memory = (uint8_t *)malloc(size);
    if (memory == NULL) return 0;
    int ok = png_image_write_to_memory(&image, memory, &size, 0, pixels, 0, NULL);
    free(memory);
    return ok ? size : 0;
}

// libjpeg's error exit must not return: jump back to the operation's frame.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
} baseline_jpeg_error;

static void baseline_jpeg_error_exit(j_common_ptr cinfo) {
    longjmp(((baseline_jpeg_error *)cinfo->err)->jump, 1);
}

static void baseline_jpeg_silent(j_common_ptr cinfo, int level) {
    (void)cinfo;
    (void)level;
}

size_t imagepipe_baseline_jpeg_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity) {
    return imagepipe_baseline_jpeg_decode_scaled(data, size, 1, pixels, capacity);
}

size_t imagepipe_baseline_jpeg_decode_scaled(const uint8_t *data, size_t size, int denominator, uint8_t *pixels, size_t capacity) {
    struct jpeg_decompress_struct cinfo;
    baseline_jpeg_error error;
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = baseline_jpeg_error_exit;
    error.base.emit_message = baseline_jpeg_silent;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)denominator;
    jpeg_start_decompress(&cinfo);
    size_t row = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    size_t needed = row * cinfo.output_height;
    if (needed > capacity || cinfo.num_components == 4) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[16];
        JDIMENSION first = cinfo.output_scanline;
        JDIMENSION count = cinfo.output_height - first < 16 ? cinfo.output_height - first : 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = pixels + (size_t)(first + i) * row;
        jpeg_read_scanlines(&cinfo, rows, count);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return needed;
}

size_t imagepipe_baseline_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality) {
    struct jpeg_compress_struct cinfo;
    baseline_jpeg_error error;
    unsigned char *buffer = NULL;
    unsigned long buffer_size = 0;
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = baseline_jpeg_error_exit;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 0;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (channels == 3 && quality >= 90) cinfo.comp_info[0].h_samp_factor = cinfo.comp_info[0].v_samp_factor = 1;
    cinfo.optimize_coding = TRUE;
    jpeg_start_compress(&cinfo, TRUE);
    size_t row = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[16];
        JDIMENSION first = cinfo.next_scanline;
        JDIMENSION count = cinfo.image_height - first < 16 ? cinfo.image_height - first : 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = (JSAMPROW)(pixels + (size_t)(first + i) * row);
        jpeg_write_scanlines(&cinfo, rows, count);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    size_t size = (size_t)buffer_size;
    free(buffer);
    return size;
}
