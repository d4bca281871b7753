#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/mem.h"

vg_error vgt_load(const char *name, const char *sigs, vg_diag *diag)
{
    vg_engine *e = NULL;
    vg_error err = vg_engine_new(NULL, &e);
    if (err != VG_OK)
        return err;
    err = vg_engine_load_mem(e, name, sigs, strlen(sigs), diag);
    if (err == VG_OK)
        err = vg_engine_compile(e, NULL, diag);
    vg_engine_unref(e);
    return err;
}

vg_engine *vgt_engine_limits(const char *name, const char *sigs, const vg_limits *lim)
{
    vg_engine *e = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vg_engine_new(lim, &e), VG_OK);
    if (sigs != NULL) {
        vg_error err = vg_engine_load_mem(e, name, sigs, strlen(sigs), &d);
        if (err != VG_OK) {
            char buf[1024];
            vg_diag_format(&d, buf, sizeof buf);
            print_error("load failed: %s\n", buf);
        }
        assert_int_equal(err, VG_OK);
    } else {
        assert_int_equal(vg_engine_load_builtin(e), VG_OK);
    }
    vg_error err = vg_engine_compile(e, NULL, &d);
    if (err != VG_OK) {
        char buf[1024];
        vg_diag_format(&d, buf, sizeof buf);
        print_error("compile failed: %s\n", buf);
    }
    assert_int_equal(err, VG_OK);
    return e;
}

vg_engine *vgt_engine(const char *name, const char *sigs)
{
    return vgt_engine_limits(name, sigs, NULL);
}

static int collect(const vg_event *e, void *ud)
{
    vgt_events *ev = ud;
    if (ev->n >= VGT_MAX_EVENTS)
        return 0;
    vgt_event *o = &ev->ev[ev->n++];
    memset(o, 0, sizeof *o);
    o->kind = e->kind;
    o->depth = e->depth;
    o->limit = e->limit;
    o->error = e->error;
    o->offset = e->offset;
    if (e->signature)
        snprintf(o->signature, sizeof o->signature, "%s", e->signature);
    if (e->message)
        snprintf(o->message, sizeof o->message, "%s", e->message);
    size_t used = 0;
    for (unsigned i = 0; i <= e->depth; i++) {
        int n =
            snprintf(o->chain + used, sizeof o->chain - used, "%s%s", i ? "//" : "", e->chain[i]);
        if (n < 0 || (size_t)n >= sizeof o->chain - used)
            break;
        used += (size_t)n;
    }
    return 0;
}

static vg_scanner *new_scanner(vg_engine *e, unsigned flags, vgt_events *ev)
{
    vg_scanner *s = NULL;
    memset(ev, 0, sizeof *ev);
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    vg_scanner_set_callback(s, collect, ev);
    vg_scanner_set_flags(s, flags);
    return s;
}

void vgt_scan_mem(vg_engine *e, const void *data, size_t len, unsigned flags, vgt_events *ev)
{
    vg_scanner *s = new_scanner(e, flags, ev);
    ev->err = vg_scanner_scan_mem(s, data, len, "mem", &ev->result);
    vg_scanner_free(s);
}

void vgt_scan_path(vg_engine *e, const char *path, unsigned flags, vgt_events *ev)
{
    vg_scanner *s = new_scanner(e, flags, ev);
    ev->err = vg_scanner_scan_path(s, path, &ev->result);
    vg_scanner_free(s);
}

int vgt_find_detection(const vgt_events *ev, const char *sig)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].kind == VG_EVENT_DETECTION && strcmp(ev->ev[i].signature, sig) == 0)
            return (int)i;
    return -1;
}

int vgt_count_kind(const vgt_events *ev, vg_event_kind kind)
{
    int n = 0;
    for (size_t i = 0; i < ev->n; i++)
        n += ev->ev[i].kind == kind;
    return n;
}

int vgt_find_limit(const vgt_events *ev, vg_limit_kind kind)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].kind == VG_EVENT_LIMIT && ev->ev[i].limit == kind)
            return (int)i;
    return -1;
}

const char *vgt_write_tmp(const char *name, const void *data, size_t len)
{
    static char paths[8][1024];
    static unsigned slot;
    char *p = paths[slot++ % 8];
    mkdir(VG_TEST_TMP, 0700);
    snprintf(p, 1024, "%s/%d-%s", VG_TEST_TMP, (int)getpid(), name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

uint8_t *vgt_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    uint8_t *buf = vg_malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return buf;
}

void vgt_fill_random(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

void vgt_hsb_line(const void *data, size_t len, const char *name, char *line, size_t cap)
{
    vgi_hasher *h = NULL;
    uint8_t d[VGI_HASH_KINDS][VGI_HASH_MAX];
    assert_int_equal(vgi_hasher_new(&h), VG_OK);
    assert_int_equal(vgi_hasher_start(h, 1u << VGI_HASH_SHA256), VG_OK);
    assert_int_equal(vgi_hasher_update(h, data, len), VG_OK);
    assert_int_equal(vgi_hasher_finish(h, d), VG_OK);
    vgi_hasher_free(h);
    char hex[2 * VGI_HASH_MAX + 1];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[VGI_HASH_SHA256][i]);
    assert_true((size_t)snprintf(line, cap, "%s:%zu:%s\n", hex, len, name) < cap);
}

void vgt_payload(uint8_t *p, size_t len, uint32_t seed, const char *name, char *line, size_t cap)
{
    vgt_fill_random(p, len, seed);
    vgt_hsb_line(p, len, name, line, cap);
}

int vgt_count_errors(const vgt_events *ev, vg_error code)
{
    int n = 0;
    for (size_t i = 0; i < ev->n; i++)
        n += ev->ev[i].kind == VG_EVENT_ERROR && (code == VG_OK || ev->ev[i].error == code);
    return n;
}

const char *vgt_detection_chain(const vgt_events *ev, const char *sig)
{
    int i = vgt_find_detection(ev, sig);
    return i < 0 ? "(none)" : ev->ev[i].chain;
}

void vgt_dump_events(const vgt_events *ev)
{
    for (size_t i = 0; i < ev->n; i++)
        print_message("  event %d %s limit=%d err=%d: %s\n", (int)ev->ev[i].kind, ev->ev[i].chain,
                      (int)ev->ev[i].limit, (int)ev->ev[i].error, ev->ev[i].message);
}
