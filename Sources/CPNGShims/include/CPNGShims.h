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
    /// The image data inflates to more than the image needs plus IPNG_INFLATE_SLACK: inflating
    /// stopped there (a zlib bomb, or garbage after the rows). The report says where.
    IPNG_ERROR_TOO_MUCH_DATA = 7,
    /// A zlib stream checked by ipng_check_stream is damaged, or its rows are (a filter type
    /// over 4); the message says how.
    IPNG_ERROR_CORRUPT = 8,
} ipng_status;

/// How many bytes past what an image needs its image data may inflate to and still be
/// accepted: libpng tolerates a little extra data after the rows (with a warning), a zlib bomb
/// is refused once past it. 64 KiB takes microseconds to inflate.
enum { IPNG_INFLATE_SLACK = 65536 };

/// Where a bounded inflate stopped, for the caller's message.
typedef struct {
    /// Bytes the rows need: filter bytes and packed samples, every interlace pass.
    size_t expected;
    /// Bytes inflated when the check stopped (at most expected + IPNG_INFLATE_SLACK + 1).
    size_t produced;
    /// Offset in the file of the compressed byte the check had reached.
    size_t stopped_at;
} ipng_inflate_report;

/// The bytes a PNG image's (or APNG frame's) filtered rows take once inflated: one filter byte
/// per row plus the packed samples, summed over the Adam7 passes when interlaced. SIZE_MAX when
/// that does not fit in a size_t, 0 for an invalid color type or bit depth.
size_t ipng_filtered_size(uint32_t width, uint32_t height, int color_type, int bit_depth, int interlaced);

/// The rows libpng delivers for an image (every Adam7 pass's when interlaced), and in
/// `widest_row` the largest filtered row in bytes at 64 bits a pixel (an upper bound for any
/// color type).
size_t ipng_filtered_rows(uint32_t width, uint32_t height, int interlaced, size_t *widest_row);

/// Inflates a zlib stream split over pieces of a file (the data of a run of IDAT chunks, or of
/// one APNG frame's fdAT chunks after their sequence numbers) without keeping the output, and
/// checks it: the stream is intact (Adler-32 included), every row's filter type is 0-4, and it
/// inflates to at least `expected` bytes and at most `limit`. Inflating stops at limit + 1.
///
/// - file/offsets/lengths/count: the pieces, in order.
/// - width/height/color_type/bit_depth/interlaced: the rows' layout (for the filter bytes).
/// - Returns IPNG_OK, IPNG_ERROR_TOO_MUCH_DATA, IPNG_ERROR_TRUNCATED (the pieces end before
///   the stream, or the stream before the rows), IPNG_ERROR_CORRUPT, IPNG_ERROR_OUT_OF_MEMORY;
///   `message` says what, `report` where.
ipng_status ipng_check_stream(const uint8_t *file, const size_t *offsets, const size_t *lengths, size_t count,
                              uint32_t width, uint32_t height, int color_type, int bit_depth, int interlaced,
                              size_t limit, ipng_inflate_report *report, char *message, size_t message_capacity);

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
/// - report: filled when the status is IPNG_ERROR_TOO_MUCH_DATA.
/// - message/message_capacity: receives libpng's error text, NUL-terminated.
///
/// libpng inflates whatever image data follows the rows through a 1 KiB buffer until the
/// stream ends, and only warns. So once the rows are read, the first time libpng asks for more
/// image data, or warns, the IDAT run is checked with ipng_check_stream, which stops at the
/// image's size plus IPNG_INFLATE_SLACK: a zlib bomb costs at most libpng's read-ahead
/// (8 KiB of input) and that bounded check, then fails with IPNG_ERROR_TOO_MUCH_DATA.
ipng_status ipng_decode(const uint8_t *data, size_t size,
                        uint32_t width, uint32_t height, int channels,
                        uint8_t *pixels, size_t pixels_size,
                        size_t max_chunk_bytes, size_t *consumed, ipng_inflate_report *report,
                        char *message, size_t message_capacity);

