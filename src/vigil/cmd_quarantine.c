/* `vigil quarantine`: look into the vault, bring files back, empty it.
 *
 *     vigil quarantine list [--json]
 *     vigil quarantine show ID [--json]
 *     vigil quarantine restore ID [--to PATH] [--force]
 *     vigil quarantine purge ID... | --older-than DAYS | --all
 *     vigil quarantine verify [ID...]
 *
 * An ID may be shortened to any unique prefix, as with git. Options may
 * come anywhere (GNU getopt permutes). Exit status: 0 done, 2 anything
 * failed (a missing entry, a wrong key, a target that exists...). The
 * printing of entries lives in quarantine_print.c. */
#include "cmd_quarantine.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vigil/vault.h>

#include "action.h"
#include "opts.h"
#include "quarantine_print.h"

typedef struct q_args {
    const char *vault_dir, *vault_key, *to;
    bool json, force, all;
    bool older_set;
    uint64_t older_days;
    const char *sub;
    char **ids;
    size_t n_ids;
} q_args;

enum { OPT_VAULT = 256, OPT_VAULT_KEY, OPT_JSON, OPT_TO, OPT_FORCE, OPT_OLDER, OPT_ALL };

static const struct option long_opts[] = {
    {"vault", required_argument, NULL, OPT_VAULT},
    {"vault-key", required_argument, NULL, OPT_VAULT_KEY},
    {"json", no_argument, NULL, OPT_JSON},
    {"to", required_argument, NULL, OPT_TO},
    {"force", no_argument, NULL, OPT_FORCE},
    {"older-than", required_argument, NULL, OPT_OLDER},
    {"all", no_argument, NULL, OPT_ALL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cmd_quarantine_usage(FILE *f)
{
    fputs("Usage: vigil quarantine [OPTIONS] COMMAND [ARGS]\n"
          "\n"
          "The quarantine vault holds files moved there by `vigil scan --action quarantine`,\n"
          "encrypted, with their original path, owner, mode, times, SHA-256 and detection.\n"
          "\n"
          "Commands:\n"
          "  list                     one line per entry: id, date, detection, size, path\n"
          "  show ID                  every recorded detail of one entry\n"
          "  restore ID               put the file back where it was, with its content, mode\n"
          "                           and times (and owner, as root); the entry is removed\n"
          "  purge ID...              delete entries for good\n"
          "  purge --older-than DAYS  delete entries quarantined more than DAYS days ago\n"
          "  purge --all              delete every entry\n"
          "  verify [ID...]           decrypt entries (all by default) and check their SHA-256\n"
          "\n"
          "An ID may be shortened to a unique prefix.\n"
          "\n"
          "Options:\n"
          "      --vault DIR          the vault (default $VIGIL_VAULT, else\n"
          "                           $XDG_DATA_HOME/vigil/quarantine or\n"
          "                           ~/.local/share/vigil/quarantine)\n"
          "      --vault-key FILE     the vault key (default DIR/vault.key)\n"
          "      --json               list, show: JSON, one object per line\n"
          "      --to PATH            restore: to PATH (a directory keeps the original name)\n"
          "                           instead of the original path\n"
          "      --force              restore: replace an existing file at the target\n"
          "  -h, --help               this help\n"
          "\n"
          "Exit status: 0 success, 2 an error (see docs/quarantine.md).\n",
          f);
}

static int parse(int argc, char **argv, q_args *a)
{
    memset(a, 0, sizeof *a);
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", long_opts, NULL);
        if (c == -1)
            break;
        const char *bad = optind >= 1 && optind <= argc ? argv[optind - 1] : "?";
        switch (c) {
        case OPT_VAULT:
            a->vault_dir = optarg;
            break;
        case OPT_VAULT_KEY:
            a->vault_key = optarg;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_TO:
            a->to = optarg;
            break;
        case OPT_FORCE:
            a->force = true;
            break;
        case OPT_ALL:
            a->all = true;
            break;
        case OPT_OLDER:
            if (opt_parse_uint(optarg, 1000000, &a->older_days) != 0) {
                fprintf(stderr, "vigil quarantine: --older-than: invalid value '%s' (days)\n",
                        optarg);
                return 2;
            }
            a->older_set = true;
            break;
        case 'h':
            cmd_quarantine_usage(stdout);
            return 1;
        case ':':
            fprintf(stderr, "vigil quarantine: option '%s' needs a value\n", bad);
            return 2;
        default:
            fprintf(stderr, "vigil quarantine: unknown option '%s' (see vigil quarantine --help)\n",
                    bad);
            return 2;
        }
    }
    if (optind >= argc) {
        cmd_quarantine_usage(stderr);
        return 2;
    }
    a->sub = argv[optind];
    a->ids = argv + optind + 1;
    a->n_ids = (size_t)(argc - optind - 1);
    return 0;
}

static void print_diag(const char *what, const vg_diag *d, vg_error err)
{
    char msg[1024];
    if (d->message[0])
        vg_diag_format(d, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "%s", vg_strerror(err));
    fprintf(stderr, "vigil quarantine: %s%s%s\n", what ? what : "", what ? ": " : "", msg);
}

/* Opens the vault: 0, or 1 when it does not exist yet (an empty list, not
 * an error, for `list`), or 2 after printing why. */
static int open_vault(const q_args *a, bool missing_ok, vg_vault **out)
{
    char why[256] = "";
    char *dir = a->vault_dir ? strdup(a->vault_dir) : action_default_vault(why, sizeof why);
    if (dir == NULL) {
        fprintf(stderr, "vigil quarantine: cannot find the vault: %s\n", why);
        return 2;
    }
    vg_vault_opts o = {.key_path = a->vault_key, .create = 0};
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_vault_open(dir, &o, &d, out);
    int rc = err == VG_OK ? 0 : 2;
    if (err == VG_ERR_NOT_FOUND && strcmp(d.message, "no vault here") == 0) {
        fprintf(stderr, "vigil quarantine: no vault at %s (nothing was quarantined there)\n", dir);
        rc = missing_ok ? 1 : 2;
    } else if (err != VG_OK) {
        print_diag("cannot open the vault", &d, err);
    }
    free(dir);
    return rc;
}

/* Full id for a unique prefix; 0 or 2. */
static int resolve_id(vg_vault *v, const char *prefix, char id[VG_VAULT_ID_LEN + 1])
{
    size_t plen = strlen(prefix);
    if (plen == VG_VAULT_ID_LEN) {
        memcpy(id, prefix, VG_VAULT_ID_LEN + 1);
        return 0;
    }
    vg_vault_entry *list = NULL;
    size_t n = 0, hits = 0;
    vg_diag d;
    vg_diag_clear(&d);
    if (plen == 0 || plen > VG_VAULT_ID_LEN || vg_vault_list(v, &list, &n, &d) != VG_OK) {
        fprintf(stderr, "vigil quarantine: %s: not an entry id\n", prefix);
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        if (strncmp(list[i].id, prefix, plen) == 0 && hits++ == 0)
            memcpy(id, list[i].id, VG_VAULT_ID_LEN + 1);
    vg_vault_list_free(list, n);
    if (hits == 1)
        return 0;
    fprintf(stderr, "vigil quarantine: %s: %s\n", prefix,
            hits == 0 ? "no such entry" : "ambiguous; give more of the id");
    return 2;
}

static int do_list(vg_vault *v, const q_args *a)
{
    vg_vault_entry *list = NULL;
    size_t n = 0;
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_vault_list(v, &list, &n, &d);
    if (err != VG_OK) {
        print_diag("cannot list the vault", &d, err);
        return 2;
    }
    int rc = qprint_list(stdout, list, n, a->json);
    vg_vault_list_free(list, n);
    return rc;
}

static int do_show(vg_vault *v, const q_args *a)
{
    if (a->n_ids != 1) {
        fputs("vigil quarantine: show takes one ID\n", stderr);
        return 2;
    }
    char id[VG_VAULT_ID_LEN + 1];
    if (resolve_id(v, a->ids[0], id) != 0)
        return 2;
    vg_vault_entry e;
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_vault_get(v, id, &e, &d);
    if (err != VG_OK) {
        print_diag(id, &d, err);
        return 2;
    }
    qprint_show(stdout, &e, a->json);
    vg_vault_entry_cleanup(&e);
    return 0;
}

static int do_restore(vg_vault *v, const q_args *a)
{
    if (a->n_ids != 1) {
        fputs("vigil quarantine: restore takes one ID\n", stderr);
        return 2;
    }
    char id[VG_VAULT_ID_LEN + 1], where[4096];
    if (resolve_id(v, a->ids[0], id) != 0)
        return 2;
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err =
        vg_vault_restore(v, id, a->to, a->force ? VG_VAULT_FORCE : 0, where, sizeof where, &d);
    if (err != VG_OK) {
        print_diag(id, &d, err);
        return 2;
    }
    printf("%s: restored to ", id);
    qprint_escaped(stdout, where);
    putchar('\n');
    return 0;
}

static int do_purge(vg_vault *v, const q_args *a)
{
    int modes = (a->n_ids > 0) + a->older_set + a->all;
    if (modes != 1) {
        fputs("vigil quarantine: purge takes IDs, --older-than DAYS or --all (one of them)\n",
              stderr);
        return 2;
    }
    vg_diag d;
    vg_diag_clear(&d);
    if (a->n_ids == 0) {
        int64_t before = (int64_t)time(NULL) - (int64_t)a->older_days * 86400;
        size_t removed = 0;
        vg_error err = vg_vault_purge_older(v, before, a->all, &removed, &d);
        printf("purged %zu entr%s\n", removed, removed == 1 ? "y" : "ies");
        if (err != VG_OK) {
            print_diag("purge", &d, err);
            return 2;
        }
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < a->n_ids; i++) {
        char id[VG_VAULT_ID_LEN + 1];
        if (resolve_id(v, a->ids[i], id) != 0) {
            rc = 2;
            continue;
        }
        vg_error err = vg_vault_purge(v, id, &d);
        if (err != VG_OK) {
            print_diag(id, &d, err);
            rc = 2;
            continue;
        }
        printf("%s: purged\n", id);
    }
    return rc;
}

static int verify_one(vg_vault *v, const char *id)
{
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_vault_verify(v, id, &d);
    if (err != VG_OK) {
        print_diag(id, &d, err);
        return 2;
    }
    printf("%s: OK\n", id);
    return 0;
}

static int do_verify(vg_vault *v, const q_args *a)
{
    int rc = 0;
    if (a->n_ids > 0) {
        for (size_t i = 0; i < a->n_ids; i++) {
            char id[VG_VAULT_ID_LEN + 1];
            rc |= resolve_id(v, a->ids[i], id) != 0 ? 2 : verify_one(v, id);
        }
        return rc;
    }
    vg_vault_entry *list = NULL;
    size_t n = 0;
    vg_diag d;
    vg_diag_clear(&d);
    if (vg_vault_list(v, &list, &n, &d) != VG_OK) {
        print_diag("cannot list the vault", &d, d.code);
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        rc |= verify_one(v, list[i].id);
    vg_vault_list_free(list, n);
    return rc;
}

int cmd_quarantine(int argc, char **argv)
{
    q_args a;
    int rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    static const struct {
        const char *name;
        int (*run)(vg_vault *, const q_args *);
    } subs[] = {{"list", do_list},
                {"show", do_show},
                {"restore", do_restore},
                {"purge", do_purge},
                {"verify", do_verify}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(a.sub, subs[i].name) != 0)
            continue;
        vg_vault *v = NULL;
        bool is_list = strcmp(a.sub, "list") == 0;
        int orc = open_vault(&a, is_list, &v);
        if (orc != 0)
            return orc == 1 ? 0 : 2;
        rc = subs[i].run(v, &a);
        vg_vault_close(v);
        if (fflush(stdout) != 0)
            rc = 2;
        return rc;
    }
    fprintf(stderr, "vigil quarantine: unknown command '%s' (see vigil quarantine --help)\n",
            a.sub);
    return 2;
}
