/* `vigil sigtool build` and `vigil sigtool lint`.
 *
 *     $ vigil sigtool build --version 42 -o daily-42.vgb --key vendor.sec sigs/
 *     sigs/daily.ndb:12: Doc.Grab.A: detect-only: its text contains the classification
 *       marking "TOP SECRET" [marking-text]
 *     daily-42.vgb: version 42, 2 files, 51 signatures, 38 upload triggers, 2 refused as
 *       triggers, 11 hash signatures detect-only; signed; sha256 3f2a...
 *
 *     $ vigil sigtool lint sigs/daily.ndb
 *     sigs/daily.ndb:12: Doc.Grab.A: refused as upload trigger: ... [marking-text]
 *     lint: 40 signatures in 1 file: 38 may trigger uploads, 2 refused as triggers
 *
 * Both walk the files with the library's lint (vigil/lint.h), so what lint
 * reports is exactly what build records. Arguments may be directories:
 * their signature files (by extension, not recursive) in name order. A
 * file that does not parse stops everything with file:line:col, because a
 * bundle the client cannot load would be a bundle that removes protection. */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <vigil/bundle.h>
#include <vigil/lint.h>

#include "sigtool_int.h"

enum { OPT_VERSION = 300, OPT_KEY, OPT_HASH, OPT_STRICT, OPT_CREATED };

typedef struct input {
    char *path;
    const char *name; /* basename of path */
    uint8_t *data;
    size_t len;
} input;

typedef struct inputs {
    input *v;
    size_t n, cap;
} inputs;

static void inputs_free(inputs *in)
{
    for (size_t i = 0; i < in->n; i++) {
        free(in->v[i].path);
        free(in->v[i].data);
    }
    free(in->v);
}

static int add_path(inputs *in, const char *path)
{
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 16;
        input *v = realloc(in->v, nc * sizeof *v);
        if (v == NULL)
            return -1;
        in->v = v;
        in->cap = nc;
    }
    input *e = &in->v[in->n];
    memset(e, 0, sizeof *e);
    if ((e->path = strdup(path)) == NULL)
        return -1;
    const char *slash = strrchr(e->path, '/');
    e->name = slash ? slash + 1 : e->path;
    in->n++;
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Files and directories into a list of signature files, read. */
static int collect(const char *cmd, char **args, int n, inputs *in)
{
    char why[1024];
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(args[i], &st) != 0) {
            fprintf(stderr, "vigil sigtool %s: %s: no such file or directory\n", cmd, args[i]);
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            struct dirent **de;
            int k = scandir(args[i], &de, NULL, by_name);
            if (k < 0) {
                fprintf(stderr, "vigil sigtool %s: %s: cannot list\n", cmd, args[i]);
                return -1;
            }
            int rc = 0;
            for (int j = 0; j < k; j++) {
                char p[4096];
                if (rc == 0 && de[j]->d_name[0] != '.' && vg_lint_known_format(de[j]->d_name) &&
                    (size_t)snprintf(p, sizeof p, "%s/%s", args[i], de[j]->d_name) < sizeof p &&
                    add_path(in, p) != 0)
                    rc = -1;
                free(de[j]);
            }
            free(de);
            if (rc != 0)
                return -1;
        } else if (!vg_lint_known_format(args[i])) {
            fprintf(stderr,
                    "vigil sigtool %s: %s: not a signature file (.hdb .hsb .ndb .fp .sfp .ign2 "
                    ".ign)\n",
                    cmd, args[i]);
            return -1;
        } else if (add_path(in, args[i]) != 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < in->n; i++) {
        in->v[i].data =
            st_read_file(in->v[i].path, VG_BUNDLE_MAX_SIZE, &in->v[i].len, why, sizeof why);
        if (in->v[i].data == NULL) {
            fprintf(stderr, "vigil sigtool %s: %s\n", cmd, why);
            return -1;
        }
        total += in->v[i].len;
        if (total > VG_BUNDLE_MAX_SIZE) {
            fprintf(stderr, "vigil sigtool %s: the files add up to more than %llu bytes\n", cmd,
                    (unsigned long long)VG_BUNDLE_MAX_SIZE);
            return -1;
        }
    }
    if (in->n == 0) {
        fprintf(stderr, "vigil sigtool %s: no signature files given\n", cmd);
        return -1;
    }
    return 0;
}

