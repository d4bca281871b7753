/* Archives and compressed streams, through libarchive.
 *
 * Take /home/u/a.tar.gz holding docs/setup.exe. probe() sees 1f 8b 08 and
 * says yes without calling libarchive (it runs on every object). parse()
 * gives libarchive a reader over the fmap; libarchive bids gzip, then tar,
 * and each regular member is inflated block by block into a vgi_child and
 * scanned as "/home/u/a.tar.gz" -> "docs/setup.exe". We never recurse: if
 * setup.exe is a zip, the scan calls parse() again for it.
 *
 * One container level is one filter. libarchive would peel gz(gz(gz(x))) in
 * one pass, hiding the nesting from max_depth: when it stacks filters we
 * reopen with the outermost only, and the inner stream becomes a raw member
 * one level down. A bare stream (format "raw") is one member named after its
 * parent minus the suffix (a.txt.gz -> a.txt); "raw" over no filter means
 * libarchive recognised nothing: not a container, no event. A filtered
 * stream that yields no member (gzip of a zero block, read as an empty tar,
 * then anything) is read again as one raw member, so its bytes are scanned.
 *
 * Bounds. The reader hands libarchive READ_CHUNK bytes per call (slices of a
 * resident map, or our buffer filled by vg_fmap_read) and checks the scan's
 * stop flag (detection, abort, time) each time. Every inflated byte goes
 * through vgi_child_write(), which charges the budget and says when to stop.
 * What libarchive would inflate merely to skip (the rest of an over-size
 * member of a tar.gz, or of a solid 7z block) we drain ourselves, against
 * max_ratio and the clock: bzip2 expands zeros a millionfold, so an unwatched
 * skip could spin for minutes. Never enabled: filters that exec a program
 * (lrzip, lzop, grzip, or any built without its library) and mtree, which
 * opens the files its manifest names. libarchive allocates with malloc, so
 * failure injection reaches only our buffers and the children. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/mem.h"
#include "fmt.h"
#include "la_api.h"

/* libarchive's functions, loaded on the first archive (la_api.c). */
#define LA (vgi_la_get(NULL))

#define READ_CHUNK   ((size_t)128 << 10) /* bytes per libarchive read callback */
#define DATA_CHUNK   ((size_t)64 << 10)  /* zeros per write, filling a sparse hole */
#define NAME_MAX_LEN 256                 /* synthesized member names */
/* What a container may always inflate whatever its ratio: child.c's floor,
 * so that skipped and written bytes are held to the same cap. */

/* ---- probe: magic numbers only ---- */

/* Formats and filters recognised by a fixed string at a fixed offset. */
static const struct {
    uint16_t off;
    uint8_t len;
    const char *bytes;
} magics[] = {
    {0, 4, "PK\3\4"},  /* zip local header */
    {0, 4, "PK\5\6"},  /* zip, empty (end of central directory first) */
    {0, 4, "PK\7\10"}, /* zip, spanned-archive marker */
    {0, 4, "PK00"},    /* zip, spanned marker of old PKZIP */
    {0, 6, "7z\xBC\xAF\x27\x1C"},
    {0, 7, "Rar!\x1A\x07\x00"},     /* RAR 1.5-4.x */
    {0, 8, "Rar!\x1A\x07\x01\x00"}, /* RAR 5 */
    {0, 8, "MSCF\0\0\0\0"},         /* cab: the reserved field must be zero */
    {0, 8, "!<arch>\n"},
    {0, 4, "xar!"},
    {0, 5, "WARC/"},
    {0, 5, "07070"}, /* cpio odc (070707), newc (070701), crc (070702) */
    {257, 5, "ustar"},
    {0, 3, "\x1F\x8B\x08"},     /* gzip, deflate */
    {0, 6, "\3757zXZ\0"},       /* xz (octal: a hex escape would eat the 7) */
    {0, 3, "\x5D\0\0"},         /* lzma alone, the usual properties byte */
    {0, 4, "\x28\xB5\x2F\xFD"}, /* zstd */
    {0, 4, "\x04\x22\x4D\x18"}, /* lz4 frame */
    {0, 4, "\x02\x21\x4C\x18"}, /* lz4 legacy */
    {0, 4, "LZIP"},
    {0, 4, "\xED\xAB\xEE\xDB"}, /* rpm lead: cpio payload behind a filter */
};

#define PROBE_HEAD 4096 /* header bytes read once; uu's "begin" may sit a few lines in */

static int at(const uint8_t *h, size_t n, size_t off, const void *m, size_t len)
{
    return n >= off + len && memcmp(h + off, m, len) == 0;
}

