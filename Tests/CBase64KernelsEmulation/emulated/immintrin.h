// Scalar stand-ins for the AVX-512 intrinsics that decode_avx512vbmi.c uses, written from the
// semantics in Intel's Intrinsics Guide. Lets the kernel's logic (tables, permutation indices,
// loop bounds, stop position) run on a CPU without AVX-512; see run.sh.
#ifndef IPB64_EMULATED_IMMINTRIN_H
#define IPB64_EMULATED_IMMINTRIN_H
#include <stdint.h>
#include <string.h>

typedef struct { uint8_t b[64]; } __m512i;
typedef uint64_t __mmask64;

static inline __m512i _mm512_loadu_si512(const void *p) { __m512i r; memcpy(r.b, p, 64); return r; }
static inline void _mm512_storeu_si512(void *p, __m512i a) { memcpy(p, a.b, 64); }

static inline __m512i _mm512_set1_epi32(int v) {
    __m512i r;
    for (int i = 0; i < 16; i++) memcpy(r.b + 4 * i, &v, 4);
    return r;
}

static inline __m512i _mm512_set1_epi8(char v) {
    __m512i r;
    memset(r.b, (uint8_t)v, 64);
    return r;
}

// Within each 16-byte lane: dst[j] = idx[j] bit 7 ? 0 : a[lane + (idx[j] & 15)]
static inline __m512i _mm512_shuffle_epi8(__m512i a, __m512i idx) {
    __m512i r;
    for (int j = 0; j < 64; j++) r.b[j] = (idx.b[j] & 0x80) ? 0 : a.b[(j & ~15) + (idx.b[j] & 15)];
    return r;
}

static inline __mmask64 _mm512_cmpeq_epi8_mask(__m512i a, __m512i b) {
    __mmask64 m = 0;
    for (int j = 0; j < 64; j++) m |= (uint64_t)(a.b[j] == b.b[j]) << j;
    return m;
}

static inline __m512i _mm512_or_si512(__m512i a, __m512i b) {
    for (int i = 0; i < 64; i++) a.b[i] |= b.b[i];
    return a;
}

// dst[j] = (idx[j] bit 6 ? b : a)[idx[j] bits 0-5]
static inline __m512i _mm512_permutex2var_epi8(__m512i a, __m512i idx, __m512i b) {
    __m512i r;
    for (int j = 0; j < 64; j++) r.b[j] = (idx.b[j] & 0x40) ? b.b[idx.b[j] & 63] : a.b[idx.b[j] & 63];
    return r;
}

// dst[j] = a[idx[j] bits 0-5]
static inline __m512i _mm512_permutexvar_epi8(__m512i idx, __m512i a) {
    __m512i r;
    for (int j = 0; j < 64; j++) r.b[j] = a.b[idx.b[j] & 63];
    return r;
}

// dst[j] = k bit j ? b[j] : a[j]
static inline __m512i _mm512_mask_blend_epi8(__mmask64 k, __m512i a, __m512i b) {
    for (int j = 0; j < 64; j++) if ((k >> j) & 1) a.b[j] = b.b[j];
    return a;
}

static inline __mmask64 _mm512_movepi8_mask(__m512i a) {
    __mmask64 m = 0;
    for (int j = 0; j < 64; j++) m |= (uint64_t)(a.b[j] >> 7) << j;
    return m;
}

// Per 16-bit lane: saturate(u8 a0 * s8 b0 + u8 a1 * s8 b1)
static inline __m512i _mm512_maddubs_epi16(__m512i a, __m512i b) {
    __m512i r;
    for (int k = 0; k < 32; k++) {
        int32_t s = (int32_t)a.b[2 * k] * (int8_t)b.b[2 * k] + (int32_t)a.b[2 * k + 1] * (int8_t)b.b[2 * k + 1];
        if (s > 32767) s = 32767;
        if (s < -32768) s = -32768;
        int16_t v = (int16_t)s;
        memcpy(r.b + 2 * k, &v, 2);
    }
    return r;
}

// Per 32-bit lane: s16 a0 * s16 b0 + s16 a1 * s16 b1
static inline __m512i _mm512_madd_epi16(__m512i a, __m512i b) {
    __m512i r;
    for (int k = 0; k < 16; k++) {
        int16_t a0, a1, b0, b1;
        memcpy(&a0, a.b + 4 * k, 2); memcpy(&a1, a.b + 4 * k + 2, 2);
        memcpy(&b0, b.b + 4 * k, 2); memcpy(&b1, b.b + 4 * k + 2, 2);
        int32_t v = (int32_t)((uint32_t)((int32_t)a0 * b0) + (uint32_t)((int32_t)a1 * b1));
        memcpy(r.b + 4 * k, &v, 4);
    }
    return r;
}
#endif
