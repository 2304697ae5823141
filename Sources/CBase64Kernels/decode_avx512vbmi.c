// AVX-512 VBMI block decoder, after W. Muła and D. Lemire, "Base64 encoding and decoding at
// almost the speed of a memory copy" (SP&E 2019): one two-table byte permutation maps every
// ASCII byte to its sextet or to a byte with the high bit set, and one byte permutation gathers
// the 48 output bytes. Its loop has the same shape as the AVX2 kernel, line for line, which
// is validated on every CI machine; this one runs only where the CPU has AVX-512 VBMI, and
// Tests/CBase64KernelsEmulation checks its logic anywhere with emulated intrinsics.

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include "CBase64Kernels.h"
#include "kernel_common.h"

#define IPB64_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi")))

// Sextet of every 7-bit byte, 0x80 where the byte is not in the alphabet. Built at first use from
// the alphabet strings, so there is no hand-typed 128-entry table to get wrong.
static int8_t ipb64_vbmi_tables[2][128];
static volatile int ipb64_vbmi_tables_ready = 0;

static void build_tables(void) {
    static const char *const alphabets[2] = {
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    };
    for (int a = 0; a < 2; a++) {
        int8_t table[128];
        for (int i = 0; i < 128; i++) table[i] = (int8_t)0x80;
        for (int v = 0; v < 64; v++) table[(unsigned char)alphabets[a][v]] = (int8_t)v;
        for (int i = 0; i < 128; i++) ipb64_vbmi_tables[a][i] = table[i];
    }
    // Racing threads write identical bytes, so the only requirement is that `ready` is seen
    // after the tables: a release store.
    __atomic_store_n(&ipb64_vbmi_tables_ready, 1, __ATOMIC_RELEASE);
}

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
    if (!__atomic_load_n(&ipb64_vbmi_tables_ready, __ATOMIC_ACQUIRE)) {
        build_tables();
    }
    const int8_t *table = ipb64_vbmi_tables[(flags & IPB64_FLAG_URL_SAFE) ? 1 : 0];
    const __m512i table_lo = _mm512_loadu_si512((const void *)table);
    const __m512i table_hi = _mm512_loadu_si512((const void *)(table + 64));
    // Output byte j is byte 2 - j % 3 of dword j / 3 (each dword holds 24 bits little-endian).
    uint8_t order_bytes[64];
    for (int j = 0; j < 64; j++) {
        order_bytes[j] = (uint8_t)(j < 48 ? 4 * (j / 3) + 2 - j % 3 : 0);
    }
    const __m512i order = _mm512_loadu_si512((const void *)order_bytes);

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
        // 66: the block, plus up to 2 bytes that move into it (and the byte after a backslash).
        size_t removable = (flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES)) && src_len - in >= 66
            ? ipb64_removable_run(src + in, first_bad, (uint64_t)bad >> first_bad, flags) : 0;
        if (removable) {
            // One line break or one `\/` in the block: drop it by taking the bytes from
            // `first_bad` on one load further along, as the AVX2 kernel does.
            __mmask64 after = ~(__mmask64)0 << first_bad;
            __m512i compacted = _mm512_mask_blend_epi8(after,
                _mm512_loadu_si512((const void *)(src + in)),
                _mm512_loadu_si512((const void *)(src + in + removable)));
            __mmask64 bad_compacted;
            __m512i compacted_sextets = translate(compacted, table_lo, table_hi, &bad_compacted);
            if (bad_compacted == 0) {
                _mm512_storeu_si512((void *)(dst + out), pack(compacted_sextets, order));
                in += 64 + removable;
                out += 48;
                continue;
            }
        }
        // Keep the block's clean whole quanta (capacity was checked for the whole block), then
        // try the quantum around the bad byte.
        unsigned clean_quanta = first_bad / 4;
        _mm512_storeu_si512((void *)(dst + out), pack(sextets, order));
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
