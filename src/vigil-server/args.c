/* Command-line parsing for vigil-server (see args.h). Subcommand first
 * ("serve" may be left out), then flags as "--flag value" or
 * "--flag=value", in any order. Each subcommand accepts only the flags that
 * mean something to it, so a misplaced --threads on `token add` is an error,
 * not silently ignored. */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vs_args_help(FILE *f)
{
    fputs("usage: vigil-server [serve] --data DIR [options]\n"
          "       vigil-server token add NAME --role ROLE --data DIR [--db CONNINFO]\n"
          "       vigil-server token list --data DIR [--db CONNINFO]\n"
          "       vigil-server token revoke NAME --data DIR [--db CONNINFO]\n"
          "       vigil-server purge --rescan --data DIR [--db CONNINFO]\n"
          "       vigil-server audit [--verify] (--data DIR [--db CONNINFO] | --file FILE|-)\n"
          "       vigil-server publish BUNDLE --bundle-pubkey FILE --data DIR [--db CONNINFO]\n"
          "       vigil-server log [--verify] | log export DIR | log pubkey  --data DIR [--db ..]\n"
          "\n"
          "The analysis backend of vigil: receives samples over HTTP(S), refuses and\n"
          "destroys any that carries classification markings (only a tombstone stays in\n"
          "the audit log), stores the rest encrypted with one key each, and logs every\n"
          "access in a hash-chained audit log. API: docs/server.md.\n"
          "\n"
          "Subcommands:\n"
          "  serve               run the HTTP API (the default)\n"
          "  token add NAME      create an API token; prints the secret once, on stdout\n"
          "  token list          list tokens (name, role, created), one JSON object a line\n"
          "  token revoke NAME   revoke a token at once\n"
          "  purge --rescan      run the marking check on every stored sample again and\n"
          "                      destroy those it flags (audit kind \"purge\"); prints\n"
          "                      \"purged N of M samples\"\n"
          "  audit               print the audit log, one JSON entry a line\n"
          "  audit --verify      check the audit log's hash chain: prints\n"
          "                      \"audit log OK: N entries, head HASH\" or the first bad entry\n"
          "  publish BUNDLE      check a signature bundle (.vgb) with --bundle-pubkey and\n"
          "                      append it to the transparency log (as POST /v1/bundles)\n"
          "  log                 print the log's leaves, one JSON object a line\n"
          "  log --verify        the monitor: replay every leaf, recompute the root of every\n"
          "                      signed tree head, check each signature and that each head\n"
          "                      is consistent with the next; prints \"log OK: ...\" or\n"
          "                      \"log BROKEN: ...\"\n"
          "  log export DIR      write the log's public documents as files under DIR, so a\n"
          "                      file:// URL (or any static web server) is a mirror\n"
          "  log pubkey          print the log's public key (64 hex digits; DATA/log.key is\n"
          "                      created on first use)\n"
          "\n"
          "Storage:\n"
          "  --data DIR          data directory (required except for audit --file):\n"
          "                      encrypted blobs, tmp/, and the SQLite database vigil.db;\n"
          "                      created with mode 0700 when missing\n"
          "  --db CONNINFO       use PostgreSQL (libpq connection string, e.g.\n"
          "                      \"host=/tmp/pg dbname=vigil\") instead of SQLite\n"
          "\n"
          "Serve options:\n"
          "  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8640; [::1]:PORT\n"
          "                      for IPv6; port 0 picks a free port, logged at start)\n"
          "  --tls-cert FILE     PEM certificate; with --tls-key the server speaks HTTPS only\n"
          "  --tls-key FILE      PEM private key (both or neither)\n"
          "  --max-sample BYTES  largest sample accepted (default 64M; suffixes k, M, G);\n"
          "                      larger uploads get 413 without the body being read\n"
          "  --max-inflight BYTES  memory for upload bodies of all requests together\n"
          "                      (default 8 x max-sample); past it, uploads get 503\n"
          "  --max-connections N concurrent connections (default 64)\n"
          "  --threads N         worker threads (default: number of cores)\n"
          "  --timeout SECONDS   idle connection timeout, so a stalled upload cannot hold\n"
          "                      a slot (default 30)\n"
          "  --log-format F      text (default) or json: one object a line on stderr\n"
          "  --bundle-pubkey FILE  the vendor's public key (64 hex digits): with it the\n"
          "                      server accepts bundles signed by that key on\n"
          "                      POST /v1/bundles (also required by publish)\n"
          "\n"
          "Token options:\n"
          "  --role ROLE         submitter (upload, lookup), analyst (+ list, read, audit)\n"
          "                      or admin (+ delete)\n"
          "\n"
          "Audit options:\n"
          "  --verify            check the chain instead of printing it\n"
          "  --file FILE|-       check a saved GET /v1/audit response instead of the store\n"
          "\n"
          "Other:\n"
          "  -h, --help          this text\n"
          "  --version           print the version\n"
          "\n"
          "Signals: SIGTERM or SIGINT stops accepting connections, lets requests in flight\n"
          "finish (up to 30 s), closes the store and exits 0.\n"
          "\n"
          "Exit codes: 0 success; 1 audit --verify or log --verify found a broken chain or\n"
          "log, purge --rescan destroyed at least one sample, or publish refused the\n"
          "bundle; 2 usage error, or the store or a file could not be opened or read.\n",
          f);
}

