/* Marking detector, binary view: the printable text inside a binary object
 * (the WordDocument stream of a .doc, the Workbook stream of an .xls, the
 * PowerPoint Document stream of a .ppt, an executable), one line per run.
 *
 *     EC A5 C1 00 ... 'TOP SECRET//NOFORN' 0D '(S//NF) The unit...' 0D ...
 *         -> "TOP SECRET//NOFORN", "(S//NF) The unit..."
 *     ... 'S' 00 'E' 00 'C' 00 'R' 00 'E' 00 'T' 00 0D 00 ...
 *         -> "SECRET"
 *
 * A line is a maximal run of printable text, either 8-bit (ASCII 0x20-0x7E
 * and tab; inside a run also Latin-1 0xA0-0xFF and the cp1252 quotes,
 * dashes, bullet and ellipsis 0x85, 0x91-0x97) or UTF-16LE (the same with a
 * 0x00 high byte, plus U+2013/2014/2018/2019/201C/201D/2022/2026). Every
 * other byte ends the run, so Word's paragraph, cell and line-break marks
 * (0x0D, 0x07, 0x0B) and binary structure all end lines. Runs shorter than
 * 4 characters are dropped. A run starts with an ASCII character.
 *
 * BIFF8 strings (Excel's shared string table) are stored back to back as
 * [cch lo][cch hi][flags][chars]: a cch of 32..126 is a printable byte that
 * would glue onto the string before it. A run followed by such a header
 * (8-bit: X | 00 flags text; UTF-16: X 00 | flags text, where flags 00 is
 * followed by two ASCII bytes and 01 by an ASCII UTF-16LE unit) loses that
 * last character X.
 *
 * Linear: each byte is looked at a bounded number of times (a run is
 * measured, then copied into the line buffer; a failed UTF-16 start looks at
 * most 8 bytes ahead). No allocation beyond the caller's line buffer. */
#include "markings_int.h"

#include <string.h>

/* 1: ASCII that may start a run (0x20-0x7E, tab); 2: may only continue
 * one (Latin-1 0xA0-0xFF, cp1252 0x85 and 0x91-0x97); 0: ends a run. */
static inline int cls8(unsigned char c)
{
    if ((c >= 0x20 && c < 0x7F) || c == '\t')
        return 1;
    return c >= 0xA0 || c == 0x85 || (c >= 0x91 && c <= 0x97) ? 2 : 0;
}

/* cp1252 bytes 0x80-0x9F that a run may hold, as code points. */
static uint32_t cp1252(unsigned char c)
{
    switch (c) {
    case 0x85:
        return 0x2026;
    case 0x91:
        return 0x2018;
    case 0x92:
        return 0x2019;
    case 0x93:
        return 0x201C;
    case 0x94:
        return 0x201D;
    case 0x95:
        return 0x2022;
    case 0x96:
        return 0x2013;
    case 0x97:
        return 0x2014;
    default:
        return c;
    }
}

/* Is the UTF-16LE unit (lo, hi) printable text? 1 ASCII, 2 other, 0 not. */
static int u16_class(unsigned char lo, unsigned char hi)
{
    if (hi == 0) {
        if (lo == '\t' || (lo >= 0x20 && lo < 0x7F))
            return 1;
        return lo >= 0xA0 ? 2 : 0;
    }
    if (hi == 0x20)
        switch (lo) {
        case 0x13:
        case 0x14:
        case 0x18:
        case 0x19:
        case 0x1C:
        case 0x1D:
        case 0x22:
        case 0x26:
            return 2;
        default:
            break;
        }
    return 0;
}

static int printable_ascii(unsigned char c)
{
    return c >= 0x20 && c < 0x7F;
}

/* Does p[k] start the flags byte and first two bytes of a BIFF8 string
 * (00 + two 8-bit characters, or 01 + one UTF-16LE character)? */
static int biff_text(const uint8_t *p, size_t n, size_t k)
{
    if (k + 2 >= n || p[k] > 1 || !printable_ascii(p[k + 1]))
        return 0;
    return p[k] == 0 ? printable_ascii(p[k + 2]) : p[k + 2] == 0;
}

/* The UTF-16 run starting at i (an ASCII unit): its end (exclusive). */
static size_t u16_run_end(const uint8_t *p, size_t n, size_t i)
{
    size_t j = i;
    while (j + 1 < n && u16_class(p[j], p[j + 1]))
        j += 2;
    /* a BIFF8 string header after it: X 00 | flags text -> X is cch */
    if (j - i >= 4 && p[j - 1] == 0 && printable_ascii(p[j - 2]) && biff_text(p, n, j))
        j -= 2;
    return j;
}

void vgi_mark_view_binary(const uint8_t *p, size_t n, vgi_mark_lb *lb)
{
    size_t i = 0;
    while (i < n) {
        if (cls8(p[i]) != 1) {
            i++;
            continue;
        }
        if (i + 1 < n && p[i + 1] == 0) {
            /* UTF-16LE: at least 4 units, else this byte is no text */
            size_t j = u16_run_end(p, n, i);
            if (j - i < 8) {
                i++;
                continue;
            }
            for (size_t k = i; k < j; k += 2) {
                uint32_t u = (uint32_t)p[k] | (uint32_t)p[k + 1] << 8;
                vgi_mark_lb_cp(lb, u, k, k + 2);
            }
            vgi_mark_lb_flush(lb);
            i = j;
            continue;
        }
        size_t j = i + 1;
        while (j < n && cls8(p[j]))
            j++;
        size_t end = j;
        /* a BIFF8 string header after it: X | 00 flags text -> X is cch */
        if (j - i > 4 && j < n && p[j] == 0 && biff_text(p, n, j + 1))
            end = j - 1;
        if (end - i >= 4) {
            for (size_t k = i; k < end; k++)
                vgi_mark_lb_cp(lb, cp1252(p[k]), k, k + 1);
            vgi_mark_lb_flush(lb);
        }
        /* the run's last byte may start a UTF-16 run ("...AS\0E\0C\0") */
        if (j < n && p[j] == 0 && printable_ascii(p[j - 1]) && j - 1 > i)
            i = j - 1;
        else
            i = j;
    }
    vgi_mark_lb_flush(lb);
}
