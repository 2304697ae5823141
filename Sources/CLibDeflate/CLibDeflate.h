// The system libdeflate (Debian: libdeflate-dev), found through pkg-config: whole-buffer DEFLATE
// and zlib decompression with SIMD checksums, used for PNG image data held in memory.
#include <libdeflate.h>
