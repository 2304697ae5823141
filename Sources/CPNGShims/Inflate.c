// One zlib stream inflated into a caller's buffer, for metadata chunks (PNG iCCP) that the
// decoders do not inflate themselves.
#include "CPNGShims.h"

#include <libdeflate.h>

int ipng_zlib_inflate(const uint8_t *input, size_t input_size, uint8_t *output, size_t output_capacity, size_t *output_size) {
    struct libdeflate_decompressor *decompressor = libdeflate_alloc_decompressor();
    if (!decompressor) return IPNG_INFLATE_DAMAGED;
    size_t written = 0;
    enum libdeflate_result result = libdeflate_zlib_decompress(decompressor, input, input_size, output, output_capacity, &written);
    libdeflate_free_decompressor(decompressor);
    *output_size = written;
    switch (result) {
    case LIBDEFLATE_SUCCESS: return IPNG_INFLATE_OK;
    case LIBDEFLATE_INSUFFICIENT_SPACE: return IPNG_INFLATE_NEEDS_ROOM;
    default: return IPNG_INFLATE_DAMAGED;
    }
}

size_t ipng_zlib_deflate(const uint8_t *input, size_t input_size, uint8_t *output, size_t output_capacity) {
    struct libdeflate_compressor *compressor = libdeflate_alloc_compressor(6);
    if (!compressor) return 0;
    size_t written = libdeflate_zlib_compress(compressor, input, input_size, output, output_capacity);
    libdeflate_free_compressor(compressor);
    return written;
}

size_t ipng_zlib_deflate_bound(size_t input_size) {
    return libdeflate_zlib_compress_bound(NULL, input_size);
}