int vs_args_parse_size(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default:
        return -1;
    }
    if (*end == 'i' || *end == 'B')
        end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
    if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Which flags each subcommand takes. */
enum {
    F_STORE = 1 << 0,
    F_SERVE = 1 << 1,
    F_ROLE = 1 << 2,
    F_RESCAN = 1 << 3,
    F_AUDIT = 1 << 4,
    F_BUNDLEKEY = 1 << 5,
    F_LOG = 1 << 6,
};

static unsigned allowed_flags(vs_cmd c)
{
    switch (c) {
    case VS_CMD_SERVE:
        return F_STORE | F_SERVE | F_BUNDLEKEY;
    case VS_CMD_PUBLISH:
        return F_STORE | F_BUNDLEKEY;
    case VS_CMD_LOG:
        return F_STORE | F_LOG;
    case VS_CMD_LOG_EXPORT:
    case VS_CMD_LOG_PUBKEY:
        return F_STORE;
    case VS_CMD_TOKEN_ADD:
        return F_STORE | F_ROLE;
    case VS_CMD_TOKEN_LIST:
    case VS_CMD_TOKEN_REVOKE:
        return F_STORE;
    case VS_CMD_PURGE:
        return F_STORE | F_RESCAN;
    case VS_CMD_AUDIT:
        return F_STORE | F_AUDIT;
    default:
        return 0;
    }
}

static int fail(char *err, size_t errlen, const char *what, const char *arg)
{
    snprintf(err, errlen, "%s%s%s", what, arg ? ": " : "", arg ? arg : "");
    return -1;
}

