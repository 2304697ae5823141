// CPNGShims: whole libpng operations behind a status code.
//
// Why this exists: libpng reports errors by longjmp-ing to a setjmp point. A longjmp across Swift
// frames is undefined behaviour (it skips Swift's cleanups and retain/release), so every libpng
// call that can fail happens inside one of these C functions, which own the setjmp and return a
// status plus libpng's message instead. This target is the only place setjmp appears.
#ifndef CPNGSHIMS_H
#define CPNGSHIMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of a shim call. IPNG_OK is 0; every other value comes with a message.
typedef enum {
    IPNG_OK = 0,
    /// libpng raised an error (corrupt data, CRC mismatch, bad header, ...).
    IPNG_ERROR_LIBPNG = 1,
    /// The data ended before libpng had what it needed.
    IPNG_ERROR_TRUNCATED = 2,
    /// The header does not match the size and layout the caller allocated for.
    IPNG_ERROR_MISMATCH = 3,
    /// An allocation failed.
    IPNG_ERROR_OUT_OF_MEMORY = 4,
    /// The caller passed arguments that cannot be honoured.
    IPNG_ERROR_ARGUMENT = 5,
    /// ipng_decode_fast only: the file is not one the fast path handles, or not perfectly
    /// clean; decode it with ipng_decode, which gives libpng's pixels or error.
    IPNG_FAST_UNSUPPORTED = 6,
} ipng_status;

/// Decodes a whole PNG held in memory into 8-bit interleaved pixels.
///
/// The transforms give the pixel semantics of the project's conformance key: palette and tRNS
/// expanded to RGBA, gray expanded to RGB, bit depths 1-4 scaled to 8 bits, 16-bit samples
/// reduced with rounding (png_set_scale_16), no gamma correction, interlacing undone.
///
/// - data/size: the whole file.
/// - width/height: what the caller's header probe read; the decode fails if IHDR disagrees.
/// - channels: 3 (RGB) or 4 (RGBA; opaque images get alpha 255). Asking for 3 when the image
///   has alpha is an argument error.
/// - pixels/pixels_size: the caller's buffer, exactly width*height*channels bytes.
/// - max_chunk_bytes: largest ancillary chunk libpng may allocate for (zTXt, iCCP, ...).
/// - consumed: on return, how many input bytes libpng read (the offset where it stopped).
/// - message/message_capacity: receives libpng's error text, NUL-terminated.
ipng_status ipng_decode(const uint8_t *data, size_t size,
                        uint32_t width, uint32_t height, int channels,
                        uint8_t *pixels, size_t pixels_size,
                        size_t max_chunk_bytes, size_t *consumed,
                        char *message, size_t message_capacity);

/// Decodes the PNGs image services return without libpng: 8-bit gray, gray+alpha, RGB or RGBA,
/// not interlaced, no tRNS, every critical chunk intact, the image data inflated in one call to
/// libdeflate. Same arguments and output layout as ipng_decode (the caller has probed the header
/// and checked its limits). Returns IPNG_FAST_UNSUPPORTED for anything else, including every
/// damaged file, so that libpng decodes it and reports its own error; the pixels are then
/// undefined until ipng_decode fills them.
ipng_status ipng_decode_fast(const uint8_t *data, size_t size,
                             uint32_t width, uint32_t height, int channels,
                             uint8_t *pixels, size_t pixels_size);

/// Lets ipng_decode_fast use its SSE4.1 Paeth loop where the CPU has it (the default, 1) or
/// makes it use the scalar loop (0): for tests, which check both on the same files.
void ipng_fast_set_vector_paeth(int allowed);

/// A growable output buffer filled by ipng_encode; free it with ipng_buffer_free.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} ipng_buffer;

/// One text chunk to write before the image data (tEXt when latin1, iTXt UTF-8 otherwise).
typedef struct {
    const char *key;
    const char *text;
    int utf8;
} ipng_text;

/// Encodes 8-bit interleaved pixels as a non-interlaced PNG in memory.
///
/// - input_channels: bytes per pixel in `pixels` (1-4).
/// - color_type: the PNG color type to write: 0 gray, 2 RGB, 4 gray+alpha, 6 RGBA. The input
///   may carry one trailing channel more than the color type has (an opaque alpha to drop);
///   libpng strips it on the fly (png_set_filler) instead of copying the image.
/// - level: zlib level 0-9. filters: a mask of PNG_FILTER_NONE..PNG_FILTER_PAETH (0x08..0x80).
ipng_status ipng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t row_stride,
                        int input_channels, int color_type, int level, int filters,
                        const ipng_text *texts, int text_count,
                        ipng_buffer *out, char *message, size_t message_capacity);

/// Frees what ipng_encode allocated in `buffer`.
void ipng_buffer_free(ipng_buffer *buffer);

/// The libpng version the shims were built against, e.g. "1.6.39".
const char *ipng_libpng_version(void);

#ifdef __cplusplus
}
#endif

#endif
