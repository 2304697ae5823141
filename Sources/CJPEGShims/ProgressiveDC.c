// A progressive JPEG's 1/8-scale image without decoding its luma AC scans.
//
// At 1/8 scale libjpeg makes each full-resolution block one pixel with a 1x1 inverse DCT: the DC
// coefficient alone. A progressive file keeps the DC coefficients in scans of their own (Ss = 0),
// and the luma AC scans that follow carry most of its bytes; at 1/8 they are not needed, so they
// are stepped over by looking for the marker that ends each, without Huffman decoding. libjpeg
// decodes every scan into a whole-image coefficient buffer (two bytes a sample) before it gives
// a row; here the DC values take 1/64 of that.
//
// What libjpeg does at 1/8, and so what this does:
// - a component at full resolution (luma; every component at 4:4:4): its DC, dequantised,
//   divided by 8 with rounding, centred on 128;
// - a component subsampled 2x both ways (4:2:0 chroma): libjpeg scales it with a 2x2 inverse DCT
//   instead of upsampling, and that needs AC coefficients, so this component's AC scans are
//   decoded (first and refinement passes, JPEG Annex G) and each 2x2 output is the average of the
//   8x8 inverse DCT over the block's quarter (the odd frequencies 1, 3, 5, 7 and the DC), computed
//   in floating point (libjpeg's fixed point may round a sample one the other way);
// - other subsampling (4:2:2, 4:4:0, 4:1:1): the DC samples replicated (libjpeg turns "fancy"
//   upsampling off when the scaled block is one pixel);
// - then YCbCr to RGB with the JFIF equations in libjpeg's fixed point.
//
// Anything outside the common case (not Huffman progressive 8-bit, not 1 or 3 components,
// another sampling layout, DNL, a damaged scan or marker that is decoded, a file without its EOI)
// returns IJPEG_FALLBACK before any pixel is written, and the caller decodes with libjpeg, which
// then reports damage as it always does. The luma AC scans are not decoded, so damage inside them
// goes unnoticed here (a full decode, `info --verify`, finds it).
#include "CJPEGShims.h"
#include "Segments.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PD_MAX_COMPONENTS = 3, PD_LOOKAHEAD = 9, PD_KEPT = 25 };

/// Zigzag index to natural (row-major) index: the order coefficients are coded in (ITU T.81 A.3.6).
static const uint8_t pd_natural[64] = {
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55,
    62, 63
};

/// The frequencies a quarter-block average depends on: 0 and the odd ones (an even frequency
/// above 0 averages to zero over each half of the block). -1 for the others.
static const int8_t pd_kept_index[8] = {0, 1, -1, 2, -1, 3, -1, 4};
static const int pd_kept_frequency[5] = {0, 1, 3, 5, 7};

typedef struct {
    int defined;
    uint8_t lookup_length[1 << PD_LOOKAHEAD];  // 0: the code is longer than the lookahead
    uint8_t lookup_value[1 << PD_LOOKAHEAD];
    int32_t maxcode[18];   // the largest code of each length, -1 when none
    int32_t valoffset[18]; // value index = code + valoffset[length]
    uint8_t values[256];
} pd_huffman;

typedef struct {
    int id, h, v, quant_index;
    uint16_t quant[64];    // natural order, latched at the component's first scan
    int latched;
    int has_dc;            // a DC first scan has been seen
    int idct_size;         // libjpeg's scaled block size at 1/8: 1, or 2 for a 2x2-subsampled component
    int blocks_wide, blocks_high;            // the padded (whole-MCU) block grid
    int width_in_blocks, height_in_blocks;   // the blocks a non-interleaved scan codes
    int16_t *dc;           // blocks_wide * blocks_high
    int16_t *ac;           // idct_size 2: PD_KEPT coefficients a block, [row 0,1,3,5,7][column 0,1,3,5,7]
    uint64_t *nonzero;     // idct_size 2: which of the 64 coefficients are nonzero (refinement needs it)
} pd_component;

