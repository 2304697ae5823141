#ifndef IPB64_KERNEL_COMMON_H
#define IPB64_KERNEL_COMMON_H

#include <stddef.h>
#include <stdint.h>

// Must match FastBase64's notion of skippable whitespace (WHATWG "ASCII whitespace"), or the
// kernels and the Swift slow path would disagree about what a clean stretch is.
static inline int ipb64_is_ascii_whitespace(uint8_t byte) {
    return byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D;
}

#endif
