#ifndef VIGIL_VERSION_H
#define VIGIL_VERSION_H

#define VG_VERSION_MAJOR  0
#define VG_VERSION_MINOR  1
#define VG_VERSION_PATCH  0
#define VG_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif
/* The library's version string (may differ from the header's when linked dynamically). */
const char *vg_version(void);
#ifdef __cplusplus
}
#endif
#endif
