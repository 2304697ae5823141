// The portable tier: the target's baseline instruction set (SSE2 on x86-64).
#define IPR_TIER portable
#define IPR_TARGET
#include "resample_kernels.h"
