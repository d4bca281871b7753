/* One PDF being read: its object table, streams, object streams and
 * encryption state, shared by fmt_pdf.c and the pdf_*.c files. */
#ifndef VGI_FMT_PDF_DOC_H
#define VGI_FMT_PDF_DOC_H

#include <stdint.h>

#include "fmt.h"
#include "pdf_crypt.h"
#include "pdf_filter.h"
#include "pdf_lex.h"

#define PDF_FMT               "pdf"
#define PDF_MAX_OBJECTS       1000000u           /* object definitions read */
#define PDF_MAX_OBJSTM_BYTES  ((size_t)8 << 20)  /* one decoded object stream */
#define PDF_MAX_OBJSTM_TOTAL  ((size_t)64 << 20) /* all of them */
#define PDF_ARENA_CAP         ((size_t)16 << 20) /* tree of one object + what it resolves */
#define PDF_OBJ_WINDOW        ((size_t)64 << 10) /* first try at parsing an object */
#define PDF_MAX_ERROR_REPORTS 16
#define PDF_PARSE_FLOOR       ((uint64_t)64 << 20) /* parse work allowed, at least */

/* One definition "N G obj", in the file or inside an object stream. */
typedef struct pdf_entry {
    uint32_t num;
    uint16_t gen;
    uint8_t in_stm;     /* inside object stream doc->stm[stm] */
    uint8_t has_stream; /* a stream follows (file objects) */
    uint32_t stm, len;  /* in_stm: which buffer, bytes of the object */
    uint64_t off;       /* file: just after "obj"; in_stm: offset in the buffer */
} pdf_entry;

/* One stream: where its stored bytes are. */
typedef struct pdf_stream {
    uint32_t entry;   /* its object, index in doc->ent */
    uint32_t len_ref; /* /Length was a reference not yet known in pass 1 */
    uint64_t data_off, data_len;
} pdf_stream;

typedef struct pdf_stmbuf {
    uint8_t *p;
    size_t n;
} pdf_stmbuf;

/* A name for the stream of object num: its Filespec's, or "js<N>". */
typedef struct pdf_name {
    uint32_t num;
    uint32_t prio; /* 2: a Filespec's /UF or /F, 1: the target of /JS */
    char *name;
} pdf_name;

#define PDF_MAX_NAMES    65536
#define PDF_MAX_FILENAME 255

typedef struct pdf_doc {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    uint64_t size;

    pdf_entry *ent;
    size_t n_ent, cap_ent;
    uint32_t *hash; /* object number -> entry index + 1 (latest definition) */
    size_t hash_cap, hash_used;

    pdf_stream *st;
    size_t n_st, cap_st;

    pdf_stmbuf *stm;
    size_t n_stm, cap_stm, stm_bytes;

    /* The last trailer (or cross-reference stream) holding /Encrypt. */
    int enc_in_entry; /* 1: doc->enc_at is an entry index; 0: a trailer offset */
    uint64_t enc_at;
    int have_enc;
    pdf_crypt crypt;
    int enc_unsupported; /* encrypted, and we cannot decrypt: streams as stored */

    /* endstream search cache: from es_from on, the next is at es_at */
    uint64_t es_from, es_at;

    pdf_name *names; /* sorted by number once pdf_walk_all() is done */
    size_t n_names, cap_names;

    /* Parse work (text read plus tree built), against a cap: a thousand
     * references to one big object would otherwise parse it a thousand
     * times. */
    uint64_t parsed, parse_cap;

    pdf_arena arena; /* scratch for one step of a pass */
    uint8_t *buf;    /* PDF_READ_CHUNK + 32 bytes, for decryption */

    unsigned reports, suppressed;
    vg_error first_err;
    int stopped; /* a limit or abort ends the whole document */
} pdf_doc;

#define PDF_READ_CHUNK ((size_t)256 << 10)

/* Reports a problem (at most PDF_MAX_ERROR_REPORTS per document). */
void pdf_doc_error(pdf_doc *doc, vg_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* pdf_objs.c: pass 1, the linear scan for "N G obj" and "trailer". */
vg_error pdf_doc_scan(pdf_doc *doc);
/* Adds a definition; the latest of a number wins, except that an object
 * stream never overrides an object defined in the file. VG_ERR_LIMIT past
 * PDF_MAX_OBJECTS (reported once). */
vg_error pdf_doc_add(pdf_doc *doc, const pdf_entry *e);
const pdf_entry *pdf_doc_lookup(const pdf_doc *doc, uint32_t num);
/* Parses the value of entry e into doc->arena. */
vg_error pdf_doc_parse(pdf_doc *doc, const pdf_entry *e, pdf_obj **out);
/* Parses the value at file offset off into doc->arena. */
vg_error pdf_doc_parse_at(pdf_doc *doc, uint64_t off, pdf_obj **out);
/* Follows references (a few hops); returns o itself when it is no
 * reference, NULL for a missing object. */
pdf_obj *pdf_doc_resolve(pdf_doc *doc, pdf_obj *o);
/* Integer value of o after resolving; -1 when it is none. */
int64_t pdf_doc_int(pdf_doc *doc, pdf_obj *o);
/* 1 when "endstream" follows data_off + len closely: /Length is right. */
int pdf_doc_length_ok(pdf_doc *doc, uint64_t data_off, int64_t len);
void pdf_doc_free(pdf_doc *doc);

/* pdf_stream.c: decodes stream si through its filters (and decryption)
 * into sink; dict is its dictionary. Returns the sink's stop reason
 * (VG_ERR_LIMIT, VG_ERR_ABORTED, VG_ERR_NOMEM) or VG_OK; problems with
 * the data are reported. */
vg_error pdf_stream_decode(pdf_doc *doc, size_t si, pdf_obj *dict, const pdf_sink *sink);

/* pdf_objstm.c: decodes every /Type /ObjStm and registers its objects. */
vg_error pdf_objstm_load_all(pdf_doc *doc);

/* pdf_walk.c: walks every object for Filespecs (names of embedded files)
 * and /JS, emits JavaScript strings as children "js<N>". */
vg_error pdf_walk_all(pdf_doc *doc);
/* Name for the stream of object num, or NULL. */
const char *pdf_doc_name(const pdf_doc *doc, uint32_t num);

#endif
