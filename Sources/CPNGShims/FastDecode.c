// The fast path for the PNGs image services return: 8-bit gray, gray+alpha, RGB or RGBA, not
// interlaced, without tRNS. The image data is inflated by ISA-L's igzip (x86 assembly, within a
// few per cent of libdeflate's whole-buffer decoder and twice as fast as zlib) straight from each
// IDAT chunk, so the chunks are never gathered into one piece, and the rows are unfiltered with
// each filter's left neighbour carried in registers (Paeth rows of RGB and RGBA with SSE4.1 where
// the CPU has it). Because the inflate streams, a caller that owns the file's bytes can let the
// pages already inflated go back to the kernel as it goes (ipng_decode_fast_releasing): the file
// and the image are then never both in memory.
//
// It is an accelerator, never a second opinion: anything it does not handle, or that is not
// perfectly clean (a CRC mismatch, a chunk out of place, a stream that is short, long or damaged),
// makes it return IPNG_FAST_UNSUPPORTED, and the caller decodes the file with libpng, which then
// gives the canonical pixels or error. So the set of files accepted, and every error message,
// stay libpng's.

#include "CPNGShims.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t fast_u32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int fast_is_letter(uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

static int fast_type_is(const uint8_t *type, const char *name) { return memcmp(type, name, 4) == 0; }

/// A chunk's stored CRC against the one computed over its type and data.
static int fast_crc_ok(const uint8_t *chunk, uint32_t length) {
    uint32_t computed = libdeflate_crc32(0, chunk + 4, (size_t)length + 4);
    return computed == fast_u32(chunk + 8 + length);
}

static inline uint8_t fast_paeth(int a, int b, int c) {
    int pa = b - c, pb = a - c;
    int pc = pa + pb;
    pa = pa < 0 ? -pa : pa;
    pb = pb < 0 ? -pb : pb;
    pc = pc < 0 ? -pc : pc;
    return (uint8_t)(pa <= pb && pa <= pc ? a : (pb <= pc ? b : c));
}

// Unfilters one row in place. `prior` is the previous unfiltered row (all zeros for the first).
// BPP is a compile-time constant in each instantiation, so the per-channel loops unroll and the
// left neighbours stay in registers instead of being read back from the row just written.
#define FAST_UNFILTER(BPP)                                                                          \
    static int fast_unfilter_##BPP(uint8_t filter, uint8_t *row, const uint8_t *prior, size_t n) {  \
        switch (filter) {                                                                           \
        case 0:                                                                                     \
            return 1;                                                                               \
        case 1:                                                                                     \
            for (size_t i = BPP; i < n; i++) row[i] = (uint8_t)(row[i] + row[i - BPP]);             \
            return 1;                                                                               \
        case 2:                                                                                     \
            for (size_t i = 0; i < n; i++) row[i] = (uint8_t)(row[i] + prior[i]);                   \
            return 1;                                                                               \
        case 3: {                                                                                   \
            uint8_t left[BPP];                                                                      \
            for (int k = 0; k < BPP; k++) left[k] = row[k] = (uint8_t)(row[k] + (prior[k] >> 1));   \
            for (size_t i = BPP; i < n; i += BPP) {                                                 \
                for (int k = 0; k < BPP; k++) {                                                     \
                    left[k] = (uint8_t)(row[i + k] + ((left[k] + prior[i + k]) >> 1));             \
                    row[i + k] = left[k];                                                           \
                }                                                                                   \
            }                                                                                       \
            return 1;                                                                               \
        }                                                                                           \
        case 4: {                                                                                   \
            uint8_t left[BPP], upperLeft[BPP];                                                      \
            for (int k = 0; k < BPP; k++) {                                                         \
                left[k] = row[k] = (uint8_t)(row[k] + prior[k]);                                    \
                upperLeft[k] = prior[k];                                                            \
            }                                                                                       \
            for (size_t i = BPP; i < n; i += BPP) {                                                 \
                for (int k = 0; k < BPP; k++) {                                                     \
                    uint8_t up = prior[i + k];                                                      \
                    left[k] = (uint8_t)(row[i + k] + fast_paeth(left[k], up, upperLeft[k]));        \
                    upperLeft[k] = up;                                                              \
                    row[i + k] = left[k];                                                           \
                }                                                                                   \
            }                                                                                       \
            return 1;                                                                               \
        }                                                                                           \
        default:                                                                                    \
            return 0;                                                                               \
        }                                                                                           \
    }

FAST_UNFILTER(1)
FAST_UNFILTER(2)
FAST_UNFILTER(3)
FAST_UNFILTER(4)

