#include "CCodecBaselines.h"

#include <png.h>
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
