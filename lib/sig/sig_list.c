/* The table of signature file formats, built from sig_list.h.
 *
 * A file's format is its extension, compared without regard to case:
 * "/var/lib/vigil/daily.HDB" is .hdb, "local.ign" is the old .ign and
 * "local.ign2" is .ign2 (only the part after the last dot of the last path
 * component counts, so "sigs.ndb.d/readme" has none). Unknown extensions
 * give NULL: the loader decides whether that is an error or a file to pass
 * over in a directory. */
#include <strings.h>

#include "sig_formats.h"

const vgi_sigfmt vgi_sigfmts[] = {
#define SIGFMT(name, ext, parse_fn) {#name, ext, parse_fn},
#include "sig_list.h"
#undef SIGFMT
};

const size_t vgi_sigfmt_count = sizeof vgi_sigfmts / sizeof vgi_sigfmts[0];

const vgi_sigfmt *vgi_sigfmt_for_name(const char *filename)
{
    if (filename == NULL)
        return NULL;
    const char *base = strrchr(filename, '/');
    base = base ? base + 1 : filename;
    const char *dot = strrchr(base, '.');
    if (dot == NULL)
        return NULL;
    for (size_t i = 0; i < vgi_sigfmt_count; i++)
        if (strcasecmp(dot, vgi_sigfmts[i].ext) == 0)
            return &vgi_sigfmts[i];
    return NULL;
}