/// Whether the vector Paeth loop may run where the CPU has it (tests turn it off to check the
/// scalar loop on the same files).
static int fast_vector_paeth_allowed = 1;

void ipng_fast_set_vector_paeth(int allowed) { __atomic_store_n(&fast_vector_paeth_allowed, allowed, __ATOMIC_RELAXED); }

#if defined(__x86_64__) || defined(__i386__)
#include <smmintrin.h>

#define FAST_SSE41 __attribute__((target("ssse3,sse4.1")))

FAST_SSE41 static inline __m128i fast_load_pixel(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtsi32_si128((int)v);
}

// Paeth for 3 or 4 bytes per pixel, one pixel per step with its channels side by side in 16-bit
// lanes (SSSE3/SSE4.1, on every x86-64 CPU of the last fifteen years, checked at run time). No
// branches, so the unpredictable choice between left, up and upper-left costs no
// mispredictions; pabsw and pblendvb keep the chain that carries each pixel to the next short.
// 2048x2048 RGB photo, Paeth rows, whole fast decode: 63 ms with the scalar loop, 48 with this.
// Reads may go 1 byte past a 3-byte pixel: the caller's buffers are padded; writes are exact.
FAST_SSE41
static void fast_paeth_sse41(uint8_t *row, const uint8_t *prior, size_t n, int bpp) {
    const __m128i zero = _mm_setzero_si128();
    __m128i a = zero, c = zero;
    for (size_t i = 0; i < n; i += (size_t)bpp) {
        __m128i b = _mm_cvtepu8_epi16(fast_load_pixel(prior + i));
        __m128i pa = _mm_sub_epi16(b, c);
        __m128i pb = _mm_sub_epi16(a, c);
        __m128i pc = _mm_abs_epi16(_mm_add_epi16(pa, pb));
        pa = _mm_abs_epi16(pa);
        pb = _mm_abs_epi16(pb);
        __m128i smallest = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
        __m128i predictor = _mm_blendv_epi8(_mm_blendv_epi8(c, b, _mm_cmpeq_epi16(smallest, pb)), a,
                                            _mm_cmpeq_epi16(smallest, pa));
        __m128i value = _mm_add_epi8(fast_load_pixel(row + i), _mm_packus_epi16(predictor, predictor));
        uint32_t bytes = (uint32_t)_mm_cvtsi128_si32(value);
        if (bpp == 4) {
            memcpy(row + i, &bytes, 4);
        } else {
            row[i] = (uint8_t)bytes;
            row[i + 1] = (uint8_t)(bytes >> 8);
            row[i + 2] = (uint8_t)(bytes >> 16);
        }
        a = _mm_cvtepu8_epi16(value);
        c = b;
    }
}

#endif

/// Unfilters one row in place with the loop for its filter and pixel size; 0 for an invalid
/// filter type.
static int fast_unfilter_row(uint8_t filter, uint8_t *row, const uint8_t *prior, size_t n, int bpp, int vector_paeth) {
#if defined(__x86_64__) || defined(__i386__)
    if (filter == 4 && bpp >= 3 && vector_paeth) {
        fast_paeth_sse41(row, prior, n, bpp);
        return 1;
    }
#else
    (void)vector_paeth;
#endif
    switch (bpp) {
    case 1: return fast_unfilter_1(filter, row, prior, n);
    case 2: return fast_unfilter_2(filter, row, prior, n);
    case 3: return fast_unfilter_3(filter, row, prior, n);
    default: return fast_unfilter_4(filter, row, prior, n);
    }
}

/// Copies one unfiltered row of `source_channels` samples per pixel to the caller's layout:
/// gray replicated to RGB, alpha 255 added where the output has alpha and the image has none.
static void fast_store_row(const uint8_t *row, int source_channels, uint8_t *out, int channels, uint32_t width) {
    if (source_channels == channels) {
        memcpy(out, row, (size_t)width * (size_t)channels);
        return;
    }
    switch (source_channels * 8 + channels) {
    case 1 * 8 + 3:
        for (uint32_t x = 0; x < width; x++, out += 3) out[0] = out[1] = out[2] = row[x];
        break;
    case 1 * 8 + 4:
        for (uint32_t x = 0; x < width; x++, out += 4) {
            out[0] = out[1] = out[2] = row[x];
            out[3] = 0xFF;
        }
        break;
    case 2 * 8 + 4:
        for (uint32_t x = 0; x < width; x++, out += 4, row += 2) {
            out[0] = out[1] = out[2] = row[0];
            out[3] = row[1];
        }
        break;
    case 3 * 8 + 4:
        for (uint32_t x = 0; x < width; x++, out += 4, row += 3) {
            out[0] = row[0];
            out[1] = row[1];
            out[2] = row[2];
            out[3] = 0xFF;
        }
        break;
    }
}

