/* The compiled engine as one cache file: a second start reads it instead of
 * parsing a million signature lines and compiling Hyperscan patterns.
 *
 *     ~/.cache/vigil/engine-<key>.img
 *
 *     "VGENGIMG" format          key (32 bytes)
 *     name pool                  hash tables (detections, allow-lists)
 *     body signatures (IR)       Hyperscan pattern map + serialized database
 *     ignored/skipped counts     SHA-256 of everything above
 *
 * The key is a hash of the sources' identities, not their contents:
 * hashing 90 MB of signature text at every start would cost more than the
 * clamscan start we are measured against. A file counts as changed when its
 * path, device, inode, size, mtime or ctime does (what make and ccache rely
 * on); an edit keeps none of those.
 *
 * The image is mapped, not read: copying 90 MB into fresh pages cost more
 * than everything else in a warm start. Its XXH3-128 checksum (a damage
 * check, not a signature: the cache directory is the user's own, 0700) and
 * every count and offset are checked before use, so a damaged file is
 * refused and rebuilt, never trusted. A mapping can fault if the file is
 * truncated under it; images are only ever replaced by rename and removed
 * by unlink, which leave a mapped file intact. Arrays are used in place: the
 * engine keeps the mapping and unmaps it last. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <xxhash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vigil/version.h>

#include "../core/blob.h"
#include "../core/cache_dir.h"
#include "../core/mem.h"
#include "engine_int.h"

/* Bump when the IR, the tables or this layout change. */
#define IMAGE_FORMAT 2
#define IMAGE_MAGIC  "VGENGIMG"
#define IMAGE_MAX    ((size_t)4 << 30)
#define IMAGES_KEPT  3

typedef struct body_rec {
    uint32_t name;
    uint16_t target;
    uint8_t off_kind;
    uint8_t pad;
    uint64_t off, off_range;
    uint32_t min_len, n_el, n_bytes, n_alts;
} body_rec;

void vgi_image_key(const vg_engine *e, uint8_t key[32])
{
    /* XXH3, not SHA-256: this runs at every start, and the first use of an
     * OpenSSL digest initializes its provider machinery (milliseconds), a
     * cost a warm start with nothing to hash should not pay. The key names
     * a cache file in the user's own directory; it needs to tell apart, not
     * to resist forgery. Two differently seeded 128-bit halves fill the 32
     * bytes the file name carries. */
    XXH3_state_t *st[2] = {XXH3_createState(), XXH3_createState()};
    memset(key, 0, 32);
    if (st[0] == NULL || st[1] == NULL)
        goto done;
    for (int h = 0; h < 2; h++) {
        XXH3_128bits_reset_withSeed(st[h], (XXH64_hash_t)h * 0x9e3779b97f4a7c15ull);
        uint64_t fmt = IMAGE_FORMAT;
        XXH3_128bits_update(st[h], IMAGE_MAGIC, sizeof IMAGE_MAGIC);
        XXH3_128bits_update(st[h], &fmt, sizeof fmt);
        XXH3_128bits_update(st[h], VG_VERSION_STRING, sizeof VG_VERSION_STRING);
        const char *hv = hs_version();
        XXH3_128bits_update(st[h], hv, strlen(hv) + 1);
        for (size_t i = 0; i < e->n_src; i++) {
            const vgi_source *s = &e->src[i];
            XXH3_128bits_update(st[h], s->is_mem ? "M" : "F", 1);
            XXH3_128bits_update(st[h], s->name, strlen(s->name) + 1);
            if (s->is_mem) {
                uint64_t len = s->len;
                XXH3_128bits_update(st[h], &len, sizeof len);
                XXH3_128bits_update(st[h], s->buf, s->len);
            } else {
                uint64_t id[8] = {(uint64_t)s->st.st_dev,          (uint64_t)s->st.st_ino,
                                  (uint64_t)s->st.st_size,         (uint64_t)s->st.st_mtim.tv_sec,
                                  (uint64_t)s->st.st_mtim.tv_nsec, (uint64_t)s->st.st_ctim.tv_sec,
                                  (uint64_t)s->st.st_ctim.tv_nsec, (uint64_t)s->st.st_mode};
                XXH3_128bits_update(st[h], id, sizeof id);
            }
        }
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st[h]));
        memcpy(key + 16 * h, c.digest, 16);
    }
done:
    XXH3_freeState(st[0]);
    XXH3_freeState(st[1]);
}

static void image_path(char *buf, size_t size, const char *dir, const uint8_t key[32])
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    snprintf(buf, size, "%s/engine-%s.img", dir, hex);
}

/* ---- writing ---- */