/* Splits "--flag=value"; the value may instead be the next argument. */
static const char *take_value(int argc, char **argv, int *i, const char *eq)
{
    if (eq != NULL)
        return eq + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int parse_flag(int argc, char **argv, int *i, vs_args *a, char *err, size_t errlen)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
    char key[32];
    if (klen >= sizeof key)
        return fail(err, errlen, "unknown option", arg);
    memcpy(key, arg, klen);
    key[klen] = '\0';
    unsigned ok = allowed_flags(a->cmd);

    struct {
        const char *name;
        unsigned group;
        int has_value;
    } const flags[] = {
        {"--data", F_STORE, 1},         {"--db", F_STORE, 1},
        {"--listen", F_SERVE, 1},       {"--tls-cert", F_SERVE, 1},
        {"--tls-key", F_SERVE, 1},      {"--max-sample", F_SERVE, 1},
        {"--max-inflight", F_SERVE, 1}, {"--max-connections", F_SERVE, 1},
        {"--threads", F_SERVE, 1},      {"--timeout", F_SERVE, 1},
        {"--log-format", F_SERVE, 1},   {"--role", F_ROLE, 1},
        {"--rescan", F_RESCAN, 0},      {"--verify", F_AUDIT | F_LOG, 0},
        {"--file", F_AUDIT, 1},         {"--bundle-pubkey", F_BUNDLEKEY, 1},
    };
    size_t k = 0;
    for (; k < sizeof flags / sizeof flags[0]; k++)
        if (strcmp(flags[k].name, key) == 0)
            break;
    if (k == sizeof flags / sizeof flags[0])
        return fail(err, errlen, "unknown option", key);
    if (!(flags[k].group & ok))
        return fail(err, errlen, "option not valid for this subcommand", key);
    const char *v = NULL;
    if (flags[k].has_value) {
        v = take_value(argc, argv, i, eq);
        if (v == NULL)
            return fail(err, errlen, "option needs a value", key);
    } else if (eq != NULL) {
        return fail(err, errlen, "option takes no value", key);
    }

    if (strcmp(key, "--data") == 0)
        a->data_dir = v;
    else if (strcmp(key, "--db") == 0)
        a->db = *v ? v : NULL;
    else if (strcmp(key, "--listen") == 0)
        a->listen = v;
    else if (strcmp(key, "--tls-cert") == 0)
        a->tls_cert = v;
    else if (strcmp(key, "--tls-key") == 0)
        a->tls_key = v;
    else if (strcmp(key, "--max-sample") == 0) {
        if (vs_args_parse_size(v, &a->max_sample) != 0 || a->max_sample == 0)
            return fail(err, errlen, "--max-sample: not a size", v);
    } else if (strcmp(key, "--max-inflight") == 0) {
        if (vs_args_parse_size(v, &a->max_inflight) != 0 || a->max_inflight == 0)
            return fail(err, errlen, "--max-inflight: not a size", v);
    } else if (strcmp(key, "--max-connections") == 0) {
        if (parse_uint(v, 1, 100000, &a->max_connections) != 0)
            return fail(err, errlen, "--max-connections: expected 1..100000", v);
    } else if (strcmp(key, "--threads") == 0) {
        if (parse_uint(v, 1, 1024, &a->threads) != 0)
            return fail(err, errlen, "--threads: expected 1..1024", v);
    } else if (strcmp(key, "--timeout") == 0) {
        if (parse_uint(v, 1, 86400, &a->timeout_s) != 0)
            return fail(err, errlen, "--timeout: expected 1..86400 seconds", v);
    } else if (strcmp(key, "--log-format") == 0) {
        if (strcmp(v, "json") == 0)
            a->log_json = 1;
        else if (strcmp(v, "text") == 0)
            a->log_json = 0;
        else
            return fail(err, errlen, "--log-format: expected text or json", v);
    } else if (strcmp(key, "--role") == 0) {
        a->role = vs_role_parse(v);
        if (a->role == VS_ROLE_NONE)
            return fail(err, errlen, "--role: expected submitter, analyst or admin", v);
    } else if (strcmp(key, "--rescan") == 0)
        a->rescan = 1;
    else if (strcmp(key, "--verify") == 0)
        a->verify = 1;
    else if (strcmp(key, "--file") == 0)
        a->file = v;
    else if (strcmp(key, "--bundle-pubkey") == 0)
        a->bundle_pubkey = v;
    return 0;
}