static int fast_source_channels(int color_type) {
    switch (color_type) {
    case 0: return 1;
    case 2: return 3;
    case 4: return 2;
    case 6: return 4;
    default: return 0;  // palettes, and invalid types for libpng to report
    }
}

// The buffer layout. The filtered rows (row_bytes + 1 each) are inflated into the caller's
// pixel buffer at `base`, so that unfiltering row by row and storing each row at its final place
// (stride bytes each) never overwrites a filtered row not yet read:
// - same sample count (stride == row_bytes): base 0, and row y moves back y + 1 bytes;
// - more output samples (gray to RGB, an alpha added: stride >= row_bytes + width): the filtered
//   rows sit at the end, base = height * (stride - row_bytes - 1), and output row y ends at or
//   before filtered row y + 1 begins.
// IPNG_INFLATE_SLACK bytes follow the filtered rows, so that a stream that inflates a little
// long is measured, not cut off, and 16 bytes of padding the vector Paeth loop may read.
static size_t fast_layout(uint32_t width, uint32_t height, int source_channels, int channels, size_t *base) {
    size_t row_bytes, stride, filtered, pixels, total;
    if (__builtin_mul_overflow((size_t)width, (size_t)source_channels, &row_bytes)) return SIZE_MAX;
    if (__builtin_mul_overflow((size_t)width, (size_t)channels, &stride)) return SIZE_MAX;
    if (__builtin_mul_overflow(row_bytes + 1, (size_t)height, &filtered)) return SIZE_MAX;
    if (__builtin_mul_overflow(stride, (size_t)height, &pixels)) return SIZE_MAX;
    size_t span = pixels > filtered ? pixels : filtered;
    if (__builtin_add_overflow(span, (size_t)IPNG_INFLATE_SLACK + 16, &total)) return SIZE_MAX;
    if (base) *base = span - filtered;
    return total;
}

size_t ipng_fast_buffer_size(uint32_t width, uint32_t height, int color_type, int channels) {
    int source_channels = fast_source_channels(color_type);
    if (source_channels == 0 || (channels != 3 && channels != 4)) return (size_t)width * height * (size_t)(channels > 0 ? channels : 4);
    return fast_layout(width, height, source_channels, channels, NULL);
}

/// Bytes the calling thread's last fast decode released (tests).
static _Thread_local size_t fast_released_bytes = 0;

size_t ipng_fast_released_bytes(void) { return fast_released_bytes; }

/// Gives the whole pages of data[*released_to ..< upto) back to the kernel once there are at
/// least IPNG_RELEASE_STEP bytes of them (or any, when `force`): anonymous memory reads as zeros
/// afterwards. Counts what it released in *released.
static void fast_release(uint8_t *data, size_t *released_to, size_t upto, int force, size_t *released) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)(data + *released_to) + page - 1) & ~(page - 1);
    uintptr_t end = (uintptr_t)(data + upto) & ~(page - 1);
    if (end <= start || (!force && end - start < IPNG_RELEASE_STEP)) return;
    if (madvise((void *)start, end - start, MADV_DONTNEED) == 0) *released += end - start;
    *released_to = (size_t)(end - (uintptr_t)data);
}

