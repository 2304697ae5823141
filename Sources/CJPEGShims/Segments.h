// The marker-segment walk both of the shim's own JPEG readers use (the restart-marker split in
// CJPEGShims.c and the progressive decoder in ProgressiveScaled.c). Internal: not in include/.
#ifndef IMAGEPIPE_CJPEGSHIMS_SEGMENTS_H
#define IMAGEPIPE_CJPEGSHIMS_SEGMENTS_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/// A marker and, for a marker with a length, its payload.
typedef struct {
    int marker;
    size_t offset;   // of the payload (after the two length bytes); 0 for a marker without one
    size_t size;     // of the payload
} ijpeg_segment;

/// The segment at `*pos` (fill bytes before its marker skipped), `*pos` moved past it. Returns
/// 0 when the bytes there are not a marker, or its length does not fit. EOI, SOI, RSTn and TEM
/// have no length: returned with `size` 0.
static inline int ijpeg_next_segment(const uint8_t *data, size_t size, size_t *pos, ijpeg_segment *segment) {
    size_t p = *pos;
    if (p >= size || data[p] != 0xFF) return 0;
    while (p < size && data[p] == 0xFF) p++;
    if (p >= size) return 0;
    segment->marker = data[p++];
    segment->offset = 0;
    segment->size = 0;
    if (segment->marker == 0x01 || (segment->marker >= 0xD0 && segment->marker <= 0xD9)) {
        *pos = p;
        return 1;
    }
    if (p + 2 > size) return 0;
    size_t length = (size_t)data[p] << 8 | data[p + 1];
    if (length < 2 || p + length > size) return 0;
    segment->offset = p + 2;
    segment->size = length - 2;
    *pos = p + length;
    return 1;
}

/// The position of the next 0xFF in `data[pos..<size - 1]` that is not a stuffed 0xFF 0x00 (a
/// marker, a fill byte or a restart marker), or `size` when there is none. Sixteen bytes at a
/// time: entropy-coded data has a stuffed 0xFF every few hundred bytes, which a byte search
/// would stop at.
static inline size_t ijpeg_next_marker_byte(const uint8_t *data, size_t size, size_t pos) {
    typedef uint8_t bytes16 __attribute__((vector_size(16), aligned(1)));
    typedef uint64_t words2 __attribute__((vector_size(16), aligned(1)));
    while (pos + 17 <= size) {
        bytes16 here, next;
        memcpy(&here, data + pos, 16);
        memcpy(&next, data + pos + 1, 16);
        bytes16 hits = (bytes16)((here == 0xFF) & (next != 0));
        words2 words = (words2)hits;
        if ((words[0] | words[1]) == 0) {
            pos += 16;
            continue;
        }
        break;
    }
    for (; pos + 1 < size; pos++) {
        if (data[pos] == 0xFF && data[pos + 1] != 0x00) return pos;
    }
    return size;
}

#endif
