/* What the log signs and records as text: bundle entries, signed tree heads
 * (text, Ed25519 signature, JSON) and the hex they are written in.
 *
 * A bundle of version 7 whose file hashes to ab12... is the entry
 *
 *     vigil-bundle\n7\nab12...\n
 *
 * and a tree of 7 leaves is signed as
 *
 *     vigil-sth\n7\n<root hex>\n1714564800000\n
 *
 * Both texts have exactly one spelling (decimal without leading zeros,
 * lowercase hex): a parser that accepted "07" or uppercase hex would let two
 * different byte strings stand for one entry, and the leaf hash is over the
 * bytes. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/tlog.h>

static const char entry_magic[] = "vigil-bundle\n";

void vg_tlog_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

vg_error vg_tlog_unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (s == NULL || slen != 2 * n)
        return VG_ERR_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return VG_ERR_MALFORMED;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return VG_OK;
}

static int is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

size_t vg_tlog_bundle_entry(uint64_t version, const uint8_t digest[32], char out[VG_TLOG_ENTRY_MAX])
{
    char hex[65];
    vg_tlog_hex(digest, 32, hex);
    int n = snprintf(out, VG_TLOG_ENTRY_MAX, "%s%" PRIu64 "\n%s\n", entry_magic, version, hex);
    return n > 0 ? (size_t)n : 0;
}

vg_error vg_tlog_bundle_entry_parse(const char *entry, size_t len, uint64_t *version,
                                    uint8_t digest[32])
{
    const size_t ml = sizeof entry_magic - 1;
    if (entry == NULL || len < ml + 2 + 65 || memcmp(entry, entry_magic, ml) != 0)
        return VG_ERR_MALFORMED;
    const char *p = entry + ml, *end = entry + len;
    uint64_t v = 0;
    const char *digits = p;
    while (p < end && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return VG_ERR_MALFORMED;
        v = v * 10 + d;
        p++;
    }
    size_t nd = (size_t)(p - digits);
    if (nd == 0 || (nd > 1 && digits[0] == '0'))
        return VG_ERR_MALFORMED;
    /* then "\n" + 64 lowercase hex + "\n" and nothing more */
    if ((size_t)(end - p) != 66 || p[0] != '\n' || p[65] != '\n' || !is_lower_hex(p + 1, 64))
        return VG_ERR_MALFORMED;
    if (vg_tlog_unhex(p + 1, 64, digest, 32) != VG_OK)
        return VG_ERR_MALFORMED;
    *version = v;
    return VG_OK;
}

size_t vg_tlog_sth_text(const vg_tlog_sth *sth, char *out, size_t cap)
{
    char root[65];
    vg_tlog_hex(sth->root.b, 32, root);
    int n = snprintf(out, cap, "vigil-sth\n%" PRIu64 "\n%s\n%" PRIu64 "\n", sth->tree_size, root,
                     sth->timestamp);
    return (n > 0 && (size_t)n < cap) ? (size_t)n : 0;
}

vg_error vg_tlog_sth_sign(vg_tlog_sth *sth, const uint8_t sk[64])
{
    char text[VG_TLOG_STH_TEXT_MAX];
    size_t n = vg_tlog_sth_text(sth, text, sizeof text);
    if (n == 0 || sodium_init() < 0)
        return VG_ERR_CRYPTO;
    crypto_sign_detached(sth->signature, NULL, (const uint8_t *)text, n, sk);
    return VG_OK;
}

vg_error vg_tlog_sth_verify(const vg_tlog_sth *sth, const uint8_t pk[32])
{
    char text[VG_TLOG_STH_TEXT_MAX];
    size_t n = vg_tlog_sth_text(sth, text, sizeof text);
    if (n == 0 || sodium_init() < 0)
        return VG_ERR_CRYPTO;
    return crypto_sign_verify_detached(sth->signature, (const uint8_t *)text, n, pk) == 0
               ? VG_OK
               : VG_ERR_CRYPTO;
}

size_t vg_tlog_sth_json(const vg_tlog_sth *sth, char *out, size_t cap)
{
    char root[65], sig[129];
    vg_tlog_hex(sth->root.b, 32, root);
    vg_tlog_hex(sth->signature, 64, sig);
    int n = snprintf(out, cap,
                     "{\"tree_size\":%" PRIu64 ",\"root_hash\":\"%s\",\"timestamp\":%" PRIu64
                     ",\"signature\":\"%s\"}",
                     sth->tree_size, root, sth->timestamp, sig);
    return (n > 0 && (size_t)n < cap) ? (size_t)n : 0;
}

static vg_error hex_member(json_t *o, const char *key, uint8_t *out, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return VG_ERR_MALFORMED;
    return vg_tlog_unhex(json_string_value(v), json_string_length(v), out, n);
}

static vg_error uint_member(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return VG_ERR_MALFORMED;
    *out = (uint64_t)json_integer_value(v);
    return VG_OK;
}

vg_error vg_tlog_sth_parse(const char *json, size_t len, vg_tlog_sth *out)
{
    if (json == NULL || out == NULL)
        return VG_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    vg_error err = VG_ERR_MALFORMED;
    vg_tlog_sth s;
    if (json_is_object(o) && json_object_size(o) == 4 &&
        uint_member(o, "tree_size", &s.tree_size) == VG_OK &&
        uint_member(o, "timestamp", &s.timestamp) == VG_OK &&
        hex_member(o, "root_hash", s.root.b, 32) == VG_OK &&
        hex_member(o, "signature", s.signature, 64) == VG_OK) {
        *out = s;
        err = VG_OK;
    }
    json_decref(o);
    return err;
}
