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

// Staged characters are decoded LAG characters behind the newest ones: a load straddling the
// 8-byte stores of the last few blocks cannot be forwarded from them and would wait for them to
// reach the cache (measured: 2 GB/s without the lag). The buffer restarts once RESTART in.
enum { STAGING_LAG = 256, STAGING_RESTART = 1024 };

// The loop for inputs with line breaks or `\/` escapes. Every 32-byte block whose bad bytes are all
// droppable (whitespace; the backslash of `\/`) is left-packed, 8-byte lane by lane through a
// shuffle table, into a staging buffer, and every full 32 characters staged are decoded. No
// branch depends on where the dropped bytes are, and the next block's address does not depend on
// this one's contents, so blocks overlap in the pipeline and line breaks cost no mispredictions.
//
// Stops in front of the first block holding a byte it cannot drop (or when less than a block of
// input, or 64 bytes of capacity, are left), decodes the whole quanta still staged, and gives
// back the characters of the last partial quantum by moving `consumed` in front of them, so the
// caller resumes on a quantum boundary, never inside an escape.
IPB64_AVX2 static ipb64_progress decode_compacting(const uint8_t *src, size_t src_len,
                                                   uint8_t *dst, size_t dst_capacity, unsigned flags,
                                                   const avx2_tables *t, __m256i whitespace) {
    const int drops_whitespace = (flags & IPB64_FLAG_SKIP_WHITESPACE) != 0;
    const int drops_escapes = (flags & IPB64_FLAG_JSON_ESCAPES) && !(flags & IPB64_FLAG_URL_SAFE);
    // pshufb indexes within 16-byte lanes: the odd 8-byte lanes' indices are 8 further on.
    const __m256i lane_base = _mm256_setr_epi8(
        0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8);
    // Slack for what is staged but not decoded when the buffer restarts, plus one block.
    _Alignas(32) uint8_t staging[STAGING_RESTART + STAGING_LAG + 96];
    size_t in = 0, out = 0, staged = 0, decoded = 0;
    // One byte of look-ahead for the `/` of an escape ending the block.
    while (src_len - in >= 33 && dst_capacity - out >= 64 + STAGING_LAG) {
        __m256i raw = _mm256_loadu_si256((const __m256i *)(const void *)(src + in));
        __m256i bad;
        (void)translate(raw, t, &bad);
        __m256i drop = _mm256_setzero_si256();
        if (drops_whitespace) {
            drop = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(whitespace, raw), raw);
        }
        if (drops_escapes) {
            __m256i next = _mm256_loadu_si256((const __m256i *)(const void *)(src + in + 1));
            drop = _mm256_or_si256(drop, _mm256_and_si256(
                _mm256_cmpeq_epi8(raw, _mm256_set1_epi8('\\')), _mm256_cmpeq_epi8(next, _mm256_set1_epi8('/'))));
        }
        uint32_t bad_mask = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256()));
        uint32_t drop_mask = (uint32_t)_mm256_movemask_epi8(drop);
        if (bad_mask & ~drop_mask) {
            break;
        }
        __m256i order = _mm256_setr_epi64x(
            (long long)*(const uint64_t *)(const void *)ipb64_compaction_shuffles[drop_mask & 0xFF],
            (long long)*(const uint64_t *)(const void *)ipb64_compaction_shuffles[(drop_mask >> 8) & 0xFF],
            (long long)*(const uint64_t *)(const void *)ipb64_compaction_shuffles[(drop_mask >> 16) & 0xFF],
            (long long)*(const uint64_t *)(const void *)ipb64_compaction_shuffles[drop_mask >> 24]);
        __m256i packed = _mm256_shuffle_epi8(raw, _mm256_add_epi8(order, lane_base));
        __m128i low = _mm256_castsi256_si128(packed);
        __m128i high = _mm256_extracti128_si256(packed, 1);
        _mm_storel_epi64((__m128i *)(void *)(staging + staged), low);
        staged += ipb64_kept_counts[drop_mask & 0xFF];
        _mm_storel_epi64((__m128i *)(void *)(staging + staged), _mm_unpackhi_epi64(low, low));
        staged += ipb64_kept_counts[(drop_mask >> 8) & 0xFF];
        _mm_storel_epi64((__m128i *)(void *)(staging + staged), high);
        staged += ipb64_kept_counts[(drop_mask >> 16) & 0xFF];
        _mm_storel_epi64((__m128i *)(void *)(staging + staged), _mm_unpackhi_epi64(high, high));
        staged += ipb64_kept_counts[drop_mask >> 24];
        in += 32;
        // Every staged character is in the alphabet (checked above): no second validation.
        if (staged - decoded >= 32 + STAGING_LAG) {
            __m256i unused;
            pack_store(translate(_mm256_load_si256((const __m256i *)(const void *)(staging + decoded)), t, &unused),
                       dst + out);
            decoded += 32;
            out += 24;
        }
        if (decoded >= STAGING_RESTART) {
            // Fewer than 32 + STAGING_LAG characters are left over.
            for (size_t moved = 0; moved < staged - decoded; moved += 32) {
                _mm256_store_si256((__m256i *)(void *)(staging + moved),
                                   _mm256_loadu_si256((const __m256i *)(const void *)(staging + decoded + moved)));
            }
            staged -= decoded;
            decoded = 0;
        }
    }
    // Fewer than 32 + STAGING_LAG characters are staged, and at least 40 + STAGING_LAG bytes of
    // capacity are left: enough for all of them.
    for (; staged - decoded >= 32; decoded += 32, out += 24) {
        __m256i unused;
        pack_store(translate(_mm256_load_si256((const __m256i *)(const void *)(staging + decoded)), t, &unused),
                   dst + out);
    }
    const uint8_t *classes = (flags & IPB64_FLAG_URL_SAFE) ? ipb64_scalar_url_safe : ipb64_scalar_standard;
    for (; staged - decoded >= 4; decoded += 4, out += 3) {
        uint32_t bits = (uint32_t)classes[staging[decoded]] << 18 | (uint32_t)classes[staging[decoded + 1]] << 12
            | (uint32_t)classes[staging[decoded + 2]] << 6 | classes[staging[decoded + 3]];
        dst[out] = (uint8_t)(bits >> 16);
        dst[out + 1] = (uint8_t)(bits >> 8);
        dst[out + 2] = (uint8_t)bits;
    }
    // Give back the characters of the partial quantum: the consumed bytes are alphabet bytes and
    // dropped ones, so walk back over the last `staged - decoded` alphabet bytes.
    for (size_t left = staged - decoded; left > 0; ) {
        in -= 1;
        left -= classes[src[in]] < 64;
    }
    // Never stop between the backslash and the `/` of an escape: in the consumed bytes, every
    // backslash was dropped as the start of `\/`.
    if (in > 0 && src[in - 1] == '\\') {
        in -= 1;
    }
    ipb64_progress progress = {in, out};
    return progress;
}

