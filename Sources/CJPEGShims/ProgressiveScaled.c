// A progressive JPEG at 1/8 or 1/4 of its size, decoded here rather than by libjpeg, with
// libjpeg's pixels.
//
// libjpeg decodes a progressive file scan by scan into a whole-image buffer of coefficients (64
// two-byte values a block) and only then runs its inverse DCT. At a reduced size most of that
// buffer is never read: the scaled inverse DCTs use a few frequencies of each block. Here:
// - at 1/8 a full-resolution component (luma; all of them at 4:4:4) is one pixel a block, its DC
//   coefficient alone: its AC scans, which hold most of a file's bytes, are stepped over by their
//   markers without being decoded;
// - a component that libjpeg scales with a 2x2 or 4x4 inverse DCT (every component at 1/4; 4:2:0
//   chroma at 1/8) has its AC scans decoded (JPEG Annex G: first and refinement passes), keeping
//   only the frequencies that transform reads (25 or 49 of the 64); the refinement passes read
//   their correction bits many at a time, the coefficients found from bit masks;
// - then the same arithmetic as libjpeg's (jidctred.c's integer 2x2 and 4x4 transforms, its
//   range limiting, "fancy" h2v1 upsampling at 1/4 and replication at 1/8 as jdsample.c chooses,
//   the JFIF YCbCr equations in its fixed point), so the pixels are libjpeg's, bit for bit.
//
// Anything outside the common case (not Huffman progressive 8-bit, not 1 or 3 components,
// another sampling layout, DNL, a scan order libjpeg would warn about, coefficients left so
// incomplete that libjpeg would smooth the blocks, a damaged scan or marker that is decoded, a
// file without its EOI) returns IJPEG_FALLBACK before any pixel is written, and the caller decodes
// with libjpeg, which then reports damage as it always does. At 1/8 the luma AC scans are not
// decoded, so damage inside them goes unnoticed there (a full decode, `info --verify`, finds it).

#include "CJPEGShims.h"
#include "Segments.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PS_MAX_COMPONENTS = 3, PS_LOOKAHEAD = 10 };

/// Zigzag index to natural (row-major) index: the order coefficients are coded in (ITU T.81 A.3.6).
static const uint8_t ps_natural[64] = {
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55,
    62, 63
};

/// The rows and columns (frequencies) each scaled inverse DCT reads, as a position in the kept
/// square, -1 for the others: the 2x2 transform reads 0, 1, 3, 5, 7; the 4x4 one all but 4.
static const int8_t ps_kept_2[8] = {0, 1, -1, 2, -1, 3, -1, 4};
static const int8_t ps_kept_4[8] = {0, 1, 2, 3, -1, 4, 5, 6};

typedef struct {
    int defined;
    uint16_t lookup[1 << PS_LOOKAHEAD];  // (length << 8) | value; 0: the code is longer than the lookahead
    int32_t fast_ac[1 << PS_LOOKAHEAD];  // an AC table's symbol with its value bits, when both fit the
                                         // lookahead: value << 16 | run << 8 | bits in all; else 0
    int32_t maxcode[18];   // the largest code of each length, -1 when none
    int32_t valoffset[18]; // value index = code + valoffset[length]
    uint8_t values[256];
} ps_huffman;

typedef struct {
    int id, h, v, quant_index;
    uint16_t quant[64];    // natural order, latched at the component's first scan
    int latched;
    int coef_bits[64];     // libjpeg's progression state: -1 before any scan, else the last scan's Al
    int idct_size;         // libjpeg's scaled block size for this component: 1, 2 or 4
    int h_expand, v_expand;  // its upsampling to the output grid
    int downsampled_width; // its samples a row at the scaled size (libjpeg's downsampled_width)
    int side;              // of the kept square: 5 (2x2 transform) or 7 (4x4); 0 when only DC
    int8_t slot[64];       // zigzag index -> index in the block's kept coefficients; 0 (the DC's
                           // place, unused: DC values are in `dc`) for the others
    uint64_t kept_mask;    // zigzag bits of the kept AC coefficients
    int32_t kept_quant[49];  // the quantisation table in the kept square's order
    int blocks_wide, blocks_high;            // the padded (whole-MCU) block grid
    int width_in_blocks, height_in_blocks;   // the blocks a non-interleaved scan codes
    int16_t *dc;           // blocks_wide * blocks_high
    int16_t *ac;           // side * side a block (the DC's place unused), when side > 0
    uint64_t *nonzero;     // a block's coefficients that are nonzero so far, zigzag bits (refinement needs them)
} ps_component;

typedef struct {
    const uint8_t *data;
    size_t size, pos;
    uint64_t bits;         // MSB first
    int count;             // bits in `bits`
    int padding;           // of them, zeros supplied past a marker or the end of the data
    int at_marker;         // pos is at a marker (or the end): no more data bytes in this segment
} ps_bits;

