/* `vigil sigtool COMMAND`: the vendor's side of signature updates.
 *
 *     vigil sigtool keygen --out vendor                 vendor.sec (0600), vendor.pub
 *     vigil sigtool build --version 42 -o daily-42.vgb --key vendor.sec sigs/
 *     vigil sigtool sign --key vendor.sec daily-42.vgb
 *     vigil sigtool verify --pubkey vendor.pub daily-42.vgb
 *     vigil sigtool info daily-42.vgb
 *     vigil sigtool diff daily-41.vgb daily-42.vgb
 *     vigil sigtool lint sigs/daily.ndb
 *
 * This file dispatches and holds keygen, sign and verify; build and lint
 * are in cmd_sigtool_build.c, info and diff in cmd_sigtool_info.c. The
 * bundle format and its checks live in the library (vigil/bundle.h), so
 * the client verifies bundles with the very code sigtool verifies them
 * with. Exit status: 0 success, 1 a verdict against the input (bad
 * signature, lint refusal, differences for diff), 2 usage or I/O errors. */
#include "cmd_sigtool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vigil/bundle.h>

#include "sigtool_int.h"

void cmd_sigtool_usage(FILE *f)
{
    fputs("Usage: vigil sigtool COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Builds, signs and checks signature bundles (.vgb): signed, versioned archives\n"
          "of signature files, as `vigil update` installs them (docs/updates.md).\n"
          "\n"
          "Commands:\n"
          "  keygen --out PREFIX          write PREFIX.sec (mode 0600) and PREFIX.pub, a new\n"
          "                               Ed25519 key pair (hex, one line each)\n"
          "  build --version N -o OUT.vgb [--key PREFIX.sec] [--hash-triggers] [--strict]\n"
          "        [--created UNIX] FILE|DIR...\n"
          "                               lint and pack signature files (.hdb .hsb .ndb .fp\n"
          "                               .sfp .ign2 .ign; a DIR gives its files of those\n"
          "                               types); signs at once with --key. Signatures lint\n"
          "                               refuses as upload triggers are marked detect-only\n"
          "                               and listed; --strict makes any refusal fatal.\n"
          "                               Hash signatures are detect-only unless\n"
          "                               --hash-triggers.\n"
          "  sign --key PREFIX.sec IN.vgb [-o OUT.vgb]\n"
          "                               sign (or re-sign) a bundle, in place by default\n"
          "  verify --pubkey FILE B.vgb   check structure, every file digest and the\n"
          "                               signature: exit 0 OK, 1 with the reason\n"
          "  info [--json] B.vgb          version, creation time, files, counts, upload\n"
          "                               triggers, SHA-256, signed or not\n"
          "  diff OLD.vgb NEW.vgb         signatures added, removed, changed per file, and\n"
          "                               upload trigger changes (exit 0 same, 1 different)\n"
          "  lint [--hash-triggers] FILE|DIR...\n"
          "                               print every signature refused as an upload\n"
          "                               trigger with file:line and why; exit 1 if any\n"
          "\n"
          "Exit status: 0 success, 1 a verdict against the input, 2 usage or I/O error.\n",
          f);
}

/* ---- helpers (sigtool_int.h) ---- */

