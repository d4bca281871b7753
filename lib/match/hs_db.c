/* Compiling the body signatures into one Hyperscan database, and caching it.
 *
 * Each signature contributes one expression, its atom (atom.c), e.g.
 *
 *     sig  "4d5a??90{2-4}(6869|6c6c)*5045"  ->  atom  "\x4d\x5a.\x90"
 *
 * Signatures with the same atom share one pattern id; a hit on the pattern
 * is verified against each of them (verify.c). Compiling 20,000 atoms takes
 * the better part of a second, so the serialized database is cached on
 * disk under the SHA-256 of everything that determines it (the Hyperscan
 * version and every expression in id order): a second start with the same
 * signatures deserializes it in milliseconds. Cache files carry their own
 * SHA-256 trailer and are written to a temporary name, fsynced and renamed,
 * so a crash or a concurrent writer never leaves a half-written cache that
 * a later start would trust. */
#include "hs_db.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/blob.h"
#include "../core/cache_dir.h"
#include "../core/diag_int.h"
#include "../core/mem.h"
#include "match.h"

#define CACHE_TAG       "vigil-hs-cache-1"
#define CACHE_MAX_BYTES ((size_t)1 << 31)

typedef struct atom_item {
    char *expr;
    uint32_t sig, el, byte, len;
} atom_item;

static int cmp_item(const void *a, const void *b)
{
    const atom_item *x = a, *y = b;
    int c = strcmp(x->expr, y->expr);
    if (c != 0)
        return c;
    return x->sig < y->sig ? -1 : x->sig > y->sig;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void vgi_hs_db_free(vgi_hs_db *db)
{
    if (db == NULL)
        return;
    hs_free_database(db->db);
    if (!db->borrowed) {
        vg_free(db->ref_start);
        vg_free(db->refs);
    }
    vg_free(db);
}

static void cache_key(const char *const *exprs, uint32_t n, char hex[65])
{
    uint8_t md[32];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c == NULL) {
        hex[0] = '\0';
        return;
    }
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    EVP_DigestUpdate(c, CACHE_TAG, sizeof CACHE_TAG);
    const char *ver = hs_version();
    EVP_DigestUpdate(c, ver, strlen(ver) + 1);
    EVP_DigestUpdate(c, &n, sizeof n);
    for (uint32_t i = 0; i < n; i++)
        EVP_DigestUpdate(c, exprs[i], strlen(exprs[i]) + 1);
    EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned n = 0;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

static hs_database_t *cache_load(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    hs_database_t *db = NULL;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 32 ||
        (uint64_t)st.st_size > CACHE_MAX_BYTES)
        goto done;
    size_t len = (size_t)st.st_size, got = 0;
    if ((buf = vg_malloc(len)) == NULL)
        goto done;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto done;
        got += (size_t)r;
    }
    uint8_t md[32];
    sha256(buf, len - 32, md);
    if (memcmp(md, buf + len - 32, 32) != 0)
        goto done;
    if (hs_deserialize_database(buf, len - 32, &db) != HS_SUCCESS)
        db = NULL;
done:
    vg_free(buf);
    close(fd);
    return db;
}

static void cache_store(const char *dir, const char *path, const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.hs-%ld-%ld.tmp", dir, (long)getpid(), (long)time(NULL));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(bytes); /* allocated by Hyperscan's default allocator */
        return;
    }
    uint8_t md[32];
    sha256(bytes, len, md);
    int ok = 1;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write(fd, bytes + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            ok = 0;
        else
            off += (size_t)w;
    }
    ok = ok && write(fd, md, 32) == 32 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
    else
        vgi_cache_prune(dir, "hs-", 8);
    free(bytes);
}

