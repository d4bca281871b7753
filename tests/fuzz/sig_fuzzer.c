/* libFuzzer harness for the signature file parsers.
 *
 * The first byte picks the format: byte % (formats + 1) indexes the table
 * of sig_list.h (hdb, hsb, fp, sfp, ndb, ign2, ign), and the last value
 * feeds the rest to vgi_hex_parse() alone. The rest of the input is the
 * file. So "\x04N:0:*:aa{2}bb" is an .ndb line, and "\x07aa(bb|cc)" a bare
 * hex signature.
 *
 * Beyond memory errors (ASan, UBSan), every body signature that loads is
 * checked against the IR's promises: arrays in bounds, no adjacent or
 * leading or trailing gaps, min_len as the elements say, and printing it
 * back as hex and parsing that again gives the same IR. A broken promise
 * traps, so the fuzzer reports it like a crash. */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sig/sig_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        __builtin_trap();
}

static void check_ir(const vgi_body_sig *s)
{
    uint64_t min_len = 0;
    int prev_gap = 0, consumed = 0, last_consuming_gap = 0;
    check(s->n_el > 0 && s->n_el <= VGI_SIG_MAX_ELEMENTS);
    for (uint32_t i = 0; i < s->n_el; i++) {
        const vgi_el *e = &s->el[i];
        switch (e->kind) {
        case VGI_EL_BYTES:
            check(e->len > 0 && e->off + (uint64_t)e->len <= s->n_bytes);
            min_len += e->len;
            prev_gap = 0;
            consumed = 1;
            last_consuming_gap = 0;
            break;
        case VGI_EL_ALT: {
            uint32_t mn = UINT32_MAX, mx = 0;
            check(e->len > 0 && e->len <= VGI_SIG_MAX_ALTS);
            check(e->off + (uint64_t)e->len <= s->n_alts);
            for (uint32_t k = 0; k < e->len; k++) {
                const vgi_alt *a = &s->alts[e->off + k];
                check(a->len > 0 && a->off + (uint64_t)a->len <= s->n_bytes);
                mn = a->len < mn ? a->len : mn;
                mx = a->len > mx ? a->len : mx;
            }
            check(e->min == mn && e->max == mx);
            check(!e->neg || mn == mx);
            min_len += e->min;
            prev_gap = 0;
            consumed = 1;
            last_consuming_gap = 0;
            break;
        }
        case VGI_EL_GAP:
            check(!prev_gap && consumed);
            check(e->min <= e->max);
            check(e->min <= VGI_SIG_MAX_GAP);
            check(e->max == VGI_GAP_INF || e->max <= VGI_SIG_MAX_GAP);
            min_len += e->min;
            prev_gap = 1;
            last_consuming_gap = 1;
            break;
        case VGI_EL_BOUND:
            check(e->bound == 'B' || e->bound == 'L');
            prev_gap = 0;
            break;
        default:
            check(0);
        }
    }
    check(!last_consuming_gap);
    check(min_len == s->min_len);
}

static size_t put_bytes(char *out, size_t n, const vgi_body_sig *s, uint32_t off, uint32_t len)
{
    static const char hx[] = "0123456789abcdef";
    for (uint32_t i = 0; i < len; i++) {
        uint8_t v = s->val[off + i], m = s->mask[off + i];
        out[n++] = (m & 0xf0) ? hx[v >> 4] : '?';
        out[n++] = (m & 0x0f) ? hx[v & 15] : '?';
    }
    return n;
}

/* Prints s as ClamAV hex into out (cap bytes); 0 when it does not fit. */
static size_t print_hex(const vgi_body_sig *s, char *out, size_t cap)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->n_el; i++) {
        const vgi_el *e = &s->el[i];
        uint64_t need = 32;
        if (e->kind == VGI_EL_BYTES)
            need += 2ull * e->len;
        if (e->kind == VGI_EL_ALT)
            for (uint32_t k = 0; k < e->len; k++)
                need += 2ull * s->alts[e->off + k].len + 1;
        if (n + need > cap)
            return 0;
        switch (e->kind) {
        case VGI_EL_BYTES:
            n = put_bytes(out, n, s, e->off, e->len);
            break;
        case VGI_EL_ALT:
            if (e->neg)
                out[n++] = '!';
            out[n++] = '(';
            for (uint32_t k = 0; k < e->len; k++) {
                if (k)
                    out[n++] = '|';
                n = put_bytes(out, n, s, s->alts[e->off + k].off, s->alts[e->off + k].len);
            }
            out[n++] = ')';
            break;
        case VGI_EL_GAP:
            if (e->min == 0 && e->max == VGI_GAP_INF)
                n += (size_t)snprintf(out + n, cap - n, "*");
            else if (e->max == VGI_GAP_INF)
                n += (size_t)snprintf(out + n, cap - n, "{%u-}", e->min);
            else if (e->min == e->max)
                n += (size_t)snprintf(out + n, cap - n, "{%u}", e->min);
            else
                n += (size_t)snprintf(out + n, cap - n, "{%u-%u}", e->min, e->max);
            break;
        default:
            n += (size_t)snprintf(out + n, cap - n, "(%c)", e->bound);
            break;
        }
    }
    return n;
}

static void check_round_trip(const vgi_body_sig *s)
{
    size_t cap = VGI_SIG_MAX_HEX;
    char *text = vg_malloc(cap);
    if (text == NULL)
        return;
    size_t n = print_hex(s, text, cap);
    vgi_body_sig *t = NULL;
    if (n > 0 && vgi_hex_parse(text, n, &t, NULL) == VG_OK) {
        check(t->n_el == s->n_el && t->n_bytes == s->n_bytes && t->n_alts == s->n_alts);
        check(t->min_len == s->min_len);
        check(memcmp(t->el, s->el, s->n_el * sizeof *s->el) == 0);
        check(s->n_alts == 0 || memcmp(t->alts, s->alts, s->n_alts * sizeof *s->alts) == 0);
        check(memcmp(t->val, s->val, s->n_bytes) == 0);
        check(memcmp(t->mask, s->mask, s->n_bytes) == 0);
    } else {
        check(n == 0); /* what the parser produced, it must accept back */
    }
    vg_free(t);
    vg_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t pick = data[0] % (vgi_sigfmt_count + 1);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    vg_diag d;
    vg_diag_clear(&d);

    if (pick == vgi_sigfmt_count) {
        vgi_body_sig *sig = NULL;
        vg_error err = vgi_hex_parse(text, len, &sig, &d);
        check((err == VG_OK) == (sig != NULL));
        if (err == VG_OK) {
            check_ir(sig);
            check_round_trip(sig);
        } else {
            check(d.col >= 1 && d.message[0] != '\0');
        }
        vg_free(sig);
        return 0;
    }

    vgi_sigdb *db = NULL;
    if (vgi_sigdb_new(&db) != VG_OK)
        return 0;
    vg_error err = vgi_sigfmts[pick].parse(db, "fuzz", text, len, &d);
    if (err != VG_OK)
        check(d.code == err && d.line >= 1 && d.message[0] != '\0');
    vgi_body_sig **bodies = vgi_sigdb_bodies(db);
    for (size_t i = 0; i < vgi_sigdb_body_count(db); i++)
        check_ir(bodies[i]);
    vgi_sigdb_free(db);
    return 0;
}
