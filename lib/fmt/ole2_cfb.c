/* MS-CFB tables: header, DIFAT, FAT, miniFAT, mini stream, directory.
 *
 * Every table is sized by the file, not by the header: the FAT holds one
 * entry per sector that starts inside the file (a v3 file of 16 KiB has
 * 31 sectors, so it gets 31 entries whatever csectFat says), the DIFAT is
 * read only as far as the FAT sectors needed for those, the miniFAT only
 * as far as the mini stream reaches, and the directory stops at
 * VGI_OLE2_MAX_DIR entries. A FAT sector that cannot be read leaves its
 * entries FREE, so only the streams whose chains run through it are cut:
 * the others are still read, as Office and other lenient readers do. */
#include "ole2_cfb.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"

#define MAX_REPORTS 16
#define HEADER_LEN  512

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

void vgi_ole2_report(vgi_ole2 *o, vg_error code, const char *fmt, ...)
{
    if (o->status == VG_OK)
        o->status = code;
    if (o->errors < MAX_REPORTS) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        vgi_scan_report_error(o->ctx, code, "ole2", "%s", msg);
    } else if (o->errors == MAX_REPORTS) {
        vgi_scan_report_error(o->ctx, code, "ole2", "more damage in this file, not reported");
    }
    if (o->errors <= MAX_REPORTS)
        o->errors++;
}

/* Bytes of sector s that exist (short only for the file's last sector). */
static size_t read_sector(vgi_ole2 *o, uint32_t s, uint8_t *buf)
{
    return vg_fmap_read(o->map, ((uint64_t)s + 1) << o->shift, buf, (size_t)1 << o->shift);
}

static void next_gen(vgi_ole2 *o)
{
    if (++o->gen == 0) { /* 2^32 walks: clear the stamps rather than alias */
        memset(o->stamp, 0, (size_t)o->nsec * sizeof *o->stamp);
        if (o->ministamp != NULL)
            memset(o->ministamp, 0, (size_t)o->nminifat * sizeof *o->ministamp);
        o->gen = 1;
    }
}

uint32_t vgi_ole2_chain(vgi_ole2 *o, const uint32_t *next, uint32_t *stamp, uint32_t n,
                        uint32_t start, uint32_t *out, uint32_t max, const char **why)
{
    *why = NULL;
    if (next == o->fat && o->walked > VGI_OLE2_WALK_BUDGET(o->nsec)) {
        if (!o->over_budget)
            vgi_scan_report_limit(o->ctx, VG_LIMIT_FILES, "ole2",
                                  "streams share sectors: more than %llu sectors followed; "
                                  "the remaining streams are not read",
                                  (unsigned long long)VGI_OLE2_WALK_BUDGET(o->nsec));
        o->over_budget = 1;
        *why = "is not followed (budget spent)";
        return 0;
    }
    next_gen(o);
    uint32_t cnt = 0, s = start;
    while (cnt < max && s != VGI_OLE2_END) {
        if (s >= n) {
            *why = s == VGI_OLE2_FREE     ? "runs into a free or unreadable FAT entry"
                   : s >= VGI_OLE2_MAXREG ? "runs into a special sector number"
                                          : "points past the end of the file";
            break;
        }
        if (stamp[s] == o->gen) {
            *why = "loops";
            break;
        }
        stamp[s] = o->gen;
        out[cnt++] = s;
        s = next[s];
    }
    if (next == o->fat)
        o->walked += cnt;
    return cnt;
}

/* FAT sectors are listed in the header (109) and then in a chain of DIFAT
 * sectors, each ending with the next one's number. */
static vg_error load_fat(vgi_ole2 *o, const uint8_t *h, uint8_t *sec)
{
    uint32_t per = ((uint32_t)1 << o->shift) / 4;
    uint32_t need = (uint32_t)(((uint64_t)o->nsec + per - 1) / per);
    uint32_t csectfat = rd32(h + 44), difstart = rd32(h + 68);
    /* Entries past csectFat are taken while they name sectors (lenient
     * toward writers that get the count wrong); in a sound file they are
     * FREE, which ends the list. */
    uint32_t *difat = vg_malloc(((size_t)need + 1) * sizeof *difat);
    if (difat == NULL)
        return VG_ERR_NOMEM;
    uint32_t k = 0;
    for (unsigned i = 0; i < 109 && k < need; i++)
        difat[k++] = rd32(h + 76 + 4 * i);
    next_gen(o);
    for (uint32_t s = difstart; k < need && s != VGI_OLE2_END && s != VGI_OLE2_FREE;) {
        if (s >= o->nsec || o->stamp[s] == o->gen) {
            if (k < csectfat)
                vgi_ole2_report(o, s < o->nsec ? VG_ERR_MALFORMED : VG_ERR_TRUNCATED,
                                "DIFAT chain %s after %u of %u FAT sectors",
                                s < o->nsec ? "loops" : "breaks off", k, csectfat);
            break;
        }
        o->stamp[s] = o->gen;
        size_t got = read_sector(o, s, sec);
        for (uint32_t j = 0; j + 1 < per && (j + 1) * 4 <= got && k < need; j++)
            difat[k++] = rd32(sec + 4 * j);
        if (got < (size_t)per * 4) {
            vgi_ole2_report(o, VG_ERR_TRUNCATED, "DIFAT sector %u is cut short", s);
            break;
        }
        s = rd32(sec + 4 * (per - 1));
    }
    if (k < csectfat && k < need)
        vgi_ole2_report(o, VG_ERR_MALFORMED, "DIFAT lists %u of %u FAT sectors", k,
                        csectfat < need ? csectfat : need);
    for (uint32_t i = 0; i < k; i++) {
        uint32_t s = difat[i];
        if (s >= o->nsec) {
            if (i >= csectfat)
                break;
            vgi_ole2_report(o, VG_ERR_TRUNCATED, "FAT sector #%u (%u) is not in the file", i, s);
            continue;
        }
        size_t got = read_sector(o, s, sec);
        uint64_t base = (uint64_t)i * per;
        for (uint32_t j = 0; j < per && (j + 1) * 4 <= got && base + j < o->nsec; j++)
            o->fat[base + j] = rd32(sec + 4 * j);
        if (got < (size_t)per * 4)
            vgi_ole2_report(o, VG_ERR_TRUNCATED, "FAT sector %u is cut short", s);
    }
    vg_free(difat);
    return VG_OK;
}

