// The system libwebp (Debian: libwebp-dev): decoder, encoder, the demuxer that reads the RIFF
// container of animated files, and the muxer that adds metadata chunks (XMP) without re-encoding.
// Found through pkg-config (libwebpdemux pulls libwebp).
#include <webp/decode.h>
#include <webp/encode.h>
#include <webp/demux.h>
#include <webp/mux.h>