// The loop for MIME-style bodies: lines of exactly `line_length` characters (a multiple of 4,
// 32...128), each followed by `\n` (ending_length 1) or `\r\n` (2). A line is decoded as up to four
// blocks, the last one overlapping the one before so that it ends with the line: no compaction
// and no branch that depends on the data except the one that leaves the loop. Stops in front of
// the first line that is not of that shape (or not clean), at a line start.
IPB64_AVX2 static ipb64_progress decode_lines(const uint8_t *src, size_t src_len,
                                              uint8_t *dst, size_t dst_capacity,
                                              size_t line_length, size_t ending_length, const avx2_tables *t) {
    const size_t last = line_length - 32;
    const size_t blocks = (line_length + 31) / 32;
    const size_t line_output = line_length / 4 * 3;
    size_t in = 0, out = 0;
    // A line writes 4 bytes past its output (the last block's store), inside line_length bytes.
    while (src_len - in >= line_length + ending_length && dst_capacity - out >= line_length) {
        const uint8_t *line = src + in;
        int ended = ending_length == 1 ? line[line_length] == '\n'
                                       : line[line_length] == '\r' && line[line_length + 1] == '\n';
        __m256i bad0, bad1 = _mm256_setzero_si256(), bad2 = _mm256_setzero_si256(), bad3;
        __m256i s0 = translate(_mm256_loadu_si256((const __m256i *)(const void *)line), t, &bad0);
        __m256i s1 = s0, s2 = s0;
        if (blocks >= 3) {
            s1 = translate(_mm256_loadu_si256((const __m256i *)(const void *)(line + 32)), t, &bad1);
        }
        if (blocks == 4) {
            s2 = translate(_mm256_loadu_si256((const __m256i *)(const void *)(line + 64)), t, &bad2);
        }
        __m256i s3 = translate(_mm256_loadu_si256((const __m256i *)(const void *)(line + last)), t, &bad3);
        __m256i any = _mm256_or_si256(_mm256_or_si256(bad0, bad1), _mm256_or_si256(bad2, bad3));
        if (!ended || !_mm256_testz_si256(any, any)) {
            break;
        }
        // In order: each store's 4 garbage bytes fall inside the next store.
        pack_store(s0, dst + out);
        if (blocks >= 3) pack_store(s1, dst + out + 24);
        if (blocks == 4) pack_store(s2, dst + out + 48);
        pack_store(s3, dst + out + last / 4 * 3);
        in += line_length + ending_length;
        out += line_output;
    }
    ipb64_progress progress = {in, out};
    return progress;
}

