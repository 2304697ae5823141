// CColorShims: LittleCMS transforms to sRGB behind plain functions, so that lcms2's pixel-format
// macros (which Swift cannot import) stay in C. Every symbol is prefixed `icms_`.
#ifndef IMAGEPIPE_CCOLORSHIMS_H
#define IMAGEPIPE_CCOLORSHIMS_H
#include <stddef.h>
#include <stdint.h>

/// What kind of profile it is (its data colour space).
enum {
    ICMS_SPACE_OTHER = 0,
    ICMS_SPACE_RGB = 1,
    ICMS_SPACE_GRAY = 2,
    ICMS_SPACE_CMYK = 3
};

/// How the source pixels are laid out; the output is RGB8 for the 3-byte and CMYK layouts,
/// RGBA8 (alpha copied) for the 4-byte ones with alpha.
enum {
    ICMS_IN_RGB8 = 0,           // RGB profile, RGB8 pixels -> RGB8
    ICMS_IN_RGBA8 = 1,          // RGB profile, RGBA8 pixels -> RGBA8
    ICMS_IN_GRAY_IN_RGB8 = 2,   // gray profile, gray replicated in RGB8 pixels (first sample read) -> RGB8
    ICMS_IN_GRAY_IN_RGBA8 = 3,  // gray profile, gray in RGBA8 pixels -> RGBA8
    ICMS_IN_CMYK8 = 4,          // CMYK profile, ink values (0 = none) -> RGB8
    ICMS_IN_CMYK8_INVERTED = 5  // CMYK profile, Adobe-inverted values (255 = none) -> RGB8
};

/// Reads a profile's header: its colour space (ICMS_SPACE_*) and description (UTF-8, cut to
/// `description_size`). Returns 0 when LittleCMS cannot open the profile.
int icms_profile_info(const uint8_t *profile, size_t size, int *space, char *description, size_t description_size);

/// A transform from `profile` to LittleCMS's built-in sRGB with `intent` (0 perceptual,
/// 1 relative colorimetric, 2 saturation, 3 absolute colorimetric), for `layout`. NULL when the
/// profile cannot be opened or does not fit the layout; `message` then says why. Safe to use
/// from several threads at once (made without LittleCMS's one-pixel cache).
void *icms_transform_new(const uint8_t *profile, size_t size, int layout, int intent, char *message, size_t message_size);

/// Converts `pixel_count` packed pixels from `input` to `output` (the same buffer for the
/// layouts whose input and output pixels are the same size).
void icms_transform_apply(void *transform, const uint8_t *input, uint8_t *output, size_t pixel_count);

void icms_transform_free(void *transform);

/// The LittleCMS version, e.g. 2140 for 2.14.
int icms_library_version(void);

#endif
