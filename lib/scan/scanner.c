/* The scan loop: one object at a time, children through the same path.
 *
 * For each object (a top-level file, or a member a handler emitted):
 *
 *   1. charge it against the limits: max_file_size and max_scan_size cut
 *      it to a prefix (reported), depth was checked by the parent;
 *   2. hash it, but only with the digests some signature of this exact size
 *      (or of size '*') could use; an allow-listed (.fp/.sfp) object ends
 *      here, clean, children included;
 *   3. run the Hyperscan stream over it — a resident object in one call, a
 *      larger one in 1 MiB chunks read through its fmap — and verify every
 *      atom hit exactly (verify.c);
 *   4. report detections; with VG_SCAN_MARKINGS, run the marking detector
 *      on the same bytes (scan_markings.c);
 *   5. hand the object to every container handler whose probe() accepts
 *      it; handlers call back into vgi_scan_child().
 *
 * Without --allmatch the first detection stops the whole top-level scan, as
 * clamscan does (in marking mode the walk goes on for markings, and only
 * later detections are dropped). Limits and errors are events too, so a scan that could not
 * look everywhere says so ("incomplete") instead of passing as clean. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/mem.h"
#include "../fmt/fmt.h"
#include "ftype.h"
#include "scan_ctx.h"
#include "scan_markings.h"
#include "spool.h"

#define CHUNK ((size_t)1 << 20)

static const vgi_format *const formats[] = {
#define FORMAT(x) &vgi_format_##x,
#include "../fmt/fmt_list.h"
#undef FORMAT
};

double vgi_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- scanner lifecycle ---- */

vg_error vg_scanner_new(vg_engine *engine, vg_scanner **out)
{
    *out = NULL;
    if (engine == NULL || !engine->compiled)
        return VG_ERR_INVALID_ARG;
    vg_scanner *s = vg_calloc(1, sizeof *s);
    if (s == NULL)
        return VG_ERR_NOMEM;
    s->engine = engine;
    vg_engine_ref(engine);
    vg_error err = VG_ERR_NOMEM;
    if (engine->hs->db && hs_alloc_scratch(engine->hs->db, &s->scratch) != HS_SUCCESS) {
        err = VG_ERR_MATCHER;
        goto fail;
    }
    if (vgi_verifier_new(&s->verifier) != VG_OK || vgi_hasher_new(&s->hasher) != VG_OK)
        goto fail;
    if ((s->chunk = vg_malloc(CHUNK)) == NULL)
        goto fail;
    *out = s;
    return VG_OK;
fail:
    vg_scanner_free(s);
    return err;
}

void vg_scanner_free(vg_scanner *s)
{
    if (s == NULL)
        return;
    hs_free_scratch(s->scratch);
    vgi_verifier_free(s->verifier);
    vgi_hasher_free(s->hasher);
    vg_free(s->chunk);
    vg_free(s->window.p);
    vg_free(s->mark_buf);
    vg_engine_unref(s->engine);
    vg_free(s);
}

void vg_scanner_set_callback(vg_scanner *s, vg_event_fn fn, void *userdata)
{
    s->fn = fn;
    s->userdata = userdata;
}

void vg_scanner_set_flags(vg_scanner *s, unsigned flags)
{
    s->flags = flags;
}

/* ---- events ---- */

void vgi_scan_emit(vgi_scan_ctx *c, vg_event *ev)
{
    ev->chain = c->chain;
    ev->depth = c->depth;
    if (ev->message == NULL)
        ev->message = "";
    if (c->s->fn != NULL && c->s->fn(ev, c->s->userdata) != 0)
        c->aborted = 1;
}

void vgi_scan_report_error(vgi_scan_ctx *c, vg_error code, const char *format, const char *msgfmt,
                           ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, msgfmt);
    vsnprintf(msg, sizeof msg, msgfmt, ap);
    va_end(ap);
    c->res->errors++;
    vg_event ev = {.kind = VG_EVENT_ERROR, .error = code, .message = msg, .format = format};
    vgi_scan_emit(c, &ev);
}

void vgi_scan_report_limit(vgi_scan_ctx *c, vg_limit_kind kind, const char *format,
                           const char *msgfmt, ...)
{
    vgi_frame *f = &c->frames[c->depth];
    if (f->limit_mask & (1u << kind))
        return;
    f->limit_mask |= 1u << kind;
    char msg[512];
    va_list ap;
    va_start(ap, msgfmt);
    vsnprintf(msg, sizeof msg, msgfmt, ap);
    va_end(ap);
    c->res->limits++;
    vg_event ev = {.kind = VG_EVENT_LIMIT,
                   .limit = kind,
                   .error = VG_ERR_LIMIT,
                   .message = msg,
                   .format = format};
    vgi_scan_emit(c, &ev);
}

