/* Names of the library's error codes. The table is indexed by code, so a
 * new code must be appended here in the same change that adds it. */
#include <stddef.h>
#include <vigil/error.h>
#include <vigil/version.h>

static const char *const names[] = {
    [VG_OK] = "success",
    [VG_ERR_NOMEM] = "out of memory",
    [VG_ERR_INVALID_ARG] = "invalid argument",
    [VG_ERR_IO] = "input/output error",
    [VG_ERR_MALFORMED] = "malformed input",
    [VG_ERR_TRUNCATED] = "truncated input",
    [VG_ERR_LIMIT] = "limit exceeded",
    [VG_ERR_TIMEOUT] = "time limit exceeded",
    [VG_ERR_ABORTED] = "aborted",
    [VG_ERR_UNSUPPORTED] = "unsupported",
    [VG_ERR_MATCHER] = "pattern matcher error",
    [VG_ERR_NOT_FOUND] = "not found",
    [VG_ERR_EXISTS] = "already exists",
    [VG_ERR_CHANGED] = "changed since it was scanned",
    [VG_ERR_NOSPACE] = "no space left on device",
    [VG_ERR_CRYPTO] = "authentication failed (wrong key or altered data)",
};

const char *vg_strerror(vg_error code)
{
    if ((unsigned)code < sizeof names / sizeof names[0] && names[code] != NULL)
        return names[code];
    return "unknown error";
}

const char *vg_version(void)
{
    return VG_VERSION_STRING;
}
