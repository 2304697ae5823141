// SHA-256 compression with the x86 SHA extensions (SHA-NI), chosen at run time.
// Exists because Swift cannot compile one function for an ISA extension: the kernel is built
// with __attribute__((target)) here, and Swift calls it only when the CPU reports the feature.
#ifndef CDIGESTKERNELS_H
#define CDIGESTKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The 64 round constants K of SHA-256 (FIPS 180-4 §4.2.2), for every implementation.
extern const uint32_t ipd_sha256_round_constants[64];

/// 1 when this CPU has the SHA extensions (and SSSE3/SSE4.1), else 0.
int ipd_sha256_hardware_available(void);

/// Compresses `blocks` 64-byte blocks of `data` into `state` (a, b, …, h) with SHA-NI.
/// Call only when ipd_sha256_hardware_available() returned 1.
void ipd_sha256_compress_hardware(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