const vg_limits *vgi_scan_limits(const vgi_scan_ctx *c)
{
    return c->lim;
}

int vgi_scan_has_target(const vgi_scan_ctx *c, unsigned target)
{
    return target < 32 && (c->s->engine->body_targets >> target & 1u) != 0;
}

const char *vgi_scan_current_name(const vgi_scan_ctx *c)
{
    return c->chain[c->depth];
}

int vgi_scan_should_stop(vgi_scan_ctx *c)
{
    if (c->stop || c->aborted || c->timed_out)
        return 1;
    if (c->deadline_ms > 0 && vgi_now_ms() > c->deadline_ms) {
        c->timed_out = 1;
        vgi_scan_report_limit(c, VG_LIMIT_TIME, NULL, "scan time exceeded %llu ms",
                              (unsigned long long)c->lim->max_time_ms);
        return 1;
    }
    return 0;
}

/* ---- matching one object ---- */

static int pending_has(const vgi_scan_ctx *c, uint32_t sig)
{
    for (size_t i = 0; i < c->n_pend; i++)
        if (c->pend[i].sig == sig)
            return 1;
    return 0;
}

static void pending_add(vgi_scan_ctx *c, const char *name, uint32_t sig, vg_sig_kind kind,
                        uint64_t offset)
{
    if (c->n_pend == c->cap_pend) {
        size_t nc = c->cap_pend ? c->cap_pend * 2 : 8;
        vgi_pending *np = vg_realloc(c->pend, nc * sizeof *np);
        if (np == NULL) {
            /* Can't remember it: report it at once rather than lose it. */
            c->res->detections++;
            vg_event ev = {.kind = VG_EVENT_DETECTION,
                           .signature = name,
                           .sig_kind = kind,
                           .offset = offset,
                           .object = c->map};
            vgi_scan_emit(c, &ev);
            return;
        }
        c->pend = np;
        c->cap_pend = nc;
    }
    c->pend[c->n_pend++] = (vgi_pending){name, sig, kind, offset};
}

static int allmatch(const vgi_scan_ctx *c)
{
    return (c->s->flags & VG_SCAN_ALLMATCH) != 0;
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ud)
{
    (void)from;
    (void)flags;
    vgi_scan_ctx *c = ud;
    const vg_engine *e = c->s->engine;
    const vgi_hs_db *h = e->hs;
    for (uint32_t r = h->ref_start[id]; r < h->ref_start[id + 1]; r++) {
        const vgi_hs_ref *ref = &h->refs[r];
        const vgi_body_sig *sig = e->bodies[ref->sig];
        if (sig->target >= 32 || !(c->targets & (1u << sig->target)))
            continue;
        if (to < ref->len || pending_has(c, ref->sig))
            continue;
        uint64_t start = 0;
        vgi_verify_result vr = vgi_verify(c->s->verifier, sig, ref->sig, c->map, ref->el, ref->byte,
                                          to - ref->len, &start);
        if (vr == VGI_VERIFY_MATCH) {
            pending_add(c, e->body_names[ref->sig], ref->sig, VG_SIG_BODY, start);
            if (!allmatch(c))
                return 1;
        } else if (vr == VGI_VERIFY_BUDGET) {
            if (!c->budget_hit)
                vgi_scan_report_limit(c, VG_LIMIT_MATCHWORK, NULL,
                                      "signature verification needed more than %llu steps",
                                      (unsigned long long)c->lim->max_verify_steps);
            c->budget_hit = 1;
            return 1;
        }
    }
    return 0;
}

static const vg_sig_kind kind_of_hash[VGI_HASH_KINDS] = {VG_SIG_MD5, VG_SIG_SHA1, VG_SIG_SHA256};

/* Returns 1 when the object is allow-listed. */
static int check_hashes(vgi_scan_ctx *c, unsigned hk, unsigned ak, uint64_t size,
                        uint8_t dig[VGI_HASH_KINDS][VGI_HASH_MAX])
{
    const vg_engine *e = c->s->engine;
    uint32_t name;
    for (int k = 0; k < VGI_HASH_KINDS; k++)
        if ((ak & (1u << k)) &&
            vgi_hash_set_lookup(e->allows, (vgi_hash_kind)k, dig[k], size, &name))
            return 1;
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        if ((hk & (1u << k)) &&
            vgi_hash_set_lookup(e->hashes, (vgi_hash_kind)k, dig[k], size, &name)) {
            pending_add(c, e->names + name, UINT32_MAX - 1 - (uint32_t)k, kind_of_hash[k], 0);
            if (!allmatch(c))
                break;
        }
    }
    return 0;
}

