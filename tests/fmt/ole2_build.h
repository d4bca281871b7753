/* A small OLE2 (MS-CFB) writer for the tests, plus the MS-OVBA compressor
 * that VBA projects need. Header-only, test use only.
 *
 *     ob_file f;
 *     ob_init(&f, 9);                                    v3, 512-byte sectors
 *     int pool = ob_add(&f, 0, OB_STORAGE, "ObjectPool", NULL, 0);
 *     ob_add(&f, pool, OB_STREAM, "\001Ole10Native", data, len);
 *     uint8_t *file = ob_build(&f, &size);               malloc'd
 *
 * Layout: header, FAT sectors, DIFAT sectors, directory, miniFAT, mini
 * stream, then the regular streams in the order added (each contiguous,
 * or backwards with f.reverse so that none is). Each storage's children
 * hang off its child link as a right-leaning list: a degenerate tree, which
 * readers accept. ob_file keeps where everything went, so a test can
 * break one thing (ob_set_fat, ob_dir_off) and see what the reader does. */
#ifndef VGT_OLE2_BUILD_H
#define VGT_OLE2_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OB_MAX     128
#define OB_STORAGE 1
#define OB_STREAM  2
#define OB_ROOT    5
#define OB_FREE    0xFFFFFFFFu
#define OB_END     0xFFFFFFFEu

typedef struct ob_entry {
    uint16_t name[32];
    unsigned name_len;
    int type, parent;
    const uint8_t *data;
    size_t len;
    uint32_t start, left, right, child; /* filled by ob_build */
    uint64_t size;
    int mini;
} ob_entry;

typedef struct ob_file {
    unsigned shift;
    int reverse;
    ob_entry e[OB_MAX];
    unsigned n;
    /* filled by ob_build */
    uint32_t nfat, ndif, dir_start, ndirsec, minifat_start, nminifat, ministream_start, nsec;
    uint64_t ministream_len;
} ob_file;

static void ob_put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void ob_put32(uint8_t *p, uint32_t v)
{
    ob_put16(p, v & 0xffff);
    ob_put16(p + 2, v >> 16);
}

static void ob_init(ob_file *f, unsigned shift)
{
    memset(f, 0, sizeof *f);
    f->shift = shift;
    f->n = 1;
    f->e[0].type = OB_ROOT;
    static const char root[] = "Root Entry";
    for (unsigned i = 0; root[i]; i++)
        f->e[0].name[f->e[0].name_len++] = (uint16_t)root[i];
}

static int ob_add16(ob_file *f, int parent, int type, const uint16_t *name, unsigned n,
                    const void *data, size_t len)
{
    ob_entry *e = &f->e[f->n];
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, n * 2);
    e->name_len = n;
    e->type = type;
    e->parent = parent;
    e->data = data;
    e->len = len;
    return (int)f->n++;
}

static int ob_add(ob_file *f, int parent, int type, const char *name, const void *data, size_t len)
{
    uint16_t u[32];
    unsigned n = 0;
    while (name[n] && n < 31) {
        u[n] = (uint8_t)name[n];
        n++;
    }
    return ob_add16(f, parent, type, u, n, data, len);
}

static uint64_t ob_sector_off(const ob_file *f, uint32_t s)
{
    return ((uint64_t)s + 1) << f->shift;
}

/* Offset of directory entry idx in the built file. */
static uint64_t ob_dir_off(const ob_file *f, unsigned idx)
{
    unsigned per = (1u << f->shift) / 128;
    return ob_sector_off(f, f->dir_start + idx / per) + (idx % per) * 128;
}

/* Offset in the built file of byte off of stream idx (not reversed). */
static uint64_t ob_stream_off(const ob_file *f, unsigned idx, uint64_t off)
{
    const ob_entry *e = &f->e[idx];
    uint32_t ssz = 1u << f->shift;
    if (!e->mini)
        return ob_sector_off(f, e->start) + off;
    uint64_t mo = (uint64_t)e->start * 64 + off;
    return ob_sector_off(f, f->ministream_start + (uint32_t)(mo / ssz)) + mo % ssz;
}

static void ob_set_fat(const ob_file *f, uint8_t *buf, uint32_t s, uint32_t v)
{
    unsigned per = (1u << f->shift) / 4;
    ob_put32(buf + ob_sector_off(f, s / per) + (s % per) * 4, v); /* FAT sectors are 0.. */
}

static uint32_t ob_ceil(uint64_t a, uint64_t b)
{
    return (uint32_t)((a + b - 1) / b);
}

