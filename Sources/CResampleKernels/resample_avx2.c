// The AVX2 tier: the same bodies with 256-bit vectors (two RGBA pixels an operation).
#include "CResampleKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define IPR_TIER avx2
#define IPR_TARGET __attribute__((target("avx2")))
#include "resample_kernels.h"

int ipr_best_tier(void) {
    // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? IPR_TIER_AVX2 : IPR_TIER_PORTABLE;
}
#else
// Other architectures: only the portable tier; the AVX2 names forward to it.
int ipr_best_tier(void) { return IPR_TIER_PORTABLE; }
void ipr_filter_row_avx2(const float *row, float *output, const intptr_t *starts, const float *w, int taps, int width) {
    ipr_filter_row_portable(row, output, starts, w, taps, width);
}
void ipr_filter_column_avx2(float *output, const float *const *rows, const float *weights, int taps, size_t count) {
    ipr_filter_column_portable(output, rows, weights, taps, count);
}
void ipr_load_rgb8_avx2(const uint8_t *pixels, float *row, int width) { ipr_load_rgb8_portable(pixels, row, width); }
void ipr_load_rgba8_avx2(const uint8_t *pixels, float *row, int width) { ipr_load_rgba8_portable(pixels, row, width); }
void ipr_store_avx2(const float *row, uint8_t *pixels, int width, int channels, int premultiplied) {
    ipr_store_portable(row, pixels, width, channels, premultiplied);
}
#endif
