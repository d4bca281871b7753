/* PDF objects: a lexer and a small tree parser over one bounded buffer.
 *
 * The tree lives in an arena: every name and string is copied (decoded)
 * into it, so a tree outlives the fmap window it was parsed from. */
#ifndef VGI_FMT_PDF_LEX_H
#define VGI_FMT_PDF_LEX_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

/* Dictionaries and arrays nested deeper than this make the parse fail. */
#define PDF_MAX_DEPTH 64
/* Longer names are cut (the spec allows 127 bytes). */
#define PDF_MAX_NAME 255

typedef enum pdf_type {
    PDF_NULL,
    PDF_BOOL,
    PDF_INT,
    PDF_REAL,
    PDF_NAME,
    PDF_STRING,
    PDF_ARRAY,
    PDF_DICT,
    PDF_REF,
    PDF_KEYWORD, /* a bare word other than true/false/null (obj, stream, ...) */
} pdf_type;

typedef struct pdf_obj pdf_obj;
struct pdf_obj {
    pdf_type type;
    uint32_t len;   /* bytes of s (name, string, keyword) */
    int64_t i;      /* INT, BOOL; REF: object number */
    uint32_t gen;   /* REF: generation */
    double r;       /* REAL */
    uint8_t *s;     /* NUL-terminated copy, decoded */
    pdf_obj *kids;  /* ARRAY items; DICT keys and values alternating */
    pdf_obj *next;  /* next sibling */
    uint32_t nkids; /* how many kids */
};

/* Bump allocator with a byte cap; pdf_arena_reset keeps the first block. */
typedef struct pdf_arena_block pdf_arena_block;
typedef struct pdf_arena {
    pdf_arena_block *head;
    size_t used_total, cap;
} pdf_arena;

void pdf_arena_init(pdf_arena *a, size_t cap);
void pdf_arena_reset(pdf_arena *a);
void pdf_arena_cleanup(pdf_arena *a);
void *pdf_arena_alloc(pdf_arena *a, size_t n);

typedef struct pdf_lexer {
    const uint8_t *p;
    size_t n, pos;
    pdf_arena *arena;
    int truncated; /* the buffer ended inside an object */
} pdf_lexer;

static inline int pdf_is_space(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

static inline int pdf_is_delim(uint8_t c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}

/* Skips white space and comments. */
void pdf_lex_skip_space(pdf_lexer *lx);

/* Parses one value at lx->pos (an integer followed by "G R" is a REF).
 * VG_ERR_MALFORMED when nothing parses or nesting passes PDF_MAX_DEPTH,
 * VG_ERR_NOMEM when the arena is full. A container cut by the end of the
 * buffer comes back partial with lx->truncated set. */
vg_error pdf_parse_value(pdf_lexer *lx, pdf_obj **out);

/* Dictionary lookup by key (without the slash); NULL if absent or d is not a
 * dictionary. */
pdf_obj *pdf_dict_get(const pdf_obj *d, const char *key);
/* 1 if o is the name n. */
int pdf_is_name(const pdf_obj *o, const char *n);

#endif
