// AVX2 block decoder, after the technique of W. Muła and D. Lemire, "Faster Base64 Encoding and
// Decoding Using AVX2 Instructions" (ACM TOW 2018): nibble-indexed lookups validate and
// translate 32 characters at once, two multiply-adds pack 4 sextets into 3 bytes.
//
// The lookup tables below were derived for this file (see the comments) and are checked
// exhaustively against every byte value by FastBase64Tests.

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <string.h>
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

// decode_dropping finds the droppable bytes of this many input bytes at a time.
enum { DROP_CHUNK = 2048 };

// One bit per byte of src[0..length): set where the byte may be dropped (whitespace; the backslash
// of `\/`), for as many whole 32-byte blocks as can be read with one byte of look-ahead; the rest
// of `bits` is cleared (bytes read as kept, which the caller validates).
IPB64_AVX2 static void find_droppable(const uint8_t *src, size_t src_len, size_t length, unsigned flags,
                                      __m256i whitespace, uint32_t *bits) {
    const int drops_whitespace = (flags & IPB64_FLAG_SKIP_WHITESPACE) != 0;
    const int drops_escapes = (flags & IPB64_FLAG_JSON_ESCAPES) && !(flags & IPB64_FLAG_URL_SAFE);
    size_t block = 0;
    for (; block * 32 < length && src_len - block * 32 >= 33; block++) {
        __m256i raw = _mm256_loadu_si256((const __m256i *)(const void *)(src + block * 32));
        __m256i drop = _mm256_setzero_si256();
        if (drops_whitespace) {
            drop = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(whitespace, raw), raw);
        }
        if (drops_escapes) {
            __m256i next = _mm256_loadu_si256((const __m256i *)(const void *)(src + block * 32 + 1));
            drop = _mm256_or_si256(drop, _mm256_and_si256(
                _mm256_cmpeq_epi8(raw, _mm256_set1_epi8('\\')), _mm256_cmpeq_epi8(next, _mm256_set1_epi8('/'))));
        }
        bits[block] = (uint32_t)_mm256_movemask_epi8(drop);
    }
    for (; block * 32 < length; block++) {
        bits[block] = 0;
    }
}

// The 32 characters that remain of the block at `block` once the bytes `mask` marks are dropped;
// only the first two marks are honoured (a third droppable byte stays, and fails validation).
IPB64_AVX2 static inline __m256i drop_two(const uint8_t *block, uint32_t mask, int *first, int *second) {
    const __m256i positions = _mm256_setr_epi8(
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    // Positions of the first and second dropped byte; 40 (nothing to blend) when absent.
    *first = __builtin_ctzll((uint64_t)mask | (1ull << 40));
    *second = __builtin_ctzll((uint64_t)(mask & (mask - 1)) | (1ull << 40));
    __m256i raw = _mm256_loadu_si256((const __m256i *)(const void *)block);
    __m256i next = _mm256_loadu_si256((const __m256i *)(const void *)(block + 1));
    __m256i after_next = _mm256_loadu_si256((const __m256i *)(const void *)(block + 2));
    // After the first is dropped, the second has moved down one place.
    __m256i compacted = _mm256_blendv_epi8(raw, next, _mm256_cmpgt_epi8(positions, _mm256_set1_epi8((char)(*first - 1))));
    return _mm256_blendv_epi8(compacted, after_next, _mm256_cmpgt_epi8(positions, _mm256_set1_epi8((char)(*second - 2))));
}

// A block of decode_dropping did not come out clean: keep the whole quanta in front of the first
// bad character (pack_store already wrote them), consume the bytes they came from (their
// characters and the dropped bytes among them), and step over the next quantum. Returns -1 where
// ipb64_step_over cannot go on.
IPB64_AVX2 static inline int step_over_trouble(const uint8_t *src, size_t src_len, size_t *in, size_t *out,
                                               uint8_t *dst, unsigned flags, __m256i bad, int first, int second) {
    uint32_t bad_mask = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256()));
    size_t kept = (size_t)__builtin_ctz(bad_mask) & ~(size_t)3;
    size_t consumed = kept;
    consumed += (size_t)first < consumed;
    consumed += (size_t)second < consumed;
    *in += consumed;
    *out += kept / 4 * 3;
    int stepped = ipb64_step_over(src, src_len, in, dst + *out, flags);
    if (stepped < 0) {
        return -1;
    }
    *out += (size_t)stepped;
    return 0;
}