typedef struct hs_run {
    hs_stream_t *stream;
    int live;
} hs_run;

static void hs_begin(vgi_scan_ctx *c, hs_run *run)
{
    run->stream = NULL;
    run->live = 0;
    const vg_engine *e = c->s->engine;
    if (e->hs->db == NULL)
        return;
    if (hs_open_stream(e->hs->db, 0, &run->stream) != HS_SUCCESS) {
        vgi_scan_report_error(c, VG_ERR_MATCHER, NULL, "cannot open a matcher stream");
        return;
    }
    run->live = 1;
}

static void hs_feed(vgi_scan_ctx *c, hs_run *run, const uint8_t *data, size_t len)
{
    if (!run->live)
        return;
    /* hs_scan_stream takes an unsigned int length. */
    while (len > 0 && run->live) {
        unsigned n = len > (1u << 30) ? (1u << 30) : (unsigned)len;
        hs_error_t rc =
            hs_scan_stream(run->stream, (const char *)data, n, 0, c->s->scratch, on_hit, c);
        if (rc == HS_SCAN_TERMINATED) {
            run->live = 0;
        } else if (rc != HS_SUCCESS) {
            vgi_scan_report_error(c, VG_ERR_MATCHER, NULL, "matcher error %d", (int)rc);
            run->live = 0;
        }
        data += n;
        len -= n;
    }
}

static void hs_end(vgi_scan_ctx *c, hs_run *run)
{
    if (run->stream == NULL)
        return;
    /* End-of-data matches still count while the stream is live. */
    hs_close_stream(run->stream, c->s->scratch, run->live ? on_hit : NULL, c);
    run->stream = NULL;
    run->live = 0;
}

static void emit_pending(vgi_scan_ctx *c)
{
    for (size_t i = 0; i < c->n_pend && !c->aborted; i++) {
        c->res->detections++;
        vg_event ev = {.kind = VG_EVENT_DETECTION,
                       .signature = c->pend[i].name,
                       .sig_kind = c->pend[i].kind,
                       .offset = c->pend[i].offset,
                       .object = c->map};
        vgi_scan_emit(c, &ev);
        if (!allmatch(c)) {
            /* In marking mode the walk goes on, so that every marked
             * member is still found; only later detections are dropped. */
            if (c->s->flags & VG_SCAN_MARKINGS)
                c->detected = 1;
            else
                c->stop = 1;
            break;
        }
    }
    c->n_pend = 0;
}

/* Returns 1 when the object is allow-listed (children are then skipped). */
static int match_object(vgi_scan_ctx *c, vg_fmap *map, int hashable)
{
    vg_scanner *s = c->s;
    const vg_engine *e = s->engine;
    uint64_t size = vg_fmap_size(map);
    c->map = map;
    c->n_pend = 0;
    c->budget_hit = 0;
    if (c->detected)
        return 0; /* marking mode after the first detection, without allmatch */
    c->targets = vgi_ftype_targets(map);
    /* Every atom hit costs a few steps however good the signature, so the
     * budget grows with the object: it stops pathological signatures, not
     * large files. */
    uint64_t steps = c->lim->max_verify_steps;
    steps = size > (UINT64_MAX - steps) / 4 ? UINT64_MAX : steps + 4 * size;
    vgi_verifier_begin_object(s->verifier, steps);

    unsigned hk = hashable ? vgi_hash_set_kinds_for_size(e->hashes, size) : 0;
    unsigned ak = hashable ? vgi_hash_set_kinds_for_size(e->allows, size) : 0;
    uint8_t dig[VGI_HASH_KINDS][VGI_HASH_MAX];
    hs_run run;
    const uint8_t *data = vg_fmap_data(map);

    if (data != NULL) {
        if (hk | ak) {
            if (vgi_hasher_start(s->hasher, hk | ak) != VG_OK ||
                vgi_hasher_update(s->hasher, data, (size_t)size) != VG_OK ||
                vgi_hasher_finish(s->hasher, dig) != VG_OK)
                hk = ak = 0;
            else if (check_hashes(c, hk, ak, size, dig))
                return 1;
        }
        if (c->n_pend == 0 || allmatch(c)) {
            hs_begin(c, &run);
            hs_feed(c, &run, data, (size_t)size);
            hs_end(c, &run);
        }
        emit_pending(c);
        return 0;
    }

    /* Too large to hold: one pass in chunks feeds the digests and the
     * matcher together. */
    int hashing = (hk | ak) && vgi_hasher_start(s->hasher, hk | ak) == VG_OK;
    hs_begin(c, &run);
    uint64_t off = 0;
    while (off < size) {
        size_t n = vg_fmap_read(map, off, s->chunk, CHUNK);
        if (n == 0) {
            vgi_scan_report_error(c, VG_ERR_IO, NULL, "read error at offset %llu",
                                  (unsigned long long)off);
            hashing = 0;
            break;
        }
        if (hashing && vgi_hasher_update(s->hasher, s->chunk, n) != VG_OK)
            hashing = 0;
        hs_feed(c, &run, s->chunk, n);
        off += n;
        /* Once a detection is in and the digests are not needed, stop. */
        if (!run.live && !hashing)
            break;
        if (vgi_scan_should_stop(c) && !c->stop) {
            hashing = 0;
            break;
        }
    }
    hs_end(c, &run);
    if (hashing && off == size && vgi_hasher_finish(s->hasher, dig) == VG_OK &&
        check_hashes(c, hk, ak, size, dig)) {
        c->n_pend = 0;
        return 1;
    }
    emit_pending(c);
    return 0;
}