/// Decodes the PNGs image services return without libpng: 8-bit gray, gray+alpha, RGB or RGBA,
/// not interlaced, no tRNS, every critical chunk intact, the image data inflated by ISA-L straight
/// from each IDAT chunk. Same arguments and output layout as ipng_decode (the caller has probed the header
/// and checked its limits). Returns IPNG_FAST_UNSUPPORTED for anything else, including every
/// damaged file and every stream that inflates past the image (stopping there), so that libpng
/// decodes it and reports its own error; the pixels are then undefined until ipng_decode fills
/// them.
///
/// The rows are inflated into the pixel buffer itself and unfiltered there, so `pixels` must
/// hold `capacity` bytes, at least ipng_fast_buffer_size(...); the image is its first
/// `pixels_size` bytes.
ipng_status ipng_decode_fast(const uint8_t *data, size_t size,
                             uint32_t width, uint32_t height, int channels,
                             uint8_t *pixels, size_t pixels_size, size_t capacity);

/// ipng_decode_fast for a caller that owns the file's bytes and lets the call release them as it
/// goes: once the data of IDAT chunks has been inflated, the whole pages it occupied are given
/// back to the kernel (madvise MADV_DONTNEED, every IPNG_RELEASE_STEP bytes), so that the file and
/// the image are never both resident. `data` must be private anonymous memory (what malloc
/// returns); released pages read as zeros afterwards. `*released` is the number of bytes
/// released: when the status is IPNG_FAST_UNSUPPORTED and it is not 0, libpng needs the file's
/// original bytes, which the caller must read again. Nothing else may use `data` during the call.
ipng_status ipng_decode_fast_releasing(uint8_t *data, size_t size,
                                       uint32_t width, uint32_t height, int channels,
                                       uint8_t *pixels, size_t pixels_size, size_t capacity, size_t *released);

/// How many bytes of inflated image data ipng_decode_fast_releasing lets accumulate before it
/// releases their pages: one madvise call per 256 KiB.
enum { IPNG_RELEASE_STEP = 256 * 1024 };

/// How many bytes the calling thread's last ipng_decode_fast_releasing call released (0 after
/// ipng_decode_fast): for tests of what the releasing variant saves.
size_t ipng_fast_released_bytes(void);

/// The buffer ipng_decode_fast needs for an image of this size and IHDR color type, decoded to
/// `channels` (3 or 4) samples a pixel: the larger of the pixels and the filtered rows, plus
/// IPNG_INFLATE_SLACK and a little padding. SIZE_MAX on overflow.
size_t ipng_fast_buffer_size(uint32_t width, uint32_t height, int color_type, int channels);

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

/// ipng_zlib_inflate results.
enum { IPNG_INFLATE_OK = 0, IPNG_INFLATE_DAMAGED = 1, IPNG_INFLATE_NEEDS_ROOM = 2 };

/// Inflates one whole zlib stream into `output` (`output_capacity` bytes); `*output_size` is
/// what was written. IPNG_INFLATE_NEEDS_ROOM: the stream holds more than `output_capacity`.
int ipng_zlib_inflate(const uint8_t *input, size_t input_size, uint8_t *output, size_t output_capacity, size_t *output_size);

/// Compresses `input` as one zlib stream (level 6) into `output`; returns its size, 0 when
/// `output_capacity` (see ipng_zlib_deflate_bound) is too small.
size_t ipng_zlib_deflate(const uint8_t *input, size_t input_size, uint8_t *output, size_t output_capacity);

/// The most ipng_zlib_deflate can write for `input_size` bytes.
size_t ipng_zlib_deflate_bound(size_t input_size);

/// The libpng version the shims were built against, e.g. "1.6.39".
const char *ipng_libpng_version(void);

#ifdef __cplusplus
}
#endif

#endif
