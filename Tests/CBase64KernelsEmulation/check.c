// Checks a block kernel against a scalar model of its contract (CBase64Kernels.h): whole clean
// blocks, then the clean quanta in front of the first bad byte, whitespace runs on quantum
// boundaries skipped when asked, stop when less than a block of input or of capacity is left.
// Built twice by run.sh: with the real AVX2 kernel, and with the AVX-512 VBMI kernel over
// emulated intrinsics.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "CBase64Kernels.h"

#ifndef BLOCK
#error "define BLOCK (32 or 64) and KERNEL"
#endif

static int sextet(unsigned url, uint8_t c) {
    const char *a = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? memchr(a, c, 64) : NULL;
    return p ? (int)(p - a) : -1;
}
static int is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

static ipb64_progress model(const uint8_t *s, size_t n, uint8_t *d, size_t cap, unsigned flags) {
    size_t in = 0, out = 0;
    unsigned url = flags & IPB64_FLAG_URL_SAFE;
    // Blocks are stored whole (BLOCK/4*3 meaningful bytes, written as BLOCK bytes).
    while (n - in >= BLOCK && cap - out >= BLOCK) {
        size_t k = 0;
        while (k < BLOCK && sextet(url, s[in + k]) >= 0) k++;
        size_t q = k / 4;
        for (size_t i = 0; i < q; i++) {
            uint32_t v = 0;
            for (int j = 0; j < 4; j++) v = v << 6 | (uint32_t)sextet(url, s[in + 4 * i + j]);
            d[out + 3 * i] = (uint8_t)(v >> 16); d[out + 3 * i + 1] = (uint8_t)(v >> 8); d[out + 3 * i + 2] = (uint8_t)v;
        }
        in += q * 4; out += q * 3;
        if (k == BLOCK) continue;
        if ((flags & IPB64_FLAG_SKIP_WHITESPACE) && k % 4 == 0 && is_ws(s[in])) {
            while (in < n && is_ws(s[in])) in++;
            continue;
        }
        break;
    }
    ipb64_progress p = {in, out};
    return p;
}

static uint64_t state = 12345;
static uint32_t rnd(void) { state = state * 6364136223846793005ULL + 1442695040888963407ULL; return (uint32_t)(state >> 33); }

int main(void) {
    static uint8_t src[4096], dst[4096 + 64], ref[4096 + 64];
    long cases = 0, failures = 0;
    for (int round = 0; round < 200000; round++) {
        unsigned flags = rnd() & 3;
        const char *a = (flags & 1) ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                                    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t n = rnd() % 1024;
        for (size_t i = 0; i < n; i++) src[i] = (uint8_t)a[rnd() % 64];
        // Plant 0-3 bad bytes (any value, whitespace often), and sometimes line breaks every 76.
        int planted = rnd() % 4;
        for (int p = 0; p < planted && n; p++) {
            uint32_t kind = rnd() % 3;
            src[rnd() % n] = kind == 0 ? (uint8_t)rnd() : kind == 1 ? (uint8_t)"\n\r \t\f"[rnd() % 5] : (uint8_t)"=+/-_\\"[rnd() % 6];
        }
        if (rnd() % 4 == 0) for (size_t i = 76; i < n; i += 77) src[i] = '\n';
        size_t cap = (rnd() % 2) ? n : rnd() % (n + 1);
        memset(dst, 0xA5, sizeof dst); memset(ref, 0xA5, sizeof ref);
        ipb64_progress got = KERNEL(src, n, dst, cap, flags);
        ipb64_progress want = model(src, n, ref, cap, flags);
        cases++;
        int bad = got.consumed != want.consumed || got.written != want.written
            || memcmp(dst, ref, want.written) != 0;
        for (size_t i = cap; i < sizeof dst; i++) if (dst[i] != 0xA5) bad = 1;  // wrote past capacity
        if (bad && failures++ < 5) {
            fprintf(stderr, "mismatch: n=%zu cap=%zu flags=%u got {%zu,%zu} want {%zu,%zu}\n",
                    n, cap, flags, got.consumed, got.written, want.consumed, want.written);
        }
    }
    printf("%s: %ld cases, %ld failures\n", KERNEL_NAME, cases, failures);
    return failures != 0;
}
