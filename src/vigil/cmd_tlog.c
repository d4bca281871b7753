/* `vigil tlog verify`: a monitor run from the client side. It trusts no
 * proof: it downloads every entry of the log and rebuilds the tree.
 *
 *     $ vigil tlog verify --mirror https://updates.example
 *     log OK: 5 entries, root 1c2e9a..., signed 2024-05-01 10:00:00 UTC
 *     bundles v1..v5, versions strictly increasing
 *     consistent with the head of size 4 this client accepted on ...
 *     the installed v5 is leaf 4
 *
 *   1. the STH, signed by the pinned log key
 *   2. entries [0, N) in pages of at most 1000, each "vigil-bundle\n<v>\n<sha>\n"
 *   3. MTH of their leaf hashes == the STH's root
 *   4. the STH this client accepted last (update-state.json): the root of
 *      its first M leaves must equal it, else the log forked
 *
 * Where `vigil update` checks one bundle with two short proofs, this sees
 * everything the vendor ever published: a reader can list each bundle's
 * version and digest and fetch the bundles to look at their upload
 * triggers (P5). Exit 0 the log verifies, 1 it does not, 2 it cannot be
 * fetched. */
#include "cmd_tlog.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "update_int.h"

#define PAGE          1000u
#define PAGE_MAX      (4u << 20)
#define MAX_LOG_TREE  (1ull << 24) /* leaf hashes held in memory: 512 MiB */
#define EXIT_BROKEN   1
#define EXIT_NO_FETCH 2

enum { OPT_MIRROR = 256, OPT_LOG_PUBKEY, OPT_DATA, OPT_TIMEOUT };

static const struct option long_opts[] = {
    {"mirror", required_argument, NULL, OPT_MIRROR},
    {"log-pubkey", required_argument, NULL, OPT_LOG_PUBKEY},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cmd_tlog_usage(FILE *f)
{
    fputs("Usage: vigil tlog verify [--mirror URL] [--log-pubkey FILE] [--data-dir DIR]\n"
          "\n"
          "Downloads every entry of the signature transparency log and its signed tree\n"
          "head, rebuilds the Merkle tree and checks that its root is the signed one, that\n"
          "each entry names a bundle (versions strictly increasing), and that the log is\n"
          "consistent with the head `vigil update` accepted last (DATA/update-state.json).\n"
          "\n"
          "Options:\n"
          "      --mirror URL       a vigil-server or a `vigil-server log export` directory\n"
          "                         (default $VIGIL_UPDATE_MIRROR)\n"
          "      --log-pubkey FILE  the log's key (default DATA/keys/log.pub)\n"
          "      --data-dir DIR     DATA (default $VIGIL_DATA, else $XDG_DATA_HOME/vigil or\n"
          "                         ~/.local/share/vigil)\n"
          "      --timeout SEC      per request (default 60)\n"
          "  -h, --help             this help\n"
          "\n"
          "Prints \"log OK: N entries, root HEX\" (exit 0), or \"log BROKEN: WHAT\" (exit 1);\n"
          "exit 2 when the log cannot be fetched.\n",
          f);
}

/* One page from start (at most up to end) into leaves; *got: how many it
 * held. 0, EXIT_BROKEN or EXIT_NO_FETCH. */
static int fetch_page(fetch_ctx *f, uint64_t start, uint64_t end, uint64_t tree_size,
                      vg_tlog_hash *leaves, uint64_t *first_version, uint64_t *last_version,
                      uint64_t *got, char *why, size_t why_len)
{
    *got = 0;
    char q[128], p[128];
    snprintf(q, sizeof q, "/v1/log/entries?start=%llu&end=%llu", (unsigned long long)start,
             (unsigned long long)end);
    snprintf(p, sizeof p, "/v1/log/entries/%llu-%llu", (unsigned long long)start,
             (unsigned long long)end);
    uint8_t *body = NULL;
    size_t len = 0;
    fetch_rc frc = fetch_get(f, q, p, PAGE_MAX, &body, &len, why, why_len);
    if (frc == FETCH_NOT_FOUND && fetch_is_file(f) && end != tree_size) {
        /* A static mirror may hold the rest in one file. */
        snprintf(p, sizeof p, "/v1/log/entries/%llu-%llu", (unsigned long long)start,
                 (unsigned long long)tree_size);
        frc = fetch_get(f, q, p, PAGE_MAX, &body, &len, why, why_len);
    }
    if (frc != FETCH_OK)
        return EXIT_NO_FETCH;
    json_t *j = json_loadb((const char *)body, len, 0, NULL);
    free(body);
    json_t *a = json_object_get(j, "entries");
    int rc = EXIT_BROKEN;
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > tree_size - start) {
        snprintf(why, why_len, "entries %llu..%llu: not a page of entries",
                 (unsigned long long)start, (unsigned long long)end - 1);
        goto done;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        json_t *li = json_object_get(e, "leaf_index");
        const char *text = json_string_value(json_object_get(e, "entry"));
        uint64_t idx = start + i, version;
        uint8_t digest[32];
        if (!json_is_integer(li) || (uint64_t)json_integer_value(li) != idx || text == NULL) {
            snprintf(why, why_len, "entry %llu: missing, or out of order", (unsigned long long)idx);
            goto done;
        }
        size_t tl = json_string_length(json_object_get(e, "entry"));
        if (vg_tlog_bundle_entry_parse(text, tl, &version, digest) != VG_OK) {
            snprintf(why, why_len, "entry %llu does not name a bundle", (unsigned long long)idx);
            goto done;
        }
        if (version <= *last_version) {
            snprintf(why, why_len, "entry %llu: bundle v%llu after v%llu (versions must grow)",
                     (unsigned long long)idx, (unsigned long long)version,
                     (unsigned long long)*last_version);
            goto done;
        }
        if (idx == 0)
            *first_version = version;
        *last_version = version;
        vg_tlog_leaf_hash(text, tl, &leaves[idx]);
    }
    *got = json_array_size(a);
    rc = 0;
done:
    json_decref(j);
    return rc;
}

