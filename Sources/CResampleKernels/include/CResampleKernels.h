#ifndef IPR_CRESAMPLEKERNELS_H
#define IPR_CRESAMPLEKERNELS_H

// Row kernels of ImageOps' separable resampler, in two tiers: portable (SSE2 on x86-64) and AVX2.
//
// Why C: Swift 6.3 cannot compile AVX2 code for a single function (module-wide `unsafeFlags`
// would stop other packages from depending on imagepipe), and its SIMD4<Float> arithmetic is one
// 128-bit operation at a time. Here each kernel is compiled twice from one body
// (resample_kernels.h), once with `__attribute__((target("avx2")))`, and the caller picks one at
// run time from `ipr_best_tier()`.
//
// Every tier gives the same bits as the others and as the Swift reference it replaced: the
// additions happen in the same order, and floating-point contraction into fused multiply-adds is
// off (FMA rounds once where a multiply and an add round twice; a thumbnail must not depend on
// the CPU it was made on).
//
// Pixels in the float rows are RGBA, four floats each, on the 0...255 scale, colour
// premultiplied by alpha.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kernel tiers, in increasing order of preference.
enum {
    IPR_TIER_PORTABLE = 0,
    IPR_TIER_AVX2 = 1,
};

/// The best tier this CPU and OS run.
int ipr_best_tier(void);

/// The horizontal pass over one row: output pixel x is the sum over t < taps of
/// row[starts[x] + t] times weights[x * taps + t], where `broadcast_weights` holds each weight
/// four times (one per channel). Taps are summed as two interleaved partial sums (even and odd
/// taps, four at a time) and then the remainder into the even one.
void ipr_filter_row_portable(const float *row, float *output, const intptr_t *starts,
                             const float *broadcast_weights, int taps, int output_width);
void ipr_filter_row_avx2(const float *row, float *output, const intptr_t *starts,
                         const float *broadcast_weights, int taps, int output_width);

/// The vertical pass for one output row: output[i] = rows[0][i] * weights[0] + each later
/// rows[t][i] * weights[t] in order, taps of weight 0 left out; `count` floats.
void ipr_filter_column_portable(float *output, const float *const *rows, const float *weights, int taps, size_t count);
void ipr_filter_column_avx2(float *output, const float *const *rows, const float *weights, int taps, size_t count);

/// 8-bit RGB (3 bytes a pixel) to float RGBA with alpha 255.
void ipr_load_rgb8_portable(const uint8_t *pixels, float *row, int width);
void ipr_load_rgb8_avx2(const uint8_t *pixels, float *row, int width);

/// 8-bit RGBA to premultiplied float RGBA: colour times alpha * (1/255).
void ipr_load_rgba8_portable(const uint8_t *pixels, float *row, int width);
void ipr_load_rgba8_avx2(const uint8_t *pixels, float *row, int width);

/// Float RGBA back to bytes (`channels` 3 or 4): un-premultiplied when `premultiplied` (a
/// pixel whose alpha ends at or under 0.5 gets colour 0), clamped to 0...255, rounded to
/// nearest, ties to even.
void ipr_store_portable(const float *row, uint8_t *pixels, int width, int channels, int premultiplied);
void ipr_store_avx2(const float *row, uint8_t *pixels, int width, int channels, int premultiplied);

#ifdef __cplusplus
}
#endif

#endif