typedef struct {
    ps_component components[PS_MAX_COMPONENTS];
    int component_count, width, height, max_h, max_v, mcus_wide, mcus_high;
    int min_size;          // the scaled block size of the largest components: 1 (1/8) or 2 (1/4)
    int restart_interval;
    uint16_t quant[4][64];
    int quant_defined[4];
    ps_huffman dc_tables[4], ac_tables[4];
} ps_frame;

// MARK: - Bits

static void ps_fill_slow(ps_bits *b) {
    while (b->count <= 56) {
        uint64_t byte = 0;
        if (!b->at_marker) {
            if (b->pos >= b->size) {
                b->at_marker = 1;
            } else if (b->data[b->pos] != 0xFF) {
                byte = b->data[b->pos++];
            } else if (b->pos + 1 < b->size && b->data[b->pos + 1] == 0x00) {
                byte = 0xFF;
                b->pos += 2;
            } else {
                b->at_marker = 1;  // pos stays on the marker's 0xFF
            }
        }
        if (b->at_marker) b->padding += 8;
        b->bits |= byte << (56 - b->count);
        b->count += 8;
    }
}

/// At least 49 bits in the buffer: eight bytes at a time when none of them is 0xFF (no
/// stuffing, no marker), else byte by byte.
static inline void ps_fill(ps_bits *b) {
    if (b->count > 48) return;
    if (!b->at_marker && b->pos + 8 <= b->size) {
        const uint8_t *p = b->data + b->pos;
        uint64_t word = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32
            | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | (uint64_t)p[7];
        uint64_t inverted = ~word;  // a 0xFF byte of word is a zero byte of inverted
        if (((inverted - 0x0101010101010101ull) & ~inverted & 0x8080808080808080ull) == 0) {
            int bytes = (63 - b->count) >> 3;
            b->bits |= (word >> (64 - 8 * bytes)) << (64 - b->count - 8 * bytes);
            b->pos += (size_t)bytes;
            b->count += 8 * bytes;
            return;
        }
    }
    ps_fill_slow(b);
}

/// `n` bits (1 to 32) as an unsigned number; the caller has filled.
static inline uint32_t ps_receive(ps_bits *b, int n) {
    uint32_t v = (uint32_t)(b->bits >> (64 - n));
    b->bits <<= n;
    b->count -= n;
    return v;
}

/// `s` bits read as a signed difference (T.81 F.2.2.1, EXTEND).
static inline int ps_extend(uint32_t v, int s) {
    return s == 0 ? 0 : v < (1u << (s - 1)) ? (int)v - (int)(1u << s) + 1 : (int)v;
}

/// A Huffman symbol; -1 for a code the table does not have. The caller has filled.
static inline int ps_decode(ps_bits *b, const ps_huffman *t) {
    unsigned entry = t->lookup[b->bits >> (64 - PS_LOOKAHEAD)];
    if (entry) {
        int length = (int)(entry >> 8);
        b->bits <<= length;
        b->count -= length;
        return (int)(entry & 0xFF);
    }
    for (int length = PS_LOOKAHEAD + 1; length <= 16; length++) {
        int32_t code = (int32_t)(b->bits >> (64 - length));
        if (code <= t->maxcode[length]) {
            b->bits <<= length;
            b->count -= length;
            return t->values[code + t->valoffset[length]];
        }
    }
    return -1;
}

/// Builds a table from a DHT's counts and values; 0 when the table is invalid.
static int ps_build(ps_huffman *t, const uint8_t *counts, const uint8_t *values, int total, int dc) {
    memset(t, 0, sizeof(*t));
    memcpy(t->values, values, (size_t)total);
    int32_t code = 0;
    int k = 0;
    for (int length = 1; length <= 16; length++) {
        t->valoffset[length] = k - code;
        for (int i = 0; i < counts[length - 1]; i++, k++, code++) {
            if (code >= (1 << length)) return 0;  // more codes than the length can hold
            if (dc && values[k] > 15) return 0;  // a DC difference has at most 15 bits
            if (length <= PS_LOOKAHEAD) {
                int shift = PS_LOOKAHEAD - length;
                for (int fill = 0; fill < (1 << shift); fill++) {
                    t->lookup[(code << shift) | fill] = (uint16_t)(length << 8 | values[k]);
                }
            }
        }
        t->maxcode[length] = counts[length - 1] ? code - 1 : -1;
        code <<= 1;
    }
    t->maxcode[17] = 0x7FFFFFFF;
    t->defined = 1;
    for (int i = 0; !dc && i < (1 << PS_LOOKAHEAD); i++) {
        int length = t->lookup[i] >> 8, run = (t->lookup[i] >> 4) & 15, bits = t->lookup[i] & 15;
        if (length == 0 || bits == 0 || length + bits > PS_LOOKAHEAD) continue;
        int value = ps_extend((uint32_t)(i >> (PS_LOOKAHEAD - length - bits)) & ((1u << bits) - 1), bits);
        t->fast_ac[i] = (int32_t)((uint32_t)value << 16 | (uint32_t)run << 8 | (uint32_t)(length + bits));
    }
    return 1;
}