static void walk_containers(vgi_scan_ctx *c, vg_fmap *map)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (vgi_scan_should_stop(c))
            return;
        if (!formats[i]->probe(map))
            continue;
        if (c->depth >= c->lim->max_depth) {
            vgi_scan_report_limit(c, VG_LIMIT_DEPTH, formats[i]->name,
                                  "%s nested deeper than %u levels", formats[i]->name,
                                  c->lim->max_depth);
            return;
        }
        unsigned errors_before = c->res->errors;
        vg_error err = formats[i]->parse(c, map);
        if (err != VG_OK && err != VG_ERR_LIMIT && err != VG_ERR_ABORTED &&
            c->res->errors == errors_before)
            vgi_scan_report_error(c, err, formats[i]->name, "%s: %s", formats[i]->name,
                                  vg_strerror(err));
    }
}

static void scan_object(vgi_scan_ctx *c, vg_fmap *map)
{
    vgi_frame *f = &c->frames[c->depth];
    uint64_t size = vg_fmap_size(map);
    memset(f, 0, sizeof *f);
    f->size = size;
    c->res->objects++;

    uint64_t take = size;
    if (take > c->lim->max_file_size) {
        vgi_scan_report_limit(c, VG_LIMIT_FILESIZE, NULL,
                              "object of %llu bytes is larger than max-filesize %llu; "
                              "only its first %llu bytes are scanned",
                              (unsigned long long)size, (unsigned long long)c->lim->max_file_size,
                              (unsigned long long)c->lim->max_file_size);
        take = c->lim->max_file_size;
    }
    uint64_t left = c->lim->max_scan_size > c->scanned ? c->lim->max_scan_size - c->scanned : 0;
    if (take > left) {
        vgi_scan_report_limit(c, VG_LIMIT_SCANSIZE, NULL, "max-scansize %llu reached for this file",
                              (unsigned long long)c->lim->max_scan_size);
        take = left;
    }
    c->scanned += take;
    c->res->bytes_scanned += take;

    vg_fmap *prefix = NULL;
    vg_fmap *view = map;
    if (take < size) {
        if (vg_fmap_sub(map, 0, take, &prefix) != VG_OK) {
            vgi_scan_report_error(c, VG_ERR_NOMEM, NULL, "out of memory");
            return;
        }
        view = prefix;
    }
    int allowed = match_object(c, view, take == size);
    vgi_scan_markings(c, view);
    vg_fmap_close(prefix);
    if (!allowed)
        walk_containers(c, map);
}

vg_error vgi_scan_child(vgi_scan_ctx *c, vg_fmap *child, const char *name)
{
    if (vgi_scan_should_stop(c))
        return VG_ERR_ABORTED;
    vgi_frame *pf = &c->frames[c->depth];
    if (pf->files >= c->lim->max_files) {
        vgi_scan_report_limit(c, VG_LIMIT_FILES, NULL, "more than %u members", c->lim->max_files);
        return VG_ERR_LIMIT;
    }
    if (c->depth + 1 > c->lim->max_depth || c->depth + 2 > VGI_MAX_CHAIN) {
        vgi_scan_report_limit(c, VG_LIMIT_DEPTH, NULL, "nested deeper than %u levels",
                              c->lim->max_depth);
        return VG_ERR_LIMIT;
    }
    pf->files++;
    c->depth++;
    c->chain[c->depth] = name ? name : "?";
    scan_object(c, child);
    c->depth--;
    return c->aborted ? VG_ERR_ABORTED : VG_OK;
}

