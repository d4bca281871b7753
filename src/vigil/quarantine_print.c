/* Entries as people and scripts read them.
 *
 *     ID                                DATE                 SIZE  DETECTION             PATH
 *     3f0c9a...                         2026-11-23 15:20:30    68  Eicar-Test-Signature  /srv/e.com
 *
 * Names are escaped as in the scan output (a file name must not forge a
 * line); --json gives the exact strings, with "<field>_hex" for names that
 * are not UTF-8. */
#include "quarantine_print.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void qprint_escaped(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p != NULL && *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

static void format_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (localtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, len, "%lld", (long long)t);
}

static void set_str(json_t *o, const char *field, const char *s)
{
    if (s == NULL)
        return;
    json_t *j = json_string(s);
    if (j != NULL) {
        json_object_set_new(o, field, j);
        return;
    }
    size_t len = strlen(s);
    char *hex = malloc(2 * len + 1);
    if (hex == NULL)
        return;
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)s[i]);
    char name[64];
    snprintf(name, sizeof name, "%s_hex", field);
    json_object_set_new(o, name, json_string(hex));
    free(hex);
}

static json_t *entry_json(const vg_vault_entry *e)
{
    json_t *o = json_pack("{s:s}", "id", e->id);
    if (o == NULL)
        return NULL;
    if (e->status != VG_OK) {
        json_object_set_new(o, "error", json_string(vg_strerror(e->status)));
        return o;
    }
    char date[64];
    format_time(e->date, date, sizeof date);
    set_str(o, "path", e->original_path);
    set_str(o, "detection", e->detection);
    set_str(o, "found_in", e->found_in);
    json_object_set_new(o, "date", json_integer((json_int_t)e->date));
    json_object_set_new(o, "date_local", json_string(date));
    json_object_set_new(o, "size", json_integer((json_int_t)e->size));
    json_object_set_new(o, "sha256", json_string(e->sha256));
    json_object_set_new(o, "mode", json_integer((json_int_t)e->mode));
    json_object_set_new(o, "uid", json_integer((json_int_t)e->uid));
    json_object_set_new(o, "gid", json_integer((json_int_t)e->gid));
    set_str(o, "owner", e->owner);
    set_str(o, "group", e->group);
    json_object_set_new(o, "atime",
                        json_pack("[I,I]", (json_int_t)e->atime_sec, (json_int_t)e->atime_nsec));
    json_object_set_new(o, "mtime",
                        json_pack("[I,I]", (json_int_t)e->mtime_sec, (json_int_t)e->mtime_nsec));
    json_object_set_new(o, "ctime",
                        json_pack("[I,I]", (json_int_t)e->ctime_sec, (json_int_t)e->ctime_nsec));
    json_object_set_new(o, "entry_bytes", json_integer((json_int_t)e->entry_bytes));
    return o;
}

static void print_json(FILE *f, const vg_vault_entry *e)
{
    json_t *o = entry_json(e);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s != NULL)
        fprintf(f, "%s\n", s);
    free(s);
    json_decref(o);
}

int qprint_list(FILE *f, const vg_vault_entry *list, size_t n, bool json)
{
    int rc = 0;
    if (!json && n > 0)
        fprintf(f, "%-32s  %-19s  %10s  %-24s  %s\n", "ID", "DATE", "SIZE", "DETECTION",
                "ORIGINAL PATH");
    for (size_t i = 0; i < n; i++) {
        const vg_vault_entry *e = &list[i];
        if (e->status != VG_OK)
            rc = 2;
        if (json) {
            print_json(f, e);
            continue;
        }
        if (e->status != VG_OK) {
            fprintf(f, "%-32s  unreadable: %s\n", e->id, vg_strerror(e->status));
            continue;
        }
        char date[64];
        format_time(e->date, date, sizeof date);
        fprintf(f, "%-32s  %-19s  %10llu  %-24s  ", e->id, date, (unsigned long long)e->size,
                e->detection);
        qprint_escaped(f, e->original_path);
        if (e->found_in != NULL) {
            fputs(" (in ", f);
            qprint_escaped(f, e->found_in);
            fputc(')', f);
        }
        fputc('\n', f);
    }
    return rc;
}

static void put_time(FILE *f, const char *label, int64_t sec, long nsec)
{
    char buf[64];
    format_time(sec, buf, sizeof buf);
    fprintf(f, "%-14s %s.%09ld (%lld)\n", label, buf, nsec, (long long)sec);
}

void qprint_show(FILE *f, const vg_vault_entry *e, bool json)
{
    if (json) {
        print_json(f, e);
        return;
    }
    char date[64];
    format_time(e->date, date, sizeof date);
    fprintf(f, "%-14s %s\n", "id:", e->id);
    fprintf(f, "%-14s ", "original path:");
    qprint_escaped(f, e->original_path);
    fprintf(f, "\n%-14s ", "detection:");
    qprint_escaped(f, e->detection);
    fputc('\n', f);
    if (e->found_in != NULL) {
        fprintf(f, "%-14s ", "found in:");
        qprint_escaped(f, e->found_in);
        fputs(" (the whole container was quarantined)\n", f);
    }
    fprintf(f, "%-14s %s\n", "quarantined:", date);
    fprintf(f, "%-14s %llu bytes (%llu in the vault)\n", "size:", (unsigned long long)e->size,
            (unsigned long long)e->entry_bytes);
    fprintf(f, "%-14s %s\n", "sha256:", e->sha256);
    fprintf(f, "%-14s %04o\n", "mode:", (unsigned)(e->mode & 07777));
    fprintf(f, "%-14s %s (%u)\n", "owner:", e->owner ? e->owner : "?", (unsigned)e->uid);
    fprintf(f, "%-14s %s (%u)\n", "group:", e->group ? e->group : "?", (unsigned)e->gid);
    put_time(f, "modified:", e->mtime_sec, e->mtime_nsec);
    put_time(f, "accessed:", e->atime_sec, e->atime_nsec);
    put_time(f, "changed:", e->ctime_sec, e->ctime_nsec);
}