/// Each byte with its bits in the opposite order.
static const uint8_t ps_reversed_byte[256] = {
#define PS_R2(n) n, n + 2 * 64, n + 1 * 64, n + 3 * 64
#define PS_R4(n) PS_R2(n), PS_R2(n + 2 * 16), PS_R2(n + 1 * 16), PS_R2(n + 3 * 16)
#define PS_R6(n) PS_R4(n), PS_R4(n + 2 * 4), PS_R4(n + 1 * 4), PS_R4(n + 3 * 4)
    PS_R6(0), PS_R6(2), PS_R6(1), PS_R6(3)
#undef PS_R6
#undef PS_R4
#undef PS_R2
};

static uint16_t ps_read16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/// The position of the next marker that is not a restart marker or a stuffed 0xFF, from `pos`.
static size_t ps_next_marker(const uint8_t *data, size_t size, size_t pos) {
    while ((pos = ijpeg_next_marker_byte(data, size, pos)) + 1 < size) {
        uint8_t next = data[pos + 1];
        if ((next >= 0xD0 && next <= 0xD7) || next == 0xFF) {
            pos += next == 0xFF ? 1 : 2;  // a fill byte may precede the marker
            continue;
        }
        return pos;
    }
    return size;
}

// MARK: - Scans

/// A scan's parameters.
typedef struct {
    ps_component *members[PS_MAX_COMPONENTS];
    int tables[PS_MAX_COMPONENTS];  // DC tables for a DC scan, the AC table for an AC scan
    int count, ss, se, ah, al;
} ps_scan_header;

/// libjpeg's progression check for a scan (jdphuff.c's start of pass): 0 where it would warn
/// (an AC scan before the component's DC, a refinement that does not follow its first pass).
static int ps_progression(const ps_scan_header *scan) {
    for (int i = 0; i < scan->count; i++) {
        int *bits = scan->members[i]->coef_bits;
        if (scan->ss > 0 && bits[0] < 0) return 0;
        for (int k = scan->ss; k <= scan->se; k++) {
            if (scan->ah != (bits[k] < 0 ? 0 : bits[k])) return 0;
            bits[k] = scan->al;
        }
    }
    return 1;
}

/// The scan decoders, compiled once for the baseline instruction set and, on x86-64, once with
/// BMI2 and POPCNT (bit deposit and population count: the refinement passes' bookkeeping in a
/// few instructions); every tier decodes the same coefficients.
#define PS_TIER portable
#define PS_TARGET
#define PS_BMI2 0
#include "ProgressiveScan.h"
#undef PS_TIER
#undef PS_TARGET
#undef PS_BMI2
#if defined(__x86_64__)
#include <immintrin.h>
#define PS_TIER bmi2
#define PS_TARGET __attribute__((target("bmi,bmi2,popcnt")))
#define PS_BMI2 1
#include "ProgressiveScan.h"
#undef PS_TIER
#undef PS_TARGET
#undef PS_BMI2
#endif

typedef int (*ps_scan_function)(ps_frame *, const uint8_t *, size_t, size_t *, const ps_scan_header *);

/// The scan decoder for this CPU: BMI2's where its bit deposit is fast (not AMD's family 17h,
/// Zen to Zen 2, where it is microcoded and slower than the portable loops).
static ps_scan_function ps_best_scan(int portable) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!portable && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt") && !__builtin_cpu_is("amdfam17h")) {
        return ps_scan_bmi2;
    }
#endif
    (void)portable;
    return ps_scan_portable;
}

// MARK: - Inverse DCT (jidctred.c's arithmetic: 13 fractional bits, 2 more kept between passes)

/// libjpeg's range limiting after the inverse DCT: the sample centred on 128, clamped, with its
/// table's wrap-around for values no real image reaches (index masked to 10 bits).
static inline uint8_t ps_limit(long value) {
    unsigned index = (unsigned)value & 1023;
    return index < 128 ? (uint8_t)(index + 128) : index < 512 ? 255 : index < 896 ? 0 : (uint8_t)(index - 896);
}

static inline long ps_descale(long value, int bits) { return (value + (1L << (bits - 1))) >> bits; }