typedef struct tally {
    const inputs *in;
    const char *verb; /* "detect-only" or "refused as upload trigger" */
    uint64_t sigs, triggers, refused, hash_only;
} tally;

static const char *path_of(const tally *t, const char *source)
{
    for (size_t i = 0; t->in != NULL && i < t->in->n; i++)
        if (strcmp(t->in->v[i].name, source) == 0)
            return t->in->v[i].path;
    return source;
}

static int on_sig(const vg_lint_item *it, void *ud)
{
    tally *t = ud;
    t->sigs++;
    if (it->trigger)
        t->triggers++;
    else if (it->refused) {
        char name[300];
        t->refused++;
        printf("%s:%u: %s: %s: %s [%s]\n", path_of(t, it->source), it->line,
               st_clean(it->name, name, sizeof name), t->verb, it->why, it->rule);
    } else if (it->rule != NULL && strcmp(it->rule, "hash-detect-only") == 0)
        t->hash_only++;
    return 0;
}

static void print_diag(const char *cmd, const vg_diag *d, const tally *t)
{
    fprintf(stderr, "vigil sigtool %s: %s", cmd, path_of(t, d->source));
    if (d->line)
        fprintf(stderr, ":%u", d->line);
    if (d->col)
        fprintf(stderr, ":%u", d->col);
    fprintf(stderr, ": %s\n", d->message);
}

