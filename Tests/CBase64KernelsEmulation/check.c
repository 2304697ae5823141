// Checks a block kernel against its contract (CBase64Kernels.h). Built twice by run.sh: with the
// real AVX2 kernel, and with the AVX-512 VBMI kernel over emulated intrinsics.
//  - Without whitespace or escape flags, against an exact scalar model: whole clean blocks, then
//    the clean quanta in front of the first bad byte; stop when less than a block of input or
//    of capacity is left.
//  - With them (where the kernels drop line breaks and `\/` in ways that depend on the block
//    size), by properties: what was consumed decodes, under the flags' rules, to exactly what was
//    written and ends on a quantum boundary; the kernel did not stop in front of a clean block;
//    nothing was written past the capacity.
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

// Decodes src[0..n) under the flags' rules; returns the bytes written, or -1 if the prefix holds
// anything the kernel must not consume, or ends inside a quantum.
static long reference(const uint8_t *s, size_t n, uint8_t *d, unsigned flags) {
    unsigned url = flags & IPB64_FLAG_URL_SAFE;
    uint32_t bits = 0;
    int count = 0;
    long out = 0;
    for (size_t i = 0; i < n; i++) {
        int v = sextet(url, s[i]);
        if (v < 0 && (flags & IPB64_FLAG_SKIP_WHITESPACE) && is_ws(s[i])) continue;
        if (v < 0 && (flags & IPB64_FLAG_JSON_ESCAPES) && s[i] == '\\' && i + 1 < n) {
            uint8_t e = s[i + 1];
            if (e == '/' && !url) { v = 63; i++; }
            else if ((flags & IPB64_FLAG_SKIP_WHITESPACE) && (e == 'n' || e == 'r' || e == 't')) { i++; continue; }
        }
        if (v < 0) return -1;
        bits = bits << 6 | (uint32_t)v;
        if (++count == 4) {
            d[out++] = (uint8_t)(bits >> 16); d[out++] = (uint8_t)(bits >> 8); d[out++] = (uint8_t)bits;
            bits = 0; count = 0;
        }
    }
    return count == 0 ? out : -1;
}

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
        unsigned flags = rnd() & 7;
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
        if (rnd() % 4 == 0) for (size_t i = 76; i + 1 < n; i += 78) { src[i] = '\r'; src[i + 1] = '\n'; }
        // MIME lines of other lengths (the kernels may special-case regular lines), LF or CRLF.
        if (rnd() % 4 == 0) {
            size_t line = 4 * (6 + rnd() % 28), ending = 1 + rnd() % 2;
            for (size_t i = line; i + ending <= n; i += line + ending) {
                if (ending == 2) src[i] = '\r';
                src[i + ending - 1] = '\n';
            }
        }
        if (rnd() % 4 == 0) for (size_t i = rnd() % 64; i + 1 < n; i += 1 + rnd() % 100) {
            src[i] = '\\';
            src[i + 1] = (uint8_t)"//////nrtu\"\\"[rnd() % 12];
        }
        size_t cap = (rnd() % 2) ? n : rnd() % (n + 1);
        memset(dst, 0xA5, sizeof dst); memset(ref, 0xA5, sizeof ref);
        ipb64_progress got = KERNEL(src, n, dst, cap, flags);
        cases++;
        int bad;
        if (!(flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES))) {
            ipb64_progress want = model(src, n, ref, cap, flags);
            bad = got.consumed != want.consumed || got.written != want.written || memcmp(dst, ref, want.written) != 0;
        } else {
            long want = reference(src, got.consumed, ref, flags);
            bad = got.consumed > n || want < 0 || (size_t)want != got.written || memcmp(dst, ref, got.written) != 0;
            // Stopping in front of a whole clean block (with room for it) is a missed block.
            if (!bad && cap >= n && n - got.consumed >= BLOCK + 2) {
                size_t k = 0;
                while (k < BLOCK + 2 && sextet(flags & IPB64_FLAG_URL_SAFE, src[got.consumed + k]) >= 0) k++;
                if (k == BLOCK + 2) bad = 1;
            }
        }
        for (size_t i = cap; i < sizeof dst; i++) if (dst[i] != 0xA5) bad = 1;  // wrote past capacity
        if (bad && failures++ < 5) {
            fprintf(stderr, "mismatch: round %d n=%zu cap=%zu flags=%u got {%zu,%zu}\n",
                    round, n, cap, flags, got.consumed, got.written);
        }
    }
    printf("%s: %ld cases, %ld failures\n", KERNEL_NAME, cases, failures);
    return failures != 0;
}
