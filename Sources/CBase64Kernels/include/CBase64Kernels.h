#ifndef IPB64_CBASE64KERNELS_H
#define IPB64_CBASE64KERNELS_H

// ISA-specific base64 block kernels for FastBase64.
//
// Why C: Swift 6.3 cannot compile AVX2 / AVX-512 code for a single function, and module-wide
// `unsafeFlags` would stop other packages from depending on imagepipe. Here each kernel carries
// `__attribute__((target(...)))`, and the caller picks one at run time from `ipb64_best_tier()`.
//
// The kernels only ever decode whole, clean 4-character quanta. They stop in front of the first
// byte that is not in the alphabet (padding, escapes, garbage, the end of the input) and leave
// everything that needs judgement, and every error, to the Swift caller, so that every tier
// reports the same error at the same byte offset.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Flags for the decode kernels.
enum {
    /// Decode the URL-safe alphabet (`-`, `_`) instead of the standard one (`+`, `/`).
    IPB64_FLAG_URL_SAFE = 1u,
    /// Skip ASCII whitespace (space, \t, \n, \f, \r).
    IPB64_FLAG_SKIP_WHITESPACE = 2u,
    /// Read the input as the inside of a JSON string: decode `\/` (standard alphabet only), and
    /// with IPB64_FLAG_SKIP_WHITESPACE skip `\n`, `\r`, `\t`. Every other escape stops the kernel.
    IPB64_FLAG_JSON_ESCAPES = 4u,
};

/// Kernel tiers, in increasing order of preference.
enum {
    IPB64_TIER_PORTABLE = 0,
    IPB64_TIER_AVX2 = 1,
    IPB64_TIER_AVX512VBMI = 2,
};

/// How far a kernel got: `consumed` input bytes, `written` output bytes.
///
/// `consumed` always ends right after a complete quantum (or after skipped whitespace), so the
/// caller resumes with an empty quantum. A kernel never consumes a byte the caller would reject:
/// it stops in front of the first quantum it cannot decode on its own.
typedef struct ipb64_progress {
    size_t consumed;
    size_t written;
} ipb64_progress;

/// The best tier this CPU (and OS) can run; never a tier the build cannot provide.
int ipb64_best_tier(void);

/// Decodes clean blocks of 32 characters with AVX2.
///
/// Writes only below `dst + dst_capacity`, but may overwrite bytes past `written` (up to one
/// block store, 28 bytes, past it; still inside the capacity), as FastBase64's API allows.
/// Must only be called when `ipb64_best_tier() >= IPB64_TIER_AVX2`.
ipb64_progress ipb64_decode_avx2(const uint8_t *src, size_t src_len,
                                 uint8_t *dst, size_t dst_capacity, unsigned flags);

/// Decodes clean blocks of 64 characters with AVX-512 VBMI.
///
/// Same contract as `ipb64_decode_avx2` (may overwrite up to one block store, 64 bytes, past
/// `written`, inside the capacity). Must only be called when
/// `ipb64_best_tier() >= IPB64_TIER_AVX512VBMI`.
ipb64_progress ipb64_decode_avx512vbmi(const uint8_t *src, size_t src_len,
                                       uint8_t *dst, size_t dst_capacity, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
