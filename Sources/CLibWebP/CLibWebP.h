// The system libwebp (Debian: libwebp-dev): decoder, encoder, and the demuxer that
// reads the RIFF container of animated files. Found through pkg-config (libwebpdemux pulls libwebp).
#include <webp/decode.h>
#include <webp/encode.h>
#include <webp/demux.h>
