/* The file records of an InstallShield MSI setup (setup.exe + product.msi).
 *
 *     "InstallShield\0"
 *     header, 0x20 bytes: u32 file count, u32 ?, 24 zero bytes
 *     record, 0x138 bytes, then its data, per file:
 *         char name[0x104]         "clam.msi\0..." (MAX_PATH)
 *         u32 6, u32 ?, u64 data length, u32 ?, u32 1, 7 x u32 ?
 *         data[data length]
 *
 * The data is obfuscated with the name: key = name XOR EC CA 79 F8
 * (repeated), and byte i of the data is nibble-swapped, then XORed with
 * key[(i & 0x3ff) % strlen(name)]. What comes out is a zlib stream in
 * every setup seen (the .msi, Setup.ini, language .ini files, a banner
 * .bmp); a record whose decoded data does not open with a zlib header is
 * taken as stored and emitted as decoded. Every record is a member named
 * after its stored name, decoded and inflated chunk by chunk into the
 * child; the .msi then goes to the OLE2 handler.
 *
 * Bounds: each record takes 0x138 bytes of the object, so the count
 * cannot make the loop outlast the object; data lengths are checked
 * against what is left (a cut record is decoded as far as it goes and
 * reported); the next record is found by offset, so a member cut at
 * max_file_size costs nothing more. */
#include "ishield_msi.h"
#include "ishield_find.h"

#include <string.h>

#define REC_SIZE   0x138u
#define NAME_FIELD 0x104u
#define CSIZE_OFF  0x10cu

static const uint8_t skey[4] = {0xEC, 0xCA, 0x79, 0xF8};

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int zlib_header(const uint8_t *p)
{
    return (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && (p[1] & 0x20) == 0 &&
           ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

typedef struct record {
    uint64_t off, len; /* data in the object */
    int cut;           /* len is less than the record declares */
    uint8_t key[NAME_FIELD];
    size_t keylen;
    char name[VGI_ISHIELD_NAME];
} record;

/* Inflates the decoded bytes in is->in[0..n) into c; 1 when the member is
 * done (end of stream, limit or error). */
static int inflate_chunk(vgi_ishield *is, vgi_child *c, z_stream *z, size_t n, const record *r,
                         int *ended)
{
    z->next_in = is->in;
    z->avail_in = (uInt)n;
    do {
        z->next_out = is->out;
        z->avail_out = (uInt)VGI_ISHIELD_BUF;
        int zr = inflate(z, Z_NO_FLUSH);
        size_t got = VGI_ISHIELD_BUF - z->avail_out;
        if (vgi_ishield_write(is, c, is->out, got))
            return 1;
        if (zr == Z_STREAM_END) {
            *ended = 1;
            return 1;
        }
        if (zr == Z_MEM_ERROR) {
            vgi_ishield_status(is, VG_ERR_NOMEM);
            return 1;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            vgi_ishield_fail(is, VG_ERR_MALFORMED,
                             "record %s: bad zlib data in the record at offset %llu", r->name,
                             (unsigned long long)r->off);
            *ended = 1;
            return 1;
        }
        if (zr == Z_BUF_ERROR && got == 0)
            break;
    } while (z->avail_in > 0 || z->avail_out == 0);
    return 0;
}

static void decode(vgi_ishield *is, const record *r)
{
    vgi_child *c = NULL;
    vg_error err = vgi_child_begin(is->ctx, &c);
    if (err != VG_OK) {
        vgi_ishield_status(is, err);
        return;
    }
    z_stream z;
    int zlib = -1, ended = 0, done_member = 0;
    uint64_t done = 0;
    while (done < r->len && !done_member) {
        if (vgi_scan_should_stop(is->ctx)) {
            is->stop = 1;
            break;
        }
        size_t n = r->len - done < VGI_ISHIELD_BUF ? (size_t)(r->len - done) : VGI_ISHIELD_BUF;
        if (vg_fmap_read(is->map, r->off + done, is->in, n) != n) {
            vgi_ishield_fail(is, VG_ERR_IO, "record %s: read error at offset %llu", r->name,
                             (unsigned long long)(r->off + done));
            break;
        }
        for (size_t i = 0; i < n; i++) {
            uint8_t b = (uint8_t)(is->in[i] >> 4 | is->in[i] << 4);
            is->in[i] = b ^ r->key[((done + i) & 0x3ff) % r->keylen];
        }
        if (zlib < 0) {
            zlib = n >= 2 && zlib_header(is->in);
            if (zlib && (err = vgi_ishield_zinit(&z, 15)) != VG_OK) {
                vgi_ishield_status(is, err);
                zlib = 0;
                break;
            }
        }
        done += n;
        done_member =
            zlib ? inflate_chunk(is, c, &z, n, r, &ended) : vgi_ishield_write(is, c, is->in, n);
    }
    if (zlib > 0) {
        if (!ended && !done_member && !is->stop && done == r->len && !r->cut)
            vgi_ishield_fail(is, VG_ERR_TRUNCATED,
                             "record %s: zlib stream at offset %llu ends early; "
                             "scanning what was inflated",
                             r->name, (unsigned long long)r->off);
        inflateEnd(&z);
    }
    vgi_ishield_status(is, vgi_child_finish(c, r->name));
}

void vgi_ishield_msi(vgi_ishield *is, uint64_t hdr_off)
{
    uint64_t size = vg_fmap_size(is->map);
    uint8_t h[4];
    if (vg_fmap_read(is->map, hdr_off, h, 4) != 4)
        return;
    uint32_t count =
        (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    uint64_t off = hdr_off + VGI_ISHIELD_MSI_HDR;
    record r;
    for (uint32_t i = 0; i < count && !is->stop; i++) {
        uint8_t rec[REC_SIZE];
        if (vgi_scan_should_stop(is->ctx))
            return;
        if (vg_fmap_read(is->map, off, rec, REC_SIZE) != REC_SIZE) {
            vgi_ishield_fail(is, VG_ERR_TRUNCATED, "record %u of %u at offset %llu is cut short",
                             i + 1, count, (unsigned long long)off);
            return;
        }
        r.keylen = strnlen((const char *)rec, NAME_FIELD);
        if (r.keylen == 0 || r.keylen == NAME_FIELD) {
            vgi_ishield_fail(is, VG_ERR_MALFORMED, "record %u at offset %llu has no name", i + 1,
                             (unsigned long long)off);
            return;
        }
        for (size_t k = 0; k < r.keylen; k++)
            r.key[k] = rec[k] ^ skey[k & 3];
        vgi_ishield_name(r.name, rec, r.keylen, "file");
        uint64_t csize = le64(rec + CSIZE_OFF);
        off += REC_SIZE;
        r.off = off;
        r.len = csize <= size - off ? csize : size - off;
        r.cut = r.len < csize;
        decode(is, &r);
        if (r.cut) {
            vgi_ishield_fail(is, VG_ERR_TRUNCATED,
                             "record %s at offset %llu declares %llu bytes, %llu are left", r.name,
                             (unsigned long long)(off - REC_SIZE), (unsigned long long)csize,
                             (unsigned long long)r.len);
            return;
        }
        off += csize;
    }
}
