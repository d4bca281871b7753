/* Marking detector, banner grammar: is a whole (normalised) line a
 * classification banner, and how strong?
 *
 *     TOP SECRET                        US level alone: weak
 *     TOP SECRET//SI-G/TK//NOFORN       level + "//" segments: strong
 *     SECRET//REL TO USA, FVEY          (any upper-case tokens after "//")
 *     SECRET/NOFORN, SECRET NOFORN      older styles: known controls only
 *     //GBR SECRET//REL TO USA, GBR     foreign (FGI) and //JOINT: strong
 *     NATO SECRET, UK SECRET            NATO / UK level alone: weak (medium)
 *     COSMIC TOP SECRET                 strong alone
 *     NATO SECRET ATOMAL, SECRET UK EYES ONLY, UK TOP SECRET STRAP1: strong
 *
 * Level words are upper case, as the marking rules require, and must be
 * the whole line: "SECRET SERVICE", "SECRETARY", "Top Secret", "CONFIDENTIAL
 * - DO NOT DISTRIBUTE" are not banners. */
#include "markings_int.h"

#include <string.h>

static int is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

typedef struct level {
    const char *word;
    int family;
    int strong; /* a classification that is a strong marking by itself */
} level;

static const level levels[] = {
    {"COSMIC TOP SECRET", VGI_MARK_FAM_NATO, 1}, {"NATO SECRET", VGI_MARK_FAM_NATO, 0},
    {"NATO CONFIDENTIAL", VGI_MARK_FAM_NATO, 0}, {"NATO RESTRICTED", VGI_MARK_FAM_NATO, 0},
    {"UK TOP SECRET", VGI_MARK_FAM_UK, 0},       {"UK SECRET", VGI_MARK_FAM_UK, 0},
    {"UK CONFIDENTIAL", VGI_MARK_FAM_UK, 0},     {"UK RESTRICTED", VGI_MARK_FAM_UK, 0},
    {"TOP SECRET", VGI_MARK_FAM_US, 0},          {"SECRET", VGI_MARK_FAM_US, 0},
    {"CONFIDENTIAL", VGI_MARK_FAM_US, 0},
};

static const level *level_at(const char *s, size_t n, size_t *len)
{
    for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++) {
        size_t l = strlen(levels[k].word);
        if (n >= l && memcmp(s, levels[k].word, l) == 0 &&
            (n == l || s[l] == ' ' || s[l] == '/' || s[l] == '-')) {
            *len = l;
            return &levels[k];
        }
    }
    return NULL;
}

/* Controls accepted after a single "/", a space or a hyphen (older and
 * foreign styles: "SECRET/NOFORN", "NATO SECRET ATOMAL", "SECRET UK EYES
 * ONLY"). After "//" any upper-case token is accepted instead. */
static const char *const known_ctrl[] = {
    "NOFORN",  "NF",     "ORCON",  "NOCONTRACT", "PROPIN", "RELIDO",  "IMCON",
    "FISA",    "SI",     "TK",     "HCS",        "COMINT", "UMBRA",   "GAMMA",
    "SPECAT",  "LIMDIS", "EXDIS",  "NODIS",      "ATOMAL", "BOHEMIA", "BALK",
    "STRAP1",  "STRAP2", "STRAP3", "STRAP",      "RD",     "FRD",     "CNWDI",
    "WNINTEL", "REL",    "TO",     "EYES",       "ONLY",   "UK",      "RELEASABLE",
};

static int known_token(const char *s, size_t l)
{
    for (size_t k = 0; k < sizeof known_ctrl / sizeof known_ctrl[0]; k++)
        if (strlen(known_ctrl[k]) == l && memcmp(s, known_ctrl[k], l) == 0)
            return 1;
    return 0;
}

/* Tokens after a level joined by ' ', '/', '-', ',': all known, or country
 * codes after REL TO / RELEASABLE TO; and at least one that means something
 * alone ("NOFORN", "ATOMAL"), or "EYES ONLY", or "REL TO <country>": so
 * "CONFIDENTIAL ONLY" or "SECRET TO" are no markings. */