/// Inflates the zlib stream spread over the run of `chunks` IDAT chunks at data[first] into
/// `into`, which holds exactly `expected` bytes plus IPNG_INFLATE_SLACK. Clean only when the
/// stream is well formed (the header zlib and libpng accept, the Adler-32 matching), ends in
/// the last chunk's last byte and gives exactly `expected` bytes; anything else is libpng's to
/// judge. With `release` set, the pages of chunks already inflated are released as it goes.
static ipng_status fast_inflate(uint8_t *data, size_t first, size_t chunks, uint8_t *into, size_t expected,
                                int release, size_t *released) {
    uint32_t first_length = fast_u32(data + first);
    const uint8_t *header = data + first + 8;
    // CM 8, a window of at most 32 KiB, FCHECK, and no preset dictionary: the streams zlib (so
    // libpng) inflates. igzip would take a larger window, so this is checked here.
    if (first_length < 2 || (header[0] & 0x0F) != 8 || (header[0] >> 4) > 7 || (header[1] & 0x20)
        || ((unsigned)header[0] << 8 | header[1]) % 31 != 0) {
        return IPNG_FAST_UNSUPPORTED;
    }
    if (expected > UINT32_MAX - IPNG_INFLATE_SLACK) return IPNG_FAST_UNSUPPORTED;  // igzip counts output in 32 bits
    struct inflate_state *state = (struct inflate_state *)malloc(sizeof *state);  // 85 KiB: not on a task's stack
    if (state == NULL) return IPNG_ERROR_OUT_OF_MEMORY;
    isal_inflate_init(state);
    state->crc_flag = ISAL_ZLIB;
    state->next_out = into;
    state->avail_out = (uint32_t)(expected + IPNG_INFLATE_SLACK);
    ipng_status status = IPNG_OK;
    size_t at = first, released_to = first;
    for (size_t chunk = 0; chunk < chunks && status == IPNG_OK; chunk++) {
        uint32_t length = fast_u32(data + at);
        if (state->block_state == ISAL_BLOCK_FINISH && length > 0) {
            status = IPNG_FAST_UNSUPPORTED;  // data after the end of the stream
            break;
        }
        state->next_in = data + at + 8;
        state->avail_in = length;
        while (state->avail_in > 0 && state->block_state != ISAL_BLOCK_FINISH) {
            uint32_t in_before = state->avail_in, out_before = state->avail_out;
            if (isal_inflate(state) != ISAL_DECOMP_OK || state->avail_out == 0
                || (state->avail_in == in_before && state->avail_out == out_before)) {
                status = IPNG_FAST_UNSUPPORTED;  // damaged, past the image (a bomb), or stuck
                break;
            }
        }
        if (state->avail_in > 0) status = IPNG_FAST_UNSUPPORTED;  // data after the end of the stream
        at += 12 + (size_t)length;
        if (release) fast_release(data, &released_to, at, chunk + 1 == chunks, released);
    }
    if (status == IPNG_OK && (state->block_state != ISAL_BLOCK_FINISH || state->total_out != expected)) {
        status = IPNG_FAST_UNSUPPORTED;  // short, or not checked to its Adler-32
    }
    free(state);
    return status;
}

static ipng_status fast_decode(uint8_t *data, int release, size_t size,
                               uint32_t width, uint32_t height, int channels,
                               uint8_t *pixels, size_t pixels_size, size_t capacity, size_t *released) {
    if (channels != 3 && channels != 4) return IPNG_ERROR_ARGUMENT;
    if ((size_t)width * height * (size_t)channels != pixels_size) return IPNG_ERROR_ARGUMENT;
    if (data == NULL || size < 45 || fast_u32(data + 8) != 13 || !fast_type_is(data + 12, "IHDR")) return IPNG_FAST_UNSUPPORTED;
    const uint8_t *ihdr = data + 16;
    if (fast_u32(ihdr) != width || fast_u32(ihdr + 4) != height) return IPNG_ERROR_MISMATCH;
    uint8_t depth = ihdr[8], color_type = ihdr[9];
    if (depth != 8 || ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] != 0 || !fast_crc_ok(data + 8, 13)) return IPNG_FAST_UNSUPPORTED;
    int source_channels = fast_source_channels(color_type);
    if (source_channels == 0) return IPNG_FAST_UNSUPPORTED;
    if ((color_type & 4) && channels != 4) return IPNG_ERROR_ARGUMENT;
    size_t base = 0;
    if (capacity < fast_layout(width, height, source_channels, channels, &base)) return IPNG_ERROR_ARGUMENT;

    // Walk every chunk to IEND. The image data must be one run of IDAT chunks; critical chunks
    // are checked as libpng checks them, ancillary ones skipped as libpng skips what it does not
    // use (it only warns about their CRCs).
    size_t offset = 33, idat_first = 0, idat_bytes = 0, idat_chunks = 0;
    int idat_run_ended = 0, seen_end = 0;
    while (!seen_end) {
        if (size - offset < 12) return IPNG_FAST_UNSUPPORTED;
        uint32_t length = fast_u32(data + offset);
        const uint8_t *type = data + offset + 4;
        if (length > 0x7FFFFFFFu || (size_t)length > size - offset - 12) return IPNG_FAST_UNSUPPORTED;
        if (!fast_is_letter(type[0]) || !fast_is_letter(type[1]) || !fast_is_letter(type[2]) || !fast_is_letter(type[3])) {
            return IPNG_FAST_UNSUPPORTED;
        }
        int critical = !(type[0] & 0x20);
        if (fast_type_is(type, "IDAT")) {
            if (idat_run_ended || !fast_crc_ok(data + offset, length)) return IPNG_FAST_UNSUPPORTED;
            if (idat_chunks == 0) idat_first = offset;
            idat_chunks++;
            idat_bytes += length;
        } else {
            if (idat_chunks > 0) idat_run_ended = 1;
            if (fast_type_is(type, "IEND")) {
                if (length != 0 || !fast_crc_ok(data + offset, 0)) return IPNG_FAST_UNSUPPORTED;
                seen_end = 1;
            } else if (fast_type_is(type, "tRNS")) {
                return IPNG_FAST_UNSUPPORTED;  // transparency to expand: libpng's job
            } else if (critical) {
                // A PLTE is a suggested palette in a truecolor image before the data; anything
                // else critical (a second IHDR, an unknown critical chunk) is for libpng to refuse.
                if (!fast_type_is(type, "PLTE") || !(color_type & 2) || idat_chunks > 0 || !fast_crc_ok(data + offset, length)) {
                    return IPNG_FAST_UNSUPPORTED;
                }
            }
        }
        offset += 12 + (size_t)length;
    }
    if (idat_chunks == 0) return IPNG_FAST_UNSUPPORTED;

    size_t row_bytes = (size_t)width * (size_t)source_channels;
    size_t stride = (size_t)width * (size_t)channels;
    size_t filtered_size = (row_bytes + 1) * (size_t)height;
    // Deflate stores incompressible data at 5 bytes per 64 KiB block and a legal stream can do
    // little worse; more data than twice the rows is garbage or a bomb, which libpng measures
    // and refuses without this path gathering it first.
    if (idat_bytes / 2 > filtered_size + IPNG_INFLATE_SLACK) return IPNG_FAST_UNSUPPORTED;

    // The rows are inflated into the pixel buffer itself (at `base`, see fast_layout), with room
    // for IPNG_INFLATE_SLACK past them: a stream that inflates past that stops there.
    uint8_t *filtered = pixels + base;
    ipng_status inflated = fast_inflate(data, idat_first, idat_chunks, filtered, filtered_size, release, released);
    if (inflated != IPNG_OK) return inflated;

    int vector_paeth = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    vector_paeth = __atomic_load_n(&fast_vector_paeth_allowed, __ATOMIC_RELAXED)
        && __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
