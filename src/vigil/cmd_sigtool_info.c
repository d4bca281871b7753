/* `vigil sigtool info` and `vigil sigtool diff`.
 *
 *     $ vigil sigtool info daily-42.vgb
 *     bundle:    daily-42.vgb
 *     version:   42
 *     created:   2025-01-02T03:04:05Z (1735787045)
 *     sha256:    3f2a...
 *     size:      5398 bytes
 *     signed:    yes (not verified here: sigtool verify --pubkey FILE)
 *     files:     2, 51 signatures, 38 upload triggers
 *       daily.ndb    5120 bytes  40 signatures  38 triggers  sha256 9c1e...
 *     upload triggers (38):
 *       Win.Trojan.A-1
 *
 *     $ vigil sigtool diff daily-41.vgb daily-42.vgb
 *     version 41 -> 42
 *     ~ daily.ndb: 1 added, 1 removed, 1 changed
 *       + Win.Trojan.New
 *       - Win.Trojan.Old
 *       ~ Win.Trojan.Fixed
 *     + extra.hdb: new file, 3 signatures
 *     upload triggers: 1 added, 1 removed
 *       + Win.Trojan.New
 *       - Win.Trojan.Old
 *
 * diff reads each file of both bundles with the library's lint walker, so
 * it knows signatures, not lines: body signatures and disabled names are
 * keyed by name (same name, other definition = changed), hash and
 * allow-list entries by their hash (same hash, other name or size =
 * changed). Comments and reordering are not differences. Everything shown
 * came from a bundle and is printed with control characters replaced. */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/bundle.h>
#include <vigil/lint.h>

#include "sigtool_int.h"

static vg_bundle *open_or_say(const char *cmd, const char *path)
{
    vg_bundle *b = NULL;
    char err[1024];
    if (vg_bundle_open_file(path, &b, err, sizeof err) != VG_OK) {
        if (strncmp(err, path, strlen(path)) == 0)
            fprintf(stderr, "vigil sigtool %s: %s\n", cmd, err);
        else
            fprintf(stderr, "vigil sigtool %s: %s: %s\n", cmd, path, err);
        return NULL;
    }
    return b;
}

static int info_json(const char *path, vg_bundle *b)
{
    json_error_t je;
    uint8_t md[32];
    char hex[65];
    size_t len;
    vg_bundle_digest(b, md);
    st_hex(md, 32, hex);
    (void)vg_bundle_bytes(b, &len);
    json_t *o = json_pack("{s:s, s:o, s:s, s:I, s:b}", "bundle", path, "manifest",
                          json_loads(vg_bundle_manifest_json(b), 0, &je), "sha256", hex, "size",
                          (json_int_t)len, "signed", vg_bundle_is_signed(b));
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (s != NULL)
        printf("%s\n", s);
    free(s);
    json_decref(o);
    return s ? 0 : 2;
}

int sigtool_info(int argc, char **argv)
{
    int json = 0;
    if (argc == 3 && strcmp(argv[1], "--json") == 0) {
        json = 1;
        argv++;
        argc--;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs("Usage: vigil sigtool info [--json] B.vgb\n", stderr);
        return 2;
    }
    vg_bundle *b = open_or_say("info", argv[1]);
    if (b == NULL)
        return 2;
    if (json) {
        int rc = info_json(argv[1], b);
        vg_bundle_free(b);
        return rc;
    }
    uint8_t md[32];
    char hex[65], when[32], name[300];
    size_t len;
    vg_bundle_digest(b, md);
    st_hex(md, 32, hex);
    st_utc(vg_bundle_created(b), when);
    (void)vg_bundle_bytes(b, &len);
    uint64_t sigs = 0, trig = 0;
    size_t nf = vg_bundle_file_count(b);
    for (size_t i = 0; i < nf; i++) {
        vg_bundle_file f;
        vg_bundle_file_get(b, i, &f);
        sigs += f.signatures;
        trig += f.upload_triggers;
    }
    printf("bundle:    %s\nversion:   %llu\ncreated:   %s (%llu)\nsha256:    %s\nsize:      %zu "
           "bytes\n",
           argv[1], (unsigned long long)vg_bundle_version(b), when,
           (unsigned long long)vg_bundle_created(b), hex, len);
    printf("signed:    %s\n",
           vg_bundle_is_signed(b) ? "yes (not verified here: sigtool verify --pubkey FILE)" : "no");
    printf("files:     %zu, %llu signatures, %llu upload triggers\n", nf, (unsigned long long)sigs,
           (unsigned long long)trig);
    for (size_t i = 0; i < nf; i++) {
        vg_bundle_file f;
        vg_bundle_file_get(b, i, &f);
        st_hex(f.sha256, 32, hex);
        printf("  %-16s %10llu bytes %8llu signatures %8llu triggers  sha256 %s\n", f.name,
               (unsigned long long)f.size, (unsigned long long)f.signatures,
               (unsigned long long)f.upload_triggers, hex);
    }
    size_t nt = vg_bundle_trigger_count(b);
    printf("upload triggers (%zu)%s\n", nt, nt ? ":" : ": none, every signature only detects");
    for (size_t i = 0; i < nt; i++)
        printf("  %s\n", st_clean(vg_bundle_trigger(b, i), name, sizeof name));
    vg_bundle_free(b);
    return 0;
}

