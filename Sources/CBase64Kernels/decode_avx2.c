// AVX2 block decoder, after the technique of W. Muła and D. Lemire, "Faster Base64 Encoding and
// Decoding Using AVX2 Instructions" (ACM TOW 2018): nibble-indexed lookups validate and
// translate 32 characters at once, two multiply-adds pack 4 sextets into 3 bytes.
//
// The lookup tables below were derived for this file (see the comments) and are checked
// exhaustively against every byte value by FastBase64Tests.

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include "CBase64Kernels.h"
#include "kernel_common.h"

#define IPB64_AVX2 __attribute__((target("avx2")))

typedef struct {
    // A byte is invalid iff lo_classes[low nibble] & hi_classes[high nibble] != 0. Each bit is one
    // "class": a set of high nibbles that share the same set of invalid low nibbles.
    __m256i lo_classes;
    __m256i hi_classes;
    // Added to a valid byte to get its sextet, indexed by its high nibble, or by high nibble | 8
    // for the one character whose high nibble is shared with others of a different offset.
    __m256i offsets;
    __m256i special;
} avx2_tables;

// Standard alphabet. Classes (bit: high nibbles / invalid low nibbles):
//   0: 0,1,8-F / all   1: 2 / all but B('+'),F('/')   2: 3 / A-F   3: 4,6 / 0   4: 5,7 / B-F
static const int8_t std_lo[16] = {
    0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x15, 0x17, 0x17, 0x17, 0x15 };
static const int8_t std_hi[16] = {
    0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 };
// '+' 43→62: +19; digits 48→52: +4; 'A' 65→0: -65; 'a' 97→26: -71; '/' (index 2|8) 47→63: +16.
static const int8_t std_offsets[16] = { 0, 0, 19, 4, -65, -65, -71, -71, 0, 0, 16, 0, 0, 0, 0, 0 };

// URL-safe alphabet. Classes:
//   0: 0,1,8-F / all   1: 2 / all but D('-')   2: 3 / A-F   3: 4,6 / 0   4: 5 / B-E   5: 7 / B-F
static const int8_t url_lo[16] = {
    0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x37, 0x37, 0x35, 0x37, 0x27 };
static const int8_t url_hi[16] = {
    0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x20, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 };
// '-' 45→62: +17; '_' (index 5|8) 95→63: -32.
static const int8_t url_offsets[16] = { 0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, -32, 0, 0 };

IPB64_AVX2 static inline __m256i broadcast16(const int8_t table[16]) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)table));
}

// Returns the sextets of `in` (meaningless where invalid) and sets *invalid to a vector whose
// byte is non-zero where `in` holds a non-alphabet byte.
IPB64_AVX2 static inline __m256i translate(__m256i in, const avx2_tables *t, __m256i *invalid) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi32(in, 4), nibble);
    __m256i lo = _mm256_and_si256(in, nibble);
    *invalid = _mm256_and_si256(_mm256_shuffle_epi8(t->lo_classes, lo),
                                _mm256_shuffle_epi8(t->hi_classes, hi));
    __m256i special = _mm256_and_si256(_mm256_cmpeq_epi8(in, t->special), _mm256_set1_epi8(0x08));
    __m256i offsets = _mm256_shuffle_epi8(t->offsets, _mm256_or_si256(hi, special));
    return _mm256_add_epi8(in, offsets);
}

// 32 sextets → 24 bytes at dst (writes 28: the last 4 are garbage, overwritten or past `written`).
IPB64_AVX2 static inline void pack_store(__m256i sextets, uint8_t *dst) {
    // Pairs of sextets (a, b) → a << 6 | b in 16 bits, then pairs of those → 24 bits per dword.
    __m256i pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x01400140));
    __m256i words = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    // Each dword holds its 3 output bytes little-endian: emit bytes 2,1,0 of every dword.
    const __m256i order = _mm256_setr_epi8(
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    __m256i lanes = _mm256_shuffle_epi8(words, order);
    // Two 16-byte stores instead of a cross-lane permute: measured faster on Zen 3, where the
    // permute competes with the shuffles and stores are cheap.
    _mm_storeu_si128((__m128i *)(void *)dst, _mm256_castsi256_si128(lanes));
    _mm_storeu_si128((__m128i *)(void *)(dst + 12), _mm256_extracti128_si256(lanes, 1));
}