static void put_bodies(const vg_engine *e, vgi_blob *b)
{
    vgi_blob_put_u64(b, e->n_bodies);
    for (size_t i = 0; i < e->n_bodies; i++) {
        const vgi_body_sig *s = e->bodies[i];
        body_rec r = {(uint32_t)(e->body_names[i] - e->names),
                      s->target,
                      s->off_kind,
                      0,
                      s->off,
                      s->off_range,
                      s->min_len,
                      s->n_el,
                      s->n_bytes,
                      s->n_alts};
        vgi_blob_put(b, &r, sizeof r);
        vgi_blob_put(b, s->el, s->n_el * sizeof *s->el);
        vgi_blob_put(b, s->val, s->n_bytes);
        vgi_blob_put(b, s->mask, s->n_bytes);
        vgi_blob_put(b, s->alts, s->n_alts * sizeof *s->alts);
    }
}

vg_error vgi_image_save(const vg_engine *e, const char *dir, const uint8_t key[32])
{
    vgi_blob b;
    vgi_blob_init(&b);
    vgi_blob_put(&b, IMAGE_MAGIC, 8);
    vgi_blob_put_u64(&b, IMAGE_FORMAT);
    vgi_blob_put(&b, key, 32);
    vgi_blob_put_u64(&b, e->names_len);
    vgi_blob_put(&b, e->names, e->names_len);
    vgi_hash_set_write(e->hashes, &b);
    vgi_hash_set_write(e->allows, &b);
    put_bodies(e, &b);
    vgi_hs_db_write(e->hs, &b);
    vgi_blob_put_u64(&b, e->stats.ignored);
    vgi_blob_put_u64(&b, e->stats.skipped);
    const char *sk = e->skipped_first ? e->skipped_first : "";
    vgi_blob_put_u64(&b, strlen(sk) + 1);
    vgi_blob_put(&b, sk, strlen(sk) + 1);
    XXH128_hash_t sum = {0, 0};
    if (b.err == VG_OK)
        sum = XXH3_128bits(b.p, b.len);
    vgi_blob_put_u64(&b, sum.low64);
    vgi_blob_put_u64(&b, sum.high64);
    vg_error err = b.err;
    if (err != VG_OK)
        goto done;

    char path[4200], tmp[4300];
    image_path(path, sizeof path, dir, key);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = VG_ERR_IO;
        goto done;
    }
    size_t off = 0;
    while (off < b.len) {
        ssize_t w = write(fd, b.p + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = off == b.len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        err = VG_ERR_IO;
        goto done;
    }
    vgi_cache_prune(dir, "engine-", IMAGES_KEPT);
done:
    vgi_blob_cleanup(&b);
    return err;
}

/* ---- reading ---- */

static int body_valid(const vgi_body_sig *s)
{
    if (s->n_el == 0 || s->n_el > VGI_SIG_MAX_ELEMENTS)
        return 0;
    for (uint32_t i = 0; i < s->n_alts; i++)
        if (s->alts[i].off > s->n_bytes || s->alts[i].len > s->n_bytes - s->alts[i].off)
            return 0;
    for (uint32_t i = 0; i < s->n_el; i++) {
        const vgi_el *el = &s->el[i];
        switch (el->kind) {
        case VGI_EL_BYTES:
            if (el->off > s->n_bytes || el->len > s->n_bytes - el->off)
                return 0;
            break;
        case VGI_EL_ALT:
            if (el->len == 0 || el->off > s->n_alts || el->len > s->n_alts - el->off)
                return 0;
            break;
        case VGI_EL_GAP:
            if (el->min > el->max)
                return 0;
            break;
        case VGI_EL_BOUND:
            break;
        default:
            return 0;
        }
    }
    return 1;
}

static vg_error read_bodies(vg_engine *e, vgi_reader *r)
{
    uint64_t n = vgi_reader_u64(r);
    if (r->bad || n > r->len / sizeof(body_rec))
        return VG_ERR_MALFORMED;
    size_t cnt = (size_t)n ? (size_t)n : 1;
    e->image_bodies = vg_calloc(cnt, sizeof *e->image_bodies);
    e->bodies = vg_malloc(cnt * sizeof *e->bodies);
    e->body_names = vg_malloc(cnt * sizeof *e->body_names);
    if (!e->image_bodies || !e->bodies || !e->body_names)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < (size_t)n; i++) {
        const body_rec *rec = vgi_reader_take(r, sizeof *rec);
        if (rec == NULL || rec->name >= e->names_len)
            return VG_ERR_MALFORMED;
        vgi_body_sig *s = &e->image_bodies[i];
        s->name = rec->name;
        s->target = rec->target;
        s->off_kind = rec->off_kind;
        s->off = rec->off;
        s->off_range = rec->off_range;
        s->min_len = rec->min_len;
        s->n_el = rec->n_el;
        s->n_bytes = rec->n_bytes;
        s->n_alts = rec->n_alts;
        s->el = (vgi_el *)vgi_reader_take_array(r, s->n_el, sizeof *s->el);
        s->val = (uint8_t *)vgi_reader_take_array(r, s->n_bytes, 1);
        s->mask = (uint8_t *)vgi_reader_take_array(r, s->n_bytes, 1);
        s->alts = (vgi_alt *)vgi_reader_take_array(r, s->n_alts, sizeof *s->alts);
        if (r->bad || !body_valid(s))
            return VG_ERR_MALFORMED;
        e->bodies[i] = s;
        e->body_names[i] = e->names + s->name;
        e->body_targets |= 1u << (s->target & 31);
    }
    e->n_bodies = (size_t)n;
    return VG_OK;
}

