// The scan decoders of ProgressiveScaled.c, included there once per tier with PS_TIER (the name
// suffix), PS_TARGET (the function attribute) and PS_BMI2 (1: use BMI2's bit deposit and POPCNT)
// defined. Internal: not in include/.

#define PS_CAT2(a, b) a##_##b
#define PS_CAT(a, b) PS_CAT2(a, b)
#define PS_NAME(name) PS_CAT(name, PS_TIER)

/// One block of an AC first scan (T.81 G.1.2.2): 0 when it is damaged or holds what libjpeg
/// would store differently (a coefficient past the band, a value shifted out of 16 bits).
PS_TARGET static inline int PS_NAME(ps_ac_first)(ps_bits *b, const ps_huffman *t, const ps_scan_header *scan, ps_component *c, size_t block, int *eobrun) {
    if (*eobrun > 0) { (*eobrun)--; return 1; }
    int16_t *kept = c->ac + block * (size_t)(c->side * c->side);
    uint64_t nonzero = c->nonzero[block];
    for (int k = scan->ss; k <= scan->se; k++) {
        ps_fill(b);
        int run, value;
        // Most symbols and their value bits fit the lookahead: run, value and length at once.
        int32_t fast = t->fast_ac[b->bits >> (64 - PS_LOOKAHEAD)];
        if (fast) {
            b->bits <<= fast & 0xFF;
            b->count -= fast & 0xFF;
            run = (fast >> 8) & 0xFF;
            value = fast >> 16;
        } else {
            int rs = ps_decode(b, t);
            if (rs < 0) return 0;
            int r = rs >> 4, s = rs & 15;
            if (s == 0 && r == 15) {
                k += 15;  // sixteen zeros
                continue;
            }
            if (s == 0) {
                *eobrun = (1 << r) - 1 + (r ? (int)ps_receive(b, r) : 0);  // the blocks after this one that end at once
                break;
            }
            run = r;
            value = ps_extend(ps_receive(b, s), s);
        }
        k += run;
        if (k > scan->se) return 0;
        int16_t shifted = (int16_t)((unsigned)value << scan->al);
        if (shifted == 0) return 0;
        nonzero |= 1ull << k;
        kept[c->slot[k]] = shifted;
    }
    c->nonzero[block] = nonzero;
    return 1;
}

/// The correction bits of a refinement scan for the nonzero coefficients `coefficients` (zigzag
/// bits), one a coefficient in zigzag order, applied to the kept ones (T.81 G.1.2.3).
PS_TARGET static inline void PS_NAME(ps_correct)(ps_bits *b, const ps_component *c, int16_t *kept, uint64_t coefficients, int p1) {
    if (!coefficients) return;
#if PS_BMI2
    // All the bits at once, deposited on their coefficients: the first bit read belongs to the
    // lowest zigzag index, so the bits are reversed first (bit deposit fills from the lowest).
    int n = __builtin_popcountll(coefficients);
    if (n <= 32) {
        ps_fill(b);
        uint32_t bits = ps_receive(b, n);
        uint32_t reversed = ((uint32_t)ps_reversed_byte[bits & 255] << 24 | (uint32_t)ps_reversed_byte[(bits >> 8) & 255] << 16
                             | (uint32_t)ps_reversed_byte[(bits >> 16) & 255] << 8 | ps_reversed_byte[bits >> 24]) >> (32 - n);
        for (uint64_t apply = _pdep_u64(reversed, coefficients) & c->kept_mask; apply; apply &= apply - 1) {
            int16_t *x = &kept[c->slot[__builtin_ctzll(apply)]];
            if ((*x & p1) == 0) *x = (int16_t)(*x >= 0 ? *x + p1 : *x - p1);
        }
        return;
    }
#endif
    int left = 0;  // bits that may be taken before the next fill
    for (; coefficients; coefficients &= coefficients - 1) {
        if (left == 0) {
            ps_fill(b);
            left = 48;
        }
        int k = __builtin_ctzll(coefficients);
        uint64_t bit = b->bits >> 63;
        b->bits <<= 1;
        b->count--;
        left--;
        // Without branches (the bits are as good as random): a coefficient not kept has the
        // unused DC place as its slot.
        int16_t *x = &kept[c->slot[k]];
        int apply = (int)bit & ((*x & p1) == 0);
        int step = *x >= 0 ? p1 : -p1;
        *x = (int16_t)(*x + (step & -apply));
    }
}