static int verify(fetch_ctx *f, const uint8_t log_key[32], const update_state *st)
{
    char why[1200];
    vg_tlog_sth sth;
    bool bad_sig;
    if (log_fetch_sth(f, log_key, &sth, &bad_sig, why, sizeof why) != 0) {
        if (bad_sig) {
            printf("log BROKEN: %s\n", why);
            return EXIT_BROKEN;
        }
        fprintf(stderr, "vigil tlog: %s\n", why);
        return EXIT_NO_FETCH;
    }
    if (sth.tree_size > MAX_LOG_TREE) {
        fprintf(stderr, "vigil tlog: a log of %llu entries is more than this client replays\n",
                (unsigned long long)sth.tree_size);
        return EXIT_NO_FETCH;
    }
    vg_tlog_hash *leaves = malloc((size_t)(sth.tree_size ? sth.tree_size : 1) * sizeof *leaves);
    if (leaves == NULL) {
        fputs("vigil tlog: out of memory\n", stderr);
        return EXIT_NO_FETCH;
    }
    int rc = 0;
    uint64_t last_version = 0, first_version = 0;
    for (uint64_t s = 0; s < sth.tree_size;) {
        uint64_t e = sth.tree_size - s > PAGE ? s + PAGE : sth.tree_size;
        uint64_t got;
        int r = fetch_page(f, s, e, sth.tree_size, leaves, &first_version, &last_version, &got, why,
                           sizeof why);
        if (r != 0) {
            rc = r;
            if (r == EXIT_NO_FETCH)
                fprintf(stderr, "vigil tlog: cannot fetch entries: %s\n", why);
            else
                printf("log BROKEN: %s\n", why);
            goto done;
        }
        s += got;
    }
    vg_tlog_hash root;
    vg_tlog_root(leaves, sth.tree_size, &root);
    char hex[65], t[64];
    vg_tlog_hex(sth.root.b, 32, hex);
    if (memcmp(root.b, sth.root.b, 32) != 0) {
        printf("log BROKEN: the %llu entries do not hash to the signed root %s\n",
               (unsigned long long)sth.tree_size, hex);
        rc = EXIT_BROKEN;
        goto done;
    }
    if (st->has_sth) {
        log_time_text(st->sth_seen_at, t, sizeof t);
        vg_tlog_hash old;
        if (st->sth.tree_size > sth.tree_size) {
            printf("log BROKEN: rolled back: size %llu is smaller than the size %llu seen on %s\n",
                   (unsigned long long)sth.tree_size, (unsigned long long)st->sth.tree_size, t);
            rc = EXIT_BROKEN;
            goto done;
        }
        vg_tlog_root(leaves, st->sth.tree_size, &old);
        if (memcmp(old.b, st->sth.root.b, 32) != 0) {
            printf("log BROKEN: the log forked: its first %llu entries do not hash to the root "
                   "this client accepted on %s\n",
                   (unsigned long long)st->sth.tree_size, t);
            rc = EXIT_BROKEN;
            goto done;
        }
    }
    log_time_text(sth.timestamp / 1000, t, sizeof t);
    printf("log OK: %llu entries, root %s, signed %s\n", (unsigned long long)sth.tree_size, hex, t);
    if (sth.tree_size > 0)
        printf("bundles v%llu..v%llu, versions strictly increasing\n",
               (unsigned long long)first_version, (unsigned long long)last_version);
    if (st->has_sth) {
        log_time_text(st->sth_seen_at, t, sizeof t);
        printf("consistent with the head of size %llu this client accepted on %s\n",
               (unsigned long long)st->sth.tree_size, t);
    }
    if (st->installed > 0 && st->bundle_sha[0]) {
        uint8_t d[32];
        char entry[VG_TLOG_ENTRY_MAX];
        vg_tlog_hash lh;
        bool found = false;
        if (vg_tlog_unhex(st->bundle_sha, 64, d, 32) == VG_OK) {
            vg_tlog_bundle_entry(st->installed, d, entry);
            vg_tlog_leaf_hash(entry, strlen(entry), &lh);
            for (uint64_t i = 0; i < sth.tree_size && !found; i++)
                if (memcmp(leaves[i].b, lh.b, 32) == 0) {
                    printf("the installed v%llu is leaf %llu\n", (unsigned long long)st->installed,
                           (unsigned long long)i);
                    found = true;
                }
        }
        if (!found) {
            printf("log BROKEN: the installed v%llu (sha256 %.16s...) is not in this log\n",
                   (unsigned long long)st->installed, st->bundle_sha);
            rc = EXIT_BROKEN;
        }
    }
done:
    free(leaves);
    return rc;
}