// The loop for inputs with line breaks or `\/` escapes at no fixed place. In each 32-byte block
// it drops the first two droppable bytes (whitespace; the backslash of `\/`) by blending in the
// loads 1 and 2 bytes further along, then validates and decodes the 32 characters that remain.
// No branch depends on how many bytes were dropped (0, 1 or 2).
//
// A block that does not come out clean (a third droppable byte, one just past the block, another
// JSON escape, an error) keeps the whole quanta in front of the trouble, steps over the next
// quantum with the scalar ipb64_step_over, and goes on: leaving the loop costs far more (measured:
// about 450 cycles a time with `\/` about every 64 characters). Stops where ipb64_step_over cannot
// go on, or when less than 68 bytes of input or 56 of capacity are left, always on a quantum
// boundary and never inside an escape.
IPB64_AVX2 static ipb64_progress decode_dropping(const uint8_t *src, size_t src_len,
                                                 uint8_t *dst, size_t dst_capacity, unsigned flags,
                                                 const avx2_tables *t, __m256i whitespace) {
    // The droppable bytes of a chunk are found ahead of decoding it, so the next block's address
    // waits only on a load and a few scalar operations, not on a vector load, compare and
    // movemask (measured: 3.6 GB/s when it did, on clean input). Two blocks a round take both
    // their masks from one look-up.
    uint32_t droppable[DROP_CHUNK / 32 + 4];
    size_t in = 0, out = 0, chunk = 0;
    find_droppable(src, src_len, DROP_CHUNK + 96, flags, whitespace, droppable);
    while (src_len - in >= 68 && dst_capacity - out >= 56) {
        size_t offset = in - chunk;
        if (offset >= DROP_CHUNK) {
            chunk = in;
            offset = 0;
            find_droppable(src + in, src_len - in, DROP_CHUNK + 96, flags, whitespace, droppable);
        }
        uint64_t window;
        memcpy(&window, (const uint8_t *)droppable + offset / 8, sizeof window);
        uint32_t mask = (uint32_t)(window >> (offset % 8));
        size_t dropped = (size_t)(mask != 0) + (size_t)((mask & (mask - 1)) != 0);
        // The second block starts 32 + dropped bytes on, inside the next 64 bits of the map.
        memcpy(&window, (const uint8_t *)droppable + offset / 8 + 4, sizeof window);
        uint32_t mask2 = (uint32_t)(window >> (offset % 8 + dropped));
        size_t in2 = in + 32 + dropped;
        int first, second, first2, second2;
        __m256i bad, bad2;
        __m256i sextets = translate(drop_two(src + in, mask, &first, &second), t, &bad);
        __m256i sextets2 = translate(drop_two(src + in2, mask2, &first2, &second2), t, &bad2);
        pack_store(sextets, dst + out);
        if (__builtin_expect(!_mm256_testz_si256(bad, bad), 0)) {
            if (step_over_trouble(src, src_len, &in, &out, dst, flags, bad, first, second) < 0) break;
            continue;
        }
        in = in2;
        out += 24;
        pack_store(sextets2, dst + out);
        if (__builtin_expect(!_mm256_testz_si256(bad2, bad2), 0)) {
            if (step_over_trouble(src, src_len, &in, &out, dst, flags, bad2, first2, second2) < 0) break;
            continue;
        }
        in += 32 + (size_t)(mask2 != 0) + (size_t)((mask2 & (mask2 - 1)) != 0);
        out += 24;
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
        if (flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES)) {
            ipb64_progress compacted = decode_dropping(src + in, src_len - in, dst + out, dst_capacity - out,
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
        if (ipb64_keep_clean_then_step(src, src_len, &in, dst, &out, clean_quanta, flags) < 0) {
            break;
        }
    }
    ipb64_progress progress = {in, out};
    return progress;
}

#endif