// The length of the line starting at `line` if it is a candidate for decode_lines (32...128
// alphabet bytes, a multiple of 4, then the given line ending), else 0.
static size_t measure_line(const uint8_t *line, size_t available, size_t ending_length, unsigned flags) {
    const uint8_t *classes = (flags & IPB64_FLAG_URL_SAFE) ? ipb64_scalar_url_safe : ipb64_scalar_standard;
    size_t length = 0;
    while (length <= 128 && length < available && classes[line[length]] < 64) {
        length += 1;
    }
    if (length < 32 || length > 128 || length % 4 != 0 || available - length < ending_length) {
        return 0;
    }
    int ended = ending_length == 1 ? line[length] == '\n' : line[length] == '\r' && line[length + 1] == '\n';
    return ended ? length : 0;
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
    const int drops_escapes = (flags & IPB64_FLAG_JSON_ESCAPES) && !url_safe;
    // The MIME line shape found so far (decode_lines), and how often it did not hold.
    size_t line_length = 0, line_ending = 0;
    unsigned line_attempts = 0;
    size_t in = 0, out = 0;
    __m256i sextets, bad;
    for (;;) {
        // Four blocks per round hide the latency of the lookups (measured: 4 beats 2 on Zen 3). When
        // line breaks or escapes are expected, the first round that is not clean hands over to the
        // loops made for those, which mostly run to the end of the input.
        while (src_len - in >= 128 && dst_capacity - out >= 104) {
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
        if ((flags & IPB64_FLAG_SKIP_WHITESPACE) && line_attempts < 8 && first_bad % 4 == 0
            && src_len - in >= 32 + 2 && (src[in + first_bad] == '\n'
                                          || (src[in + first_bad] == '\r' && src[in + first_bad + 1] == '\n'))) {
            // A line ends on a quantum boundary: keep the quanta in front of it, skip the ending,
            // and if the next line is a regular MIME line, decode line by line from there.
            size_t ending_length = src[in + first_bad] == '\r' ? 2 : 1;
            pack_store(sextets, dst + out);
            in += first_bad + ending_length;
            out += first_bad / 4 * 3;
            if (line_length == 0 || ending_length != line_ending) {
                line_length = measure_line(src + in, src_len - in, ending_length, flags);
                line_ending = ending_length;
            }
            if (line_length != 0) {
                ipb64_progress lines = decode_lines(src + in, src_len - in, dst + out, dst_capacity - out,
                                                    line_length, line_ending, &t);
                in += lines.consumed;
                out += lines.written;
                // An input whose lines keep changing length is left to the general path.
                line_attempts += lines.consumed == 0;
            } else {
                line_attempts += 1;
            }
            continue;
        }
        if (drops_escapes && src_len - in >= 33 && dst_capacity - out >= 64 + STAGING_LAG) {
            ipb64_progress compacted = decode_compacting(src + in, src_len - in, dst + out, dst_capacity - out,
                                                         flags, &t, whitespace);
            if (compacted.consumed != 0) {
                in += compacted.consumed;
                out += compacted.written;
                continue;
            }
        }
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