IPB64_AVX2 ipb64_progress ipb64_decode_avx2(const uint8_t *src, size_t src_len,
                                            uint8_t *dst, size_t dst_capacity, unsigned flags) {
    const int url_safe = (flags & IPB64_FLAG_URL_SAFE) != 0;
    avx2_tables t;
    t.lo_classes = broadcast16(url_safe ? url_lo : std_lo);
    t.hi_classes = broadcast16(url_safe ? url_hi : std_hi);
    t.offsets = broadcast16(url_safe ? url_offsets : std_offsets);
    t.special = _mm256_set1_epi8((char)(url_safe ? '_' : '/'));
    // Byte b is whitespace iff whitespace[b & 15] == b (and b < 0x80, where the shuffle gives 0).
    const __m256i whitespace = _mm256_setr_epi8(
        0x20, -1, -1, -1, -1, -1, -1, -1, -1, 0x09, 0x0A, -1, 0x0C, 0x0D, -1, -1,
        0x20, -1, -1, -1, -1, -1, -1, -1, -1, 0x09, 0x0A, -1, 0x0C, 0x0D, -1, -1);

    // Every block store writes 28 bytes (24 meant), so a block needs 28 bytes of capacity; 32
    // keeps the arithmetic obvious.
    size_t in = 0, out = 0;
    __m256i sextets, bad;
    for (;;) {
        // Four blocks per round hide the latency of the lookups (measured: 4 beats 2 on Zen 3). Not
        // when line breaks or escapes are expected: a 128-byte round would almost never be clean.
        while (!(flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES)) && src_len - in >= 128 && dst_capacity - out >= 104) {
            __m256i bad1, bad2, bad3;
            sextets = translate(_mm256_loadu_si256((const __m256i *)(const void *)(src + in)), &t, &bad);
            __m256i s1 = translate(_mm256_loadu_si256((const __m256i *)(const void *)(src + in + 32)), &t, &bad1);
            __m256i s2 = translate(_mm256_loadu_si256((const __m256i *)(const void *)(src + in + 64)), &t, &bad2);
            __m256i s3 = translate(_mm256_loadu_si256((const __m256i *)(const void *)(src + in + 96)), &t, &bad3);
            __m256i any = _mm256_or_si256(_mm256_or_si256(bad, bad1), _mm256_or_si256(bad2, bad3));
            if (!_mm256_testz_si256(any, any)) {
                // Store the clean blocks in front of the first bad one, then handle that one.
                if (_mm256_testz_si256(bad, bad)) {
                    pack_store(sextets, dst + out);
                    in += 32; out += 24;
                    sextets = s1; bad = bad1;
                    if (_mm256_testz_si256(bad, bad)) {
                        pack_store(sextets, dst + out);
                        in += 32; out += 24;
                        sextets = s2; bad = bad2;
                        if (_mm256_testz_si256(bad, bad)) {
                            pack_store(sextets, dst + out);
                            in += 32; out += 24;
                            sextets = s3; bad = bad3;
                        }
                    }
                }
                goto stopped;
            }
            pack_store(sextets, dst + out);
            pack_store(s1, dst + out + 24);
            pack_store(s2, dst + out + 48);
            pack_store(s3, dst + out + 72);
            in += 128;
            out += 96;
        }
        if (src_len - in < 32 || dst_capacity - out < 32) {
            break;
        }
        sextets = translate(_mm256_loadu_si256((const __m256i *)(const void *)(src + in)), &t, &bad);
        if (_mm256_testz_si256(bad, bad)) {
            pack_store(sextets, dst + out);
            in += 32;
            out += 24;
            continue;
        }
    stopped:;
        // The block at `in` holds a byte outside the alphabet.
        uint32_t bad_mask = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256()));
        unsigned first_bad = (unsigned)__builtin_ctz(bad_mask);
        if ((flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES)) && src_len - in >= 32 + 4) {
            // Line breaks and `\/` (the common cases in MIME bodies and escaped JSON): when every
            // bad byte of the block is one of those, and there are at most 3, drop them by
            // blending in the block loaded 1, 2, 3 bytes further along, and decode the 32
            // characters that remain without leaving the vector loop. The next block's address
            // depends only on a popcount, not on scalar look-ups, so blocks do not serialise.
            const __m256i positions = _mm256_setr_epi8(
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
            __m256i raw = _mm256_loadu_si256((const __m256i *)(const void *)(src + in));
            uint32_t removable = 0;
            if (flags & IPB64_FLAG_SKIP_WHITESPACE) {
                removable |= (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(whitespace, raw), raw));
            }
            if ((flags & IPB64_FLAG_JSON_ESCAPES) && !url_safe) {
                __m256i next = _mm256_loadu_si256((const __m256i *)(const void *)(src + in + 1));
                removable |= (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
                    _mm256_cmpeq_epi8(raw, _mm256_set1_epi8('\\')), _mm256_cmpeq_epi8(next, _mm256_set1_epi8('/'))));
            }
            unsigned count = (unsigned)__builtin_popcount(bad_mask);
            if ((bad_mask & ~removable) == 0 && count <= 3) {
                __m256i compacted = raw;
                uint32_t remaining = bad_mask;
                for (unsigned removed = 1; removed <= count; removed++) {
                    // The next byte to drop has moved `removed - 1` places down already.
                    int from = (int)__builtin_ctz(remaining) - (int)(removed - 1);
                    remaining &= remaining - 1;
                    __m256i after = _mm256_cmpgt_epi8(positions, _mm256_set1_epi8((char)(from - 1)));
                    compacted = _mm256_blendv_epi8(
                        compacted, _mm256_loadu_si256((const __m256i *)(const void *)(src + in + removed)), after);
                }
                __m256i compacted_bad;
                __m256i compacted_sextets = translate(compacted, &t, &compacted_bad);
                if (_mm256_testz_si256(compacted_bad, compacted_bad)) {
                    pack_store(compacted_sextets, dst + out);
                    in += 32 + count;
                    out += 24;
                    continue;
                }
            }
        }
        // Keep the block's clean whole quanta (capacity was checked for the whole block), then
        // try the quantum around the bad byte.
        unsigned clean_quanta = first_bad / 4;
        pack_store(sextets, dst + out);
        in += clean_quanta * 4;
        out += clean_quanta * 3;
        if (!(flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES))) {
            break;
        }
        int stepped = ipb64_step_over(src, src_len, &in, dst + out, flags);
        if (stepped < 0) {
            break;
        }
        out += (size_t)stepped;
    }
    ipb64_progress progress = {in, out};
    return progress;
}

#endif
