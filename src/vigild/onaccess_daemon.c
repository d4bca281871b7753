/* Hooks of the on-access modules, served by the daemon.
 *
 * Each slot (one worker thread) keeps a vg_scanner between scans: making
 * one allocates matcher scratch, too slow to repeat per open. A scanner
 * pins the engine it was made from, so the slot checks the current engine
 * at every scan and rebuilds on a RELOAD, and lets go of it when its worker
 * goes idle (the idle hook): an old engine is then freed within seconds of
 * a reload even if no file is opened. The pointer comparison is safe
 * because the held scanner keeps the old engine alive: a new engine cannot
 * reuse its address.
 *
 * Test hook: VIGILD_TEST_SCAN_DELAY_MS=<ms> in the environment makes every
 * on-access scan sleep that long first, so tests can hold an opener waiting
 * (budget, shutdown, kill -9) without timing-dependent big files. */
#include "onaccess_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vigil/scanner.h>
#include <vigil/vault.h>

typedef struct slot {
    vg_scanner *scanner;
    vg_engine *engine; /* the scanner's (it holds the reference) */
} slot;

struct vd_oa_bridge {
    vd_daemon *d;
    const vd_config *cfg;
    vg_vault *vault;
    slot *slots;
    unsigned n_slots;
    unsigned delay_ms;
    atomic_uint_fast64_t quarantined;
};

typedef struct found_ctx {
    char *sig;
    size_t size;
    bool found;
} found_ctx;

static int on_event(const vg_event *ev, void *ud)
{
    found_ctx *f = ud;
    if (ev->kind == VG_EVENT_DETECTION && !f->found) {
        f->found = true;
        snprintf(f->sig, f->size, "%s", ev->signature ? ev->signature : "?");
    }
    return 0;
}