/// One block of an AC refinement scan (T.81 G.1.2.3): 0 when damaged or when libjpeg would put
/// a coefficient past the band.
PS_TARGET static inline int PS_NAME(ps_ac_refine)(ps_bits *b, const ps_huffman *t, const ps_scan_header *scan, ps_component *c, size_t block, int *eobrun) {
    const int p1 = 1 << scan->al, se = scan->se;
    const uint64_t band = se == 63 ? ~0ull : (2ull << se) - 1;  // bits 0...se
    int16_t *kept = c->ac + block * (size_t)(c->side * c->side);
    uint64_t nonzero = c->nonzero[block];
    int k = scan->ss;
    if (*eobrun == 0) {
        while (k <= se) {
            ps_fill(b);
            int rs = ps_decode(b, t);
            if (rs < 0) return 0;
            int r = rs >> 4, s = rs & 15, positive = 0;
            if (s) {
                if (s != 1) return 0;
                positive = (int)ps_receive(b, 1);
            } else if (r != 15) {
                *eobrun = (1 << r) + (r ? (int)ps_receive(b, r) : 0);
                break;
            }
            // Past r coefficients that are still zero, correcting the nonzero ones met, to the
            // next zero one: the new coefficient's place (or, for sixteen zeros, the last of them).
            const uint64_t ahead = band & (~0ull << k);
#if PS_BMI2
            const uint64_t zeros = _pdep_u64(1ull << r, ~nonzero & ahead);  // the (r+1)th zero ahead
#else
            uint64_t zeros = ~nonzero & ahead;
            for (int i = 0; i < r && zeros; i++) zeros &= zeros - 1;
#endif
            const int target = zeros ? __builtin_ctzll(zeros) : se + 1;
            const uint64_t before = target >= 64 ? ~0ull : (1ull << target) - 1;
            PS_NAME(ps_correct)(b, c, kept, nonzero & ahead & before, p1);
            k = target;
            if (s) {
                if (k > se) return 0;
                nonzero |= 1ull << k;
                kept[c->slot[k]] = (int16_t)(positive ? p1 : -p1);
            }
            k++;
        }
    }
    if (*eobrun > 0) {
        if (k <= se) PS_NAME(ps_correct)(b, c, kept, nonzero & band & (~0ull << k), p1);
        (*eobrun)--;
    }
    c->nonzero[block] = nonzero;
    return 1;
}

/// One scan's entropy-coded data from `*pos`: 0 when damaged.
PS_TARGET static int PS_NAME(ps_scan)(ps_frame *f, const uint8_t *data, size_t size, size_t *pos, const ps_scan_header *scan) {
    ps_bits b = {data, size, *pos, 0, 0, 0, 0};
    int predictions[PS_MAX_COMPONENTS] = {0}, eobrun = 0;
    int single = scan->count == 1;
    int mcus_wide = single ? scan->members[0]->width_in_blocks : f->mcus_wide;
    int mcus_high = single ? scan->members[0]->height_in_blocks : f->mcus_high;
    long left_in_interval = f->restart_interval;
    int next_restart = 0;
    const ps_huffman *ac_table = scan->ss > 0 ? &f->ac_tables[scan->tables[0]] : NULL;
    for (int my = 0; my < mcus_high; my++) {
        for (int mx = 0; mx < mcus_wide; mx++) {
            if (f->restart_interval && left_in_interval == 0) {
                // The restart marker, right after this interval's bits (fill bytes allowed): a
                // whole byte left over is data libjpeg would warn about.
                if (b.count < b.padding || b.count - b.padding >= 8) return 0;
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
            if (ac_table) {
                ps_component *component = scan->members[0];
                size_t block = (size_t)my * component->blocks_wide + (size_t)mx;
                int ok = scan->ah ? PS_NAME(ps_ac_refine)(&b, ac_table, scan, component, block, &eobrun)
                                  : PS_NAME(ps_ac_first)(&b, ac_table, scan, component, block, &eobrun);
                if (!ok) return 0;
                continue;
            }
            for (int c = 0; c < scan->count; c++) {
                ps_component *component = scan->members[c];
                int across = single ? 1 : component->h, down = single ? 1 : component->v;
                for (int y = 0; y < down; y++) {
                    for (int x = 0; x < across; x++) {
                        size_t block = (size_t)(my * down + y) * component->blocks_wide + (size_t)(mx * across + x);
                        ps_fill(&b);
                        int16_t *slot = &component->dc[block];
                        if (scan->ah) {
                            if (ps_receive(&b, 1)) *slot = (int16_t)(*slot | (1 << scan->al));
                        } else {
                            int s = ps_decode(&b, &f->dc_tables[scan->tables[c]]);
                            if (s < 0) return 0;
                            int diff = s ? ps_extend(ps_receive(&b, s), s) : 0;
                            predictions[c] = (int)((unsigned)predictions[c] + (unsigned)diff);
                            *slot = (int16_t)((unsigned)predictions[c] << scan->al);
                        }
                    }
                }
            }
        }
        if (b.count < b.padding) return 0;  // bits past the end of the segment were used
    }
    if (b.count < b.padding || b.count - b.padding >= 8) return 0;
    // The scan ends at the next marker, after fill bytes and perhaps a restart marker; other
    // bytes between (and whole bytes left over above) are damage libjpeg may warn about.
    size_t end = b.pos;
    while (end + 1 < size && data[end] == 0xFF && (data[end + 1] == 0xFF || (data[end + 1] >= 0xD0 && data[end + 1] <= 0xD7))) {
        end += data[end + 1] == 0xFF ? 1 : 2;
    }
    if (end + 1 >= size || data[end] != 0xFF || data[end + 1] == 0x00) return 0;
    *pos = end;
    return 1;
}

#undef PS_NAME
#undef PS_CAT
#undef PS_CAT2
