/* One flagged object, from "found" to "sent" (or not), in this order:
 *
 *   1. guard     the marking detector on the object and all inside it;
 *                a hit (or a look cut short) blocks it at every level
 *   1b. P5       only an upload trigger of a verified, installed bundle
 *                (submit_p5.c) may lead to anything leaving, even a hash
 *   2. consent   off: nothing leaves. hashes: lookup only. safe: upload
 *                executables and scripts. ask: the owner's yes, per object
 *   3. once      sent to this server before (data dir "submitted") or
 *                waiting in the queue: not sent again
 *   4. lookup    ledger entry "hashes", fsynced; then POST /v1/lookup
 *   5. upload    only if the server answered "unknown" and consent allows:
 *                ledger entry "upload", fsynced; then POST /v1/samples
 *   6. queue     server unreachable, timeout, 5xx: kept for a retry
 *
 * A ledger entry that cannot be written stops the object: nothing is sent
 * without its record. A blocked object gets a "blocked" entry, so the
 * owner sees that decision too. Retries from the queue (submit.c) go
 * through the same function, steps 1-6, with the question of step 2
 * already answered when the object was queued. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "submit_int.h"

/* Appends a ledger entry; false (after saying why) when it could not be
 * written, in which case the caller must not send anything. */
static bool record(submit_ctx *s, const sub_object *o, const char *kind, const char *reason)
{
    vg_ledger_record r = {.kind = kind,
                          .sha256 = o->sha256,
                          .size = o->size,
                          .type = o->type.name,
                          .path = o->path,
                          .signature = o->signature,
                          .consent = consent_name(s->o.consent),
                          .server = s->o.server ? s->o.server : "",
                          .reason = reason ? reason : ""};
    vg_error err = vg_ledger_append(s->ledger, &r, NULL);
    if (err == VG_OK)
        return true;
    s->errors++;
    if (err == VG_ERR_MALFORMED)
        sub_say(s, o->path, true,
                "NOT SENT: the ledger %s does not verify (run vigil audit --verify); nothing is "
                "sent until it does",
                s->ledger_path);
    else
        sub_say(s, o->path, true, "NOT SENT: cannot write the ledger %s: %s", s->ledger_path,
                vg_strerror(err));
    return false;
}

static void queue_it(submit_ctx *s, const sub_object *o, bool upload, unsigned attempts,
                     const char *why)
{
    if (queue_put(s, o, upload, attempts) == 0) {
        sub_say(s, o->path, true,
                "queued (%s: %s); retried on the next vigil submit, or now with --flush",
                upload ? "upload" : "lookup", why);
    } else {
        s->errors++;
        sub_say(s, o->path, true,
                "NOT SENT: server unreachable (%s) and the queue cannot be "
                "written",
                why);
    }
}

/* Printable ASCII, at most 127 bytes: what X-Vigil-Detection accepts. */
static void header_safe(const char *in, char out[128])
{
    size_t n = 0;
    for (; in[n] && n < 127; n++)
        out[n] = in[n] >= 0x20 && in[n] < 0x7f ? in[n] : '?';
    out[n] = '\0';
}

static bool upload_allowed(const submit_ctx *s, const sub_object *o, bool asked_yes)
{
    switch (s->o.consent) {
    case CONSENT_SAFE:
        return object_type_safe_to_upload(o->type);
    case CONSENT_ASK:
        return asked_yes;
    default:
        return false;
    }
}

static void upload(submit_ctx *s, sub_object *o, unsigned attempts, submit_result *res)
{
    if (!record(s, o, "upload", "")) {
        *res = SUBMIT_KEEP;
        return;
    }
    char det[128];
    header_safe(o->signature, det);
    upload_meta m = {.sha256 = o->sha256,
                     .size = o->size,
                     .detection = det,
                     .consent = consent_name(s->o.consent)};
    http_answer a;
    http_outcome out = http_upload(s->http, o->data, o->size, &m, &a);
    if (out == HTTP_UNAVAILABLE) {
        queue_it(s, o, true, attempts + 1, a.message);
        *res = SUBMIT_REQUEUED;
        return;
    }
    if (out == HTTP_FAILED) {
        s->errors++;
        sub_say(s, o->path, true, "NOT SENT: the server refused the upload (%s)", a.message);
        *res = SUBMIT_KEEP;
        return;
    }
    store_mark_sent(s, o->sha256);
    if (a.code == 201)
        sub_say(s, o->path, false, "sent (%s, %zu bytes, sha256 %.16s...)", o->type.name, o->size,
                o->sha256);
    else if (a.code == 422)
        sub_say(s, o->path, true,
                "sent, and REFUSED by the server as classified (%s); it destroyed it", a.rule);
    else
        sub_say(s, o->path, false, "already known to the server (%s); stored once",
                a.status[0] ? a.status : "duplicate");
    *res = SUBMIT_DONE;
}

