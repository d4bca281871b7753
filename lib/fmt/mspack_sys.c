/* struct mspack_system over vg_fmap and vgi_child (see mspack_sys.h).
 *
 * Every handle libmspack opens is a small msfile: which object it names,
 * and a position. Input positions stay inside [0, size]: a seek outside the
 * object fails, as libmspack's checks of header offsets expect from a real
 * file system that cannot read there either. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "mspack_sys.h"

enum { KIND_IN, KIND_OUT };

struct mspack_file_p {
    vgi_mspack_sys *owner;
    int kind;
    uint64_t pos;
};

static vgi_mspack_sys *owner_of(struct mspack_system *self)
{
    /* sys is the first member of vgi_mspack_sys */
    return (vgi_mspack_sys *)(void *)self;
}

static struct mspack_file *ms_open(struct mspack_system *self, const char *name, int mode)
{
    vgi_mspack_sys *s = owner_of(self);
    int kind;
    if (name != NULL && strcmp(name, VGI_MSPACK_IN) == 0 && mode == MSPACK_SYS_OPEN_READ)
        kind = KIND_IN;
    else if (name != NULL && strcmp(name, VGI_MSPACK_OUT) == 0 && mode == MSPACK_SYS_OPEN_WRITE)
        kind = KIND_OUT;
    else
        return NULL;
    struct mspack_file_p *f = vg_calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->owner = s;
    f->kind = kind;
    return (struct mspack_file *)(void *)f;
}

static void ms_close(struct mspack_file *file)
{
    vg_free(file);
}

static int ms_read(struct mspack_file *file, void *buffer, int bytes)
{
    struct mspack_file_p *f = (struct mspack_file_p *)(void *)file;
    vgi_mspack_sys *s = f->owner;
    if (f->kind != KIND_IN || bytes < 0)
        return -1;
    /* LZX can run for a long time between two writes (skipping to a
     * member's offset), but it keeps reading: stop it here. */
    if (s->stopped || vgi_scan_should_stop(s->ctx)) {
        s->stopped = 1;
        return -1;
    }
    size_t n = vg_fmap_read(s->in, f->pos, buffer, (size_t)bytes);
    f->pos += n;
    return (int)n;
}

static int ms_write(struct mspack_file *file, void *buffer, int bytes)
{
    struct mspack_file_p *f = (struct mspack_file_p *)(void *)file;
    vgi_mspack_sys *s = f->owner;
    if (f->kind != KIND_OUT || s->out == NULL || bytes < 0)
        return -1;
    if (bytes == 0)
        return 0;
    vg_error err = vgi_child_write(s->out, buffer, (size_t)bytes);
    if (err == VG_ERR_LIMIT) {
        s->limit = vgi_child_limit(s->out);
        if (s->limit == VG_LIMIT_NONE)
            s->limit = VG_LIMIT_FILESIZE; /* refused before: same member, full */
        return -1;
    }
    if (err != VG_OK) {
        s->write_err = err;
        return -1;
    }
    s->written += (uint64_t)bytes;
    f->pos += (uint64_t)bytes;
    return bytes;
}

static int ms_seek(struct mspack_file *file, off_t offset, int mode)
{
    struct mspack_file_p *f = (struct mspack_file_p *)(void *)file;
    if (f->kind != KIND_IN)
        return -1;
    uint64_t size = vg_fmap_size(f->owner->in);
    uint64_t base;
    switch (mode) {
    case MSPACK_SYS_SEEK_START:
        base = 0;
        break;
    case MSPACK_SYS_SEEK_CUR:
        base = f->pos;
        break;
    case MSPACK_SYS_SEEK_END:
        base = size;
        break;
    default:
        return -1;
    }
    uint64_t pos;
    if (offset < 0) {
        uint64_t back = (uint64_t)(-(offset + 1)) + 1; /* no overflow at OFF_MIN */
        if (back > base)
            return -1;
        pos = base - back;
    } else {
        if ((uint64_t)offset > size - base)
            return -1;
        pos = base + (uint64_t)offset;
    }
    f->pos = pos;
    return 0;
}