static vg_error map_whole(const char *path, void **out, size_t *len)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? VG_ERR_NOT_FOUND : VG_ERR_IO;
    struct stat st;
    vg_error err = VG_ERR_MALFORMED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 64 &&
        (uint64_t)st.st_size <= IMAGE_MAX && (st.st_size & 7) == 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (p != MAP_FAILED) {
            *out = p;
            *len = (size_t)st.st_size;
            err = VG_OK;
        } else {
            err = VG_ERR_IO;
        }
    }
    close(fd);
    return err;
}

void vgi_image_unmap(vg_engine *e)
{
    if (e->image != NULL)
        munmap(e->image, e->image_len);
    e->image = NULL;
    e->image_len = 0;
}

/* Undoes a partial load so the engine can be built the normal way. */
static void reset(vg_engine *e)
{
    vgi_hash_set_free(e->hashes);
    vgi_hash_set_free(e->allows);
    vgi_hs_db_free(e->hs);
    vg_free(e->bodies);
    vg_free(e->body_names);
    vg_free(e->image_bodies);
    vgi_image_unmap(e);
    e->hashes = e->allows = NULL;
    e->hs = NULL;
    e->bodies = NULL;
    e->body_names = NULL;
    e->image_bodies = NULL;
    e->n_bodies = 0;
    e->body_targets = 0;
    e->names = NULL;
    e->names_len = 0;
    e->skipped_first = NULL;
}

vg_error vgi_image_load(vg_engine *e, const char *dir, const uint8_t key[32])
{
    char path[4200];
    image_path(path, sizeof path, dir, key);
    void *map = NULL;
    size_t len = 0;
    vg_error err = map_whole(path, &map, &len);
    if (err != VG_OK)
        return err;
    e->image = map;
    e->image_len = len;
    err = VG_ERR_MALFORMED;
    const uint8_t *buf = map;
    XXH128_hash_t sum = XXH3_128bits(buf, len - 16);
    uint64_t stored[2];
    memcpy(stored, buf + len - 16, 16);
    if (stored[0] != sum.low64 || stored[1] != sum.high64)
        goto fail;

    vgi_reader r;
    vgi_reader_init(&r, buf, len - 16);
    const void *magic = vgi_reader_take(&r, 8);
    uint64_t fmt = vgi_reader_u64(&r);
    const void *k = vgi_reader_take(&r, 32);
    if (r.bad || memcmp(magic, IMAGE_MAGIC, 8) != 0 || fmt != IMAGE_FORMAT ||
        memcmp(k, key, 32) != 0)
        goto fail;
    uint64_t names_len = vgi_reader_u64(&r);
    e->names = vgi_reader_take_array(&r, names_len, 1);
    if (r.bad || (names_len && e->names[names_len - 1] != '\0'))
        goto fail;
    e->names_len = (size_t)names_len;
    if ((err = vgi_hash_set_read(&r, names_len, &e->hashes)) != VG_OK ||
        (err = vgi_hash_set_read(&r, names_len, &e->allows)) != VG_OK ||
        (err = read_bodies(e, &r)) != VG_OK ||
        (err = vgi_hs_db_read(&r, e->n_bodies, &e->hs)) != VG_OK)
        goto fail;
    err = VG_ERR_MALFORMED;
    for (uint64_t i = 0; e->hs->n_patterns && i < e->hs->ref_start[e->hs->n_patterns]; i++) {
        const vgi_hs_ref *ref = &e->hs->refs[i];
        if (ref->el >= e->bodies[ref->sig]->n_el)
            goto fail;
    }
    e->stats.ignored = vgi_reader_u64(&r);
    e->stats.skipped = vgi_reader_u64(&r);
    uint64_t sklen = vgi_reader_u64(&r);
    const char *sk = vgi_reader_take_array(&r, sklen, 1);
    if (r.bad || sklen == 0 || sk[sklen - 1] != '\0')
        goto fail;
    e->skipped_first = sk[0] ? sk : NULL;
    e->stats.cache_hit = 1;
    return VG_OK;
fail:
    reset(e);
    e->stats.ignored = e->stats.skipped = 0;
    return err;
}