typedef struct {
    const uint8_t *data;
    size_t size, pos;
    uint64_t bits;         // MSB first
    int count;             // bits in `bits`
    int padding;           // of them, zeros supplied past a marker or the end of the data
    int at_marker;         // pos is at a marker (or the end): no more data bytes in this segment
    int damaged;           // a padding bit was used: the segment ended early
} pd_bits;

typedef struct {
    pd_component components[PD_MAX_COMPONENTS];
    int component_count, width, height, max_h, max_v, mcus_wide, mcus_high;
    int restart_interval;
    uint16_t quant[4][64];
    int quant_defined[4];
    pd_huffman dc_tables[4], ac_tables[4];
} pd_frame;

static void pd_fill(pd_bits *b) {
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

static unsigned pd_peek(const pd_bits *b, int n) { return n ? (unsigned)(b->bits >> (64 - n)) : 0; }

static void pd_consume(pd_bits *b, int n) {
    b->bits <<= n;
    b->count -= n;
    if (b->count < b->padding) {
        b->damaged = 1;
        b->padding = b->count;
    }
}

/// `n` bits (at most 16) as an unsigned number; the caller has filled.
static unsigned pd_receive(pd_bits *b, int n) {
    unsigned v = pd_peek(b, n);
    pd_consume(b, n);
    return v;
}

/// `s` bits read as a signed difference (T.81 F.2.2.1, EXTEND).
static int pd_extend(unsigned v, int s) {
    return s == 0 ? 0 : v < (1u << (s - 1)) ? (int)v - (int)(1u << s) + 1 : (int)v;
}

static int pd_decode_symbol(pd_bits *b, const pd_huffman *t) {
    unsigned look = pd_peek(b, PD_LOOKAHEAD);
    int length = t->lookup_length[look];
    if (length) {
        pd_consume(b, length);
        return t->lookup_value[look];
    }
    for (length = PD_LOOKAHEAD + 1; length <= 16; length++) {
        int32_t code = (int32_t)pd_peek(b, length);
        if (code <= t->maxcode[length]) {
            pd_consume(b, length);
            return t->values[code + t->valoffset[length]];
        }
    }
    return -1;  // no such code
}

/// Builds a table from a DHT's counts and values; 0 when the table is invalid.
static int pd_build(pd_huffman *t, const uint8_t *counts, const uint8_t *values, int total, int dc) {
    memset(t, 0, sizeof(*t));
    memcpy(t->values, values, (size_t)total);
    int32_t code = 0;
    int k = 0;
    for (int length = 1; length <= 16; length++) {
        t->valoffset[length] = k - code;
        for (int i = 0; i < counts[length - 1]; i++, k++, code++) {
            if (code >= (1 << length)) return 0;  // more codes than the length can hold
            if (dc && values[k] > 15) return 0;  // a DC difference has at most 15 bits
            if (length <= PD_LOOKAHEAD) {
                int shift = PD_LOOKAHEAD - length;
                for (int fill = 0; fill < (1 << shift); fill++) {
                    t->lookup_length[(code << shift) | fill] = (uint8_t)length;
                    t->lookup_value[(code << shift) | fill] = values[k];
                }
            }
        }
        t->maxcode[length] = counts[length - 1] ? code - 1 : -1;
        code <<= 1;
    }
    t->maxcode[17] = 0x7FFFFFFF;
    t->defined = 1;
    return 1;
}

static uint16_t pd_read16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/// The position of the next marker that is not a restart marker or a stuffed 0xFF, from `pos`.
static size_t pd_next_marker(const uint8_t *data, size_t size, size_t pos) {
    while (pos + 1 < size) {
        const uint8_t *hit = memchr(data + pos, 0xFF, size - pos - 1);
        if (!hit) return size;
        pos = (size_t)(hit - data);
        uint8_t next = data[pos + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7) || next == 0xFF) {
            pos += next == 0xFF ? 1 : 2;  // a fill byte may precede the marker
            continue;
        }
        return pos;
    }
    return size;
}

