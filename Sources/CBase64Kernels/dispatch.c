#include "CBase64Kernels.h"

#if defined(__x86_64__) || defined(__i386__)

int ipb64_best_tier(void) {
    // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vbmi")) {
        return IPB64_TIER_AVX512VBMI;
    }
    if (__builtin_cpu_supports("avx2")) {
        return IPB64_TIER_AVX2;
    }
    return IPB64_TIER_PORTABLE;
}

#else

// Other architectures have no vector kernel yet: the Swift portable kernel does all the work.
int ipb64_best_tier(void) { return IPB64_TIER_PORTABLE; }

ipb64_progress ipb64_decode_avx2(const uint8_t *src, size_t src_len,
                                 uint8_t *dst, size_t dst_capacity, unsigned flags) {
    (void)src; (void)src_len; (void)dst; (void)dst_capacity; (void)flags;
    ipb64_progress none = {0, 0};
    return none;
}

ipb64_progress ipb64_decode_avx512vbmi(const uint8_t *src, size_t src_len,
                                       uint8_t *dst, size_t dst_capacity, unsigned flags) {
    (void)src; (void)src_len; (void)dst; (void)dst_capacity; (void)flags;
    ipb64_progress none = {0, 0};
    return none;
}

#endif
