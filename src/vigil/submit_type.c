/* Typing a flagged object by content, for the consent level "safe".
 *
 * "safe" uploads executables and scripts and never documents, archives,
 * mail, images or plain text. A name proves nothing (a .exe can be a
 * renamed .docx), so only bytes count, and the order of the checks is the
 * policy: container formats that hold documents are recognised FIRST, so
 * an OOXML file (a zip) is a document, never "an archive that might hold an
 * executable", and a PE is an executable only with a real "PE\0\0" header
 * or a plausible DOS header. Script text is judged by what it says: a file
 * is a PowerShell, VBScript, JScript or batch script when several of that
 * language's characteristic constructs appear in it (one word in a letter
 * about PowerShell is not enough). When in doubt the answer is "data" or
 * "text", which "safe" does not upload: a miss costs an analyst a sample,
 * a false "script" could cost the owner a document. */
#include "submit_type.h"

#include <string.h>
#include <strings.h>

static bool at(const uint8_t *p, size_t n, size_t off, const char *magic, size_t len)
{
    return n >= off + len && memcmp(p + off, magic, len) == 0;
}

static bool contains(const uint8_t *p, size_t n, const char *needle)
{
    return memmem(p, n, needle, strlen(needle)) != NULL;
}

/* Case-insensitive search in the first 256 KiB. */
static bool icontains(const uint8_t *p, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (n > (256u << 10))
        n = 256u << 10;
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp((const char *)p + i, needle, m) == 0)
            return true;
    return false;
}

static unsigned count_of(const uint8_t *p, size_t n, const char *const *words, size_t nw)
{
    unsigned hits = 0;
    for (size_t i = 0; i < nw; i++)
        if (icontains(p, n, words[i]))
            hits++;
    return hits;
}

static bool is_pe(const uint8_t *p, size_t n)
{
    if (!at(p, n, 0, "MZ", 2))
        return false;
    if (n >= 0x40) {
        uint32_t lfanew = (uint32_t)p[0x3c] | (uint32_t)p[0x3d] << 8 | (uint32_t)p[0x3e] << 16 |
                          (uint32_t)p[0x3f] << 24;
        if ((uint64_t)lfanew + 4 <= n && memcmp(p + lfanew, "PE\0\0", 4) == 0)
            return true;
    }
    /* A DOS program: header size and relocation offset inside the file. */
    if (n < 0x1c)
        return false;
    uint16_t hdr_paras = (uint16_t)(p[8] | p[9] << 8);
    uint16_t reloc = (uint16_t)(p[0x18] | p[0x19] << 8);
    return hdr_paras > 0 && (size_t)hdr_paras * 16 <= n && reloc < n;
}

/* Mostly printable, no NUL bytes: the sample of text the checks see. */
static bool is_text(const uint8_t *p, size_t n)
{
    size_t look = n < 65536 ? n : 65536, bad = 0;
    if (look == 0)
        return false;
    for (size_t i = 0; i < look; i++) {
        uint8_t c = p[i];
        if (c == 0)
            return false;
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
            bad++;
    }
    return bad * 100 < look;
}

static const char *zip_kind(const uint8_t *p, size_t n, obj_class *cls)
{
    *cls = OBJ_DOCUMENT;
    if (contains(p, n, "[Content_Types].xml"))
        return "ooxml";
    if (at(p, n, 30, "mimetypeapplication/vnd.oasis.opendocument", 42) ||
        contains(p, n, "application/vnd.oasis.opendocument"))
        return "odf";
    *cls = OBJ_ARCHIVE;
    return "zip";
}

static obj_type script_type(const uint8_t *p, size_t n)
{
    static const char *const ps[] = {"Invoke-Expression",
                                     "New-Object ",
                                     "$env:",
                                     "Write-Host",
                                     "-ExecutionPolicy",
                                     "[System.",
                                     "Get-",
                                     "Set-",
                                     "param(",
                                     "IEX ",
                                     "$null",
                                     "-eq "};
    static const char *const vbs[] = {"CreateObject(", "WScript.",      "Dim ",
                                      "End Sub",       "End Function",  "On Error Resume Next",
                                      "Set ",          "Wscript.Shell", "MsgBox "};
    static const char *const js[] = {
        "ActiveXObject", "WScript.",  "function ", "var ",
        "eval(",         "new Array", ".Run(",     "String.fromCharCode"};
    static const char *const bat[] = {"@echo off",    "goto ",    "%~dp0",  "set ",    "rem ",
                                      "%errorlevel%", "if exist", "start ", "cmd /c ", "%TEMP%"};
    if (at(p, n, 0, "#!", 2))
        return (obj_type){OBJ_SCRIPT, "shell-script"};
    unsigned s_ps = count_of(p, n, ps, sizeof ps / sizeof ps[0]);
    unsigned s_vbs = count_of(p, n, vbs, sizeof vbs / sizeof vbs[0]);
    unsigned s_js = count_of(p, n, js, sizeof js / sizeof js[0]);
    unsigned s_bat = count_of(p, n, bat, sizeof bat / sizeof bat[0]);
    unsigned best = s_ps;
    obj_type t = {OBJ_SCRIPT, "powershell"};
    if (s_vbs > best)
        best = s_vbs, t.name = "vbscript";
    if (s_js > best)
        best = s_js, t.name = "jscript";
    if (s_bat > best)
        best = s_bat, t.name = "batch";
    if (best >= 3 || (icontains(p, n < 64 ? n : 64, "@echo off") && s_bat >= 2))
        return t;
    return (obj_type){OBJ_TEXT, "text"};
}

