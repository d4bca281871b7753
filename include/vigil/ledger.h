/* The submission ledger: a local, append-only, hash-chained record of
 * everything the client decided to send (or not to send) to a server,
 * written and fsynced BEFORE the bytes leave (P4 in DESIGN.md).
 *
 *     vg_ledger *l;
 *     vg_ledger_open("/home/u/.local/share/vigil/ledger", &l);
 *     vg_ledger_record r = {.kind = "upload", .sha256 = hex, .size = n, ...};
 *     if (vg_ledger_append(l, &r, NULL) == VG_OK)
 *         ...now, and only now, send the bytes...
 *     vg_ledger_close(l);
 *
 * One line per entry, one JSON object each, with exactly these members:
 *
 *     {"consent":"safe","hash":"…","kind":"upload","path":"a.zip > setup.exe",
 *      "prev":"…","reason":"","seq":1,"server":"https://…","sha256":"…",
 *      "signature":"Win.Test","size":1234,"time":"2025-01-02T03:04:05Z",
 *      "type":"pe"}
 *
 * "hash" is the lowercase hex SHA-256 of the entry's canonical form: the
 * object WITHOUT "hash", serialised by jansson with JSON_COMPACT |
 * JSON_SORT_KEYS | JSON_ENSURE_ASCII (no spaces, keys sorted by byte value,
 * non-ASCII as \uXXXX escapes) — the same rule as the server's audit log.
 * "prev" is the previous entry's hash (64 zeros for seq 1), so each entry
 * commits to every one before it. The line itself is the canonical form
 * WITH "hash", so a line that merely re-spaces a valid entry is refused too.
 *
 * Next to the ledger, in "<ledger>.head", the count and last hash
 * ("N HASH\n") are rewritten (atomically, fsynced) after each append: a
 * ledger cut at the end no longer matches its head. Someone who can write
 * both files can still rewrite history consistently (recompute every hash
 * and the head): the chain proves order and integrity against accidents and
 * careless edits, not against the machine's owner or root. Keeping a copy
 * of the head elsewhere (or the server's receipt) is what pins it.
 *
 * Appends take an exclusive flock on the ledger file, re-read the tail and
 * chain to it, so several processes may append to one ledger. A crash in
 * the middle of an append leaves at most a last line without its newline:
 * it was never committed (append had not returned, so nothing was sent for
 * it). Verify reports it and passes when the head file agrees that the
 * entry before it is the last committed one; the next append removes it.
 * Threads: one vg_ledger per thread, or lock around it. */
#ifndef VIGIL_LEDGER_H
#define VIGIL_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VG_LEDGER_MAX_PATH 4096 /* longer paths are cut (and end in "...") */

typedef struct vg_ledger vg_ledger;

/* What the caller records. Strings are copied; NULL is written as "".
 * Invalid UTF-8 bytes are written as "\xNN" text. */
typedef struct vg_ledger_record {
    const char *kind;      /* "upload" (bytes sent), "hashes" (only the SHA-256 sent to
                              lookup), "blocked" (nothing sent: guard or consent) */
    const char *sha256;    /* 64 hex digits */
    uint64_t size;         /* the object's size in bytes */
    const char *type;      /* content type judged from the bytes: "pe", "elf", "ooxml" ... */
    const char *path;      /* "top-level path > member > member" */
    const char *signature; /* the signature that flagged it */
    const char *consent;   /* "off", "hashes", "safe", "ask" */
    const char *server;    /* the server URL it goes (or would go) to */
    const char *reason;    /* why (for "blocked"); "" otherwise */
} vg_ledger_record;

/* An entry as read back; strings are borrowed for the callback only. */
typedef struct vg_ledger_entry {
    uint64_t seq;
    unsigned long line; /* 1-based line number in the file */
    const char *time, *kind, *sha256, *type, *path, *signature, *consent, *server, *reason;
    const char *prev, *hash;
    uint64_t size;
} vg_ledger_entry;

/* Opens (creating it 0600, and its directory's entry fsynced) the ledger at
 * path; the head file is path + ".head". */
vg_error vg_ledger_open(const char *path, vg_ledger **out);
void vg_ledger_close(vg_ledger *ledger);

/* Appends one entry under an exclusive flock: chains it to the last
 * committed entry, writes the line, fsyncs the ledger, then rewrites and
 * fsyncs the head. Returns VG_OK only when all of it is on disk; out (may
 * be NULL) gets seq and hash (its strings are valid until the next call).
 * VG_ERR_MALFORMED when the tail of the ledger does not verify against its
 * head (tampered or damaged): nothing is appended then, and the caller must
 * not send anything. VG_ERR_IO / VG_ERR_NOSPACE on write or fsync errors. */
vg_error vg_ledger_append(vg_ledger *ledger, const vg_ledger_record *rec, vg_ledger_entry *out);

/* The result of walking a ledger. */
typedef struct vg_ledger_report {
    int ok;                 /* 1: every entry verifies and the head agrees */
    uint64_t entries;       /* entries that verified (before the break, if any) */
    uint64_t bad_seq;       /* when !ok: the entry where the chain breaks */
    unsigned long bad_line; /* when !ok: its line (0 when the file has no such line) */
    char what[384];         /* when !ok: what is wrong, for a human */
    int partial_tail;       /* the last line was cut mid-write (a crash while appending) */
    char note[384];         /* a warning even when ok ("" when none) */
} vg_ledger_report;

/* Called for every line that parses as an entry, in file order, whether or
 * not the chain holds there. Return non-zero to stop the walk. */
typedef int (*vg_ledger_entry_fn)(const vg_ledger_entry *entry, void *userdata);

/* Reads the ledger at path (a missing ledger with no head is empty and ok)
 * and checks: each line canonical JSON with exactly the members above; seq
 * 1, 2, 3 ... in order; prev = the previous hash; hash = SHA-256 of the
 * canonical form; the head file's count and hash = the last entry's.
 * Returns VG_OK with out filled (a broken chain is out->ok == 0, not an
 * error), or VG_ERR_IO when the file cannot be read. */
vg_error vg_ledger_verify(const char *path, vg_ledger_entry_fn fn, void *userdata,
                          vg_ledger_report *out);

#ifdef __cplusplus
}
#endif
#endif