static uint8_t *ob_build(ob_file *f, size_t *out_len)
{
    uint32_t ssz = 1u << f->shift, per = ssz / 4;
    /* children lists */
    for (unsigned i = 0; i < f->n; i++)
        f->e[i].left = f->e[i].right = f->e[i].child = OB_FREE;
    for (unsigned i = 1; i < f->n; i++) {
        ob_entry *p = &f->e[f->e[i].parent];
        if (p->child == OB_FREE) {
            p->child = i;
        } else {
            uint32_t k = p->child;
            while (f->e[k].right != OB_FREE)
                k = f->e[k].right;
            f->e[k].right = i;
        }
    }
    uint64_t mini = 0;
    uint32_t regular = 0;
    for (unsigned i = 1; i < f->n; i++) {
        ob_entry *e = &f->e[i];
        e->size = e->len;
        if (e->type != OB_STREAM || e->len == 0)
            continue;
        e->mini = e->len < 4096;
        if (e->mini)
            mini += (e->len + 63) / 64 * 64;
        else
            regular += ob_ceil(e->len, ssz);
    }
    f->ndirsec = ob_ceil((uint64_t)f->n * 128, ssz);
    uint32_t nministream = ob_ceil(mini, ssz);
    f->nminifat = ob_ceil(mini / 64 * 4, ssz);
    uint32_t other = f->ndirsec + f->nminifat + nministream + regular;
    f->nfat = 1;
    f->ndif = 0;
    for (;;) {
        uint32_t total = other + f->nfat + f->ndif;
        uint32_t nfat = ob_ceil(total, per);
        uint32_t ndif = nfat > 109 ? ob_ceil(nfat - 109, per - 1) : 0;
        if (nfat == f->nfat && ndif == f->ndif)
            break;
        f->nfat = nfat;
        f->ndif = ndif;
    }
    f->nsec = other + f->nfat + f->ndif;
    size_t len = ((size_t)f->nsec + 1) << f->shift;
    uint8_t *buf = calloc(1, len);
    uint32_t *fat = malloc((size_t)f->nfat * per * 4);
    for (uint32_t i = 0; i < f->nfat * per; i++)
        fat[i] = OB_FREE;
    uint32_t s = 0;
    for (uint32_t i = 0; i < f->nfat; i++)
        fat[s++] = 0xFFFFFFFDu;
    uint32_t dif_start = s;
    for (uint32_t i = 0; i < f->ndif; i++)
        fat[s++] = 0xFFFFFFFCu;
    f->dir_start = s;
    for (uint32_t i = 0; i < f->ndirsec; i++, s++)
        fat[s] = i + 1 < f->ndirsec ? s + 1 : OB_END;
    f->minifat_start = f->nminifat ? s : OB_END;
    for (uint32_t i = 0; i < f->nminifat; i++, s++)
        fat[s] = i + 1 < f->nminifat ? s + 1 : OB_END;
    f->ministream_start = nministream ? s : OB_END;
    for (uint32_t i = 0; i < nministream; i++, s++)
        fat[s] = i + 1 < nministream ? s + 1 : OB_END;
    f->ministream_len = mini;
    f->e[0].start = f->ministream_start;
    f->e[0].size = mini;
    /* streams */
    uint32_t msec = 0;
    for (unsigned i = 1; i < f->n; i++) {
        ob_entry *e = &f->e[i];
        if (e->type != OB_STREAM || e->len == 0) {
            e->start = e->type == OB_STREAM ? OB_END : 0;
            continue;
        }
        if (e->mini) {
            uint32_t k = ob_ceil(e->len, 64);
            e->start = msec;
            for (uint32_t j = 0; j < k; j++) {
                uint64_t mo = (uint64_t)(msec + j) * 64;
                uint64_t fo =
                    ob_sector_off(f, f->ministream_start + (uint32_t)(mo / ssz)) + mo % ssz;
                size_t n = e->len - j * 64 < 64 ? e->len - j * 64 : 64;
                memcpy(buf + fo, e->data + j * 64, n);
                uint32_t next = j + 1 < k ? msec + j + 1 : OB_END;
                uint32_t m = msec + j;
                ob_put32(buf + ob_sector_off(f, f->minifat_start + m / per) + (m % per) * 4, next);
            }
            msec += k;
            continue;
        }
        uint32_t k = ob_ceil(e->len, ssz);
        for (uint32_t j = 0; j < k; j++) {
            uint32_t sec = f->reverse ? s + k - 1 - j : s + j;
            uint32_t nxt = j + 1 < k ? (f->reverse ? sec - 1 : sec + 1) : OB_END;
            fat[sec] = nxt;
            size_t n = e->len - (size_t)j * ssz < ssz ? e->len - (size_t)j * ssz : ssz;
            memcpy(buf + ob_sector_off(f, sec), e->data + (size_t)j * ssz, n);
        }
        e->start = f->reverse ? s + k - 1 : s;
        s += k;
    }
    /* unused miniFAT entries stay 0 from calloc: mark them free */
    for (uint32_t m = msec; m < f->nminifat * per; m++)
        ob_put32(buf + ob_sector_off(f, f->minifat_start + m / per) + (m % per) * 4, OB_FREE);
    /* directory */
    for (unsigned i = 0; i < f->ndirsec * (ssz / 128); i++) {
        uint8_t *p = buf + ob_dir_off(f, i);
        ob_put32(p + 68, OB_FREE);
        ob_put32(p + 72, OB_FREE);
        ob_put32(p + 76, OB_FREE);
        if (i >= f->n)
            continue;
        ob_entry *e = &f->e[i];
        for (unsigned k = 0; k < e->name_len; k++)
            ob_put16(p + 2 * k, e->name[k]);
        ob_put16(p + 64, (e->name_len + 1) * 2);
        p[66] = (uint8_t)e->type;
        p[67] = 1;
        ob_put32(p + 68, e->left);
        ob_put32(p + 72, e->right);
        ob_put32(p + 76, e->child);
        ob_put32(p + 116, e->start);
        ob_put32(p + 120, (uint32_t)e->size);
        ob_put32(p + 124, f->shift == 9 ? 0 : (uint32_t)(e->size >> 32));
    }
    /* FAT, DIFAT, header */
    for (uint32_t i = 0; i < f->nfat * per; i++)
        ob_put32(buf + ob_sector_off(f, i / per) + (i % per) * 4, fat[i]);
    free(fat);
    uint8_t *h = buf;
    static const uint8_t magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    memcpy(h, magic, 8);
    ob_put16(h + 24, 0x3E);
    ob_put16(h + 26, f->shift == 9 ? 3 : 4);
    ob_put16(h + 28, 0xFFFE);
    ob_put16(h + 30, f->shift);
    ob_put16(h + 32, 6);
    ob_put32(h + 40, f->shift == 9 ? 0 : f->ndirsec);
    ob_put32(h + 44, f->nfat);
    ob_put32(h + 48, f->dir_start);
    ob_put32(h + 56, 4096);
    ob_put32(h + 60, f->minifat_start);
    ob_put32(h + 64, f->nminifat);
    ob_put32(h + 68, f->ndif ? dif_start : OB_END);
    ob_put32(h + 72, f->ndif);
    for (uint32_t i = 0; i < 109; i++)
        ob_put32(h + 76 + 4 * i, i < f->nfat ? i : OB_FREE);
    for (uint32_t d = 0; d < f->ndif; d++) {
        uint8_t *p = buf + ob_sector_off(f, dif_start + d);
        for (uint32_t j = 0; j + 1 < per; j++) {
            uint32_t k = 109 + d * (per - 1) + j;
            ob_put32(p + 4 * j, k < f->nfat ? k : OB_FREE);
        }
        ob_put32(p + 4 * (per - 1), d + 1 < f->ndif ? dif_start + d + 1 : OB_END);
    }
    *out_len = len;
    return buf;
}