/* A v7 tar header has no magic, only a checksum: the sum of its 512 bytes
 * with the checksum field read as spaces, stored in octal (some writers sum
 * signed chars). */
static int tar_checksum_ok(const uint8_t *h, size_t n)
{
    if (n < 512 || h[0] == '\0')
        return 0;
    size_t i = 148;
    uint64_t want = 0;
    int digits = 0;
    while (i < 156 && h[i] == ' ')
        i++;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++, digits++)
        want = want * 8 + (uint64_t)(h[i] - '0');
    if (digits == 0 || (i < 156 && h[i] != ' ' && h[i] != '\0'))
        return 0;
    uint64_t usum = 0;
    int64_t ssum = 0;
    for (i = 0; i < 512; i++) {
        uint8_t c = (i >= 148 && i < 156) ? ' ' : h[i];
        usum += c;
        ssum += (signed char)c;
    }
    return want == usum || (int64_t)want == ssum;
}

/* Old binary cpio has only a 2-byte magic, which libarchive bids on alone:
 * check that a plausible header (file type, NUL-terminated name) follows, or
 * one ordinary file in 32768 would be reported as a broken archive. */
static int cpio_binary(const uint8_t *h, size_t n)
{
    int le = at(h, n, 0, "\xC7\x71", 2), be = at(h, n, 0, "\x71\xC7", 2);
    if ((!le && !be) || n < 28)
        return 0;
    unsigned mode = le ? h[6] | h[7] << 8 : h[6] << 8 | h[7];
    unsigned namesize = le ? h[20] | h[21] << 8 : h[20] << 8 | h[21];
    /* S_IFIFO, S_IFCHR, S_IFDIR, S_IFBLK, S_IFREG, S_IFLNK, S_IFSOCK: bits 1..12 */
    if (!((0x1556u >> ((mode >> 12) & 15)) & 1))
        return 0;
    return namesize > 1 && 26 + (size_t)namesize <= n && h[26 + namesize - 1] == '\0';
}

/* compress: flags byte with the reserved bits clear and 9..16 code bits. */
static int compress_head(const uint8_t *h, size_t n)
{
    return at(h, n, 0, "\x1F\x9D", 2) && n >= 3 && (h[2] & 0x60) == 0 && (h[2] & 0x1F) >= 9 &&
           (h[2] & 0x1F) <= 16;
}

static int bzip2_head(const uint8_t *h, size_t n)
{
    return n >= 10 && at(h, n, 0, "BZh", 3) && h[3] >= '1' && h[3] <= '9' &&
           (at(h, n, 4, "1AY&SY", 6) || at(h, n, 4, "\x17\x72\x45\x38\x50\x90", 6));
}

/* "-lh5-" / "-lz4-" compression method at offset 2 of an LHA header. */
static int lha_at(const uint8_t *p)
{
    return p[0] == '-' && p[1] == 'l' && (p[2] == 'h' || p[2] == 'z') && p[4] == '-';
}

/* Is pattern in map[start, end)? When align > 1, only at offsets that are
 * multiples of align (RAR's SFX search steps by 16). Windows are far below
 * VG_FMAP_NEED_MAX, so one need() serves each. */
static int window_has(vg_fmap *map, uint64_t start, uint64_t end, const void *pat, size_t len,
                      unsigned align)
{
    uint64_t size = vg_fmap_size(map);
    if (end > size)
        end = size;
    if (start >= end || end - start < len)
        return 0;
    const uint8_t *p = vg_fmap_need(map, start, (size_t)(end - start));
    if (p == NULL)
        return 0;
    size_t n = (size_t)(end - start);
    for (size_t i = 0; i + len <= n;) {
        const uint8_t *hit = memmem(p + i, n - i, pat, len);
        if (hit == NULL)
            return 0;
        size_t pos = (size_t)(hit - p);
        if (align <= 1 || (start + pos) % align == 0)
            return 1;
        i = pos + 1;
    }
    return 0;
}

static int window_has_lha(vg_fmap *map, uint64_t end)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = (size_t)(end < size ? end : size);
    const uint8_t *p = n >= 7 ? vg_fmap_need(map, 0, n) : NULL;
    for (size_t i = 2; p != NULL && i + 5 <= n; i++)
        if (lha_at(p + i))
            return 1;
    return 0;
}

/* Self-extracting archives: an executable stub with an archive behind it.
 * libarchive 3.6 finds these, each in its own window; we look in the same
 * windows for the same markers, so an ordinary executable costs a few
 * memmem() over at most ~400 KiB and never reaches libarchive. */