submit_result submit_one(submit_ctx *s, sub_object *o, const submit_how *how)
{
    if (o->data == NULL && !how->lookup_only_item) {
        sub_say(s, o->path, true, "NOT SENT: %s",
                o->not_collected ? o->not_collected : "not collected");
        return SUBMIT_DONE;
    }
    /* 1. guard */
    if (o->data != NULL) {
        guard_verdict g;
        guard_check(s, o->data, o->size, &g);
        if (g.blocked) {
            record(s, o, "blocked", g.why);
            sub_say(s, o->path, true, "NOT SENT: %s", g.why);
            return SUBMIT_DONE;
        }
    }
    /* 1b. P5 */
    if (!p5_may_trigger(s, o->signature)) {
        char why[400], nb[300];
        snprintf(why, sizeof why, "signature %s may only detect (P5)",
                 sub_printable(o->signature, nb, sizeof nb));
        record(s, o, "blocked", why);
        sub_say(s, o->path, true, "NOT SENT: %s", why);
        return SUBMIT_DONE;
    }
    /* 2. consent */
    if (s->o.consent == CONSENT_OFF) {
        if (how->from_queue) {
            sub_say(s, o->path, false, "queued, not retried: consent is off");
            return SUBMIT_KEEP;
        }
        record(s, o, "blocked", "consent off");
        sub_say(s, o->path, false, "NOT SENT: not consented (consent off)");
        return SUBMIT_DONE;
    }
    /* 3. once */
    if (store_was_sent(s, o->sha256)) {
        sub_say(s, o->path, false, "already sent to this server before; not sent again");
        return SUBMIT_DONE;
    }
    if (!how->from_queue && queue_has(s, o->sha256)) {
        sub_say(s, o->path, false, "already queued for this server; not sent again now");
        return SUBMIT_DONE;
    }
    bool yes = how->asked_yes;
    if (s->o.consent == CONSENT_ASK && !how->from_queue) {
        yes = ask_owner(s, o);
        if (!yes) {
            record(s, o, "blocked", "the owner said no (consent ask)");
            sub_say(s, o->path, false, "NOT SENT: not consented (the owner said no)");
            return SUBMIT_DONE;
        }
    }
    bool may_upload = o->data != NULL && upload_allowed(s, o, yes);
    /* 4. lookup */
    if (!record(s, o, "hashes", ""))
        return SUBMIT_KEEP;
    http_answer a;
    http_outcome out = http_lookup(s->http, o->sha256, &a);
    if (out == HTTP_UNAVAILABLE) {
        queue_it(s, o, may_upload, how->attempts + 1, a.message);
        return SUBMIT_REQUEUED;
    }
    if (out == HTTP_FAILED) {
        s->errors++;
        sub_say(s, o->path, true, "NOT SENT: lookup failed (%s)", a.message);
        return how->from_queue ? SUBMIT_KEEP : SUBMIT_DONE;
    }
    if (strcmp(a.status, "unknown") != 0) {
        sub_say(s, o->path, false, "already known to the server (%s%s%s); not uploaded", a.status,
                a.detection[0] ? ": " : "", a.detection);
        return SUBMIT_DONE;
    }
    if (!may_upload) {
        if (s->o.consent == CONSENT_HASHES)
            sub_say(s, o->path, false,
                    "hashes only (sha256 %.16s... unknown to the server; level hashes sends no "
                    "content)",
                    o->sha256);
        else
            sub_say(s, o->path, false,
                    "hashes only (sha256 %.16s... unknown to the server; a %s is not uploaded "
                    "at level %s)",
                    o->sha256, o->type.name, consent_name(s->o.consent));
        return SUBMIT_DONE;
    }
    /* 5. upload */
    submit_result res;
    upload(s, o, how->attempts, &res);
    return res;
}

void submit_object(submit_ctx *s, sub_object *o)
{
    submit_how how = {0};
    submit_one(s, o, &how);
}