static bool is_mail(const uint8_t *p, size_t n)
{
    static const char *const hdrs[] = {"From:",       "To:",           "Subject:",     "Received:",
                                       "Message-ID:", "MIME-Version:", "Return-Path:", "Date:"};
    size_t look = n < 4096 ? n : 4096;
    unsigned hits = 0;
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
        size_t m = strlen(hdrs[i]);
        if (look >= m && strncasecmp((const char *)p, hdrs[i], m) == 0)
            hits++;
        for (size_t k = 0; k + m + 1 <= look; k++)
            if (p[k] == '\n' && strncasecmp((const char *)p + k + 1, hdrs[i], m) == 0) {
                hits++;
                break;
            }
    }
    return at(p, n, 0, "From ", 5) ? hits >= 1 : hits >= 3;
}

obj_type object_type(const uint8_t *p, size_t n)
{
    obj_class cls;
    if (at(p, n, 0, "PK\3\4", 4) || at(p, n, 0, "PK\5\6", 4)) {
        const char *k = zip_kind(p, n, &cls);
        return (obj_type){cls, k};
    }
    if (at(p, n, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return (obj_type){OBJ_DOCUMENT, "ole2"};
    if (n >= 5 && memmem(p, n < 1024 ? n : 1024, "%PDF-", 5) != NULL)
        return (obj_type){OBJ_DOCUMENT, "pdf"};
    if (at(p, n, 0, "{\\rt", 4))
        return (obj_type){OBJ_DOCUMENT, "rtf"};
    if (is_pe(p, n))
        return (obj_type){OBJ_EXECUTABLE, "pe"};
    if (at(p, n, 0,
           "\x7f"
           "ELF",
           4))
        return (obj_type){OBJ_EXECUTABLE, "elf"};
    if (at(p, n, 0, "\xfe\xed\xfa\xce", 4) || at(p, n, 0, "\xfe\xed\xfa\xcf", 4) ||
        at(p, n, 0, "\xce\xfa\xed\xfe", 4) || at(p, n, 0, "\xcf\xfa\xed\xfe", 4) ||
        at(p, n, 0, "\xca\xfe\xba\xbe", 4))
        return (obj_type){OBJ_EXECUTABLE, "macho"};
    static const struct {
        const char *magic;
        size_t len, off;
        obj_class cls;
        const char *name;
    } magics[] = {
        {"7z\xbc\xaf\x27\x1c", 6, 0, OBJ_ARCHIVE, "7z"},
        {"Rar!\x1a\x07", 6, 0, OBJ_ARCHIVE, "rar"},
        {"\x1f\x8b", 2, 0, OBJ_ARCHIVE, "gzip"},
        {"BZh", 3, 0, OBJ_ARCHIVE, "bzip2"},
        {"\xfd"
         "7zXZ\0",
         6, 0, OBJ_ARCHIVE, "xz"},
        {"\x28\xb5\x2f\xfd", 4, 0, OBJ_ARCHIVE, "zstd"},
        {"MSCF", 4, 0, OBJ_ARCHIVE, "cab"},
        {"ustar", 5, 257, OBJ_ARCHIVE, "tar"},
        {"070707", 6, 0, OBJ_ARCHIVE, "cpio"},
        {"07070", 5, 0, OBJ_ARCHIVE, "cpio"},
        {"CD001", 5, 0x8001, OBJ_ARCHIVE, "iso"},
        {"\x89PNG", 4, 0, OBJ_IMAGE, "png"},
        {"\xff\xd8\xff", 3, 0, OBJ_IMAGE, "jpeg"},
        {"GIF8", 4, 0, OBJ_IMAGE, "gif"},
        {"BM", 2, 0, OBJ_IMAGE, "bmp"},
        {"II*\0", 4, 0, OBJ_IMAGE, "tiff"},
        {"MM\0*", 4, 0, OBJ_IMAGE, "tiff"},
        {"WEBP", 4, 8, OBJ_IMAGE, "webp"},
        {"\0\0\1\0", 4, 0, OBJ_IMAGE, "ico"},
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (at(p, n, magics[i].off, magics[i].magic, magics[i].len))
            return (obj_type){magics[i].cls, magics[i].name};
    if (!is_text(p, n))
        return (obj_type){OBJ_DATA, "data"};
    if (is_mail(p, n))
        return (obj_type){OBJ_MAIL, "mail"};
    size_t head = n < 1024 ? n : 1024;
    if (icontains(p, head, "<html") || icontains(p, head, "<!doctype html") ||
        icontains(p, head, "<?xml"))
        return (obj_type){OBJ_DOCUMENT, icontains(p, head, "<?xml") ? "xml" : "html"};
    return script_type(p, n);
}

bool object_type_safe_to_upload(obj_type t)
{
    return t.cls == OBJ_EXECUTABLE || t.cls == OBJ_SCRIPT;
}