#define SFX_ZIP_TAIL  16384u   /* zip (seekable): end record in the last 16 KiB */
#define SFX_CAB_END   131072u  /* cab: "MSCF" in the first 128 KiB */
#define SFX_LHA_END   20480u   /* lha: a header in the first 20 KiB */
#define SFX_RAR_START 0x10000u /* rar 4: 16-aligned marker in [64 KiB, 128 KiB) */
#define SFX_RAR_END   131072u
#define SFX_7Z_START  0x27000u /* 7z: where 7-Zip's stubs end */
#define SFX_7Z_END    0x60000u

static int sfx_marker(vg_fmap *map, const uint8_t *h, size_t n)
{
    int mz = at(h, n, 0, "MZ", 2);
    int elf = at(h, n, 0, "\177ELF", 4);
    if (!mz && !elf)
        return 0;
    uint64_t size = vg_fmap_size(map);
    if (mz) {
        uint64_t tail = size > SFX_ZIP_TAIL ? size - SFX_ZIP_TAIL : 0;
        if (window_has(map, tail, size, "PK\5\6", 4, 1) ||
            window_has(map, 0, SFX_CAB_END, "MSCF\0\0\0\0", 8, 1) ||
            window_has_lha(map, SFX_LHA_END))
            return 1;
    }
    return window_has(map, SFX_RAR_START, SFX_RAR_END, "Rar!\x1A\x07\x00", 7, 16) ||
           window_has(map, SFX_7Z_START, SFX_7Z_END, "7z\xBC\xAF\x27\x1C", 6, 1);
}

static int archive_probe(vg_fmap *map)
{
    uint8_t h[PROBE_HEAD];
    size_t n = vg_fmap_read(map, 0, h, sizeof h);
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (at(h, n, magics[i].off, magics[i].bytes, magics[i].len))
            return 1;
    if (cpio_binary(h, n) || compress_head(h, n) || bzip2_head(h, n) ||
        (n >= 22 && lha_at(h + 2)) || tar_checksum_ok(h, n))
        return 1;
    static const uint32_t iso_pvd[] = {0x8001, 0x8801, 0x9001}; /* CD001 per sector size */
    for (size_t i = 0; i < 3; i++) {
        uint8_t id[5];
        if (vg_fmap_read(map, iso_pvd[i], id, 5) == 5 && memcmp(id, "CD001", 5) == 0)
            return 1;
    }
    return sfx_marker(map, h, n);
}

/* ---- libarchive reader over an fmap ---- */

typedef struct reader {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    const uint8_t *data; /* the whole object when resident, else NULL */
    uint8_t *buf;        /* READ_CHUNK bytes, for file-backed maps */
    uint64_t size;
    uint64_t pos;
    int stopped; /* a read was refused because the scan must stop */
    int opened;  /* LA->archive_read_open1() succeeded */
} reader;

static la_ssize_t reader_read(struct archive *a, void *ud, const void **out)
{
    reader *r = ud;
    *out = NULL;
    if (vgi_scan_should_stop(r->ctx)) {
        r->stopped = 1;
        LA->archive_set_error(a, ECANCELED, "scan stopped");
        return ARCHIVE_FATAL;
    }
    if (r->pos >= r->size)
        return 0;
    size_t n = r->size - r->pos < READ_CHUNK ? (size_t)(r->size - r->pos) : READ_CHUNK;
    if (r->data != NULL) {
        *out = r->data + r->pos;
    } else {
        n = vg_fmap_read(r->map, r->pos, r->buf, n);
        if (n == 0) {
            LA->archive_set_error(a, EIO, "read error at offset %llu", (unsigned long long)r->pos);
            return ARCHIVE_FATAL;
        }
        *out = r->buf;
    }
    r->pos += n;
    return (la_ssize_t)n;
}

static la_int64_t reader_skip(struct archive *a, void *ud, la_int64_t request)
{
    reader *r = ud;
    (void)a;
    if (request <= 0)
        return 0;
    uint64_t n = r->size - r->pos;
    if ((uint64_t)request < n)
        n = (uint64_t)request;
    r->pos += n;
    return (la_int64_t)n;
}

/* Offsets come from archive fields: reject a seek before 0, clamp past the end
 * (as libarchive's own memory reader does); the next read then sees EOF. */
static la_int64_t reader_seek(struct archive *a, void *ud, la_int64_t off, int whence)
{
    reader *r = ud;
    (void)a;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        return ARCHIVE_FATAL;
    uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? r->pos : r->size;
    if (off < 0) {
        uint64_t back = (uint64_t)0 - (uint64_t)off;
        if (back > base)
            return ARCHIVE_FATAL;
        r->pos = base - back;
    } else {
        r->pos = (uint64_t)off > r->size - base ? r->size : base + (uint64_t)off;
    }
    return (la_int64_t)r->pos;
}

