/* VIGIL-STATUS: one line of JSON describing on-access protection.
 *
 *   {"onaccess":"fanotify","enabled":true,"prevention":true,"error":null,
 *    "paths":["/home"],"events":12,"scanned":3,"cached":9,"found":1,"denied":1,...,
 *    "cache":{"entries":3,"capacity":65536,"hits":9,"misses":3},
 *    "catchup":{"state":"scanning","files_done":10,"files_total":42,"found":0,
 *               "findings":[{"path":"/home/u/x","signature":"Eicar-Test-Signature"}]},
 *    "watermarks":[{"path":"/home","ns":1714556400000000000}]}
 *
 * One line, so it fits every reply form of the clamd protocol (the daemon
 * adds the terminator). Written by hand: the strings are paths and
 * signature names, escaped below. */
#include "control_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f); /* UTF-8 passes through; other bytes are kept as they are */
    }
    fputc('"', f);
}

static void kv_u64(FILE *f, const char *k, uint64_t v)
{
    fprintf(f, ",\"%s\":%llu", k, (unsigned long long)v);
}

static void write_catchup(FILE *f, vd_control *c)
{
    fputs(",\"catchup\":", f);
    pthread_mutex_lock(&c->mu);
    if (c->cu == NULL) {
        pthread_mutex_unlock(&c->mu);
        fputs("{\"state\":\"none\"}", f);
        return;
    }
    vd_cu_progress *p = malloc(sizeof *p);
    if (p)
        vd_catchup_progress(c->cu, p);
    uint64_t runs = c->catchups;
    pthread_mutex_unlock(&c->mu);
    if (p == NULL) {
        fputs("null", f);
        return;
    }
    fputs("{\"state\":", f);
    json_str(f, vd_cu_state_name(p->state));
    kv_u64(f, "files_done", p->files_done);
    kv_u64(f, "files_total", p->files_total);
    kv_u64(f, "found", p->found);
    kv_u64(f, "errors", p->errors);
    kv_u64(f, "tree", p->tree);
    kv_u64(f, "trees", p->n_trees);
    kv_u64(f, "started", (uint64_t)p->started);
    kv_u64(f, "finished", (uint64_t)p->finished);
    kv_u64(f, "runs", runs);
    fputs(",\"findings\":[", f);
    for (size_t i = 0; i < p->n_findings; i++) {
        fputs(i ? ",{\"path\":" : "{\"path\":", f);
        json_str(f, p->findings[i].path);
        fputs(",\"signature\":", f);
        json_str(f, p->findings[i].signature);
        fputc('}', f);
    }
    fputs("]}", f);
    free(p);
}

void vd_control_status(vd_daemon *d, int fd, const char *args, void *ud)
{
    vd_control *c = ud;
    (void)d;
    (void)args;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        static const char err[] = "{\"error\":\"out of memory\"}";
        vd_write_all(fd, err, sizeof err - 1);
        return;
    }
    pthread_mutex_lock(&c->mu);
    bool enabled = c->enabled;
    pthread_mutex_unlock(&c->mu);
    fputs("{\"onaccess\":", f);
    json_str(f, c->oa ? vd_onaccess_mode(c->oa) : "off");
    fprintf(f, ",\"enabled\":%s,\"prevention\":%s,\"quarantine\":%s,\"error\":",
            enabled ? "true" : "false", c->cfg->onaccess_prevention ? "true" : "false",
            c->cfg->quarantine_on_detect ? "true" : "false");
    json_str(f, c->oa ? NULL : c->oa_error);
    fputs(",\"paths\":[", f);
    for (size_t i = 0; i < c->n_include; i++) {
        if (i)
            fputc(',', f);
        json_str(f, c->include[i]);
    }
    fputc(']', f);
    vd_oa_stats s;
    memset(&s, 0, sizeof s);
    if (c->oa)
        vd_onaccess_stats_get(c->oa, &s);
    kv_u64(f, "events", s.events);
    kv_u64(f, "scanned", s.scanned);
    kv_u64(f, "cached", s.cached);
    kv_u64(f, "found", s.found);
    kv_u64(f, "denied", s.denied);
    kv_u64(f, "quarantined", vd_oa_bridge_quarantined(c->bridge));
    kv_u64(f, "timeouts", s.timeouts);
    kv_u64(f, "errors", s.errors);
    kv_u64(f, "excluded", s.excluded);
    kv_u64(f, "own", s.own);
    kv_u64(f, "allowed_disabled", s.disabled);
    kv_u64(f, "overload", s.overload);
    kv_u64(f, "dirs", s.dirs);
    vd_vcache_stats cs;
    vd_vcache_stats_get(c->cache, &cs);
    fprintf(f, ",\"cache\":{\"entries\":%zu,\"capacity\":%zu", cs.entries, cs.capacity);
    kv_u64(f, "hits", cs.hits);
    kv_u64(f, "misses", cs.misses);
    kv_u64(f, "evictions", cs.evictions);
    kv_u64(f, "drops", cs.drops);
    fputc('}', f);
    write_catchup(f, c);
    fputs(",\"watermarks\":[", f);
    pthread_mutex_lock(&c->mu);
    bool first = true;
    for (size_t i = 0; i < c->n_include; i++) {
        if (!c->has_wm[i])
            continue;
        fputs(first ? "{\"path\":" : ",{\"path\":", f);
        first = false;
        json_str(f, c->include[i]);
        fprintf(f, ",\"ns\":%lld}", (long long)c->wm[i]);
    }
    pthread_mutex_unlock(&c->mu);
    fputs("]}", f);
    if (fclose(f) == 0)
        vd_write_all(fd, buf, len);
    free(buf);
}