// libjpeg-turbo's SIMD versions of these transforms (the ones it runs on x86-64 and Arm) keep
// dequantised coefficients and the values between passes in 16 bits and sums in 32, and
// saturate the output, where the C versions keep more bits and wrap through the range-limit
// table. Both agree while every value fits, as in any real image; a block that strays outside
// (only crafted coefficients do) makes the decode decline to libjpeg, so the pixels are always
// libjpeg's, whichever it runs. Each check below is nonzero when the value does not fit.
#define PS_OUTSIDE16(v) ((unsigned long)((v) + 32768L) >> 16)
#define PS_OUTSIDE32(v) ((unsigned long)((v) + 2147483648L) >> 32)
#define PS_OUTSIDE_OUTPUT(v) ((unsigned long)((v) + 512L) >> 10)  // +-512: there the table clamps too

static inline uint8_t ps_clamp_sample(long value) {
    value += 128;
    return (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
}

/// A block's kept coefficients dequantised, the DC's place from `dc`; nonzero when one does not
/// fit 16 bits.
static inline unsigned long ps_dequantise(const ps_component *c, const int16_t *kept, int16_t dc, long *z) {
    const int count = c->side * c->side;
    unsigned long outside = 0;
    z[0] = (long)dc * c->kept_quant[0];
    for (int i = 1; i < count; i++) z[i] = (long)kept[i] * c->kept_quant[i];
    for (int i = 0; i < count; i++) outside |= PS_OUTSIDE16(z[i]);
    return outside;
}

/// 2x2 pixels from one block (jpeg_idct_2x2): rows and columns 0, 1, 3, 5, 7 (kept positions 0
/// to 4). 0 when a value does not fit (above).
static int ps_idct_2x2(const ps_component *c, const int16_t *kept, int16_t dc, uint8_t *out, size_t stride) {
    long z[25], work[2][5];
    unsigned long outside = ps_dequantise(c, kept, dc, z);
    for (int column = 0; column < 5; column++) {
        long even = z[column] * (1L << 15);
        // FIX(0.720959822), FIX(0.850430095), FIX(1.272758580), FIX(3.624509785) on rows 7, 5, 3, 1
        long odd = z[20 + column] * -5906 + z[15 + column] * 6967 + z[10 + column] * -10426 + z[5 + column] * 29692;
        outside |= PS_OUTSIDE32(even + odd) | PS_OUTSIDE32(even - odd);
        work[0][column] = ps_descale(even + odd, 13);
        work[1][column] = ps_descale(even - odd, 13);
        outside |= PS_OUTSIDE16(work[0][column]) | PS_OUTSIDE16(work[1][column]);
    }
    for (int row = 0; row < 2; row++) {
        const long *w = work[row];
        long even = w[0] * (1L << 15);
        long odd = w[4] * -5906 + w[3] * 6967 + w[2] * -10426 + w[1] * 29692;
        long left = ps_descale(even + odd, 20), right = ps_descale(even - odd, 20);
        outside |= PS_OUTSIDE32(even + odd) | PS_OUTSIDE32(even - odd) | PS_OUTSIDE_OUTPUT(left) | PS_OUTSIDE_OUTPUT(right);
        out[row * stride] = ps_clamp_sample(left);
        out[row * stride + 1] = ps_clamp_sample(right);
    }
    return outside == 0;
}

/// 4x4 pixels from one block (jpeg_idct_4x4): every row and column but 4 (kept positions 0 to
/// 6 for frequencies 0, 1, 2, 3, 5, 6, 7). 0 when a value does not fit (above).
static int ps_idct_4x4(const ps_component *c, const int16_t *kept, int16_t dc, uint8_t *out, size_t stride) {
    long z[49], work[4][7];
    unsigned long outside = ps_dequantise(c, kept, dc, z);
    for (int column = 0; column < 7; column++) {
        const long *x = z + column;  // x[7 * p]: kept row p
        long tmp0 = x[0] * (1L << 14);
        long tmp2 = x[14] * 15137 + x[35] * -6270;  // FIX(1.847759065), -FIX(0.765366865) on rows 2, 6
        long tmp10 = tmp0 + tmp2, tmp12 = tmp0 - tmp2;
        // Rows 7, 5, 3, 1: 0.211164243, 1.451774981, 2.172734803, 1.061594337 and
        // 0.509795579, 0.601344887, 0.899976223, 2.562915447.
        long odd0 = x[42] * -1730 + x[28] * 11893 + x[21] * -17799 + x[7] * 8697;
        long odd2 = x[42] * -4176 + x[28] * -4926 + x[21] * 7373 + x[7] * 20995;
        outside |= PS_OUTSIDE32(tmp10 + odd2) | PS_OUTSIDE32(tmp10 - odd2) | PS_OUTSIDE32(tmp12 + odd0) | PS_OUTSIDE32(tmp12 - odd0);
        work[0][column] = ps_descale(tmp10 + odd2, 12);
        work[3][column] = ps_descale(tmp10 - odd2, 12);
        work[1][column] = ps_descale(tmp12 + odd0, 12);
        work[2][column] = ps_descale(tmp12 - odd0, 12);
        for (int row = 0; row < 4; row++) outside |= PS_OUTSIDE16(work[row][column]);
    }
    for (int row = 0; row < 4; row++) {
        const long *w = work[row];
        long tmp0 = w[0] * (1L << 14);
        long tmp2 = w[2] * 15137 + w[5] * -6270;
        long tmp10 = tmp0 + tmp2, tmp12 = tmp0 - tmp2;
        long odd0 = w[6] * -1730 + w[4] * 11893 + w[3] * -17799 + w[1] * 8697;
        long odd2 = w[6] * -4176 + w[4] * -4926 + w[3] * 7373 + w[1] * 20995;
        long values[4] = {ps_descale(tmp10 + odd2, 19), ps_descale(tmp12 + odd0, 19), ps_descale(tmp12 - odd0, 19), ps_descale(tmp10 - odd2, 19)};
        outside |= PS_OUTSIDE32(tmp10 + odd2) | PS_OUTSIDE32(tmp10 - odd2) | PS_OUTSIDE32(tmp12 + odd0) | PS_OUTSIDE32(tmp12 - odd0);
        uint8_t *o = out + row * stride;
        for (int i = 0; i < 4; i++) {
            outside |= PS_OUTSIDE_OUTPUT(values[i]);
            o[i] = ps_clamp_sample(values[i]);
        }
    }
    return outside == 0;
}

/// A component's samples at its scaled size: `idct_size` squared a block; NULL when memory is
/// short or a block does not fit the transforms' ranges (then the file is declined).
static uint8_t *ps_plane(const ps_component *c) {
    int n = c->idct_size;
    size_t wide = (size_t)c->blocks_wide * n;
    uint8_t *plane = malloc(wide * (size_t)c->blocks_high * n);
    if (!plane) return NULL;
    for (int by = 0; by < c->blocks_high; by++) {
        for (int bx = 0; bx < c->blocks_wide; bx++) {
            size_t block = (size_t)by * c->blocks_wide + bx;
            uint8_t *out = plane + (size_t)by * n * wide + (size_t)bx * n;
            if (n == 1) {
                *out = ps_limit(ps_descale((long)c->dc[block] * c->quant[0], 3));  // jpeg_idct_1x1
            } else {
                const int16_t *kept = c->ac + block * (size_t)(c->side * c->side);
                if (!(n == 2 ? ps_idct_2x2 : ps_idct_4x4)(c, kept, c->dc[block], out, wide)) {
                    free(plane);
                    return NULL;
                }
            }
        }
    }
    return plane;
}

/// One row of a component on the output grid: replicated (libjpeg at 1/8, where "fancy"
/// upsampling is off), or h2v1 fancy-upsampled (at 1/4: 3/4 of the nearer sample and 1/4 of
/// the further, rounding alternately up and down; jdsample.c's h2v1_fancy_upsample).
static void ps_upsample_row(const ps_component *c, const uint8_t *in, uint8_t *out, int out_width, int fancy) {
    if (c->h_expand == 1) {
        memcpy(out, in, (size_t)out_width);
        return;
    }
    int width = c->downsampled_width;
    if (fancy && c->h_expand == 2 && width > 2) {
        uint8_t *o = out;
        o[0] = in[0];
        o[1] = (uint8_t)((in[0] * 3 + in[1] + 2) >> 2);
        o += 2;
        for (int i = 1; i < width - 1; i++, o += 2) {
            int value = in[i] * 3;
            o[0] = (uint8_t)((value + in[i - 1] + 1) >> 2);
            o[1] = (uint8_t)((value + in[i + 1] + 2) >> 2);
        }
        o[0] = (uint8_t)((in[width - 1] * 3 + in[width - 2] + 1) >> 2);
        o[1] = in[width - 1];
        return;
    }
    for (int x = 0; x < out_width; x++) out[x] = in[x / c->h_expand];
}

/// The image from the components' planes: each row upsampled to the output grid, then converted.
static int ps_render(ps_frame *f, uint8_t *pixels, int out_width, int out_height, int channels, int ycbcr) {
    uint8_t *planes[PS_MAX_COMPONENTS] = {NULL};
    // A row of each component on the output grid (h2v1 upsampling writes 2 x its samples, at
    // most one past the output's width).
    const size_t row_size = (size_t)out_width + 2;
    uint8_t *rows = malloc((size_t)PS_MAX_COMPONENTS * row_size);
    int status = rows != NULL;
    for (int i = 0; i < f->component_count && status; i++) {
        ps_component *c = &f->components[i];
        // The quantisation table (latched at the component's first scan) in the kept order.
        const int8_t *map = c->idct_size == 2 ? ps_kept_2 : ps_kept_4;
        for (int row = 0; c->side && row < 8; row++) {
            for (int column = 0; column < 8; column++) {
                if (map[row] >= 0 && map[column] >= 0) c->kept_quant[map[row] * c->side + map[column]] = c->quant[row * 8 + column];
            }
        }
        planes[i] = ps_plane(c);
        if (!planes[i]) status = 0;
    }
    if (status) {
        // libjpeg's fixed point for the JFIF equations (16 fractional bits).
        const long one_half = 1L << 15;
        const long cr_r = 91881, cb_b = 116130, cb_g = -22554, cr_g = -46802;  // 1.402, 1.772, -0.34414, -0.71414
        int fancy = f->min_size > 1;
        for (int y = 0; y < out_height; y++) {
            const uint8_t *samples[PS_MAX_COMPONENTS];
            for (int i = 0; i < f->component_count; i++) {
                ps_component *c = &f->components[i];
                const uint8_t *in = planes[i] + (size_t)(y / c->v_expand) * (size_t)c->blocks_wide * c->idct_size;
                uint8_t *row = rows + (size_t)i * row_size;
                ps_upsample_row(c, in, row, out_width, fancy);
                samples[i] = row;
            }
            uint8_t *out = pixels + (size_t)y * out_width * channels;
            if (channels == 1) {
                memcpy(out, samples[0], (size_t)out_width);
                continue;
            }
            const uint8_t *luma = samples[0], *second = samples[1], *third = samples[2];
            for (int x = 0; x < out_width; x++) {
                if (ycbcr) {
                    long l = luma[x], cb = second[x] - 128, cr = third[x] - 128;
                    long r = l + ((cr_r * cr + one_half) >> 16);
                    long g = l + ((cb_g * cb + cr_g * cr + one_half) >> 16);
                    long b = l + ((cb_b * cb + one_half) >> 16);
                    out[3 * x] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
                    out[3 * x + 1] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
                    out[3 * x + 2] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
                } else {
                    out[3 * x] = luma[x]; out[3 * x + 1] = second[x]; out[3 * x + 2] = third[x];
                }
            }
        }
    }
    for (int i = 0; i < PS_MAX_COMPONENTS; i++) free(planes[i]);
    free(rows);
    return status;
}

// MARK: - Headers

/// The frame header (SOF2) and the layout libjpeg chooses at this scale; 0 for a frame this
/// does not take.
static int ps_frame_header(ps_frame *f, const uint8_t *segment, size_t segment_size) {
    if (segment_size < 6 || segment[0] != 8) return 0;
    f->height = ps_read16(segment + 1);
    f->width = ps_read16(segment + 3);
    f->component_count = segment[5];
    if (f->width == 0 || f->height == 0) return 0;  // DNL
    if ((f->component_count != 1 && f->component_count != 3) || segment_size != 6 + 3 * (size_t)f->component_count) return 0;
    f->max_h = f->max_v = 1;
    for (int i = 0; i < f->component_count; i++) {
        ps_component *c = &f->components[i];
        c->id = segment[6 + 3 * i];
        c->h = segment[7 + 3 * i] >> 4;
        c->v = segment[7 + 3 * i] & 15;
        c->quant_index = segment[8 + 3 * i];
        if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4 || c->quant_index > 3) return 0;
        if (c->h > f->max_h) f->max_h = c->h;
        if (c->v > f->max_v) f->max_v = c->v;
    }
    f->mcus_wide = (f->width + 8 * f->max_h - 1) / (8 * f->max_h);
    f->mcus_high = (f->height + 8 * f->max_v - 1) / (8 * f->max_v);
    for (int i = 0; i < f->component_count; i++) {
        ps_component *c = &f->components[i];
        if (f->max_h % c->h || f->max_v % c->v) return 0;
        // libjpeg's choice (jdmaster.c): a subsampled component gets a larger inverse DCT, so
        // that it needs less upsampling, while both its ratios stay even.
        int size = f->min_size;
        while (size < 8 && (f->max_h * f->min_size) % (c->h * size * 2) == 0 && (f->max_v * f->min_size) % (c->v * size * 2) == 0) size *= 2;
        if (size > 4) return 0;
        c->idct_size = size;
        c->h_expand = f->max_h * f->min_size / (c->h * size);
        c->v_expand = f->max_v * f->min_size / (c->v * size);
        if (c->h_expand * c->h * size != f->max_h * f->min_size || c->v_expand * c->v * size != f->max_v * f->min_size) return 0;
        // At 1/8 samples are replicated (up to 4x); at 1/4 only h2v1 (fancy) is taken.
        if (f->min_size == 1 ? c->h_expand > 4 || c->v_expand > 4 : c->v_expand != 1 || c->h_expand > 2) return 0;
        c->downsampled_width = (int)(((long)f->width * c->h * size + 8L * f->max_h - 1) / (8L * f->max_h));
        c->width_in_blocks = (int)(((long)f->width * c->h + 8L * f->max_h - 1) / (8L * f->max_h));
        c->height_in_blocks = (int)(((long)f->height * c->v + 8L * f->max_v - 1) / (8L * f->max_v));
        c->blocks_wide = f->mcus_wide * c->h;
        c->blocks_high = f->mcus_high * c->v;
        for (int k = 0; k < 64; k++) c->coef_bits[k] = -1;
        memset(c->slot, 0, sizeof(c->slot));
        size_t blocks = (size_t)c->blocks_wide * c->blocks_high;
        c->dc = calloc(blocks, sizeof(int16_t));
        if (!c->dc) return 0;
        if (size > 1) {
            const int8_t *map = size == 2 ? ps_kept_2 : ps_kept_4;
            c->side = size == 2 ? 5 : 7;
            for (int k = 1; k < 64; k++) {
                int row = ps_natural[k] >> 3, column = ps_natural[k] & 7;
                if (map[row] >= 0 && map[column] >= 0) {
                    c->slot[k] = (int8_t)(map[row] * c->side + map[column]);
                    c->kept_mask |= 1ull << k;
                }
            }
            c->ac = calloc(blocks * (size_t)(c->side * c->side), sizeof(int16_t));
            c->nonzero = calloc(blocks, sizeof(uint64_t));
            if (!c->ac || !c->nonzero) return 0;
        }
    }
    return 1;
}