/* ---- entry points ---- */

static vg_error run(vg_scanner *s, vg_fmap *map, const char *name, vg_result *out)
{
    vg_result r;
    memset(&r, 0, sizeof r);
    vgi_scan_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.lim = &s->engine->limits;
    c.res = &r;
    c.chain[0] = name ? name : "-";
    if (c.lim->max_time_ms)
        c.deadline_ms = vgi_now_ms() + (double)c.lim->max_time_ms;
    r.bytes_read = vg_fmap_size(map);
    scan_object(&c, map);
    vg_free(c.pend);
    if (r.detections)
        r.verdict = VG_VERDICT_INFECTED;
    else if (r.limits || r.errors)
        r.verdict = VG_VERDICT_INCOMPLETE;
    else
        r.verdict = VG_VERDICT_CLEAN;
    if (out)
        *out = r;
    return c.aborted ? VG_ERR_ABORTED : VG_OK;
}

vg_error vg_scanner_scan_fmap(vg_scanner *s, vg_fmap *map, const char *name, vg_result *out)
{
    if (s == NULL || map == NULL)
        return VG_ERR_INVALID_ARG;
    return run(s, map, name, out);
}

vg_error vg_scanner_scan_mem(vg_scanner *s, const void *buf, size_t len, const char *name,
                             vg_result *out)
{
    vg_fmap *map = NULL;
    vg_error err = vg_fmap_open_mem(buf, len, &map);
    if (err != VG_OK)
        return err;
    err = run(s, map, name, out);
    vg_fmap_close(map);
    return err;
}

vg_error vg_scanner_scan_stream(vg_scanner *s, int fd, const char *name, vg_result *out)
{
    if (s == NULL || fd < 0)
        return VG_ERR_INVALID_ARG;
    const vg_limits *lim = &s->engine->limits;
    vgi_spool sp;
    vgi_spool_init(&sp, (size_t)lim->stream_threshold);
    vg_error err = VG_OK;
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, s->chunk, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = VG_ERR_IO;
            break;
        }
        if (n == 0)
            break;
        /* Keep what the limits allow us to scan; drain the rest so the
         * writer is not blocked, and let scan_object report the limit. */
        uint64_t keep_max = lim->max_file_size + 1;
        if (total < keep_max) {
            size_t keep = (size_t)n;
            if (total + keep > keep_max)
                keep = (size_t)(keep_max - total);
            if ((err = vgi_spool_write(&sp, s->chunk, keep)) != VG_OK)
                break;
        }
        total += (uint64_t)n;
    }
    vg_fmap *map = NULL;
    if (err == VG_OK && (err = vgi_spool_open_map(&sp, &map)) == VG_OK) {
        err = run(s, map, name, out);
        vg_fmap_close(map);
    }
    vgi_spool_cleanup(&sp);
    return err;
}

vg_error vg_scanner_scan_fd(vg_scanner *s, int fd, const char *name, vg_result *out)
{
    if (s == NULL || fd < 0)
        return VG_ERR_INVALID_ARG;
    /* One fstat per file, the map's: it refuses what is not a regular file
     * (or block device), which is then read as a stream. */
    vg_fmap *map = NULL;
    vg_error err =
        vgi_fmap_open_fd_buf(fd, (size_t)s->engine->limits.stream_threshold, &s->window, &map);
    if (err == VG_ERR_INVALID_ARG)
        return vg_scanner_scan_stream(s, fd, name, out);
    if (err != VG_OK)
        return err;
    err = run(s, map, name, out);
    vg_fmap_close(map);
    return err;
}

vg_error vg_scanner_scan_path(vg_scanner *s, const char *path, vg_result *out)
{
    if (s == NULL || path == NULL)
        return VG_ERR_INVALID_ARG;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? VG_ERR_NOT_FOUND : VG_ERR_IO;
    struct stat st;
    vg_error err;
    if (fstat(fd, &st) != 0)
        err = VG_ERR_IO;
    else if (!S_ISREG(st.st_mode))
        err = VG_ERR_INVALID_ARG; /* directories, devices, fifos: the caller decides */
    else
        err = vg_scanner_scan_fd(s, fd, path, out);
    close(fd);
    return err;
}
