/* libarchive, loaded when the first archive is met.
 *
 * Linking libarchive pulls its whole dependency tree into every start
 * (libxml2 and ICU for the xar reader alone cost ~5 ms), and most starts
 * of a scanner, or most files it sees, never need it. fmt_archive.c calls
 * libarchive only through this table, filled by dlopen()/dlsym() once.
 * The header's prototypes give every entry its exact type. */
#ifndef VGI_FMT_LA_API_H
#define VGI_FMT_LA_API_H

#include <archive.h>
#include <archive_entry.h>

#define VGI_LA_SYMS(X)                                                                             \
    X(archive_read_new)                                                                            \
    X(archive_read_free)                                                                           \
    X(archive_read_open1)                                                                          \
    X(archive_read_next_header)                                                                    \
    X(archive_read_data)                                                                           \
    X(archive_read_data_block)                                                                     \
    X(archive_read_append_filter)                                                                  \
    X(archive_read_has_encrypted_entries)                                                          \
    X(archive_read_set_callback_data)                                                              \
    X(archive_read_set_read_callback)                                                              \
    X(archive_read_set_skip_callback)                                                              \
    X(archive_read_set_seek_callback)                                                              \
    X(archive_read_support_format_raw)                                                             \
    X(archive_read_support_filter_compress)                                                        \
    X(archive_format)                                                                              \
    X(archive_format_name)                                                                         \
    X(archive_filter_count)                                                                        \
    X(archive_filter_code)                                                                         \
    X(archive_filter_bytes)                                                                        \
    X(archive_error_string)                                                                        \
    X(archive_errno)                                                                               \
    X(archive_set_error)                                                                           \
    X(archive_entry_size)                                                                          \
    X(archive_entry_pathname)                                                                      \
    X(archive_entry_pathname_utf8)                                                                 \
    X(archive_entry_is_encrypted)                                                                  \
    X(archive_entry_hardlink)                                                                      \
    X(archive_entry_filetype)

/* Filters linked against a library; without it libarchive would fork and
 * exec an external program instead, which a scanner must never do. The
 * second name is the library's version function (NULL: built in); a filter
 * is enabled only when that function exists and answers. */
#define VGI_LA_FILTERS(X)                                                                          \
    X(archive_read_support_filter_bzip2, "archive_bzlib_version")                                  \
    X(archive_read_support_filter_compress, NULL)                                                  \
    X(archive_read_support_filter_gzip, "archive_zlib_version")                                    \
    X(archive_read_support_filter_lz4, "archive_liblz4_version")                                   \
    X(archive_read_support_filter_lzip, "archive_liblzma_version")                                 \
    X(archive_read_support_filter_lzma, "archive_liblzma_version")                                 \
    X(archive_read_support_filter_rpm, NULL)                                                       \
    X(archive_read_support_filter_xz, "archive_liblzma_version")                                   \
    X(archive_read_support_filter_zstd, "archive_libzstd_version")

/* Every format but mtree, which reads the files its manifest names. "empty"
 * takes a filter whose stream inflates to nothing (a valid empty .gz), which
 * would otherwise be "Unrecognized archive format". */
#define VGI_LA_FORMATS(X)                                                                          \
    X(archive_read_support_format_7zip)                                                            \
    X(archive_read_support_format_ar)                                                              \
    X(archive_read_support_format_cab)                                                             \
    X(archive_read_support_format_cpio)                                                            \
    X(archive_read_support_format_iso9660)                                                         \
    X(archive_read_support_format_lha)                                                             \
    X(archive_read_support_format_rar)                                                             \
    X(archive_read_support_format_rar5)                                                            \
    X(archive_read_support_format_tar)                                                             \
    X(archive_read_support_format_warc)                                                            \
    X(archive_read_support_format_xar)                                                             \
    X(archive_read_support_format_zip)                                                             \
    X(archive_read_support_format_empty)                                                           \
    X(archive_read_support_format_raw)

#define VGI_LA_COUNT1(n)    +1
#define VGI_LA_COUNT2(n, v) +1

typedef struct vgi_la_filter {
    int (*enable)(struct archive *);
    const char *(*library)(void); /* NULL: built into libarchive */
} vgi_la_filter;

typedef struct vgi_la {
#define X(n) __typeof__(n) *n;
    VGI_LA_SYMS(X)
#undef X
    vgi_la_filter filters[0 VGI_LA_FILTERS(VGI_LA_COUNT2)];
    int (*formats[0 VGI_LA_FORMATS(VGI_LA_COUNT1)])(struct archive *);
} vgi_la;

/* The table, loading libarchive on the first call (thread-safe). NULL, with
 * the reason in *why, when it cannot be loaded. */
const vgi_la *vgi_la_get(const char **why);

#endif
