/* What an object is, judged from its bytes only (never its name), and
 * whether the consent level "safe" may upload it. */
#ifndef VIGIL_CLI_SUBMIT_TYPE_H
#define VIGIL_CLI_SUBMIT_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum obj_class {
    OBJ_EXECUTABLE, /* PE/MZ, ELF, Mach-O */
    OBJ_SCRIPT,     /* "#!" scripts, PowerShell, VBScript, JScript, batch */
    OBJ_DOCUMENT,   /* OOXML, ODF, OLE2, PDF, RTF, HTML */
    OBJ_ARCHIVE,    /* zip, 7z, rar, gzip, bzip2, xz, zstd, tar, cab ... */
    OBJ_MAIL,
    OBJ_IMAGE,
    OBJ_TEXT,
    OBJ_DATA, /* anything else */
} obj_class;

typedef struct obj_type {
    obj_class cls;
    const char *name; /* static: "pe", "elf", "macho", "shell-script", "powershell",
                         "vbscript", "jscript", "batch", "ooxml", "odf", "ole2", "pdf",
                         "rtf", "html", "zip", "7z", ..., "mail", "png", ..., "text", "data" */
} obj_type;

obj_type object_type(const uint8_t *p, size_t n);

/* Executables and scripts: the only objects "safe" uploads. */
bool object_type_safe_to_upload(obj_type t);

#endif