/* A reader that bids every filter (filter < 0) or applies exactly one, and
 * every format or (raw_only) the whole stream as one member. */
static struct archive *reader_new(reader *r, int filter, int raw_only)
{
    struct archive *a = LA->archive_read_new();
    if (a == NULL)
        return NULL;
    int ok = 1;
    if (raw_only)
        ok &= LA->archive_read_support_format_raw(a) == ARCHIVE_OK;
    for (size_t i = 0; !raw_only && i < sizeof LA->formats / sizeof LA->formats[0]; i++)
        ok &= LA->formats[i](a) >= ARCHIVE_WARN; /* WARN: built without a library it could use */
    if (filter == ARCHIVE_FILTER_COMPRESS) {
        /* libarchive 3.6 runs a forced filter's init at once, before the
         * reader is open; compress's init reads its header there from a
         * source that does not exist yet and crashes (found by the fuzzer).
         * Let it bid after open instead: compress(compress(x)) then peels
         * two layers in one level, which the ratio limit still bounds. */
        ok &= LA->archive_read_support_filter_compress(a) == ARCHIVE_OK;
    } else if (filter >= 0) {
        ok &= LA->archive_read_append_filter(a, filter) == ARCHIVE_OK;
    } else {
        for (size_t i = 0; i < sizeof LA->filters / sizeof LA->filters[0]; i++) {
            const vgi_la_filter *f = &LA->filters[i];
            if (f->enable != NULL && (f->library == NULL || f->library() != NULL))
                ok &= f->enable(a) == ARCHIVE_OK;
        }
    }
    ok &= LA->archive_read_set_callback_data(a, r) == ARCHIVE_OK;
    ok &= LA->archive_read_set_read_callback(a, reader_read) == ARCHIVE_OK;
    ok &= LA->archive_read_set_skip_callback(a, reader_skip) == ARCHIVE_OK;
    ok &= LA->archive_read_set_seek_callback(a, reader_seek) == ARCHIVE_OK;
    if (!ok) {
        LA->archive_read_free(a);
        return NULL;
    }
    r->pos = 0;
    r->stopped = 0;
    r->opened = 0;
    return a;
}

/* ---- naming and reporting ---- */

/* Short names for events: "tar.gz", not "GNU tar format" + "gzip". */
static const struct {
    int code;
    const char *name;
} filter_names[] =
    {
        {ARCHIVE_FILTER_GZIP, "gz"},    {ARCHIVE_FILTER_BZIP2, "bz2"},
        {ARCHIVE_FILTER_COMPRESS, "Z"}, {ARCHIVE_FILTER_LZMA, "lzma"},
        {ARCHIVE_FILTER_XZ, "xz"},      {ARCHIVE_FILTER_UU, "uu"},
        {ARCHIVE_FILTER_RPM, "rpm"},    {ARCHIVE_FILTER_LZIP, "lz"},
        {ARCHIVE_FILTER_LZ4, "lz4"},    {ARCHIVE_FILTER_ZSTD, "zst"},
},
  format_names[] = {
      {ARCHIVE_FORMAT_CPIO, "cpio"},       {ARCHIVE_FORMAT_TAR, "tar"},
      {ARCHIVE_FORMAT_ISO9660, "iso9660"}, {ARCHIVE_FORMAT_ZIP, "zip"},
      {ARCHIVE_FORMAT_AR, "ar"},           {ARCHIVE_FORMAT_XAR, "xar"},
      {ARCHIVE_FORMAT_LHA, "lha"},         {ARCHIVE_FORMAT_CAB, "cab"},
      {ARCHIVE_FORMAT_RAR, "rar"},         {ARCHIVE_FORMAT_7ZIP, "7z"},
      {ARCHIVE_FORMAT_WARC, "warc"},       {ARCHIVE_FORMAT_RAR_V5, "rar5"},
};

static const char *filter_short(int code)
{
    for (size_t i = 0; i < sizeof filter_names / sizeof filter_names[0]; i++)
        if (filter_names[i].code == code)
            return filter_names[i].name;
    return NULL;
}

static const char *format_short(int format)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (format_names[i].code == (format & ARCHIVE_FORMAT_BASE_MASK))
            return format_names[i].name;
    return NULL; /* raw, empty, or not yet known */
}