/* ---- diff ---- */

typedef struct sig {
    char *key, *name, *def;
} sig;

typedef struct sigs {
    sig *v;
    size_t n, cap;
    int oom;
} sigs;

static void sigs_free(sigs *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].key);
        free(s->v[i].name);
        free(s->v[i].def);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int on_sig(const vg_lint_item *it, void *ud)
{
    sigs *s = ud;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        sig *v = realloc(s->v, nc * sizeof *v);
        if (v == NULL) {
            s->oom = 1;
            return 1;
        }
        s->v = v;
        s->cap = nc;
    }
    sig *g = &s->v[s->n];
    size_t keylen = strlen(it->name);
    const char *key = it->name;
    if (it->kind == VG_LINT_HASH || it->kind == VG_LINT_ALLOW) {
        const char *colon = memchr(it->text, ':', it->text_len);
        key = it->text;
        keylen = colon ? (size_t)(colon - it->text) : it->text_len;
    }
    g->key = strndup(key, keylen);
    g->name = strdup(it->name);
    g->def = strndup(it->text, it->text_len);
    if (g->key == NULL || g->name == NULL || g->def == NULL) {
        free(g->key);
        free(g->name);
        free(g->def);
        s->oom = 1;
        return 1;
    }
    s->n++;
    return 0;
}

static int cmp_sig(const void *a, const void *b)
{
    const sig *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->def, y->def);
}

static int load_sigs(const vg_bundle *b, const char *file, sigs *out)
{
    for (size_t i = 0; i < vg_bundle_file_count(b); i++) {
        vg_bundle_file f;
        vg_bundle_file_get(b, i, &f);
        if (strcmp(f.name, file) != 0)
            continue;
        vg_diag d;
        vg_diag_clear(&d);
        if (vg_lint_mem(f.name, f.data, (size_t)f.size, NULL, on_sig, out, &d) != VG_OK) {
            fprintf(stderr, "vigil sigtool diff: %s:%u: %s\n", f.name, d.line,
                    out->oom ? "out of memory" : d.message);
            return -1;
        }
        qsort(out->v, out->n, sizeof *out->v, cmp_sig);
        return 0;
    }
    return 0;
}

/* The run of entries with key v[i].key: [i, *end). */
static size_t run_end(const sigs *s, size_t i)
{
    size_t e = i + 1;
    while (e < s->n && strcmp(s->v[e].key, s->v[i].key) == 0)
        e++;
    return e;
}

static int same_run(const sigs *a, size_t ai, size_t ae, const sigs *b, size_t bi, size_t be)
{
    if (ae - ai != be - bi)
        return 0;
    for (size_t k = 0; k < ae - ai; k++)
        if (strcmp(a->v[ai + k].def, b->v[bi + k].def) != 0)
            return 0;
    return 1;
}

typedef struct change {
    char sign;
    const sig *s;
} change;