/* MS-OVBA compression (2.4.1.3.6): greedy matches inside each 4096-byte
 * chunk. out must hold 1 + len + len / 8 + 3 * (len / 4096 + 1) bytes. */
static size_t ob_ovba_compress(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    out[o++] = 1;
    for (size_t cs = 0; cs < len; cs += 4096) {
        size_t clen = len - cs < 4096 ? len - cs : 4096;
        size_t hdr = o;
        o += 2;
        size_t p = 0;
        while (p < clen) {
            size_t flag_at = o++;
            uint8_t flags = 0;
            for (int b = 0; b < 8 && p < clen; b++) {
                unsigned bits = 4;
                while (bits < 12 && ((size_t)1 << bits) < p)
                    bits++;
                size_t maxlen = (0xFFFFu >> bits) + 3, maxoff = (size_t)1 << bits;
                size_t best = 0, boff = 0;
                for (size_t off = 1; off <= p && off <= maxoff; off++) {
                    size_t l = 0;
                    while (l < maxlen && p + l < clen && in[cs + p + l] == in[cs + p + l - off])
                        l++;
                    if (l > best) {
                        best = l;
                        boff = off;
                    }
                }
                if (best >= 3) {
                    unsigned tok = (unsigned)((boff - 1) << (16 - bits) | (best - 3));
                    ob_put16(out + o, tok);
                    o += 2;
                    flags |= (uint8_t)(1u << b);
                    p += best;
                } else {
                    out[o++] = in[cs + p++];
                }
            }
            out[flag_at] = flags;
        }
        ob_put16(out + hdr, (unsigned)(0xB000 | (o - hdr - 3)));
    }
    return o;
}

#endif