static int known_tail(const char *s, size_t n, int *uk_caveat)
{
    size_t i = 0;
    int tokens = 0, rel = 0, anchor = 0, eyes = 0, eyes_only = 0, country = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '/' || s[i] == '-' || s[i] == ','))
            i++;
        size_t b = i;
        while (i < n && (is_upper((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
            i++;
        if (i == b)
            break;
        size_t l = i - b;
        const char *w = s + b;
        if (i < n && s[i] != ' ' && s[i] != '/' && s[i] != '-' && s[i] != ',')
            return 0;
        if (known_token(w, l)) {
            int weak = (l == 2 && (memcmp(w, "TO", 2) == 0 || memcmp(w, "UK", 2) == 0)) ||
                       (l == 4 && memcmp(w, "ONLY", 4) == 0) ||
                       (l == 4 && memcmp(w, "EYES", 4) == 0) ||
                       (l == 3 && memcmp(w, "REL", 3) == 0) ||
                       (l == 10 && memcmp(w, "RELEASABLE", 10) == 0);
            anchor |= !weak;
            eyes_only |= eyes && l == 4 && memcmp(w, "ONLY", 4) == 0;
            eyes = l == 4 && memcmp(w, "EYES", 4) == 0;
            if (l == 2 && memcmp(w, "TO", 2) == 0)
                rel = 1;
            if ((l == 2 && memcmp(w, "UK", 2) == 0) || (l >= 5 && memcmp(w, "STRAP", 5) == 0))
                *uk_caveat = 1;
        } else if (rel && (l == 3 || l == 4)) {
            country = 1;
        } else {
            return 0;
        }
        tokens++;
    }
    return i >= n && tokens > 0 && (anchor || eyes_only || country);
}

/* "//SEG//SEG...": each segment upper case, digits, spaces and , / - _ . */
static int ctrl_segments(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i < 3 || s[i] != '/' || s[i + 1] != '/')
            return 0;
        i += 2;
        size_t b = i, letters = 0;
        while (i < n && !(s[i] == '/' && i + 1 < n && s[i + 1] == '/')) {
            int c = (unsigned char)s[i];
            if (is_upper(c))
                letters++;
            else if (!(is_digit(c) || c == ' ' || c == ',' || c == '/' || c == '-' || c == '_' ||
                       c == '.'))
                return 0;
            i++;
        }
        if (letters == 0 || i - b > 80)
            return 0;
    }
    return 1;
}

int vgi_mark_banner_parse(const char *t, size_t m, vgi_mark_banner_hit *h)
{
    size_t i = 0, l;
    int fgi = 0;
    if (m >= 2 && t[0] == '/' && t[1] == '/') {
        /* foreign or joint: "//GBR SECRET...", "//JOINT SECRET CAN USA", "//NATO SECRET" */
        i = 2;
        fgi = 1;
        if (m - i > 6 && memcmp(t + i, "JOINT ", 6) == 0) {
            i += 6;
        } else if (!(m - i > 5 && memcmp(t + i, "NATO ", 5) == 0) &&
                   !(m - i > 7 && memcmp(t + i, "COSMIC ", 7) == 0)) {
            size_t b = i;
            while (i < m && is_upper((unsigned char)t[i]))
                i++;
            if (i - b < 3 || i - b > 4 || i >= m || t[i] != ' ')
                return 0;
            i++;
        }
    }
    const level *lv = level_at(t + i, m - i, &l);
    if (lv == NULL)
        return 0;
    i += l;
    h->family = lv->family;
    h->strong = lv->strong || fgi;
    if (i == m)
        return 1;
    if (fgi) {
        /* joint: country list, then optional segments */
        while (i < m && !(t[i] == '/' && i + 1 < m && t[i + 1] == '/')) {
            if (!(is_upper((unsigned char)t[i]) || t[i] == ' ' || t[i] == ','))
                return 0;
            i++;
        }
        return i == m || ctrl_segments(t + i, m - i);
    }
    if (t[i] == '/' && i + 1 < m && t[i + 1] == '/') {
        if (!ctrl_segments(t + i, m - i))
            return 0;
        h->strong = 1;
        return 1;
    }
    int uk = 0;
    if (known_tail(t + i, m - i, &uk)) {
        h->strong = 1;
        if (uk)
            h->family = VGI_MARK_FAM_UK;
        return 1;
    }
    return 0;
}