/// A scan's parameters.
typedef struct {
    pd_component *members[PD_MAX_COMPONENTS];
    int tables[PD_MAX_COMPONENTS];  // DC tables for a DC scan, the AC table for an AC scan
    int count, ss, se, ah, al;
} pd_scan_header;

/// One block of an AC first scan (T.81 G.1.2.2): 0 when damaged.
static int pd_ac_first(pd_bits *b, const pd_huffman *t, const pd_scan_header *scan, int16_t *kept, uint64_t *nonzero, int *eobrun) {
    if (*eobrun > 0) { (*eobrun)--; return 1; }
    for (int k = scan->ss; k <= scan->se; k++) {
        pd_fill(b);
        int rs = pd_decode_symbol(b, t);
        if (rs < 0) return 0;
        int r = rs >> 4, s = rs & 15;
        if (s) {
            k += r;
            if (k > scan->se) return 0;
            int value = pd_extend(pd_receive(b, s), s);
            int natural = pd_natural[k];
            *nonzero |= 1ull << natural;
            int slot_row = pd_kept_index[natural >> 3], slot_column = pd_kept_index[natural & 7];
            if (slot_row >= 0 && slot_column >= 0) kept[slot_row * 5 + slot_column] = (int16_t)((unsigned)value << scan->al);
        } else if (r == 15) {
            k += 15;  // sixteen zeros
        } else {
            *eobrun = (1 << r) - 1 + (int)pd_receive(b, r);  // the blocks after this one that end at once
            break;
        }
    }
    return 1;
}

/// A correction bit for a nonzero coefficient (T.81 G.1.2.3).
static void pd_correct(pd_bits *b, int16_t *kept, int natural, int p1) {
    pd_fill(b);
    if (!pd_receive(b, 1)) return;
    int slot_row = pd_kept_index[natural >> 3], slot_column = pd_kept_index[natural & 7];
    if (slot_row < 0 || slot_column < 0) return;
    int16_t *c = &kept[slot_row * 5 + slot_column];
    if ((*c & p1) == 0) *c = (int16_t)(*c >= 0 ? *c + p1 : *c - p1);
}

/// One block of an AC refinement scan (T.81 G.1.2.3): 0 when damaged.
static int pd_ac_refine(pd_bits *b, const pd_huffman *t, const pd_scan_header *scan, int16_t *kept, uint64_t *nonzero, int *eobrun) {
    int p1 = 1 << scan->al, k = scan->ss;
    if (*eobrun == 0) {
        for (; k <= scan->se; k++) {
            pd_fill(b);
            int rs = pd_decode_symbol(b, t);
            if (rs < 0) return 0;
            int r = rs >> 4, s = rs & 15, value = 0;
            if (s) {
                if (s != 1) return 0;
                value = pd_receive(b, 1) ? p1 : -p1;
            } else if (r != 15) {
                *eobrun = (1 << r) + (int)pd_receive(b, r);
                break;
            }
            // Step over r zero coefficients (correcting the nonzero ones met), to the new one.
            for (; k <= scan->se; k++) {
                int natural = pd_natural[k];
                if (*nonzero >> natural & 1) {
                    pd_correct(b, kept, natural, p1);
                } else if (r-- == 0) {
                    break;
                }
            }
            if (value) {
                if (k > scan->se) return 0;
                int natural = pd_natural[k];
                *nonzero |= 1ull << natural;
                int slot_row = pd_kept_index[natural >> 3], slot_column = pd_kept_index[natural & 7];
                if (slot_row >= 0 && slot_column >= 0) kept[slot_row * 5 + slot_column] = (int16_t)value;
            }
        }
    }
    if (*eobrun > 0) {
        for (; k <= scan->se; k++) {
            int natural = pd_natural[k];
            if (*nonzero >> natural & 1) pd_correct(b, kept, natural, p1);
        }
        (*eobrun)--;
    }
    return 1;
}

