// The system ISA-L (Intel's Intelligent Storage Acceleration Library; Debian: libisal-dev), found
// through pkg-config: igzip's streaming inflate, in x86 assembly, for PNG image data.
#include <isa-l/igzip_lib.h>