static off_t ms_tell(struct mspack_file *file)
{
    struct mspack_file_p *f = (struct mspack_file_p *)(void *)file;
    return (off_t)f->pos;
}

static void ms_message(struct mspack_file *file, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void ms_message(struct mspack_file *file, const char *format, ...)
{
    if (file == NULL)
        return; /* no handle, no owner to keep it in: dropped */
    struct mspack_file_p *f = (struct mspack_file_p *)(void *)file;
    va_list ap;
    va_start(ap, format);
    vsnprintf(f->owner->msg, sizeof f->owner->msg, format, ap);
    va_end(ap);
}

static void *ms_alloc(struct mspack_system *self, size_t bytes)
{
    /* libmspack sizes some buffers from the input (a CHM system file's
     * declared length, cast to int): refuse what no valid file needs. */
    if (bytes > VGI_MSPACK_ALLOC_MAX) {
        owner_of(self)->alloc_refused = 1;
        return NULL;
    }
    /* Zeroed: libmspack 0.11's kwajd_open() frees hdr->filename and
     * hdr->extra when the header is cut before it set them (found by the
     * tests on an 8-byte KWAJ file); calloc makes them NULL. */
    return vg_calloc(1, bytes);
}

static void ms_free(void *ptr)
{
    vg_free(ptr);
}

static void ms_copy(void *src, void *dest, size_t bytes)
{
    memcpy(dest, src, bytes);
}

vg_error vgi_mspack_sys_init(vgi_mspack_sys *s, vgi_scan_ctx *ctx, vg_fmap *in)
{
    memset(s, 0, sizeof *s);
    int selftest;
    MSPACK_SYS_SELFTEST(selftest);
    if (selftest != MSPACK_ERR_OK)
        return VG_ERR_IO;
    s->sys.open = ms_open;
    s->sys.close = ms_close;
    s->sys.read = ms_read;
    s->sys.write = ms_write;
    s->sys.seek = ms_seek;
    s->sys.tell = ms_tell;
    s->sys.message = ms_message;
    s->sys.alloc = ms_alloc;
    s->sys.free = ms_free;
    s->sys.copy = ms_copy;
    s->sys.null_ptr = NULL;
    s->ctx = ctx;
    s->in = in;
    return VG_OK;
}

void vgi_mspack_sys_set_out(vgi_mspack_sys *s, vgi_child *child)
{
    s->out = child;
    s->written = 0;
    s->limit = VG_LIMIT_NONE;
    s->write_err = VG_OK;
}

vg_error vgi_mspack_error(const vgi_mspack_sys *s, int code)
{
    switch (code) {
    case MSPACK_ERR_OK:
        return VG_OK;
    case MSPACK_ERR_NOMEMORY:
        return s->alloc_refused ? VG_ERR_MALFORMED : VG_ERR_NOMEM;
    case MSPACK_ERR_READ:
        return VG_ERR_TRUNCATED;
    default:
        return VG_ERR_MALFORMED;
    }
}

const char *vgi_mspack_strerror(int code)
{
    switch (code) {
    case MSPACK_ERR_OK:
        return "no error";
    case MSPACK_ERR_ARGS:
        return "bad arguments";
    case MSPACK_ERR_OPEN:
        return "cannot open";
    case MSPACK_ERR_READ:
        return "read error (data ends early?)";
    case MSPACK_ERR_WRITE:
        return "write refused";
    case MSPACK_ERR_SEEK:
        return "offset outside the file";
    case MSPACK_ERR_NOMEMORY:
        return "out of memory, or a size no valid file has";
    case MSPACK_ERR_SIGNATURE:
        return "bad signature";
    case MSPACK_ERR_DATAFORMAT:
        return "bad or corrupt format";
    case MSPACK_ERR_CHECKSUM:
        return "bad checksum";
    case MSPACK_ERR_DECRUNCH:
        return "corrupt compressed data";
    default:
        return "unknown error";
    }
}