/// One scan's entropy-coded data from `*pos` (a DC scan, or an AC scan of a 2x2 component);
/// 0 when damaged.
static int pd_scan(pd_frame *f, const uint8_t *data, size_t size, size_t *pos, const pd_scan_header *scan) {
    pd_bits b = {data, size, *pos, 0, 0, 0, 0, 0};
    int predictions[PD_MAX_COMPONENTS] = {0}, eobrun = 0;
    int single = scan->count == 1;
    int mcus_wide = single ? scan->members[0]->width_in_blocks : f->mcus_wide;
    int mcus_high = single ? scan->members[0]->height_in_blocks : f->mcus_high;
    long total = (long)mcus_wide * mcus_high, left_in_interval = f->restart_interval;
    int next_restart = 0;
    for (long mcu = 0; mcu < total; mcu++) {
        if (f->restart_interval && left_in_interval == 0) {
            // The restart marker, right after this interval's bits (fill bytes allowed).
            b.bits = 0; b.count = 0; b.padding = 0;
            size_t p = b.pos;
            while (p + 1 < size && data[p] == 0xFF && data[p + 1] == 0xFF) p++;
            if (p + 1 >= size || data[p] != 0xFF || data[p + 1] != 0xD0 + next_restart) return 0;
            b.pos = p + 2;
            b.at_marker = 0;
            next_restart = (next_restart + 1) & 7;
            left_in_interval = f->restart_interval;
            memset(predictions, 0, sizeof(predictions));
            eobrun = 0;
        }
        left_in_interval--;
        int mx = (int)(mcu % mcus_wide), my = (int)(mcu / mcus_wide);
        for (int c = 0; c < scan->count; c++) {
            pd_component *component = scan->members[c];
            int across = single ? 1 : component->h, down = single ? 1 : component->v;
            for (int y = 0; y < down; y++) {
                for (int x = 0; x < across; x++) {
                    size_t block = (size_t)(my * down + y) * component->blocks_wide + (size_t)(mx * across + x);
                    if (scan->ss > 0) {
                        int16_t *kept = component->ac + block * PD_KEPT;
                        uint64_t *nonzero = &component->nonzero[block];
                        const pd_huffman *t = &f->ac_tables[scan->tables[c]];
                        if (!(scan->ah ? pd_ac_refine : pd_ac_first)(&b, t, scan, kept, nonzero, &eobrun)) return 0;
                        continue;
                    }
                    pd_fill(&b);
                    int16_t *slot = &component->dc[block];
                    if (scan->ah) {
                        if (pd_receive(&b, 1)) *slot = (int16_t)(*slot | (1 << scan->al));
                    } else {
                        int s = pd_decode_symbol(&b, &f->dc_tables[scan->tables[c]]);
                        if (s < 0) return 0;
                        int diff = pd_extend(pd_receive(&b, s), s);
                        predictions[c] = (int)((unsigned)predictions[c] + (unsigned)diff);
                        *slot = (int16_t)((unsigned)predictions[c] << scan->al);
                    }
                }
            }
        }
        if (b.damaged) return 0;
    }
    // The scan ends at the next marker, after fill bytes and perhaps a restart marker; other
    // bytes between are damage libjpeg would warn about.
    size_t end = b.pos;
    while (end + 1 < size && data[end] == 0xFF && (data[end + 1] == 0xFF || (data[end + 1] >= 0xD0 && data[end + 1] <= 0xD7))) {
        end += data[end + 1] == 0xFF ? 1 : 2;
    }
    if (end + 1 >= size || data[end] != 0xFF || data[end + 1] == 0x00) return 0;
    *pos = end;
    return 1;
}