/// The scan header (SOS) checked against the frame; 0 when this does not take it.
static int ps_scan_header_read(ps_frame *f, const uint8_t *segment, size_t segment_size, ps_scan_header *scan) {
    scan->count = segment_size ? segment[0] : 0;
    if (scan->count < 1 || scan->count > f->component_count || segment_size != 4 + 2 * (size_t)scan->count) return 0;
    scan->ss = segment[1 + 2 * scan->count];
    scan->se = segment[2 + 2 * scan->count];
    scan->ah = segment[3 + 2 * scan->count] >> 4;
    scan->al = segment[3 + 2 * scan->count] & 15;
    if (scan->al > 13 || (scan->ah && scan->ah != scan->al + 1)) return 0;
    if (scan->ss == 0 ? scan->se != 0 : scan->se < scan->ss || scan->se > 63 || scan->count != 1) return 0;
    int blocks_per_mcu = 0;
    for (int i = 0; i < scan->count; i++) {
        int id = segment[1 + 2 * i];
        ps_component *c = NULL;
        for (int k = 0; k < f->component_count; k++) {
            if (f->components[k].id == id) c = &f->components[k];
        }
        if (!c) return 0;
        for (int k = 0; k < i; k++) if (scan->members[k] == c) return 0;
        scan->members[i] = c;
        scan->tables[i] = scan->ss == 0 ? segment[2 + 2 * i] >> 4 : segment[2 + 2 * i] & 15;
        if (scan->tables[i] > 3) return 0;
        blocks_per_mcu += scan->count == 1 ? 1 : c->h * c->v;
        if (!c->latched) {
            // libjpeg latches a component's quantisation table at its first scan.
            if (!f->quant_defined[c->quant_index]) return 0;
            memcpy(c->quant, f->quant[c->quant_index], sizeof(c->quant));
            c->latched = 1;
        }
        if (scan->ss == 0 && scan->ah == 0 && !f->dc_tables[scan->tables[i]].defined) return 0;
        if (scan->ss > 0 && c->idct_size > 1 && !f->ac_tables[scan->tables[i]].defined) return 0;
    }
    return blocks_per_mcu <= 10 && ps_progression(scan);
}