/* "tar.gz", "zip", "gz" (a bare stream), or "archive" before bidding. */
static const char *container_name(struct archive *a, char *buf, size_t size)
{
    int nf = LA->archive_filter_count(a);
    const char *flt = nf > 1 ? filter_short(LA->archive_filter_code(a, 0)) : NULL;
    const char *fmt = format_short(LA->archive_format(a));
    if (fmt != NULL && flt != NULL)
        snprintf(buf, size, "%s.%s", fmt, flt);
    else
        snprintf(buf, size, "%s", fmt ? fmt : flt ? flt : "archive");
    return buf;
}

/* Compression suffixes and what is left once the stream is inflated. */
static const struct {
    const char *suffix;
    const char *becomes;
} suffixes[] = {
    {".tgz", ".tar"}, {".taz", ".tar"}, {".tbz", ".tar"},  {".tbz2", ".tar"}, {".tb2", ".tar"},
    {".txz", ".tar"}, {".tlz", ".tar"}, {".tzst", ".tar"}, {".tz", ".tar"},   {".gz", ""},
    {".bz2", ""},     {".bz", ""},      {".xz", ""},       {".lzma", ""},     {".zst", ""},
    {".lz4", ""},     {".Z", ""},       {".lz", ""},       {".uu", ""},       {".uue", ""},
};

/* Member name of a bare compressed stream: the parent's base name minus its
 * suffix ("a.tgz" -> "a.tar"), or with ".out" added when there is none (as
 * bunzip2 does), so that every level of the chain has a distinct name. */
static const char *raw_member_name(vgi_scan_ctx *ctx, char *buf, size_t size)
{
    const char *parent = vgi_scan_current_name(ctx);
    if (parent == NULL || *parent == '\0')
        parent = "data";
    const char *base = strrchr(parent, '/');
    base = base && base[1] ? base + 1 : parent;
    size_t len = strlen(base);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i].suffix);
        if (len > sl && strcasecmp(base + len - sl, suffixes[i].suffix) == 0) {
            snprintf(buf, size, "%.*s%s", (int)(len - sl), base, suffixes[i].becomes);
            return buf;
        }
    }
    snprintf(buf, size, "%s.out", base);
    return buf;
}

static const char *entry_name(struct archive_entry *e, unsigned index, char *buf, size_t size)
{
    const char *name = LA->archive_entry_pathname_utf8(e);
    if (name == NULL || *name == '\0')
        name = LA->archive_entry_pathname(e);
    if (name == NULL || *name == '\0') {
        snprintf(buf, size, "#%u", index);
        name = buf;
    }
    return name;
}

/* Turns a libarchive failure into an event. A read refused because the scan
 * must stop is not the archive's fault: no event, the stop is already known.
 * Until LA->archive_read_open1() has succeeded, libarchive's format and filter
 * state may be left half-built (has_encrypted_entries() then follows a stale
 * format pointer: found by the fuzzer), so only the error string is used. */
static vg_error report_failure(reader *r, struct archive *a, unsigned index, const char *member)
{
    if (r->stopped)
        return VG_OK;
    if (LA->archive_errno(a) == ENOMEM)
        return VG_ERR_NOMEM;
    char fmt[32] = "archive";
    const char *msg = LA->archive_error_string(a);
    /* libarchive has one errno for "corrupt" and "valid but not supported"
     * (a Deflate64 zip member, Quantum cab folders); its messages tell. */
    vg_error code = msg && strstr(msg, "nsupported") ? VG_ERR_UNSUPPORTED : VG_ERR_MALFORMED;
    unsigned long long off = r->pos; /* how far we had handed libarchive the input */
    if (r->opened) {
        if (member == NULL && LA->archive_read_has_encrypted_entries(a) > 0)
            code = VG_ERR_UNSUPPORTED; /* e.g. a 7z whose header is encrypted */
        container_name(a, fmt, sizeof fmt);
        la_int64_t consumed = LA->archive_filter_bytes(a, -1); /* -1 once a filter failed */
        if (consumed >= 0)
            off = (unsigned long long)consumed;
    }
    vgi_scan_report_error(r->ctx, code, fmt, "entry %u%s%s%s, offset %llu: %s", index,
                          member ? " (" : "", member ? member : "", member ? ")" : "", off,
                          msg ? msg : "unreadable (libarchive gave no reason)");
    return code;
}

/* ---- walking the entries ---- */

typedef struct walk {
    reader *r;
    struct archive *a;
    uint8_t *zeros;   /* DATA_CHUNK zero bytes, for the holes of sparse members */
    vg_error err;     /* first error to return */
    int done;         /* stop the walk */
    unsigned members; /* members handed to the scan */
    unsigned entries; /* headers read (members, directories, links...) */
} walk;

