// The body of every resampling kernel, included once per tier with IPR_TIER (the name suffix)
// and IPR_TARGET (the function attribute) defined. See CResampleKernels.h for what each does.

#include <string.h>
#include "CResampleKernels.h"

#pragma clang fp contract(off)

#define IPR_CAT2(a, b) a##_##b
#define IPR_CAT(a, b) IPR_CAT2(a, b)
#define IPR_NAME(name) IPR_CAT(name, IPR_TIER)

// Unaligned, aliasing vectors: rows are float arrays with 4-byte alignment.
typedef float ipr_v8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float ipr_v4 __attribute__((vector_size(16), aligned(4), may_alias));

IPR_TARGET void IPR_NAME(ipr_filter_row)(const float *row, float *output, const intptr_t *starts,
                                         const float *broadcast_weights, int taps, int output_width) {
    const float *weight = broadcast_weights;
    for (int x = 0; x < output_width; x++, weight += 4 * (size_t)taps) {
        const float *source = row + 4 * starts[x];
        // Lanes 0-3 sum the even taps, lanes 4-7 the odd ones: two pixels a vector.
        ipr_v8 sum = {0, 0, 0, 0, 0, 0, 0, 0};
        int tap = 0;
        for (; tap + 4 <= taps; tap += 4) {
            sum += *(const ipr_v8 *)(source + 4 * tap) * *(const ipr_v8 *)(weight + 4 * tap);
            sum += *(const ipr_v8 *)(source + 4 * tap + 8) * *(const ipr_v8 *)(weight + 4 * tap + 8);
        }
        ipr_v4 even = {sum[0], sum[1], sum[2], sum[3]};
        const ipr_v4 odd = {sum[4], sum[5], sum[6], sum[7]};
        for (; tap < taps; tap++) {
            even += *(const ipr_v4 *)(source + 4 * tap) * *(const ipr_v4 *)(weight + 4 * tap);
        }
        *(ipr_v4 *)(output + 4 * x) = even + odd;
    }
}

IPR_TARGET void IPR_NAME(ipr_filter_column)(float *output, const float *const *rows, const float *weights, int taps, size_t count) {
    size_t i = 0;
    // Four vectors at a time: four independent chains of additions hide their latency.
    for (; i + 32 <= count; i += 32) {
        const ipr_v8 *first = (const ipr_v8 *)(rows[0] + i);
        ipr_v8 a = first[0] * weights[0], b = first[1] * weights[0], c = first[2] * weights[0], d = first[3] * weights[0];
        for (int tap = 1; tap < taps; tap++) {
            const float w = weights[tap];
            if (w == 0) continue;
            const ipr_v8 *source = (const ipr_v8 *)(rows[tap] + i);
            a += source[0] * w; b += source[1] * w; c += source[2] * w; d += source[3] * w;
        }
        ipr_v8 *out = (ipr_v8 *)(output + i);
        out[0] = a; out[1] = b; out[2] = c; out[3] = d;
    }
    for (; i + 4 <= count; i += 4) {
        ipr_v4 a = *(const ipr_v4 *)(rows[0] + i) * weights[0];
        for (int tap = 1; tap < taps; tap++) {
            if (weights[tap] == 0) continue;
            a += *(const ipr_v4 *)(rows[tap] + i) * weights[tap];
        }
        *(ipr_v4 *)(output + i) = a;
    }
    for (; i < count; i++) {
        float a = rows[0][i] * weights[0];
        for (int tap = 1; tap < taps; tap++) {
            if (weights[tap] == 0) continue;
            a += rows[tap][i] * weights[tap];
        }
        output[i] = a;
    }
}

IPR_TARGET void IPR_NAME(ipr_load_rgb8)(const uint8_t *pixels, float *row, int width) {
    typedef uint8_t bytes16 __attribute__((vector_size(16), aligned(1), may_alias));
    typedef float floats16 __attribute__((vector_size(64), aligned(4), may_alias));
    const bytes16 zero = {0};
    const floats16 opaque = {0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255};
    int x = 0;
    // Four pixels at a time from sixteen bytes (so while 3x + 16 <= 3 * width): spread to four
    // bytes a pixel with a zero alpha, converted, alpha added.
    for (; 3 * x + 16 <= 3 * width; x += 4) {
        const bytes16 packed = *(const bytes16 *)(pixels + 3 * x);
        const bytes16 spread = __builtin_shufflevector(packed, zero, 0, 1, 2, 16, 3, 4, 5, 16, 6, 7, 8, 16, 9, 10, 11, 16);
        *(floats16 *)(row + 4 * x) = __builtin_convertvector(spread, floats16) + opaque;
    }
    for (; x < width; x++) {
        row[4 * x] = pixels[3 * x];
        row[4 * x + 1] = pixels[3 * x + 1];
        row[4 * x + 2] = pixels[3 * x + 2];
        row[4 * x + 3] = 255;
    }
}

IPR_TARGET void IPR_NAME(ipr_load_rgba8)(const uint8_t *pixels, float *row, int width) {
    const float reciprocal = 1.0f / 255.0f;
    for (int x = 0; x < width; x++) {
        const float alpha = pixels[4 * x + 3];
        const float scale = alpha * reciprocal;
        row[4 * x] = (float)pixels[4 * x] * scale;
        row[4 * x + 1] = (float)pixels[4 * x + 1] * scale;
        row[4 * x + 2] = (float)pixels[4 * x + 2] * scale;
        row[4 * x + 3] = alpha;
    }
}

IPR_TARGET void IPR_NAME(ipr_store)(const float *row, uint8_t *pixels, int width, int channels, int premultiplied) {
    // Adding 1.5 * 2^23 to a value in 0...255 leaves it rounded to nearest (ties to even) in the
    // low mantissa bits: one add, no conversion.
    const float magic = 12582912.0f;
    for (int x = 0; x < width; x++) {
        float r = row[4 * x], g = row[4 * x + 1], b = row[4 * x + 2], a = row[4 * x + 3];
        if (premultiplied) {
            a = a < 0 ? 0 : a > 255 ? 255 : a;
            const float scale = a > 0.5f ? 255.0f / a : 0.0f;
            r *= scale; g *= scale; b *= scale;
        }
        float values[4] = {r, g, b, a};
        uint8_t bytes[4];
        for (int i = 0; i < 4; i++) {
            float v = values[i];
            v = v < 0 ? 0 : v > 255 ? 255 : v;  // NaN stays NaN and is caught below
            if (v != v) v = 0;
            float rounded = v + magic;
            uint32_t bits;
            memcpy(&bits, &rounded, 4);
            bytes[i] = (uint8_t)bits;
        }
        memcpy(pixels + (size_t)channels * x, bytes, (size_t)channels);
    }
}