vg_error vgi_hs_db_build(vgi_body_sig *const *sigs, size_t n, const char *const *names,
                         const char *cache_dir, vgi_hs_db **out, vg_diag *diag)
{
    vg_error err = VG_OK;
    atom_item *items = NULL;
    const char **exprs = NULL;
    unsigned *flags = NULL, *ids = NULL;
    size_t n_items = 0;
    double t0 = now_ms();
    vgi_hs_db *h = vg_calloc(1, sizeof *h);
    *out = NULL;
    if (h == NULL)
        return VG_ERR_NOMEM;
    if (n == 0)
        goto finish;
    if (n > UINT32_MAX / 2) {
        err = VG_ERR_LIMIT;
        goto done;
    }
    if ((items = vg_calloc(n, sizeof *items)) == NULL) {
        err = VG_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        vgi_atom a;
        err = vgi_atom_choose(sigs[i], &a);
        if (err != VG_OK) {
            vgi_diag_set(diag, err == VG_ERR_NOMEM ? err : VG_ERR_MALFORMED, names[i], 0, 0,
                         "signature %s has no fixed content to search for", names[i]);
            if (err != VG_ERR_NOMEM)
                err = VG_ERR_MALFORMED;
            goto done;
        }
        items[n_items++] = (atom_item){a.expr, (uint32_t)i, a.el, a.byte, a.len};
    }
    qsort(items, n_items, sizeof *items, cmp_item);

    /* Group equal expressions into one pattern each. */
    h->refs = vg_malloc(n_items * sizeof *h->refs);
    h->ref_start = vg_malloc((n_items + 1) * sizeof *h->ref_start);
    exprs = vg_malloc(n_items * sizeof *exprs);
    flags = vg_malloc(n_items * sizeof *flags);
    ids = vg_malloc(n_items * sizeof *ids);
    if (!h->refs || !h->ref_start || !exprs || !flags || !ids) {
        err = VG_ERR_NOMEM;
        goto done;
    }
    uint32_t p = 0;
    for (size_t i = 0; i < n_items; i++) {
        if (i == 0 || strcmp(items[i].expr, items[i - 1].expr) != 0) {
            h->ref_start[p] = (uint32_t)i;
            exprs[p] = items[i].expr;
            flags[p] = HS_FLAG_DOTALL;
            ids[p] = p;
            p++;
        }
        h->refs[i] = (vgi_hs_ref){items[i].sig, items[i].el, items[i].byte, items[i].len};
    }
    h->ref_start[p] = (uint32_t)n_items;
    h->n_patterns = p;

    char key[65], path[4300] = "";
    if (cache_dir != NULL) {
        cache_key(exprs, p, key);
        if (key[0]) {
            snprintf(path, sizeof path, "%s/hs-%s.db", cache_dir, key);
            h->db = cache_load(path);
            h->cache_hit = h->db != NULL;
        }
    }
    if (h->db == NULL) {
        hs_compile_error_t *cerr = NULL;
        if (hs_compile_multi(exprs, flags, ids, p, HS_MODE_STREAM, NULL, &h->db, &cerr) !=
            HS_SUCCESS) {
            const char *who = "?";
            if (cerr && cerr->expression >= 0 && (uint32_t)cerr->expression < p)
                who = names[h->refs[h->ref_start[cerr->expression]].sig];
            vgi_diag_set(diag, VG_ERR_MATCHER, who, 0, 0,
                         "the pattern matcher refused signature %s: %s", who,
                         cerr && cerr->message ? cerr->message : "unknown error");
            hs_free_compile_error(cerr);
            h->db = NULL;
            err = VG_ERR_MATCHER;
            goto done;
        }
        if (path[0])
            cache_store(cache_dir, path, h->db);
    }
    hs_database_size(h->db, &h->db_bytes);

finish:
    h->ms = now_ms() - t0;
    *out = h;
    h = NULL;
done:
    for (size_t i = 0; i < n_items; i++)
        vg_free(items[i].expr);
    vg_free(items);
    vg_free(exprs);
    vg_free(flags);
    vg_free(ids);
    vgi_hs_db_free(h);
    return err;
}

void vgi_hs_db_write(const vgi_hs_db *h, vgi_blob *b)
{
    uint32_t n = h->n_patterns;
    uint64_t n_refs = n ? h->ref_start[n] : 0;
    vgi_blob_put_u64(b, n);
    vgi_blob_put_u64(b, n_refs);
    if (n) {
        vgi_blob_put(b, h->ref_start, (n + 1) * sizeof *h->ref_start);
        vgi_blob_put(b, h->refs, n_refs * sizeof *h->refs);
    }
    char *bytes = NULL;
    size_t len = 0;
    if (h->db != NULL && hs_serialize_database(h->db, &bytes, &len) != HS_SUCCESS) {
        b->err = VG_ERR_MATCHER;
        return;
    }
    vgi_blob_put_u64(b, len);
    vgi_blob_put(b, bytes, len);
    free(bytes); /* Hyperscan's default allocator */
}

vg_error vgi_hs_db_read(vgi_reader *r, size_t n_bodies, vgi_hs_db **out)
{
    *out = NULL;
    vgi_hs_db *h = vg_calloc(1, sizeof *h);
    if (h == NULL)
        return VG_ERR_NOMEM;
    h->borrowed = 1;
    uint64_t n = vgi_reader_u64(r), n_refs = vgi_reader_u64(r);
    if (n > UINT32_MAX - 1 || n_refs > UINT32_MAX)
        goto bad;
    h->n_patterns = (uint32_t)n;
    if (n) {
        h->ref_start = (uint32_t *)vgi_reader_take_array(r, n + 1, sizeof *h->ref_start);
        h->refs = (vgi_hs_ref *)vgi_reader_take_array(r, n_refs, sizeof *h->refs);
        if (r->bad || h->ref_start[0] != 0 || h->ref_start[n] != n_refs)
            goto bad;
        for (uint64_t i = 0; i < n; i++)
            if (h->ref_start[i] > h->ref_start[i + 1])
                goto bad;
        for (uint64_t i = 0; i < n_refs; i++)
            if (h->refs[i].sig >= n_bodies)
                goto bad;
    }
    uint64_t len = vgi_reader_u64(r);
    const char *bytes = vgi_reader_take_array(r, len, 1);
    if (r->bad || (len == 0) != (n == 0))
        goto bad;
    if (len && hs_deserialize_database(bytes, (size_t)len, &h->db) != HS_SUCCESS) {
        h->db = NULL;
        goto bad;
    }
    if (h->db)
        hs_database_size(h->db, &h->db_bytes);
    h->cache_hit = 1;
    *out = h;
    return VG_OK;
bad:
    vgi_hs_db_free(h);
    return VG_ERR_MALFORMED;
}
