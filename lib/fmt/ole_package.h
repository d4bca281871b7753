/* OLE "Package" objects: how Office and WordPad embed an arbitrary file.
 *
 * The same layout appears as the native data of an OLE1 object of class
 * "Package" (RTF \objdata) and, after a 4-byte total size, as the
 * "\1Ole10Native" stream of an OLE2 storage (doc, xls, ppt):
 *
 *     u16   2
 *     char  label[]      NUL-terminated ("clam.exe")
 *     char  path[]       NUL-terminated (where it came from)
 *     u16   0, u16 3     (3: embedded; 1 would be a link, no data)
 *     u32   n; char tmp[n]   temporary path, NUL-terminated
 *     u32   size; u8 data[size]   the embedded file
 *
 * Unicode copies of the names may follow the data; they are ignored. */
#ifndef VGI_FMT_OLE_PACKAGE_H
#define VGI_FMT_OLE_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#define VGI_OLE_NAME_MAX 255

typedef struct vgi_ole_package {
    char label[VGI_OLE_NAME_MAX + 1]; /* printable, possibly cut; "" if none */
    size_t data_off;                  /* where the file starts in the input */
    size_t data_len;                  /* its length (cut to what the input holds) */
    int truncated;                    /* the declared size ran past the input */
} vgi_ole_package;

/* Parses package native data (no size prefix). 0 on success, -1 when p is
 * not a package with embedded data. */
int vgi_ole_package_parse(const uint8_t *p, size_t len, vgi_ole_package *out);

/* The same for an \1Ole10Native stream (u32 size prefix first). */
int vgi_ole10native_parse(const uint8_t *p, size_t len, vgi_ole_package *out);

#endif