int cmd_tlog(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        cmd_tlog_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "verify") != 0) {
        fprintf(stderr, "vigil tlog: unknown subcommand '%s' (expected verify)\n", argv[1]);
        return 2;
    }
    update_setup_args a = {.who = "vigil tlog", .timeout_s = 60};
    uint64_t v;
    optind = 0;
    opterr = 0;
    argc--;
    argv++;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case OPT_MIRROR:
            a.mirror = optarg;
            break;
        case OPT_LOG_PUBKEY:
            a.log_pubkey = optarg;
            break;
        case OPT_DATA:
            a.data_dir = optarg;
            break;
        case OPT_TIMEOUT:
            if (opt_parse_uint(optarg, 3600, &v) != 0 || v == 0) {
                fprintf(stderr, "vigil tlog: --timeout: invalid value '%s' (1 to 3600)\n", optarg);
                return 2;
            }
            a.timeout_s = (long)v;
            break;
        case 'h':
            cmd_tlog_usage(stdout);
            return 0;
        default:
            return opt_bad("vigil tlog", c, argv);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigil tlog: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    char *data_dir = NULL;
    fetch_ctx *f = NULL;
    uint8_t vendor[32], logk[32];
    update_state st;
    int rc = update_setup(&a, &data_dir, &f, vendor, logk, &st);
    if (rc == 0)
        rc = verify(f, logk, &st);
    fetch_free(f);
    free(data_dir);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 2;
    return rc;
}