uint8_t *st_read_file(const char *path, size_t max, size_t *len, char *why, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, cap, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(why, cap, "%s: larger than %zu bytes", path, max);
        close(fd);
        return NULL;
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *p = malloc(n ? n : 1);
    if (p == NULL) {
        snprintf(why, cap, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(why, cap, "%s: %s", path, r < 0 ? strerror(errno) : "shrank while read");
            free(p);
            close(fd);
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = n;
    return p;
}

int st_write_atomic(const char *path, const uint8_t *p, size_t n, char *why, size_t cap)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (tmp == NULL) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t off = 0;
    int ok = fchmod(fd, 0644) == 0;
    while (ok && off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            ok = 0;
        else
            off += (size_t)w;
    }
    ok = ok && fsync(fd) == 0;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) != 0) {
        e = errno;
        ok = 0;
    }
    if (!ok) {
        snprintf(why, cap, "%s: %s", path, strerror(e ? e : EIO));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

const char *st_clean(const char *s, char *buf, size_t cap)
{
    size_t k = 0;
    for (; *s && k + 1 < cap; s++)
        buf[k++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    buf[k] = '\0';
    return buf;
}

void st_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

void st_utc(uint64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t > (uint64_t)253402300799ull || gmtime_r(&tt, &tm) == NULL)
        snprintf(out, 32, "@%llu", (unsigned long long)t);
    else
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int st_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* ---- keygen, sign, verify ---- */

enum { OPT_OUT = 256, OPT_KEY, OPT_PUBKEY };

static int bad_option(const char *cmd, int c, char **argv)
{
    if (c == ':')
        fprintf(stderr, "vigil sigtool %s: option '%s' needs a value\n", cmd, argv[optind - 1]);
    else
        fprintf(stderr, "vigil sigtool %s: unknown option '%s' (see vigil help sigtool)\n", cmd,
                argv[optind - 1]);
    return 2;
}

static int keygen(int argc, char **argv)
{
    static const struct option lo[] = {{"out", required_argument, NULL, OPT_OUT},
                                       {NULL, 0, NULL, 0}};
    const char *prefix = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        if (c != OPT_OUT)
            return bad_option("keygen", c, argv);
        prefix = optarg;
    }
    if (prefix == NULL || optind < argc) {
        fputs("Usage: vigil sigtool keygen --out PREFIX\n", stderr);
        return 2;
    }
    uint8_t pk[32], sk[64];
    char err[512], hex[65];
    if (vg_bundle_keygen(pk, sk) != VG_OK) {
        fputs("vigil sigtool keygen: cannot make a key pair\n", stderr);
        return 2;
    }
    vg_error e = vg_bundle_key_write(prefix, pk, sk, err, sizeof err);
    memset(sk, 0, sizeof sk);
    if (e != VG_OK) {
        fprintf(stderr, "vigil sigtool keygen: %s\n", err);
        return 2;
    }
    st_hex(pk, 32, hex);
    printf("wrote %s.sec (secret, mode 0600) and %s.pub\npublic key %s\n", prefix, prefix, hex);
    return 0;
}

static int sign(int argc, char **argv)
{
    static const struct option lo[] = {{"key", required_argument, NULL, OPT_KEY},
                                       {"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
    const char *key = NULL, *out = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:", lo, NULL)) != -1) {
        if (c == OPT_KEY)
            key = optarg;
        else if (c == 'o')
            out = optarg;
        else
            return bad_option("sign", c, argv);
    }
    if (key == NULL || optind != argc - 1) {
        fputs("Usage: vigil sigtool sign --key PREFIX.sec IN.vgb [-o OUT.vgb]\n", stderr);
        return 2;
    }
    const char *in = argv[optind];
    if (out == NULL)
        out = in;
    uint8_t sk[64], *signed_buf = NULL;
    char err[1024];
    if (vg_bundle_key_read_secret(key, sk, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil sigtool sign: %s\n", err);
        return 2;
    }
    size_t n, sn;
    uint8_t *p = st_read_file(in, VG_BUNDLE_MAX_SIZE, &n, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "vigil sigtool sign: %s\n", err);
        return 2;
    }
    vg_error e = vg_bundle_sign(p, n, sk, &signed_buf, &sn, err, sizeof err);
    memset(sk, 0, sizeof sk);
    free(p);
    if (e != VG_OK) {
        fprintf(stderr, "vigil sigtool sign: %s: %s\n", in, err);
        return e == VG_ERR_MALFORMED ? 1 : 2;
    }
    int rc = st_write_atomic(out, signed_buf, sn, err, sizeof err) == 0 ? 0 : 2;
    vg_bundle_buf_free(signed_buf);
    if (rc != 0)
        fprintf(stderr, "vigil sigtool sign: %s\n", err);
    else
        printf("signed %s\n", out);
    return rc;
}

static int verify(int argc, char **argv)
{
    static const struct option lo[] = {{"pubkey", required_argument, NULL, OPT_PUBKEY},
                                       {NULL, 0, NULL, 0}};
    const char *pubfile = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        if (c != OPT_PUBKEY)
            return bad_option("verify", c, argv);
        pubfile = optarg;
    }
    if (pubfile == NULL || optind != argc - 1) {
        fputs("Usage: vigil sigtool verify --pubkey FILE B.vgb\n", stderr);
        return 2;
    }
    const char *path = argv[optind];
    uint8_t pk[32];
    char err[1024], hex[65];
    if (vg_bundle_key_read_public(pubfile, pk, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil sigtool verify: %s\n", err);
        return 2;
    }
    vg_bundle *b = NULL;
    vg_error e = vg_bundle_open_file(path, &b, err, sizeof err);
    if (e == VG_ERR_IO) {
        fprintf(stderr, "vigil sigtool verify: %s\n", err);
        return 2;
    }
    if (e != VG_OK) {
        printf("%s: REFUSED: %s\n", path, err);
        return 1;
    }
    int rc = 0;
    if (!vg_bundle_is_signed(b)) {
        printf("%s: REFUSED: not signed (build it with --key, or run sigtool sign)\n", path);
        rc = 1;
    } else if (vg_bundle_verify_sig(b, pk) != VG_OK) {
        printf("%s: REFUSED: bad signature: not made by the key in %s over these bytes "
               "(wrong key, or the bundle was altered)\n",
               path, pubfile);
        rc = 1;
    } else {
        uint8_t md[32];
        vg_bundle_digest(b, md);
        st_hex(md, 32, hex);
        printf("%s: OK: version %llu, %zu files, sha256 %s\n", path,
               (unsigned long long)vg_bundle_version(b), vg_bundle_file_count(b), hex);
    }
    vg_bundle_free(b);
    return rc;
}

typedef struct sub {
    const char *name;
    int (*run)(int argc, char **argv);
} sub;

static const sub subs[] = {
    {"keygen", keygen},     {"build", sigtool_build}, {"sign", sign},         {"verify", verify},
    {"info", sigtool_info}, {"diff", sigtool_diff},   {"lint", sigtool_lint},
};

int cmd_sigtool(int argc, char **argv)
{
    if (argc < 2) {
        cmd_sigtool_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        cmd_sigtool_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        if (strcmp(subs[i].name, argv[1]) == 0)
            return subs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vigil sigtool: unknown command '%s' (see vigil help sigtool)\n", argv[1]);
    return 2;
}
