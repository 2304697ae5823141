#ifndef IPB64_KERNEL_COMMON_H
#define IPB64_KERNEL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "CBase64Kernels.h"

// Whitespace is WHATWG "ASCII whitespace" (space, \t, \n, \f, \r), as in FastBase64's slow path:
// the two must agree on what a clean stretch is.
enum {
    IPB64_CLASS_WHITESPACE = 0xFE,
    IPB64_CLASS_BACKSLASH = 0xFD,
    IPB64_CLASS_OTHER = 0xFF,
};

extern const uint8_t ipb64_scalar_standard[256];
extern const uint8_t ipb64_scalar_url_safe[256];

// How many bytes the vector kernels may drop at `block[first_bad]`, the first bad byte of a block
// they are compacting: 1 for a whitespace byte or the backslash of `\/`, 2 for two whitespace
// bytes (`\r\n`), 0 if that byte must stop them. `next_is_bad` says whether block[first_bad + 1]
// is bad too. Reads block[first_bad + 1], which the caller guarantees is inside the input. The
// caller re-validates the compacted block, so bytes pulled in from past the block are checked.
static inline size_t ipb64_removable_run(const uint8_t *block, unsigned first_bad, int next_is_bad,
                                         unsigned flags) {
    const uint8_t *classes = (flags & IPB64_FLAG_URL_SAFE) ? ipb64_scalar_url_safe : ipb64_scalar_standard;
    uint8_t first = classes[block[first_bad]];
    if (first == IPB64_CLASS_WHITESPACE && (flags & IPB64_FLAG_SKIP_WHITESPACE)) {
        return next_is_bad && classes[block[first_bad + 1]] == IPB64_CLASS_WHITESPACE ? 2 : 1;
    }
    // The '/' after the backslash is in the alphabet and stays in the block.
    return first == IPB64_CLASS_BACKSLASH && (flags & IPB64_FLAG_JSON_ESCAPES)
        && !(flags & IPB64_FLAG_URL_SAFE) && block[first_bad + 1] == '/';
}

// The vector loop stopped in front of a byte it cannot translate, at a quantum boundary *in.
// Steps over what the flags allow, so that a MIME line break or a JSON `\/` every 64 characters
// does not cost a return to the caller each time:
//   - whitespace (and `\n`, `\r`, `\t` with JSON escapes) before the quantum: skipped, and the
//     vector loop resumes right after it (returns 0);
//   - a quantum holding `\/` or whitespace: decoded byte by byte into dst (returns 3).
// Returns -1 and changes nothing for anything else (padding, other escapes, errors, the end of
// the input): the caller decides about those. What is accepted here is a strict subset of what
// FastBase64's slow path accepts, with the same meaning.
static inline int ipb64_step_over(const uint8_t *src, size_t src_len, size_t *in,
                                  uint8_t *dst, unsigned flags) {
    const uint8_t *classes = (flags & IPB64_FLAG_URL_SAFE) ? ipb64_scalar_url_safe : ipb64_scalar_standard;
    const int url_safe = (flags & IPB64_FLAG_URL_SAFE) != 0;
    const int skip_whitespace = (flags & IPB64_FLAG_SKIP_WHITESPACE) != 0;
    const int json_escapes = (flags & IPB64_FLAG_JSON_ESCAPES) != 0;
    uint32_t bits = 0;
    int count = 0;
    size_t i = *in;
    while (count < 4) {
        if (i >= src_len) return -1;
        uint8_t value = classes[src[i]];
        if (value < 64) {
            bits = bits << 6 | value;
            count += 1;
            i += 1;
            continue;
        }
        if (value == IPB64_CLASS_WHITESPACE && skip_whitespace) {
            i += 1;
        } else if (value == IPB64_CLASS_BACKSLASH && json_escapes && i + 1 < src_len) {
            uint8_t escaped = src[i + 1];
            if (escaped == '/' && !url_safe) {
                bits = bits << 6 | 63u;
                count += 1;
            } else if (!(skip_whitespace && (escaped == 'n' || escaped == 'r' || escaped == 't'))) {
                return -1;
            }
            i += 2;
            continue;
        } else {
            return -1;
        }
        if (count == 0 && i < src_len && classes[src[i]] < 64) {
            // Whitespace between quanta, and alphabet bytes follow: back to the vector loop.
            *in = i;
            return 0;
        }
    }
    dst[0] = (uint8_t)(bits >> 16);
    dst[1] = (uint8_t)(bits >> 8);
    dst[2] = (uint8_t)bits;
    *in = i;
    return 3;
}

// After a vector block that holds a byte the kernel cannot take: the block's clean whole quanta
// (already stored by the caller, whose capacity check covered the whole block) are kept, then the
// quantum around the bad byte is stepped over when the options allow it. Returns 0 when the
// kernel goes on, -1 when it must stop and hand the rest to Swift. Shared by every vector kernel
// so that they stop at exactly the same place, which keeps error offsets identical across tiers.
static inline int ipb64_keep_clean_then_step(const uint8_t *src, size_t src_len, size_t *in,
                                             uint8_t *dst, size_t *out, unsigned clean_quanta,
                                             unsigned flags) {
    *in += clean_quanta * 4;
    *out += clean_quanta * 3;
    if (!(flags & (IPB64_FLAG_SKIP_WHITESPACE | IPB64_FLAG_JSON_ESCAPES))) return -1;
    int stepped = ipb64_step_over(src, src_len, in, dst + *out, flags);
    if (stepped < 0) return -1;
    *out += (size_t)stepped;
    return 0;
}

#endif
