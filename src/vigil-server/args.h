/* Command line of vigil-server: the subcommand and its flags.
 *
 *     vs_args a;
 *     if (vs_args_parse(argc, argv, &a, err, sizeof err) != 0) usage error, exit 2
 *
 * Every flag is explained by `vigil-server --help` (vs_args_help). */
#ifndef VIGIL_SERVER_ARGS_H
#define VIGIL_SERVER_ARGS_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

typedef enum vs_cmd {
    VS_CMD_SERVE = 0,
    VS_CMD_TOKEN_ADD,
    VS_CMD_TOKEN_LIST,
    VS_CMD_TOKEN_REVOKE,
    VS_CMD_PURGE,
    VS_CMD_AUDIT,
    VS_CMD_PUBLISH,    /* publish BUNDLE */
    VS_CMD_LOG,        /* log [--verify] */
    VS_CMD_LOG_EXPORT, /* log export DIR */
    VS_CMD_LOG_PUBKEY, /* log pubkey */
    VS_CMD_HELP,
    VS_CMD_VERSION,
} vs_cmd;

typedef struct vs_args {
    vs_cmd cmd;
    const char *data_dir; /* --data */
    const char *db;       /* --db CONNINFO, NULL = SQLite */
    const char *listen;   /* --listen ADDR:PORT */
    const char *tls_cert, *tls_key;
    uint64_t max_sample;      /* --max-sample */
    uint64_t max_inflight;    /* --max-inflight; 0 = 8 x max_sample */
    unsigned max_connections; /* --max-connections */
    unsigned threads;         /* --threads; 0 = cores */
    unsigned timeout_s;       /* --timeout */
    int log_json;             /* --log-format json */
    /* token add/revoke */
    const char *name;
    vs_role role;
    /* purge / audit */
    int rescan, verify;
    const char *file; /* audit --verify --file FILE|- */
    /* the transparency log */
    const char *bundle_pubkey; /* --bundle-pubkey FILE (serve, publish) */
    const char *target;        /* publish BUNDLE, log export DIR */
} vs_args;

#define VS_DEFAULT_LISTEN     "127.0.0.1:8640"
#define VS_DEFAULT_MAX_SAMPLE (64ull << 20)
#define VS_MAX_JSON_BODY      (1u << 20)

/* 0 when argv makes sense; -1 with a one-line reason in err otherwise. */
int vs_args_parse(int argc, char **argv, vs_args *a, char *err, size_t errlen);
void vs_args_help(FILE *f);

/* "64M", "1048576", "16k", "1G" (binary units). -1 on junk or overflow. */
int vs_args_parse_size(const char *s, uint64_t *out);

#endif
