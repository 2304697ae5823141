// AVX-512 VBMI block decoder, after W. Muła and D. Lemire, "Base64 encoding and decoding at
// almost the speed of a memory copy" (SP&E 2019): one two-table byte permutation maps every
// ASCII byte to its sextet or to a byte with the high bit set, and one byte permutation gathers
// the 48 output bytes. Its loop has the same shape as the AVX2 kernel (an unrolled round of clean
// blocks, then single blocks, then the same stop path), which
// is validated on every CI machine; this one runs only where the CPU has AVX-512 VBMI, and
// Tests/CBase64KernelsEmulation checks its logic anywhere with emulated intrinsics.

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include "CBase64Kernels.h"
#include "kernel_common.h"

#define IPB64_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi")))

// Output byte j of a block is byte 2 - j % 3 of dword j / 3 (each dword holds 24 bits,
// little-endian); the last 16 bytes are don't-care.
static const uint8_t pack_order[64] = {
    2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 18, 17, 16, 22, 21, 20, 26, 25, 24, 30, 29, 28,
    34, 33, 32, 38, 37, 36, 42, 41, 40, 46, 45, 44, 50, 49, 48, 54, 53, 52, 58, 57, 56, 62, 61, 60,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

// Byte b is whitespace iff whitespace[b & 15] == b within its 16-byte lane (bytes >= 0x80 shuffle
// to 0 and never match).
static const uint8_t whitespace_lanes[64] = {
    0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x09, 0x0A, 0xFF, 0x0C, 0x0D, 0xFF, 0xFF,
    0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x09, 0x0A, 0xFF, 0x0C, 0x0D, 0xFF, 0xFF,
    0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x09, 0x0A, 0xFF, 0x0C, 0x0D, 0xFF, 0xFF,
    0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x09, 0x0A, 0xFF, 0x0C, 0x0D, 0xFF, 0xFF };

IPB64_AVX512 static inline __m512i translate(__m512i in, __m512i table_lo, __m512i table_hi,
                                              __mmask64 *invalid) {
    // Bit 6 of each byte picks the table, bits 0-5 the entry; bit 7 is ignored by the permute,
    // so bytes >= 0x80 are caught by or-ing the input back in.
    __m512i sextets = _mm512_permutex2var_epi8(table_lo, in, table_hi);
    *invalid = _mm512_movepi8_mask(_mm512_or_si512(sextets, in));
    return sextets;
}

IPB64_AVX512 static inline __m512i pack(__m512i sextets, __m512i order) {
    __m512i pairs = _mm512_maddubs_epi16(sextets, _mm512_set1_epi32(0x01400140));
    __m512i words = _mm512_madd_epi16(pairs, _mm512_set1_epi32(0x00011000));
    return _mm512_permutexvar_epi8(order, words);
}

IPB64_AVX512 ipb64_progress ipb64_decode_avx512vbmi(const uint8_t *src, size_t src_len,
                                                    uint8_t *dst, size_t dst_capacity, unsigned flags) {
    // The first 128 entries of the scalar class table are exactly what the permute needs: the
    // sextet of each alphabet byte, and a byte with bit 7 set for every other 7-bit byte.
    const uint8_t *table = (flags & IPB64_FLAG_URL_SAFE) ? ipb64_scalar_url_safe : ipb64_scalar_standard;
    const __m512i table_lo = _mm512_loadu_si512((const void *)table);
    const __m512i table_hi = _mm512_loadu_si512((const void *)(table + 64));
    const __m512i order = _mm512_loadu_si512((const void *)pack_order);
    const __m512i whitespace = _mm512_loadu_si512((const void *)whitespace_lanes);
    const int url_safe = (flags & IPB64_FLAG_URL_SAFE) != 0;

    // Every block store writes 64 bytes (48 meant), so a block needs 64 bytes of capacity.
    size_t in = 0, out = 0;
    __m512i sextets;
    __mmask64 bad;
    for (;;) {
        // Two blocks per round hide the latency of the permutes.
        while (src_len - in >= 128 && dst_capacity - out >= 112) {
            __mmask64 bad_b;
            sextets = translate(_mm512_loadu_si512((const void *)(src + in)), table_lo, table_hi, &bad);
            __m512i b = translate(_mm512_loadu_si512((const void *)(src + in + 64)), table_lo, table_hi, &bad_b);
            if ((bad | bad_b) != 0) {
                if (bad == 0) {
                    _mm512_storeu_si512((void *)(dst + out), pack(sextets, order));
                    in += 64;
                    out += 48;
                    sextets = b;
                    bad = bad_b;
                }
                goto stopped;
            }
            _mm512_storeu_si512((void *)(dst + out), pack(sextets, order));
            _mm512_storeu_si512((void *)(dst + out + 48), pack(b, order));
            in += 128;
            out += 96;
        }
        if (src_len - in < 64 || dst_capacity - out < 64) {
            break;
        }
        sextets = translate(_mm512_loadu_si512((const void *)(src + in)), table_lo, table_hi, &bad);
        if (bad == 0) {
            _mm512_storeu_si512((void *)(dst + out), pack(sextets, order));
            in += 64;
            out += 48;
            continue;
        }
    stopped:;
        // The block at `in` holds a byte outside the alphabet.
        unsigned first_bad = (unsigned)__builtin_ctzll((unsigned long long)bad);
        if ((flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES)) && src_len - in >= 64 + 4) {
            // Line breaks and `\/`: when every bad byte of the block is one of those, and there
            // are at most 3, drop them by blending in the block loaded 1, 2, 3 bytes further
            // along, as the AVX2 kernel does.
            __m512i raw = _mm512_loadu_si512((const void *)(src + in));
            uint64_t removable = 0;
            if (flags & IPB64_FLAG_SKIP_WHITESPACE) {
                removable |= (uint64_t)_mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(whitespace, raw), raw);
            }
            if ((flags & IPB64_FLAG_JSON_ESCAPES) && !url_safe) {
                __m512i next = _mm512_loadu_si512((const void *)(src + in + 1));
                removable |= (uint64_t)(_mm512_cmpeq_epi8_mask(raw, _mm512_set1_epi8('\\'))
                                        & _mm512_cmpeq_epi8_mask(next, _mm512_set1_epi8('/')));
            }
            uint64_t bad_mask = (uint64_t)bad;
            unsigned count = (unsigned)__builtin_popcountll((unsigned long long)bad_mask);
            if ((bad_mask & ~removable) == 0 && count <= 3) {
                __m512i compacted = raw;
                uint64_t remaining = bad_mask;
                for (unsigned removed = 1; removed <= count; removed++) {
                    // The next byte to drop has moved `removed - 1` places down already.
                    unsigned from = (unsigned)__builtin_ctzll((unsigned long long)remaining) - (removed - 1);
                    remaining &= remaining - 1;
                    compacted = _mm512_mask_blend_epi8(~(__mmask64)0 << from, compacted,
                                                       _mm512_loadu_si512((const void *)(src + in + removed)));
                }
                __mmask64 compacted_bad;
                __m512i compacted_sextets = translate(compacted, table_lo, table_hi, &compacted_bad);
                if (compacted_bad == 0) {
                    _mm512_storeu_si512((void *)(dst + out), pack(compacted_sextets, order));
                    in += 64 + count;
                    out += 48;
                    continue;
                }
            }
        }
        // Keep the block's clean whole quanta (capacity was checked for the whole block), then
        // try the quantum around the bad byte.
        unsigned clean_quanta = first_bad / 4;
        _mm512_storeu_si512((void *)(dst + out), pack(sextets, order));
        if (ipb64_keep_clean_then_step(src, src_len, &in, dst, &out, clean_quanta, flags) < 0) {
            break;
        }
    }
    ipb64_progress progress = {in, out};
    return progress;
}

#endif