/* A filter under a format that may have read only the start of its stream. */
static int hides_stream(struct archive *a)
{
    int format = LA->archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
    return LA->archive_filter_count(a) > 1 && format != ARCHIVE_FORMAT_RAW &&
           format != ARCHIVE_FORMAT_EMPTY;
}

/* Skipping data libarchive can step over without inflating it: members of an
 * unfiltered archive whose formats compress each member on its own. */
static int skip_is_cheap(struct archive *a)
{
    static const int cheap[] = {ARCHIVE_FORMAT_ZIP,     ARCHIVE_FORMAT_TAR,  ARCHIVE_FORMAT_CPIO,
                                ARCHIVE_FORMAT_AR,      ARCHIVE_FORMAT_WARC, ARCHIVE_FORMAT_XAR,
                                ARCHIVE_FORMAT_ISO9660, ARCHIVE_FORMAT_LHA};
    if (LA->archive_filter_count(a) > 1)
        return 0; /* a stream filter: skipping is inflating */
    for (size_t i = 0; i < sizeof cheap / sizeof cheap[0]; i++)
        if ((LA->archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == cheap[i])
            return 1;
    return 0; /* 7z, rar, cab: solid blocks */
}

static void set_err(walk *w, vg_error err)
{
    if (w->err == VG_OK)
        w->err = err;
}

/* LA->archive_read_data_block(), also checking the clock (a slow codec) and
 * cutting off a reader that returns empty blocks without end. */
static int next_block(walk *w, const void **blk, size_t *len, la_int64_t *off, unsigned *idle)
{
    *len = 0;
    *off = 0;
    if (vgi_scan_should_stop(w->r->ctx)) {
        w->r->stopped = 1;
        return ARCHIVE_FATAL;
    }
    int rc = LA->archive_read_data_block(w->a, blk, len, off);
    if (rc == ARCHIVE_OK && *len == 0 && ++*idle > 64) {
        LA->archive_set_error(w->a, EINVAL, "no progress reading the member");
        return ARCHIVE_FATAL;
    }
    return rc;
}

/* The member was cut by a limit: get past its remaining bytes without
 * scanning them, within the ratio budget and the clock. */
static void drain(walk *w, unsigned index, const char *name)
{
    if ((LA->archive_format(w->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
        w->done = 1; /* the one member of a bare stream: nothing after it */
        return;
    }
    if (skip_is_cheap(w->a))
        return; /* next_header() seeks past it */
    for (unsigned idle = 0;;) {
        const void *blk;
        size_t len;
        la_int64_t off;
        int rc = next_block(w, &blk, &len, &off, &idle);
        if (rc == ARCHIVE_EOF)
            return;
        /* Skipped bytes still had to be inflated: they count against the
         * container's ratio like kept ones, or a bomb hides in a skip. */
        if (vgi_scan_charge_skipped(w->r->ctx, len) != VG_OK) {
            w->done = 1;
            return;
        }
        if (rc < ARCHIVE_OK) { /* the member's CRC, say: still worth saying */
            set_err(w, report_failure(w->r, w->a, index, name));
            if (rc < ARCHIVE_WARN || len == 0) {
                w->done = rc < ARCHIVE_WARN;
                return;
            }
        }
    }
}

/* Passes one block to the child, after the zeros of a sparse member's hole
 * before it. *pos is the member offset reached. */
static vg_error put_block(walk *w, vgi_child *c, const void *blk, size_t len, uint64_t off,
                          uint64_t *pos)
{
    vg_error err = VG_OK;
    while (err == VG_OK && *pos < off + len) {
        size_t n = len;
        const void *p = blk;
        if (*pos < off) { /* hole: zeros, bounded by the child's limits */
            n = off - *pos < DATA_CHUNK ? (size_t)(off - *pos) : DATA_CHUNK;
            p = w->zeros;
        }
        if ((err = vgi_child_write(c, p, n)) != VG_OK)
            break;
        *pos += n;
    }
    return err;
}

/* Zip members libarchive cannot inflate but fmt_zip_legacy.c can (Deflate64,
 * Implode): that handler scans them, so their failure here is no gap. */
static int zip_method_handled_elsewhere(struct archive *a)
{
    const char *f = LA->archive_format_name(a);
    return f != NULL && (strstr(f, "deflation-64") != NULL || strstr(f, "implod") != NULL);
}

static void extract(walk *w, unsigned index, const char *name)
{
    vgi_child *c = NULL;
    vg_error err = vgi_child_begin(w->r->ctx, &c);
    if (err != VG_OK) {
        if (err != VG_ERR_LIMIT) /* LIMIT: max_files reached, already reported */
            set_err(w, err);
        w->done = 1;
        return;
    }
    w->members++;
    vg_error werr = VG_OK;
    uint64_t pos = 0;
    unsigned idle = 0, warned = 0;
    int rc;
    for (;;) {
        const void *blk;
        size_t len;
        la_int64_t off;
        /* Blocks straight from libarchive's buffers. Unlike LA->archive_read_data(),
         * this keeps a block that comes with ARCHIVE_WARN: a zip member whose
         * CRC does not match arrives that way, and must be scanned all the same. */
        rc = next_block(w, &blk, &len, &off, &idle);
        if (rc == ARCHIVE_EOF || rc < ARCHIVE_WARN)
            break;
        if (off < 0 || (uint64_t)off < pos) {
            LA->archive_set_error(w->a, EINVAL, "member blocks out of order");
            rc = ARCHIVE_FAILED;
            break;
        }
        if ((werr = put_block(w, c, blk, len, (uint64_t)off, &pos)) != VG_OK)
            break;
        if (rc == ARCHIVE_WARN) {
            if (warned++ == 0)
                set_err(w, report_failure(w->r, w->a, index, name));
            if (len == 0)
                break;
        }
    }
    if (werr != VG_OK && werr != VG_ERR_LIMIT) {
        vgi_child_discard(c);
        set_err(w, werr);
        w->done = 1;
        return;
    }
    vg_limit_kind limit_hit = vgi_child_limit(c);
    /* Scan what arrived, also when the member broke off: a truncated archive
     * still shows what it carried before the cut. A member that could not be
     * read at all (a Deflate64 zip member) is no empty object to scan. */
    if (rc < ARCHIVE_WARN && pos == 0) {
        vgi_child_discard(c);
    } else if ((err = vgi_child_finish(c, name)) != VG_OK && err != VG_ERR_LIMIT) {
        set_err(w, err);
        w->done = 1;
        return;
    }
    if (werr == VG_ERR_LIMIT) {
        /* After max_file_size a later member may still fit: skip the rest of
         * this one. Otherwise the file's scan budget or this container's
         * ratio is spent and no later member could be written: stop rather
         * than inflate the rest for nothing. */
        if (limit_hit == VG_LIMIT_FILESIZE)
            drain(w, index, name);
        else
            w->done = 1;
    } else if (rc < ARCHIVE_WARN && pos == 0 && zip_method_handled_elsewhere(w->a)) {
        /* fmt_zip_legacy.c extracts this member */
    } else if (rc < ARCHIVE_WARN) {
        set_err(w, report_failure(w->r, w->a, index, name));
        if (rc <= ARCHIVE_FATAL || w->r->stopped)
            w->done = 1;
    }
}

static int is_member(struct archive_entry *e)
{
    if (LA->archive_entry_filetype(e) != AE_IFREG)
        return 0; /* directories, symlinks, devices, fifos */
    /* A hard link to a member already seen carries no data of its own
     * (cpio puts the data on the last link, which does have a size). */
    return LA->archive_entry_hardlink(e) == NULL || LA->archive_entry_size(e) > 0;
}

static void walk_entries(walk *w)
{
    char fallback[NAME_MAX_LEN];
    for (unsigned index = 0; !w->done; index++) {
        if (vgi_scan_should_stop(w->r->ctx))
            break;
        struct archive_entry *e = NULL;
        int rc = LA->archive_read_next_header(w->a, &e);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc < ARCHIVE_WARN) { /* WARN: e.g. a name not convertible to the locale */
            set_err(w, report_failure(w->r, w->a, index, NULL));
            break;
        }
        w->entries++;
        int raw = (LA->archive_format(w->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW;
        if (raw && LA->archive_filter_count(w->a) <= 1)
            break; /* libarchive recognised nothing: not a container */
        if (!is_member(e))
            continue;
        const char *name = raw ? raw_member_name(w->r->ctx, fallback, sizeof fallback)
                               : entry_name(e, index, fallback, sizeof fallback);
        if (LA->archive_entry_is_encrypted(e)) {
            char fmt[32];
            vgi_scan_report_error(w->r->ctx, VG_ERR_UNSUPPORTED,
                                  container_name(w->a, fmt, sizeof fmt), "encrypted member %s",
                                  name);
            continue;
        }
        extract(w, index, name);
    }
}

/* reader_new() and LA->archive_read_open1(); an error when it cannot be opened
 * (VG_ERR_ABORTED when that is because the scan must stop). */
static vg_error reader_open(reader *r, int filter, int raw_only, struct archive **out)
{
    *out = reader_new(r, filter, raw_only);
    if (*out == NULL)
        return VG_ERR_NOMEM;
    if (LA->archive_read_open1(*out) < ARCHIVE_WARN) {
        vg_error err = report_failure(r, *out, 0, NULL);
        return err != VG_OK ? err : VG_ERR_ABORTED;
    }
    r->opened = 1;
    return VG_OK;
}

/* Opens the object with the outermost filter only, when libarchive stacked
 * several under the format. */
static vg_error open_one_level(reader *r, struct archive **out)
{
    vg_error err = reader_open(r, -1, 0, out);
    int nf = err == VG_OK ? LA->archive_filter_count(*out) : 0;
    if (nf > 2) {
        int outer = LA->archive_filter_code(*out, nf - 2);
        LA->archive_read_free(*out);
        err = reader_open(r, outer, 0, out);
    }
    /* "empty" also wins when the filter failed before its first byte; then
     * the failure is still in the error string (open1 cleared it first). */
    if (err == VG_OK &&
        (LA->archive_format(*out) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_EMPTY &&
        LA->archive_error_string(*out) != NULL)
        err = report_failure(r, *out, 0, NULL);
    return err;
}

/* The entry count of a zip's end-of-central-directory record (the last
 * "PK\5\6" in the final 64 KiB + 22 bytes), or -1 when there is none or it
 * says zip64 (0xFFFF). */
static long zip_eocd_entries(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t tail = size < 65557 ? (size_t)size : 65557;
    if (tail < 22)
        return -1;
    const uint8_t *p = vg_fmap_need(map, size - tail, tail);
    if (p == NULL)
        return -1;
    for (size_t i = tail - 22 + 1; i-- > 0;)
        if (memcmp(p + i, "PK\5\6", 4) == 0) {
            unsigned total = p[i + 10] | (unsigned)p[i + 11] << 8;
            return total == 0xFFFF ? -1 : (long)total;
        }
    return -1;
}

/* libarchive reads a zip through its central directory, and a directory
 * whose first entry is damaged reads as an archive that simply ends: no
 * error, and the members behind it unseen. Compare with the count the end
 * record promises, so that such a zip is reported, not passed as clean. */
static void check_zip_count(walk *w)
{
    if (w->err != VG_OK || w->done || vgi_scan_should_stop(w->r->ctx) ||
        (LA->archive_format(w->a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP)
        return;
    long want = zip_eocd_entries(w->r->map);
    if (want > (long)w->entries)
        vgi_scan_report_error(w->r->ctx, VG_ERR_MALFORMED, "zip",
                              "zip: the central directory lists %ld entries, only %u could be "
                              "read (corrupt directory)",
                              want, w->entries);
}

static vg_error archive_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    const char *why = NULL;
    if (vgi_la_get(&why) == NULL) {
        vgi_scan_report_error(ctx, VG_ERR_UNSUPPORTED, "archive", "%s", why);
        return VG_ERR_UNSUPPORTED;
    }
    reader r = {.ctx = ctx, .map = map, .size = vg_fmap_size(map)};
    walk w = {.r = &r};
    struct archive *a = NULL;
    vg_error err = VG_ERR_NOMEM;

    r.data = vg_fmap_data(map);
    if (r.data == NULL && (r.buf = vg_malloc(READ_CHUNK)) == NULL)
        goto done;
    if ((w.zeros = vg_calloc(1, DATA_CHUNK)) == NULL)
        goto done;
    if ((err = open_one_level(&r, &a)) != VG_OK)
        goto done;
    w.a = a;
    walk_entries(&w);
    check_zip_count(&w);
    if (w.err == VG_OK && !w.done && w.members == 0 && !vgi_scan_should_stop(ctx) &&
        hides_stream(a)) {
        /* A stream that inflates to "an archive with no files": a gzip of
         * 1 KiB of zeros and then anything reads as an empty tar. Scan the
         * inflated stream itself, so that nothing behind it goes unseen. */
        int filter = LA->archive_filter_code(a, 0);
        LA->archive_read_free(a);
        if ((err = reader_open(&r, filter, 1, &a)) != VG_OK)
            goto done;
        w.a = a;
        walk_entries(&w);
    }
    err = w.err;
done:
    LA->archive_read_free(a); /* NULL is a no-op */
    vg_free(w.zeros);
    vg_free(r.buf);
    return err;
}

const vgi_format vgi_format_archive = {"archive", archive_probe, archive_parse};