static void parse_entry(vgi_ole2 *o, const uint8_t *p, vgi_ole2_entry *e)
{
    unsigned units = rd16(p + 64) / 2;
    if (units > 0)
        units--; /* the terminating NUL */
    if (units > 31)
        units = 31; /* lenient: a bad length still gives the name */
    e->name_len = 0;
    for (unsigned i = 0; i < units; i++) {
        uint16_t c = rd16(p + 2 * i);
        if (c == 0)
            break;
        e->name[e->name_len++] = c;
    }
    e->type = p[66];
    e->left = rd32(p + 68);
    e->right = rd32(p + 72);
    e->child = rd32(p + 76);
    e->start = rd32(p + 116);
    e->size = rd32(p + 120);
    if (o->shift != 9) /* v3 files may hold garbage in the high half */
        e->size |= (uint64_t)rd32(p + 124) << 32;
}

static vg_error load_dir(vgi_ole2 *o, uint32_t start, uint8_t *sec)
{
    uint32_t per = ((uint32_t)1 << o->shift) / 128;
    uint32_t max = VGI_OLE2_MAX_DIR / per;
    if (max > o->nsec)
        max = o->nsec;
    uint32_t *secs = vg_malloc(((size_t)max + 1) * sizeof *secs);
    if (secs == NULL)
        return VG_ERR_NOMEM;
    const char *why;
    uint32_t n = vgi_ole2_chain(o, o->fat, o->stamp, o->nsec, start, secs, max, &why);
    if (why != NULL)
        vgi_ole2_report(o, VG_ERR_MALFORMED, "directory chain %s after %u sectors", why, n);
    else if (n == max && o->fat[secs[n - 1]] != VGI_OLE2_END && max < o->nsec)
        vgi_scan_report_limit(o->ctx, VG_LIMIT_FILES, "ole2",
                              "more than %u directory entries; the rest are not read",
                              VGI_OLE2_MAX_DIR);
    o->dir = vg_calloc((size_t)n * per + 1, sizeof *o->dir);
    if (o->dir == NULL) {
        vg_free(secs);
        return VG_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        size_t got = read_sector(o, secs[i], sec);
        for (uint32_t j = 0; (j + 1) * 128 <= got; j++)
            parse_entry(o, sec + 128 * j, &o->dir[o->ndir++]);
        if (got < (size_t)per * 128) {
            vgi_ole2_report(o, VG_ERR_TRUNCATED, "directory sector %u is cut short", secs[i]);
            break;
        }
    }
    vg_free(secs);
    if (o->ndir == 0)
        vgi_ole2_report(o, VG_ERR_MALFORMED, "no directory entries");
    else if (o->dir[0].type != VGI_OLE2_ROOT)
        vgi_ole2_report(o, VG_ERR_MALFORMED, "the first directory entry is not the root");
    return VG_OK;
}

/* The mini stream is the root entry's regular chain; the miniFAT is read
 * only as far as the mini stream has sectors. */
