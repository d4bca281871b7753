/* `vigil audit [--ledger FILE] [--verify] [--json]`: what the submit step
 * decided, from the ledger (include/vigil/ledger.h), and whether the
 * ledger is intact.
 *
 *     $ vigil audit
 *     SEQ TIME                 KIND    SHA256        SIZE TYPE  CONSENT SERVER ... PATH
 *       1 2025-01-02T03:04:05Z hashes  3f2a9c01d2e4  73802 pe   safe    http://... a.zip >
 * setup.exe $ vigil audit --verify ledger OK: 2 entries $ vigil audit --verify            (after an
 * edit) ledger BROKEN at entry 2 (line 2): its hash does not match its content: ...
 *
 * Names come from archives and are hostile: control characters are shown
 * escaped, never sent to the terminal. --json writes one JSON object per
 * entry (the ledger's own members, plus "line") and a last line with the
 * verdict: {"verify":"ok"|"broken","entries":N,...}. */
#include "cmd_audit.h"

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/ledger.h>

#include "opts.h"
#include "submit.h"
#include "submit_int.h"

enum { OPT_LEDGER = 256, OPT_VERIFY, OPT_JSON, OPT_DATA };

static const struct option long_opts[] = {
    {"ledger", required_argument, NULL, OPT_LEDGER},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"json", no_argument, NULL, OPT_JSON},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cmd_audit_usage(FILE *f)
{
    fputs("Usage: vigil audit [--ledger FILE] [--verify] [--json]\n"
          "\n"
          "Lists the submission ledger: every object the submit step sent (\"upload\"),\n"
          "looked up by SHA-256 only (\"hashes\") or held back (\"blocked\", with why),\n"
          "each entry written and fsynced before anything was sent.\n"
          "\n"
          "Options:\n"
          "      --verify        check the hash chain and the head file instead of listing:\n"
          "                      \"ledger OK: N entries\" (exit 0) or \"ledger BROKEN at\n"
          "                      entry N (line L): WHAT\" (exit 1) for an edited,\n"
          "                      reordered, removed or cut-off entry\n"
          "      --json          one JSON object per entry, then the verdict\n"
          "      --ledger FILE   the ledger (default DATA/ledger; its head is FILE.head)\n"
          "      --data-dir DIR  DATA (default $VIGIL_DATA, else $XDG_DATA_HOME/vigil or\n"
          "                      ~/.local/share/vigil)\n"
          "  -h, --help          this help\n"
          "\n"
          "Exit status: 0 the ledger verifies, 1 it does not, 2 it cannot be read.\n",
          f);
}

typedef struct audit_run {
    bool json, list;
    unsigned long shown;
} audit_run;

static const char *clean(const char *s, char *buf, size_t cap)
{
    return sub_printable(s, buf, cap);
}

static int on_entry(const vg_ledger_entry *e, void *ud)
{
    audit_run *a = ud;
    if (!a->list)
        return 0;
    a->shown++;
    if (a->json) {
        json_t *o =
            json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, "
                      "s:s, s:s}",
                      "seq", (json_int_t)e->seq, "line", (json_int_t)e->line, "time", e->time,
                      "kind", e->kind, "sha256", e->sha256, "size", (json_int_t)e->size, "type",
                      e->type, "path", e->path, "signature", e->signature, "consent", e->consent,
                      "server", e->server, "reason", e->reason, "prev", e->prev, "hash", e->hash);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        if (s != NULL)
            printf("%s\n", s);
        free(s);
        json_decref(o);
        return 0;
    }
    if (a->shown == 1)
        printf("%4s %-20s %-7s %-12s %9s %-12s %-7s %-24s %-24s %s\n", "SEQ", "TIME", "KIND",
               "SHA256", "SIZE", "TYPE", "CONSENT", "SERVER", "SIGNATURE", "PATH");
    char p[4096], sig[512], srv[512], typ[64], why[1024];
    printf("%4llu %-20s %-7s %-12.12s %9llu %-12s %-7s %-24s %-24s %s", (unsigned long long)e->seq,
           e->time, e->kind, e->sha256, (unsigned long long)e->size,
           clean(e->type, typ, sizeof typ), e->consent, clean(e->server, srv, sizeof srv),
           clean(e->signature, sig, sizeof sig), clean(e->path, p, sizeof p));
    if (e->reason[0])
        printf("  [%s]", clean(e->reason, why, sizeof why));
    putchar('\n');
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    const char *ledger = NULL, *data = NULL;
    audit_run a = {.list = true};
    bool verify = false;
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case OPT_LEDGER:
            ledger = optarg;
            break;
        case OPT_VERIFY:
            verify = true;
            break;
        case OPT_JSON:
            a.json = true;
            break;
        case OPT_DATA:
            data = optarg;
            break;
        case 'h':
            cmd_audit_usage(stdout);
            return 0;
        default:
            return opt_bad("vigil audit", c, argv);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigil audit: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    char *path = NULL;
    if (ledger != NULL) {
        path = strdup(ledger);
    } else {
        char why[512];
        char *dir = submit_data_dir(data, why, sizeof why);
        if (dir == NULL) {
            fprintf(stderr, "vigil audit: no data directory: %s\n", why);
            return 2;
        }
        size_t n = strlen(dir) + 8;
        if ((path = malloc(n)) != NULL)
            snprintf(path, n, "%s/ledger", dir);
        free(dir);
    }
    if (path == NULL)
        return 2;
    a.list = !verify || a.json;
    vg_ledger_report r;
    vg_error err = vg_ledger_verify(path, on_entry, &a, &r);
    int rc;
    if (err != VG_OK) {
        fprintf(stderr, "vigil audit: cannot read %s: %s\n", path, vg_strerror(err));
        rc = 2;
    } else if (a.json) {
        json_t *o = json_pack("{s:s, s:I, s:s}", "verify", r.ok ? "ok" : "broken", "entries",
                              (json_int_t)r.entries, "ledger", path);
        if (o != NULL && !r.ok) {
            json_object_set_new(o, "bad_entry", json_integer((json_int_t)r.bad_seq));
            json_object_set_new(o, "bad_line", json_integer((json_int_t)r.bad_line));
            json_object_set_new(o, "what", json_string(r.what));
        }
        if (o != NULL && r.note[0])
            json_object_set_new(o, "note", json_string(r.note));
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        if (s != NULL)
            printf("%s\n", s);
        free(s);
        json_decref(o);
        rc = r.ok ? 0 : 1;
    } else {
        if (!verify && a.shown == 0)
            printf("the ledger %s is empty: nothing was submitted or decided\n", path);
        if (!r.ok) {
            printf("ledger BROKEN at entry %llu (line %lu): %s\n", (unsigned long long)r.bad_seq,
                   r.bad_line, r.what);
        } else if (verify) {
            printf("ledger OK: %llu entries\n", (unsigned long long)r.entries);
        }
        if (r.note[0])
            printf("note: %s\n", r.note);
        rc = r.ok ? 0 : 1;
    }
    free(path);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 2;
    return rc;
}
