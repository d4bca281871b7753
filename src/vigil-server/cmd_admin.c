/* Offline administration: `token add|list|revoke` and `audit [--verify]`.
 *
 * `token add` prints the secret alone on stdout (one line), so a script can
 * take it with $(...); it is shown only this once - the store keeps its
 * SHA-256. `audit` prints the log one JSON entry a line; `audit --verify`
 * checks the hash chain of the store, or of a saved GET /v1/audit response
 * (--file FILE, or - for stdin), and prints
 * "audit log OK: N entries, head HASH" or the first broken entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "audit.h"
#include "store.h"

static vs_store *open_store(const vs_args *a)
{
    vs_store *st = NULL;
    char err[512] = "";
    if (vs_store_open(a->data_dir, a->db, &st, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil-server: %s\n", err[0] ? err : "cannot open the store");
        return NULL;
    }
    return st;
}

int vs_cmd_token(const vs_args *a)
{
    vs_store *st = open_store(a);
    if (st == NULL)
        return 2;
    int rc = 0;
    vg_error e = VG_OK;
    if (a->cmd == VS_CMD_TOKEN_ADD) {
        char tok[65];
        e = vs_store_token_add(st, a->name, a->role, tok);
        if (e == VG_OK) {
            printf("%s\n", tok);
            explicit_bzero(tok, sizeof tok);
        } else if (e == VG_ERR_EXISTS) {
            fprintf(stderr, "vigil-server: a token named %s exists already\n", a->name);
            rc = 2;
        }
    } else if (a->cmd == VS_CMD_TOKEN_REVOKE) {
        e = vs_store_token_revoke(st, a->name);
        if (e == VG_ERR_NOT_FOUND) {
            fprintf(stderr, "vigil-server: no live token named %s\n", a->name);
            rc = 2;
        } else if (e == VG_OK) {
            fprintf(stderr, "vigil-server: token %s revoked\n", a->name);
        }
    } else {
        json_t *list = NULL;
        e = vs_store_token_list(st, &list);
        size_t i;
        json_t *t;
        json_array_foreach(list, i, t)
        {
            char *line = json_dumps(t, JSON_COMPACT | JSON_ENSURE_ASCII);
            if (line)
                printf("%s\n", line);
            free(line);
        }
        json_decref(list);
    }
    if (rc == 0 && e != VG_OK) {
        fprintf(stderr, "vigil-server: token: %s\n", vg_strerror(e));
        rc = 2;
    }
    vs_store_close(st);
    return rc;
}

/* The entries of a saved response {"entries": [...], "head": ...} or of a
 * bare array. New reference, or NULL with a message printed. */
static json_t *load_saved(const char *file, json_t **head_out)
{
    json_error_t je;
    json_t *doc = strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &je) : json_load_file(file, 0, &je);
    if (doc == NULL) {
        fprintf(stderr, "vigil-server: %s: %s (line %d)\n", file, je.text, je.line);
        return NULL;
    }
    json_t *entries = json_is_array(doc) ? doc : json_object_get(doc, "entries");
    if (!json_is_array(entries)) {
        fprintf(stderr, "vigil-server: %s: no \"entries\" array\n", file);
        json_decref(doc);
        return NULL;
    }
    json_incref(entries);
    *head_out = json_incref(json_object_get(doc, "head"));
    json_decref(doc);
    return entries;
}

int vs_cmd_audit(const vs_args *a)
{
    json_t *entries = NULL, *head = NULL;
    vs_store *st = NULL;
    int rc = 2;
    if (a->file != NULL) {
        entries = load_saved(a->file, &head);
        if (entries == NULL)
            return 2;
    } else {
        st = open_store(a);
        if (st == NULL)
            return 2;
        vg_error e = vs_store_audit_list(st, 0, 0, &entries);
        if (e != VG_OK) {
            fprintf(stderr, "vigil-server: audit: %s\n", vg_strerror(e));
            goto done;
        }
    }
    size_t n = json_array_size(entries);
    if (!a->verify) {
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e)
        {
            char *line = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
            if (line)
                printf("%s\n", line);
            free(line);
        }
        rc = 0;
        goto done;
    }
    char err[512];
    if (vs_audit_verify(entries, err, sizeof err) != 0) {
        printf("audit log BROKEN: %s\n", err);
        rc = 1;
        goto done;
    }
    const char *last =
        n ? json_string_value(json_object_get(json_array_get(entries, n - 1), "hash"))
          : VS_AUDIT_GENESIS;
    if (json_is_string(head) && strcmp(json_string_value(head), last) != 0) {
        printf("audit log BROKEN: \"head\" is not the hash of the last entry\n");
        rc = 1;
        goto done;
    }
    printf("audit log OK: %zu entries, head %s\n", n, last);
    rc = 0;
done:
    json_decref(entries);
    json_decref(head);
    vs_store_close(st);
    return rc;
}