/* Prints the differences of one file present in both; returns how many. */
static size_t diff_file(const char *file, const sigs *a, const sigs *b)
{
    size_t i = 0, j = 0, add = 0, del = 0, chg = 0, nch = 0;
    change *ch = malloc((a->n + b->n + 1) * sizeof *ch);
    if (ch == NULL)
        return 0;
    while (i < a->n || j < b->n) {
        int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->v[i].key, b->v[j].key);
        if (c < 0) {
            size_t e = run_end(a, i);
            for (; i < e; i++, del++)
                ch[nch++] = (change){'-', &a->v[i]};
        } else if (c > 0) {
            size_t e = run_end(b, j);
            for (; j < e; j++, add++)
                ch[nch++] = (change){'+', &b->v[j]};
        } else {
            size_t ae = run_end(a, i), be = run_end(b, j);
            if (!same_run(a, i, ae, b, j, be)) {
                ch[nch++] = (change){'~', &b->v[j]};
                chg++;
            }
            i = ae;
            j = be;
        }
    }
    if (nch > 0) {
        char name[300];
        printf("~ %s: %zu added, %zu removed, %zu changed\n", file, add, del, chg);
        for (size_t k = 0; k < nch; k++) {
            const sig *s = ch[k].s;
            printf("  %c %s", ch[k].sign, st_clean(s->name, name, sizeof name));
            if (strcmp(s->key, s->name) != 0)
                printf(" (%.16s)", st_clean(s->key, name, sizeof name));
            putchar('\n');
        }
    }
    free(ch);
    return nch;
}

static int has_file(const vg_bundle *b, const char *name, vg_bundle_file *out)
{
    for (size_t i = 0; i < vg_bundle_file_count(b); i++) {
        vg_bundle_file_get(b, i, out);
        if (strcmp(out->name, name) == 0)
            return 1;
    }
    return 0;
}

static size_t diff_triggers(const vg_bundle *a, const vg_bundle *b)
{
    size_t na = vg_bundle_trigger_count(a), nb = vg_bundle_trigger_count(b), i = 0, j = 0;
    size_t add = 0, del = 0;
    for (int pass = 0; pass < 2; pass++) {
        i = j = 0;
        if (pass == 1 && add + del > 0)
            printf("upload triggers: %zu added, %zu removed\n", add, del);
        if (pass == 1 && add + del == 0)
            break;
        while (i < na || j < nb) {
            int c = i >= na   ? 1
                    : j >= nb ? -1
                              : strcmp(vg_bundle_trigger(a, i), vg_bundle_trigger(b, j));
            char name[300];
            if (c < 0) {
                if (pass)
                    printf("  - %s\n", st_clean(vg_bundle_trigger(a, i), name, sizeof name));
                else
                    del++;
                i++;
            } else if (c > 0) {
                if (pass)
                    printf("  + %s\n", st_clean(vg_bundle_trigger(b, j), name, sizeof name));
                else
                    add++;
                j++;
            } else {
                i++;
                j++;
            }
        }
    }
    return add + del;
}

int sigtool_diff(int argc, char **argv)
{
    if (argc != 3) {
        fputs("Usage: vigil sigtool diff OLD.vgb NEW.vgb\n", stderr);
        return 2;
    }
    vg_bundle *a = open_or_say("diff", argv[1]), *b = a ? open_or_say("diff", argv[2]) : NULL;
    if (a == NULL || b == NULL) {
        vg_bundle_free(a);
        return 2;
    }
    size_t changes = 0;
    int rc = 0;
    printf("version %llu -> %llu\n", (unsigned long long)vg_bundle_version(a),
           (unsigned long long)vg_bundle_version(b));
    if (vg_bundle_version(b) <= vg_bundle_version(a))
        printf("note: the new bundle's version is not greater: clients refuse it as a rollback\n");
    /* Files of the old bundle, then files only in the new one. */
    for (int side = 0; side < 2 && rc == 0; side++) {
        const vg_bundle *x = side ? b : a, *y = side ? a : b;
        for (size_t i = 0; i < vg_bundle_file_count(x) && rc == 0; i++) {
            vg_bundle_file f, g;
            vg_bundle_file_get(x, i, &f);
            if (!has_file(y, f.name, &g)) {
                printf("%c %s: %s file, %llu signatures\n", side ? '+' : '-', f.name,
                       side ? "new" : "removed", (unsigned long long)f.signatures);
                changes++;
                continue;
            }
            if (side == 1 || memcmp(f.sha256, g.sha256, 32) == 0)
                continue;
            sigs sa = {0}, sb = {0};
            if (load_sigs(a, f.name, &sa) != 0 || load_sigs(b, f.name, &sb) != 0)
                rc = 2;
            else
                changes += diff_file(f.name, &sa, &sb);
            sigs_free(&sa);
            sigs_free(&sb);
        }
    }
    if (rc == 0)
        changes += diff_triggers(a, b);
    if (rc == 0 && changes == 0)
        printf("no differences in signatures or upload triggers\n");
    vg_bundle_free(a);
    vg_bundle_free(b);
    return rc ? rc : changes ? 1 : 0;
}
