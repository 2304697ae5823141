// The marker-segment walk both of the shim's own JPEG readers use (the restart-marker split in
// CJPEGShims.c and the progressive decoder in ProgressiveScaled.c). Internal: not in include/.
#ifndef IMAGEPIPE_CJPEGSHIMS_SEGMENTS_H
#define IMAGEPIPE_CJPEGSHIMS_SEGMENTS_H
#include <stddef.h>
#include <stdint.h>

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

#endif
