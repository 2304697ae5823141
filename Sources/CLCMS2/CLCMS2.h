// The system LittleCMS 2 (Debian: liblcms2-dev), found through pkg-config (`lcms2`).
#include <lcms2.h>