static uint8_t pd_clamp(long v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/// A component's samples at its 1/8 scaled size: one a block (its DC), or two by two.
static uint8_t *pd_plane(const pd_component *c) {
    int n = c->idct_size;
    size_t wide = (size_t)c->blocks_wide * n;
    uint8_t *plane = malloc(wide * (size_t)c->blocks_high * n);
    if (!plane) return NULL;
    // The average over a half of the block of the cosine of frequency u, cos((2x+1)u*pi/16) for
    // x in 0-3, times C(u) (1/sqrt(2) for u = 0) and the transform's 1/2; the other half has
    // the opposite sign for odd u.
    double half_average[5];
    for (int i = 0; i < 5; i++) {
        int u = pd_kept_frequency[i];
        double sum = 0;
        for (int x = 0; x < 4; x++) sum += cos((2 * x + 1) * u * M_PI / 16);
        half_average[i] = (u == 0 ? M_SQRT1_2 : 1.0) * 0.5 * sum / 4;
    }
    for (int by = 0; by < c->blocks_high; by++) {
        for (int bx = 0; bx < c->blocks_wide; bx++) {
            size_t block = (size_t)by * c->blocks_wide + bx;
            if (n == 1) {
                long value = ((long)c->dc[block] * c->quant[0] + 4) >> 3;  // the 1x1 inverse DCT
                plane[block] = pd_clamp(value + 128);
                continue;
            }
            double f[5][5];
            const int16_t *kept = c->ac + block * PD_KEPT;
            for (int row = 0; row < 5; row++) {
                for (int column = 0; column < 5; column++) {
                    int natural = pd_kept_frequency[row] * 8 + pd_kept_frequency[column];
                    double coefficient = row == 0 && column == 0 ? c->dc[block] : kept[row * 5 + column];
                    f[row][column] = coefficient * c->quant[natural];
                }
            }
            for (int qy = 0; qy < 2; qy++) {
                for (int qx = 0; qx < 2; qx++) {
                    double sum = 0;
                    for (int row = 0; row < 5; row++) {
                        double vertical = half_average[row] * (qy && row ? -1 : 1);
                        for (int column = 0; column < 5; column++) {
                            double horizontal = half_average[column] * (qx && column ? -1 : 1);
                            sum += f[row][column] * vertical * horizontal;
                        }
                    }
                    plane[(size_t)(by * 2 + qy) * wide + (size_t)(bx * 2 + qx)] = pd_clamp(lround(sum) + 128);
                }
            }
        }
    }
    return plane;
}

/// The 1/8 image from the components' planes: replicated to the output grid, then converted.
static int pd_render(pd_frame *f, uint8_t *pixels, int out_width, int out_height, int channels, int ycbcr) {
    uint8_t *planes[PD_MAX_COMPONENTS] = {NULL};
    int status = 1;
    for (int i = 0; i < f->component_count && status; i++) {
        planes[i] = pd_plane(&f->components[i]);
        if (!planes[i]) status = 0;
    }
    if (status) {
        // libjpeg's fixed point for the JFIF equations (16 fractional bits).
        const long one_half = 1L << 15;
        const long cr_r = 91881, cb_b = 116130, cb_g = -22554, cr_g = -46802;  // 1.402, 1.772, -0.34414, -0.71414
        for (int y = 0; y < out_height; y++) {
            uint8_t *out = pixels + (size_t)y * out_width * channels;
            const uint8_t *rows[PD_MAX_COMPONENTS];
            int step[PD_MAX_COMPONENTS];
            for (int i = 0; i < f->component_count; i++) {
                pd_component *c = &f->components[i];
                int fy = f->max_v / (c->v * c->idct_size);
                step[i] = f->max_h / (c->h * c->idct_size);
                rows[i] = planes[i] + (size_t)(y / fy) * (size_t)c->blocks_wide * c->idct_size;
            }
            if (channels == 1) {
                memcpy(out, rows[0], (size_t)out_width);
                continue;
            }
            for (int x = 0; x < out_width; x++) {
                int luma = rows[0][x / step[0]], second = rows[1][x / step[1]], third = rows[2][x / step[2]];
                if (ycbcr) {
                    long cb = second - 128, cr = third - 128;
                    out[3 * x] = pd_clamp(luma + ((cr_r * cr + one_half) >> 16));
                    out[3 * x + 1] = pd_clamp(luma + ((cb_g * cb + cr_g * cr + one_half) >> 16));
                    out[3 * x + 2] = pd_clamp(luma + ((cb_b * cb + one_half) >> 16));
                } else {
                    out[3 * x] = (uint8_t)luma; out[3 * x + 1] = (uint8_t)second; out[3 * x + 2] = (uint8_t)third;
                }
            }
        }
    }
    for (int i = 0; i < PD_MAX_COMPONENTS; i++) free(planes[i]);
    return status;
}

/// The frame header (SOF2); 0 for a frame this does not take.
static int pd_frame_header(pd_frame *f, const uint8_t *segment, size_t segment_size) {
    if (segment_size < 6 || segment[0] != 8) return 0;
    f->height = pd_read16(segment + 1);
    f->width = pd_read16(segment + 3);
    f->component_count = segment[5];
    if (f->width == 0 || f->height == 0) return 0;  // DNL
    if ((f->component_count != 1 && f->component_count != 3) || segment_size != 6 + 3 * (size_t)f->component_count) return 0;
    f->max_h = f->max_v = 1;
    for (int i = 0; i < f->component_count; i++) {
        pd_component *c = &f->components[i];
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
        pd_component *c = &f->components[i];
        if (f->max_h % c->h || f->max_v % c->v) return 0;
        // libjpeg's choice at 1/8: a 2x2 inverse DCT for a component subsampled 2x both ways (a
        // larger one when both ratios are even and larger: not taken here), else 1x1 and
        // replication (by at most 4 here).
        int ratio_h = f->max_h / c->h, ratio_v = f->max_v / c->v;
        c->idct_size = ratio_h == 2 && ratio_v == 2 ? 2 : 1;
        if (c->idct_size == 1 && ratio_h % 2 == 0 && ratio_v % 2 == 0) return 0;
        if (ratio_h / c->idct_size > 4 || ratio_v / c->idct_size > 4) return 0;
        c->width_in_blocks = (int)(((long)f->width * c->h + 8L * f->max_h - 1) / (8L * f->max_h));
        c->height_in_blocks = (int)(((long)f->height * c->v + 8L * f->max_v - 1) / (8L * f->max_v));
        c->blocks_wide = f->mcus_wide * c->h;
        c->blocks_high = f->mcus_high * c->v;
        size_t blocks = (size_t)c->blocks_wide * c->blocks_high;
        c->dc = calloc(blocks, sizeof(int16_t));
        if (!c->dc) return 0;
        if (c->idct_size == 2) {
            c->ac = calloc(blocks * PD_KEPT, sizeof(int16_t));
            c->nonzero = calloc(blocks, sizeof(uint64_t));
            if (!c->ac || !c->nonzero) return 0;
        }
    }
    return 1;
}

/// The scan header (SOS) checked against the frame; 0 when this does not take it.
static int pd_scan_header_read(pd_frame *f, const uint8_t *segment, size_t segment_size, pd_scan_header *scan) {
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
        pd_component *c = NULL;
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
        if (scan->ss == 0 && scan->ah == 0) {
            if (c->has_dc || !f->dc_tables[scan->tables[i]].defined) return 0;
            c->has_dc = 1;
        } else if (!c->has_dc) {
            return 0;  // a refinement, or AC, before the DC first scan
        }
        if (scan->ss > 0 && c->idct_size == 2 && !f->ac_tables[scan->tables[i]].defined) return 0;
    }
    return blocks_per_mcu <= 10;
}