int sigtool_build(int argc, char **argv)
{
    static const struct option lo[] = {
        {"version", required_argument, NULL, OPT_VERSION},
        {"out", required_argument, NULL, 'o'},
        {"key", required_argument, NULL, OPT_KEY},
        {"hash-triggers", no_argument, NULL, OPT_HASH},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"created", required_argument, NULL, OPT_CREATED},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *key = NULL;
    int strict = 0, have_version = 0, c;
    vg_bundle_build_opts o = {.created = (uint64_t)time(NULL)};
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:", lo, NULL)) != -1) {
        switch (c) {
        case OPT_VERSION:
            if (st_parse_u64(optarg, 1, INT64_MAX, &o.version) != 0) {
                fprintf(stderr, "vigil sigtool build: --version must be a number from 1\n");
                return 2;
            }
            have_version = 1;
            break;
        case OPT_CREATED:
            if (st_parse_u64(optarg, 0, INT64_MAX, &o.created) != 0) {
                fprintf(stderr, "vigil sigtool build: --created must be unix seconds\n");
                return 2;
            }
            break;
        case 'o':
            out = optarg;
            break;
        case OPT_KEY:
            key = optarg;
            break;
        case OPT_HASH:
            o.hash_triggers = 1;
            break;
        case OPT_STRICT:
            strict = 1;
            break;
        default:
            fprintf(stderr, "vigil sigtool build: bad option '%s' (see vigil help sigtool)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (!have_version || out == NULL || optind >= argc) {
        fputs("Usage: vigil sigtool build --version N -o OUT.vgb [--key PREFIX.sec] "
              "[--hash-triggers] [--strict] [--created UNIX] FILE|DIR...\n",
              stderr);
        return 2;
    }
    char err[1024], hex[65];
    uint8_t sk[64];
    if (key != NULL && vg_bundle_key_read_secret(key, sk, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil sigtool build: %s\n", err);
        return 2;
    }
    inputs in = {0};
    int rc = 2;
    uint8_t *bundle = NULL, *signed_buf = NULL;
    vg_bundle_src *src = NULL;
    if (collect("build", argv + optind, argc - optind, &in) != 0)
        goto done;
    if ((src = calloc(in.n, sizeof *src)) == NULL)
        goto done;
    for (size_t i = 0; i < in.n; i++)
        src[i] = (vg_bundle_src){in.v[i].name, in.v[i].data, in.v[i].len};
    tally t = {.in = &in, .verb = "detect-only"};
    o.on_sig = on_sig;
    o.ud = &t;
    vg_diag d;
    vg_diag_clear(&d);
    size_t n;
    vg_error e = vg_bundle_build(&o, src, in.n, &bundle, &n, &d);
    if (e != VG_OK) {
        print_diag("build", &d, &t);
        goto done;
    }
    if (strict && t.refused > 0) {
        fprintf(stderr,
                "vigil sigtool build: %llu signature%s refused as upload triggers; not writing "
                "%s (--strict)\n",
                (unsigned long long)t.refused, t.refused == 1 ? "" : "s", out);
        rc = 1;
        goto done;
    }
    if (key != NULL) {
        size_t sn;
        if (vg_bundle_sign(bundle, n, sk, &signed_buf, &sn, err, sizeof err) != VG_OK) {
            fprintf(stderr, "vigil sigtool build: cannot sign: %s\n", err);
            goto done;
        }
        vg_bundle_buf_free(bundle);
        bundle = signed_buf;
        signed_buf = NULL;
        n = sn;
    }
    if (st_write_atomic(out, bundle, n, err, sizeof err) != 0) {
        fprintf(stderr, "vigil sigtool build: %s\n", err);
        goto done;
    }
    /* Report what was written, read back through the reader. */
    vg_bundle *b = NULL;
    if (vg_bundle_open_mem(bundle, n, &b, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil sigtool build: wrote an unreadable bundle: %s\n", err);
        goto done;
    }
    uint8_t md[32];
    vg_bundle_digest(b, md);
    st_hex(md, 32, hex);
    printf("%s: version %llu, %zu file%s, %llu signatures, %zu upload triggers, %llu refused as "
           "triggers, %llu hash signatures detect-only; %s; sha256 %s\n",
           out, (unsigned long long)o.version, in.n, in.n == 1 ? "" : "s",
           (unsigned long long)t.sigs, vg_bundle_trigger_count(b), (unsigned long long)t.refused,
           (unsigned long long)t.hash_only, key ? "signed" : "unsigned", hex);
    vg_bundle_free(b);
    rc = 0;
done:
    memset(sk, 0, sizeof sk);
    vg_bundle_buf_free(bundle);
    vg_bundle_buf_free(signed_buf);
    free(src);
    inputs_free(&in);
    return rc;
}

int sigtool_lint(int argc, char **argv)
{
    static const struct option lo[] = {{"hash-triggers", no_argument, NULL, OPT_HASH},
                                       {NULL, 0, NULL, 0}};
    vg_lint_opts o = {0};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        if (c != OPT_HASH) {
            fprintf(stderr, "vigil sigtool lint: unknown option '%s'\n", argv[optind - 1]);
            return 2;
        }
        o.hash_triggers = 1;
    }
    if (optind >= argc) {
        fputs("Usage: vigil sigtool lint [--hash-triggers] FILE|DIR...\n", stderr);
        return 2;
    }
    inputs in = {0};
    int rc = 2;
    if (collect("lint", argv + optind, argc - optind, &in) != 0)
        goto done;
    tally t = {.verb = "refused as upload trigger"};
    for (size_t i = 0; i < in.n; i++) {
        vg_diag d;
        vg_diag_clear(&d);
        if (vg_lint_mem(in.v[i].path, in.v[i].data, in.v[i].len, &o, on_sig, &t, &d) != VG_OK) {
            print_diag("lint", &d, &t);
            goto done;
        }
    }
    printf("lint: %llu signatures in %zu file%s: %llu may trigger uploads, %llu refused as "
           "triggers",
           (unsigned long long)t.sigs, in.n, in.n == 1 ? "" : "s", (unsigned long long)t.triggers,
           (unsigned long long)t.refused);
    if (t.hash_only)
        printf(", %llu hash signatures detect-only (--hash-triggers to allow)",
               (unsigned long long)t.hash_only);
    putchar('\n');
    rc = t.refused > 0 ? 1 : 0;
done:
    inputs_free(&in);
    return rc;
}