#endif
    // The row above the first is zeros; with more output samples than stored ones, the unfiltered
    // row is also kept here, as output rows overwrite the filtered ones. 16 bytes of padding for
    // the vector Paeth loop.
    uint8_t *prior_row = (uint8_t *)calloc(row_bytes + 16, 1);
    if (prior_row == NULL) return IPNG_ERROR_OUT_OF_MEMORY;
    int clean = 1;
    for (uint32_t y = 0; y < height && clean; y++) {
        uint8_t *line = filtered + (size_t)y * (row_bytes + 1);
        uint8_t *row = line + 1;
        uint8_t *out = pixels + stride * y;
        if (stride == row_bytes) {
            const uint8_t *prior = y == 0 ? prior_row : out - stride;
            clean = fast_unfilter_row(line[0], row, prior, row_bytes, source_channels, vector_paeth);
            memmove(out, row, row_bytes);
        } else {
            clean = fast_unfilter_row(line[0], row, prior_row, row_bytes, source_channels, vector_paeth);
            memcpy(prior_row, row, row_bytes);
            fast_store_row(prior_row, source_channels, out, channels, width);
        }
    }
    free(prior_row);
    return clean ? IPNG_OK : IPNG_FAST_UNSUPPORTED;  // an invalid filter type: libpng's error
}

ipng_status ipng_decode_fast(const uint8_t *data, size_t size,
                             uint32_t width, uint32_t height, int channels,
                             uint8_t *pixels, size_t pixels_size, size_t capacity) {
    size_t released = 0;
    // Without release the bytes are only read.
    ipng_status status = fast_decode((uint8_t *)data, 0, size, width, height, channels, pixels, pixels_size, capacity, &released);
    fast_released_bytes = 0;
    return status;
}

ipng_status ipng_decode_fast_releasing(uint8_t *data, size_t size,
                                       uint32_t width, uint32_t height, int channels,
                                       uint8_t *pixels, size_t pixels_size, size_t capacity, size_t *released) {
    *released = 0;
    ipng_status status = fast_decode(data, 1, size, width, height, channels, pixels, pixels_size, capacity, released);
    fast_released_bytes = *released;
    return status;
}