static vg_error load_mini(vgi_ole2 *o, uint32_t mfstart, uint8_t *sec)
{
    if (o->ndir == 0 || o->dir[0].size == 0 || mfstart == VGI_OLE2_END)
        return VG_OK;
    const vgi_ole2_entry *root = &o->dir[0];
    uint64_t want = (root->size + ((uint64_t)1 << o->shift) - 1) >> o->shift;
    uint32_t max = want < o->nsec ? (uint32_t)want : o->nsec;
    o->ministream = vg_malloc(((size_t)max + 1) * sizeof *o->ministream);
    if (o->ministream == NULL)
        return VG_ERR_NOMEM;
    const char *why;
    o->nministream =
        vgi_ole2_chain(o, o->fat, o->stamp, o->nsec, root->start, o->ministream, max, &why);
    if (why != NULL || o->nministream < want)
        vgi_ole2_report(o, VG_ERR_MALFORMED, "mini stream chain %s after %u of %llu sectors",
                        why ? why : "ends", o->nministream, (unsigned long long)want);
    o->minisize = (uint64_t)o->nministream << o->shift;
    if (o->minisize > root->size)
        o->minisize = root->size;

    uint32_t per = ((uint32_t)1 << o->shift) / 4;
    uint64_t nmini = o->minisize / VGI_OLE2_MINI;
    uint64_t mfwant = (nmini + per - 1) / per;
    uint32_t mfmax = mfwant < o->nsec ? (uint32_t)mfwant : o->nsec;
    uint32_t *secs = vg_malloc(((size_t)mfmax + 1) * sizeof *secs);
    if (secs == NULL)
        return VG_ERR_NOMEM;
    uint32_t n = vgi_ole2_chain(o, o->fat, o->stamp, o->nsec, mfstart, secs, mfmax, &why);
    if (why != NULL)
        vgi_ole2_report(o, VG_ERR_MALFORMED, "miniFAT chain %s after %u sectors", why, n);
    o->nminifat = (uint32_t)((uint64_t)n * per < nmini ? (uint64_t)n * per : nmini);
    o->minifat = vg_malloc(((size_t)o->nminifat + 1) * sizeof *o->minifat);
    o->ministamp = vg_calloc((size_t)o->nminifat + 1, sizeof *o->ministamp);
    if (o->minifat == NULL || o->ministamp == NULL) {
        vg_free(secs);
        return VG_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < o->nminifat; i++)
        o->minifat[i] = VGI_OLE2_FREE;
    for (uint32_t i = 0; i < n; i++) {
        size_t got = read_sector(o, secs[i], sec);
        for (uint32_t j = 0; j < per && (j + 1) * 4 <= got && (uint64_t)i * per + j < o->nminifat;
             j++)
            o->minifat[(uint64_t)i * per + j] = rd32(sec + 4 * j);
    }
    vg_free(secs);
    return VG_OK;
}

vg_error vgi_ole2_open(vgi_ole2 *o, vgi_scan_ctx *ctx, vg_fmap *map)
{
    memset(o, 0, sizeof *o);
    o->ctx = ctx;
    o->map = map;
    o->fsize = vg_fmap_size(map);
    uint8_t h[HEADER_LEN];
    if (vg_fmap_read(map, 0, h, sizeof h) != sizeof h) {
        vgi_ole2_report(o, VG_ERR_TRUNCATED, "header cut short (%llu bytes)",
                        (unsigned long long)o->fsize);
        return VG_ERR_TRUNCATED;
    }
    unsigned shift = rd16(h + 30);
    if (shift != 9 && shift != 12) {
        vgi_ole2_report(o, VG_ERR_MALFORMED, "sector shift %u (only 9 and 12 exist)", shift);
        return VG_ERR_MALFORMED;
    }
    if (rd16(h + 32) != 6)
        vgi_ole2_report(o, VG_ERR_MALFORMED, "mini sector shift %u; using 6", rd16(h + 32));
    o->shift = shift;
    uint64_t ssz = (uint64_t)1 << shift;
    uint64_t nsec = o->fsize > ssz ? (o->fsize - ssz + ssz - 1) >> shift : 0;
    o->nsec = nsec < VGI_OLE2_MAXREG ? (uint32_t)nsec : VGI_OLE2_MAXREG;
    if (o->nsec == 0) {
        vgi_ole2_report(o, VG_ERR_TRUNCATED, "no sector after the header");
        return VG_ERR_TRUNCATED;
    }
    vg_error err = VG_ERR_NOMEM;
    uint8_t *sec = vg_malloc((size_t)ssz);
    o->fat = vg_malloc((size_t)o->nsec * sizeof *o->fat);
    o->stamp = vg_calloc(o->nsec, sizeof *o->stamp);
    if (sec == NULL || o->fat == NULL || o->stamp == NULL)
        goto done;
    for (uint32_t i = 0; i < o->nsec; i++)
        o->fat[i] = VGI_OLE2_FREE;
    if ((err = load_fat(o, h, sec)) != VG_OK || (err = load_dir(o, rd32(h + 48), sec)) != VG_OK ||
        (err = load_mini(o, rd32(h + 60), sec)) != VG_OK)
        goto done;
done:
    vg_free(sec);
    if (err != VG_OK)
        vgi_ole2_close(o);
    return err;
}

void vgi_ole2_close(vgi_ole2 *o)
{
    vg_free(o->fat);
    vg_free(o->stamp);
    vg_free(o->minifat);
    vg_free(o->ministamp);
    vg_free(o->ministream);
    vg_free(o->dir);
    vg_free(o->order);
    vg_free(o->parent);
    o->fat = o->stamp = o->minifat = o->ministamp = o->ministream = NULL;
    o->order = o->parent = NULL;
    o->dir = NULL;
    o->nsec = o->nminifat = o->ndir = o->norder = 0;
}
