#include "CColorShims.h"
#include <stdio.h>
#include <string.h>
#include <lcms2.h>

static int icms_space(cmsHPROFILE profile) {
    switch (cmsGetColorSpace(profile)) {
    case cmsSigRgbData: return ICMS_SPACE_RGB;
    case cmsSigGrayData: return ICMS_SPACE_GRAY;
    case cmsSigCmykData: return ICMS_SPACE_CMYK;
    default: return ICMS_SPACE_OTHER;
    }
}

int icms_profile_info(const uint8_t *data, size_t size, int *space, char *description, size_t description_size) {
    cmsHPROFILE profile = cmsOpenProfileFromMem(data, (cmsUInt32Number)size);
    if (!profile) return 0;
    *space = icms_space(profile);
    if (description && description_size > 0) {
        description[0] = 0;
        cmsGetProfileInfoASCII(profile, cmsInfoDescription, "en", "US", description, (cmsUInt32Number)description_size);
    }
    cmsCloseProfile(profile);
    return 1;
}

void *icms_transform_new(const uint8_t *data, size_t size, int layout, int intent, char *message, size_t message_size) {
    if (message && message_size > 0) message[0] = 0;
    cmsHPROFILE profile = cmsOpenProfileFromMem(data, (cmsUInt32Number)size);
    if (!profile) {
        if (message) snprintf(message, message_size, "LittleCMS cannot read the ICC profile");
        return NULL;
    }
    int space = icms_space(profile);
    cmsUInt32Number input, output = TYPE_RGB_8, flags = cmsFLAGS_NOCACHE;
    int wanted;
    switch (layout) {
    case ICMS_IN_RGB8: input = TYPE_RGB_8; wanted = ICMS_SPACE_RGB; break;
    case ICMS_IN_RGBA8: input = TYPE_RGBA_8; output = TYPE_RGBA_8; flags |= cmsFLAGS_COPY_ALPHA; wanted = ICMS_SPACE_RGB; break;
    // Gray read from the first sample of each pixel; the others are skipped as extra channels.
    case ICMS_IN_GRAY_IN_RGB8: input = COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | BYTES_SH(1) | EXTRA_SH(2); wanted = ICMS_SPACE_GRAY; break;
    // Output alpha is left as it is (the transform runs in place: it is the input's).
    case ICMS_IN_GRAY_IN_RGBA8: input = COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | BYTES_SH(1) | EXTRA_SH(3); output = TYPE_RGBA_8; wanted = ICMS_SPACE_GRAY; break;
    case ICMS_IN_CMYK8: input = TYPE_CMYK_8; wanted = ICMS_SPACE_CMYK; break;
    case ICMS_IN_CMYK8_INVERTED: input = TYPE_CMYK_8_REV; wanted = ICMS_SPACE_CMYK; break;
    default: cmsCloseProfile(profile); return NULL;
    }
    if (space != wanted) {
        if (message) snprintf(message, message_size, "the ICC profile's colour space does not match the image's samples");
        cmsCloseProfile(profile);
        return NULL;
    }
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsHTRANSFORM transform = cmsCreateTransform(profile, input, srgb, output, (cmsUInt32Number)intent, flags);
    cmsCloseProfile(srgb);
    cmsCloseProfile(profile);
    if (!transform && message) snprintf(message, message_size, "LittleCMS cannot make a transform from the ICC profile to sRGB with this intent");
    return transform;
}

void icms_transform_apply(void *transform, const uint8_t *input, uint8_t *output, size_t pixel_count) {
    // cmsDoTransform counts pixels in 32 bits: large images go in pieces.
    const size_t piece = (size_t)1 << 30;
    cmsUInt32Number in_size = T_BYTES(cmsGetTransformInputFormat(transform)) * (T_CHANNELS(cmsGetTransformInputFormat(transform)) + T_EXTRA(cmsGetTransformInputFormat(transform)));
    cmsUInt32Number out_size = T_BYTES(cmsGetTransformOutputFormat(transform)) * (T_CHANNELS(cmsGetTransformOutputFormat(transform)) + T_EXTRA(cmsGetTransformOutputFormat(transform)));
    while (pixel_count > 0) {
        size_t count = pixel_count < piece ? pixel_count : piece;
        cmsDoTransform(transform, input, output, (cmsUInt32Number)count);
        input += count * in_size;
        output += count * out_size;
        pixel_count -= count;
    }
}

void icms_transform_free(void *transform) { cmsDeleteTransform(transform); }

int icms_library_version(void) { return cmsGetEncodedCMMversion(); }