static int ps_decode_file(ps_frame *f, const uint8_t *data, size_t size, uint8_t *pixels, int out_width, int out_height,
                          int channels, int color_space, int max_scans, int portable, char *message, size_t message_size, size_t *offset) {
    const ps_scan_function decode_scan = ps_best_scan(portable);
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return IJPEG_FALLBACK;
    size_t pos = 2;
    int saw_frame = 0, scans = 0;
    for (;;) {
        ijpeg_segment next;
        if (!ijpeg_next_segment(data, size, &pos, &next)) return IJPEG_FALLBACK;
        int marker = next.marker;
        if (marker == 0xD9) break;  // EOI
        if (next.offset == 0) return IJPEG_FALLBACK;  // SOI, RSTn, TEM out of place
        const uint8_t *segment = data + next.offset;
        size_t segment_size = next.size;
        if (marker == 0xC2) {  // SOF2: progressive, Huffman
            if (saw_frame || !ps_frame_header(f, segment, segment_size)) return IJPEG_FALLBACK;
            int scale = 8 / f->min_size;
            if ((f->width + scale - 1) / scale != out_width || (f->height + scale - 1) / scale != out_height) return IJPEG_FALLBACK;
            saw_frame = 1;
        } else if (marker == 0xC4) {  // DHT: one or more tables
            size_t p = 0;
            while (p < segment_size) {
                if (p + 17 > segment_size) return IJPEG_FALLBACK;
                int klass = segment[p] >> 4, index = segment[p] & 15, total = 0;
                for (int i = 0; i < 16; i++) total += segment[p + 1 + i];
                if (index > 3 || klass > 1 || total > 256 || p + 17 + (size_t)total > segment_size) return IJPEG_FALLBACK;
                ps_huffman *t = klass == 0 ? &f->dc_tables[index] : &f->ac_tables[index];
                if (!ps_build(t, segment + p + 1, segment + p + 17, total, klass == 0)) return IJPEG_FALLBACK;
                p += 17 + (size_t)total;
            }
        } else if (marker == 0xDB) {  // DQT
            size_t p = 0;
            while (p < segment_size) {
                int precision = segment[p] >> 4, index = segment[p] & 15;
                size_t table_size = precision ? 128 : 64;
                if (index > 3 || precision > 1 || p + 1 + table_size > segment_size) return IJPEG_FALLBACK;
                for (int k = 0; k < 64; k++) {
                    f->quant[index][ps_natural[k]] = precision ? ps_read16(segment + p + 1 + 2 * k) : segment[p + 1 + k];
                }
                f->quant_defined[index] = 1;
                p += 1 + table_size;
            }
        } else if (marker == 0xDD) {  // DRI
            if (segment_size != 2) return IJPEG_FALLBACK;
            f->restart_interval = ps_read16(segment);
        } else if (marker == 0xDA) {  // SOS
            if (!saw_frame) return IJPEG_FALLBACK;
            if (max_scans > 0 && ++scans > max_scans) {
                if (message && message_size > 0) {
                    snprintf(message, message_size, "more than %d progressive scans (a JPEG made to cost CPU time; the limit is --max-scans)", max_scans);
                }
                *offset = pos;
                return IJPEG_TOO_MANY_SCANS;
            }
            ps_scan_header scan;
            if (!ps_scan_header_read(f, segment, segment_size, &scan)) return IJPEG_FALLBACK;
            if (scan.ss > 0 && scan.members[0]->idct_size == 1) {
                pos = ps_next_marker(data, size, pos);  // AC the 1x1 inverse DCT does not use
                if (pos >= size) return IJPEG_FALLBACK;
            } else if (!decode_scan(f, data, size, &pos, &scan)) {
                return IJPEG_FALLBACK;
            }
        } else if (!(marker >= 0xE0 && marker <= 0xEF) && marker != 0xFE) {
            return IJPEG_FALLBACK;  // another frame type (baseline, arithmetic...), DAC, DNL, a marker libjpeg refuses
        }  // else APPn, COM: skipped
    }
    if (!saw_frame) return IJPEG_FALLBACK;
    for (int i = 0; i < f->component_count; i++) {
        // libjpeg smooths blocks whose first AC coefficients are incomplete (jdcoefct.c): not
        // done here. A DC scan missing altogether is an error it reports.
        for (int k = 0; k < 10; k++) {
            if (f->components[i].coef_bits[k] != 0) return IJPEG_FALLBACK;
        }
    }
    int ycbcr = f->component_count == 3 && color_space == 3;
    if (f->component_count == 3 && !ycbcr && color_space != 2) return IJPEG_FALLBACK;
    if (channels != (f->component_count == 1 ? 1 : 3)) return IJPEG_FALLBACK;
    if (!ps_render(f, pixels, out_width, out_height, channels, ycbcr)) return IJPEG_FALLBACK;
    *offset = pos;
    return IJPEG_OK;
}

int ijpeg_decode_progressive_scaled(
    const uint8_t *data, size_t size, int denominator, uint8_t *pixels, int out_width, int out_height, int channels,
    int color_space, int max_scans, int portable, char *message, size_t message_size, size_t *offset
) {
    *offset = 0;
    if (message && message_size > 0) message[0] = 0;
    if (denominator != 8 && denominator != 4) return IJPEG_FALLBACK;
    ps_frame *frame = calloc(1, sizeof(ps_frame));
    if (!frame) return IJPEG_FALLBACK;
    frame->min_size = 8 / denominator;
    int status = ps_decode_file(frame, data, size, pixels, out_width, out_height, channels, color_space, max_scans, portable, message, message_size, offset);
    for (int i = 0; i < PS_MAX_COMPONENTS; i++) {
        free(frame->components[i].dc);
        free(frame->components[i].ac);
        free(frame->components[i].nonzero);
    }
    free(frame);
    return status;
}