static int parse_command(int argc, char **argv, int *i, vs_args *a, char *err, size_t errlen)
{
    if (*i >= argc || argv[*i][0] == '-') {
        a->cmd = VS_CMD_SERVE;
        return 0;
    }
    const char *c = argv[(*i)++];
    if (strcmp(c, "serve") == 0)
        a->cmd = VS_CMD_SERVE;
    else if (strcmp(c, "purge") == 0)
        a->cmd = VS_CMD_PURGE;
    else if (strcmp(c, "audit") == 0)
        a->cmd = VS_CMD_AUDIT;
    else if (strcmp(c, "help") == 0)
        a->cmd = VS_CMD_HELP;
    else if (strcmp(c, "publish") == 0) {
        a->cmd = VS_CMD_PUBLISH;
        if (*i >= argc || argv[*i][0] == '-')
            return fail(err, errlen, "publish: BUNDLE missing", NULL);
        a->target = argv[(*i)++];
    } else if (strcmp(c, "log") == 0) {
        a->cmd = VS_CMD_LOG;
        const char *sub = *i < argc ? argv[*i] : "-";
        if (strcmp(sub, "export") == 0) {
            a->cmd = VS_CMD_LOG_EXPORT;
            if (++*i >= argc || argv[*i][0] == '-')
                return fail(err, errlen, "log export: DIR missing", NULL);
            a->target = argv[(*i)++];
        } else if (strcmp(sub, "pubkey") == 0) {
            a->cmd = VS_CMD_LOG_PUBKEY;
            ++*i;
        } else if (sub[0] != '-') {
            return fail(err, errlen, "log: expected --verify, export DIR or pubkey", sub);
        }
    } else if (strcmp(c, "token") == 0) {
        const char *sub = *i < argc ? argv[(*i)++] : "";
        if (strcmp(sub, "add") == 0)
            a->cmd = VS_CMD_TOKEN_ADD;
        else if (strcmp(sub, "list") == 0)
            a->cmd = VS_CMD_TOKEN_LIST;
        else if (strcmp(sub, "revoke") == 0)
            a->cmd = VS_CMD_TOKEN_REVOKE;
        else
            return fail(err, errlen, "token: expected add, list or revoke", *sub ? sub : NULL);
        if (a->cmd != VS_CMD_TOKEN_LIST) {
            if (*i >= argc || argv[*i][0] == '-')
                return fail(err, errlen, "token add/revoke: NAME missing", NULL);
            a->name = argv[(*i)++];
        }
    } else
        return fail(err, errlen, "unknown subcommand", c);
    return 0;
}

static int check_name(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 63)
        return -1;
    for (; *n; n++)
        if ((unsigned char)*n < 0x21 || (unsigned char)*n > 0x7e)
            return -1;
    return 0;
}

int vs_args_parse(int argc, char **argv, vs_args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->listen = VS_DEFAULT_LISTEN;
    a->max_sample = VS_DEFAULT_MAX_SAMPLE;
    a->max_connections = 64;
    a->timeout_s = 30;
    for (int j = 1; j < argc; j++) {
        if (strcmp(argv[j], "-h") == 0 || strcmp(argv[j], "--help") == 0) {
            a->cmd = VS_CMD_HELP;
            return 0;
        }
        if (strcmp(argv[j], "--version") == 0) {
            a->cmd = VS_CMD_VERSION;
            return 0;
        }
    }
    int i = 1;
    if (parse_command(argc, argv, &i, a, err, errlen) != 0)
        return -1;
    if (a->cmd == VS_CMD_HELP)
        return 0;
    for (; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            return fail(err, errlen, "unexpected argument", argv[i]);
        if (parse_flag(argc, argv, &i, a, err, errlen) != 0)
            return -1;
    }
    if (a->cmd == VS_CMD_AUDIT && a->file != NULL) {
        if (!a->verify)
            return fail(err, errlen, "audit: --file needs --verify", NULL);
        if (a->data_dir != NULL || a->db != NULL)
            return fail(err, errlen, "audit: give --file or --data, not both", NULL);
        return 0;
    }
    if (a->data_dir == NULL || *a->data_dir == '\0')
        return fail(err, errlen, "--data DIR is required", NULL);
    if (a->cmd == VS_CMD_TOKEN_ADD && a->role == VS_ROLE_NONE)
        return fail(err, errlen, "token add: --role is required", NULL);
    if ((a->cmd == VS_CMD_TOKEN_ADD || a->cmd == VS_CMD_TOKEN_REVOKE) && check_name(a->name))
        return fail(err, errlen, "token name: 1..63 printable ASCII characters, no spaces", NULL);
    if (a->cmd == VS_CMD_PUBLISH && a->bundle_pubkey == NULL)
        return fail(err, errlen, "publish: --bundle-pubkey FILE is required", NULL);
    if (a->cmd == VS_CMD_PURGE && !a->rescan)
        return fail(err, errlen, "purge: --rescan is required", NULL);
    if ((a->tls_cert == NULL) != (a->tls_key == NULL))
        return fail(err, errlen, "--tls-cert and --tls-key go together", NULL);
    if (a->max_inflight == 0)
        a->max_inflight = a->max_sample > UINT64_MAX / 8 ? UINT64_MAX : a->max_sample * 8;
    if (a->max_inflight < a->max_sample)
        return fail(err, errlen, "--max-inflight must be at least --max-sample", NULL);
    return 0;
}