static int pd_decode(pd_frame *f, const uint8_t *data, size_t size, uint8_t *pixels, int out_width, int out_height,
                     int channels, int color_space, int max_scans, char *message, size_t message_size, size_t *offset) {
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
            if (saw_frame || !pd_frame_header(f, segment, segment_size)) return IJPEG_FALLBACK;
            if ((f->width + 7) / 8 != out_width || (f->height + 7) / 8 != out_height) return IJPEG_FALLBACK;
            saw_frame = 1;
        } else if (marker == 0xC4) {  // DHT: one or more tables
            size_t p = 0;
            while (p < segment_size) {
                if (p + 17 > segment_size) return IJPEG_FALLBACK;
                int klass = segment[p] >> 4, index = segment[p] & 15, total = 0;
                for (int i = 0; i < 16; i++) total += segment[p + 1 + i];
                if (index > 3 || klass > 1 || total > 256 || p + 17 + (size_t)total > segment_size) return IJPEG_FALLBACK;
                pd_huffman *t = klass == 0 ? &f->dc_tables[index] : &f->ac_tables[index];
                if (!pd_build(t, segment + p + 1, segment + p + 17, total, klass == 0)) return IJPEG_FALLBACK;
                p += 17 + (size_t)total;
            }
        } else if (marker == 0xDB) {  // DQT
            size_t p = 0;
            while (p < segment_size) {
                int precision = segment[p] >> 4, index = segment[p] & 15;
                size_t table_size = precision ? 128 : 64;
                if (index > 3 || precision > 1 || p + 1 + table_size > segment_size) return IJPEG_FALLBACK;
                for (int k = 0; k < 64; k++) {
                    f->quant[index][pd_natural[k]] = precision ? pd_read16(segment + p + 1 + 2 * k) : segment[p + 1 + k];
                }
                f->quant_defined[index] = 1;
                p += 1 + table_size;
            }
        } else if (marker == 0xDD) {  // DRI
            if (segment_size != 2) return IJPEG_FALLBACK;
            f->restart_interval = pd_read16(segment);
        } else if (marker == 0xDA) {  // SOS
            if (!saw_frame) return IJPEG_FALLBACK;
            if (max_scans > 0 && ++scans > max_scans) {
                if (message && message_size > 0) {
                    snprintf(message, message_size, "more than %d progressive scans (a JPEG made to cost CPU time; the limit is --max-scans)", max_scans);
                }
                *offset = pos;
                return IJPEG_TOO_MANY_SCANS;
            }
            pd_scan_header scan;
            if (!pd_scan_header_read(f, segment, segment_size, &scan)) return IJPEG_FALLBACK;
            if (scan.ss > 0 && scan.members[0]->idct_size == 1) {
                pos = pd_next_marker(data, size, pos);  // AC the 1x1 inverse DCT does not use
                if (pos >= size) return IJPEG_FALLBACK;
            } else if (!pd_scan(f, data, size, &pos, &scan)) {
                return IJPEG_FALLBACK;
            }
        } else if ((marker >= 0xC0 && marker <= 0xCF) || marker == 0xDC) {
            return IJPEG_FALLBACK;  // another frame type (baseline, arithmetic...), DAC, DNL
        }  // else APPn, COM and the like: skipped
    }
    if (!saw_frame) return IJPEG_FALLBACK;
    for (int i = 0; i < f->component_count; i++) {
        if (!f->components[i].has_dc) return IJPEG_FALLBACK;
    }
    int ycbcr = f->component_count == 3 && color_space == 3;
    if (f->component_count == 3 && !ycbcr && color_space != 2) return IJPEG_FALLBACK;
    if (channels != (f->component_count == 1 ? 1 : 3)) return IJPEG_FALLBACK;
    if (!pd_render(f, pixels, out_width, out_height, channels, ycbcr)) return IJPEG_FALLBACK;
    *offset = pos;
    return IJPEG_OK;
}

int ijpeg_decode_progressive_dc(
    const uint8_t *data, size_t size, uint8_t *pixels, int out_width, int out_height, int channels, int color_space,
    int max_scans, char *message, size_t message_size, size_t *offset
) {
    pd_frame *frame = calloc(1, sizeof(pd_frame));
    if (!frame) return IJPEG_FALLBACK;
    *offset = 0;
    if (message && message_size > 0) message[0] = 0;
    int status = pd_decode(frame, data, size, pixels, out_width, out_height, channels, color_space, max_scans, message, message_size, offset);
    for (int i = 0; i < PD_MAX_COMPONENTS; i++) {
        free(frame->components[i].dc);
        free(frame->components[i].ac);
        free(frame->components[i].nonzero);
    }
    free(frame);
    return status;
}