static void hook_scan(void *ud, unsigned slot_i, int fd, const char *path, vd_oa_result *out)
{
    vd_oa_bridge *b = ud;
    out->verdict = VD_OA_ERROR;
    if (slot_i >= b->n_slots) {
        snprintf(out->message, sizeof out->message, "no scanner slot %u", slot_i);
        return;
    }
    slot *s = &b->slots[slot_i];
    uint64_t gen = 0;
    vg_engine *e = vd_engine_acquire_gen(b->d, &gen);
    if (e == NULL) {
        snprintf(out->message, sizeof out->message, "no engine");
        return;
    }
    if (s->scanner == NULL || s->engine != e) {
        vg_scanner_free(s->scanner); /* releases the old engine */
        s->scanner = NULL;
        vg_error err = vg_scanner_new(e, &s->scanner);
        if (err != VG_OK) {
            vd_engine_release(b->d, e);
            snprintf(out->message, sizeof out->message, "scanner: %s", vg_strerror(err));
            return;
        }
        s->engine = e;
    }
    if (b->delay_ms) {
        struct timespec ts = {.tv_sec = b->delay_ms / 1000,
                              .tv_nsec = (long)(b->delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    found_ctx f = {.sig = out->signature, .size = sizeof out->signature};
    vg_scanner_set_callback(s->scanner, on_event, &f);
    vg_result r;
    memset(&r, 0, sizeof r);
    vg_error err = vg_scanner_scan_fd(s->scanner, fd, path, &r);
    vd_engine_release(b->d, e); /* the scanner still holds its own reference */
    out->gen = gen;
    if (err != VG_OK) {
        snprintf(out->message, sizeof out->message, "%s", vg_strerror(err));
    } else if (r.verdict == VG_VERDICT_INFECTED || f.found) {
        out->verdict = VD_OA_INFECTED;
    } else if (r.verdict == VG_VERDICT_INCOMPLETE) {
        /* Not clean, so not cached; not proven infected, so allowed. */
        snprintf(out->message, sizeof out->message, "incomplete scan (%u limit(s), %u error(s))",
                 r.limits, r.errors);
    } else {
        out->verdict = VD_OA_CLEAN;
    }
}

static void hook_idle(void *ud, unsigned slot_i)
{
    vd_oa_bridge *b = ud;
    if (slot_i >= b->n_slots)
        return;
    vg_scanner_free(b->slots[slot_i].scanner);
    b->slots[slot_i].scanner = NULL;
    b->slots[slot_i].engine = NULL;
}

static uint64_t hook_generation(void *ud)
{
    vd_oa_bridge *b = ud;
    uint64_t gen = 0;
    vg_engine *e = vd_engine_acquire_gen(b->d, &gen);
    if (e)
        vd_engine_release(b->d, e);
    return gen;
}

static void hook_found(void *ud, int fd, const char *path, const vd_oa_result *res, bool denied)
{
    vd_oa_bridge *b = ud;
    (void)denied;
    if (b->vault == NULL || fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return;
    vg_file_id seen;
    vg_file_id_from_stat(&st, &seen);
    char dir[PATH_MAX], base[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(base, sizeof base, "%s", path);
    int dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        vd_log(b->d, VD_LOG_ERROR, "onaccess.quarantine_failed", "path=%s error=\"%s\"", path,
               strerror(errno));
        return;
    }
    vg_vault_meta meta = {.original_path = path, .detection = res->signature};
    char id[VG_VAULT_ID_LEN + 1];
    vg_diag diag;
    vg_diag_clear(&diag);
    vg_error err = vg_vault_quarantine(b->vault, dirfd, basename(base), &seen, &meta, id, &diag);
    close(dirfd);
    if (err == VG_OK) {
        atomic_fetch_add(&b->quarantined, 1);
        vd_log(b->d, VD_LOG_WARN, "onaccess.quarantine", "path=%s sig=%s id=%s", path,
               res->signature, id);
    } else {
        vd_log(b->d, VD_LOG_ERROR, "onaccess.quarantine_failed", "path=%s error=\"%s%s%s\"", path,
               vg_strerror(err), diag.message[0] ? ": " : "", diag.message);
    }
}

static void hook_log(void *ud, int level, const char *event, const char *text)
{
    vd_oa_bridge *b = ud;
    vd_log(b->d, level, event, "%s", text);
}

vd_oa_bridge *vd_oa_bridge_new(vd_daemon *d, unsigned slots)
{
    vd_oa_bridge *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->slots = calloc(slots ? slots : 1, sizeof *b->slots);
    if (b->slots == NULL) {
        free(b);
        return NULL;
    }
    b->d = d;
    b->cfg = vd_daemon_config(d);
    b->n_slots = slots;
    const char *delay = getenv("VIGILD_TEST_SCAN_DELAY_MS");
    if (delay && *delay) {
        b->delay_ms = (unsigned)strtoul(delay, NULL, 10);
        vd_log(d, VD_LOG_WARN, "onaccess.test_delay", "ms=%u note=\"test hook\"", b->delay_ms);
    }
    const char *vdir = b->cfg->vault_dir;
    if (b->cfg->quarantine_on_detect && vdir) {
        vg_vault_opts vo = {.create = 1};
        vg_diag diag;
        vg_diag_clear(&diag);
        vg_error err = vg_vault_open(vdir, &vo, &diag, &b->vault);
        if (err != VG_OK)
            vd_log(d, VD_LOG_ERROR, "onaccess.vault",
                   "dir=%s error=\"%s%s%s\" note=\"detections will be reported, not "
                   "quarantined\"",
                   vdir, vg_strerror(err), diag.message[0] ? ": " : "", diag.message);
    }
    return b;
}

void vd_oa_bridge_free(vd_oa_bridge *b)
{
    if (b == NULL)
        return;
    for (unsigned i = 0; i < b->n_slots; i++)
        vg_scanner_free(b->slots[i].scanner);
    free(b->slots);
    vg_vault_close(b->vault);
    free(b);
}

void vd_oa_bridge_hooks(vd_oa_bridge *b, vd_oa_hooks *h)
{
    memset(h, 0, sizeof *h);
    h->ud = b;
    h->scan = hook_scan;
    h->idle = hook_idle;
    h->generation = hook_generation;
    h->found = hook_found;
    h->log = hook_log;
}

uint64_t vd_oa_bridge_quarantined(const vd_oa_bridge *b)
{
    return atomic_load(&((vd_oa_bridge *)b)->quarantined);
}
