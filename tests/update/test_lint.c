/* Signature lint: which signatures may trigger an upload.
 *
 * A rule made of the text "TOP SECRET//" (and other markings, in ASCII,
 * UTF-16 and case-folding groups), a rule targeting documents (OLE2, PDF,
 * HTML...) and one built on a document's magic (.docx zip + part name,
 * OLE2, PDF, RTF) are refused as triggers; an ordinary PE rule and rules
 * with harmless text (lower-case "secret" in program text) are triggers;
 * hashes are detect-only unless asked; line numbers and parse errors point
 * at the file's own lines. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <vigil/lint.h>

#define MAXI 32

typedef struct got {
    size_t n;
    struct {
        char name[64];
        unsigned line;
        int trigger, refused;
        char rule[32];
        char why[256];
        vg_lint_kind kind;
    } it[MAXI];
} got;

static int collect(const vg_lint_item *item, void *ud)
{
    got *g = ud;
    if (g->n >= MAXI)
        return 1;
    snprintf(g->it[g->n].name, sizeof g->it[g->n].name, "%s", item->name);
    g->it[g->n].line = item->line;
    g->it[g->n].trigger = item->trigger;
    g->it[g->n].refused = item->refused;
    g->it[g->n].kind = item->kind;
    snprintf(g->it[g->n].rule, sizeof g->it[g->n].rule, "%s", item->rule ? item->rule : "");
    snprintf(g->it[g->n].why, sizeof g->it[g->n].why, "%s", item->why);
    g->n++;
    return 0;
}

static void lint(const char *file, const char *text, const vg_lint_opts *o, got *g)
{
    vg_diag d;
    vg_diag_clear(&d);
    memset(g, 0, sizeof *g);
    vg_error e = vg_lint_mem(file, text, strlen(text), o, collect, g, &d);
    if (e != VG_OK)
        fail_msg("lint %s: %s: line %u: %s", file, vg_strerror(e), d.line, d.message);
}

/* The verdict for a single .ndb line. */
static void one(const char *line, int trigger, const char *rule)
{
    got g;
    lint("t.ndb", line, NULL, &g);
    assert_int_equal(g.n, 1);
    if (g.it[0].trigger != trigger || strcmp(g.it[0].rule, rule) != 0)
        fail_msg("%s: trigger %d rule '%s' (%s); expected trigger %d rule '%s'", line,
                 g.it[0].trigger, g.it[0].rule, g.it[0].why, trigger, rule);
    assert_int_equal(g.it[0].refused, !trigger);
    if (!trigger)
        assert_true(g.it[0].why[0] != '\0');
}

static void markings_are_refused(void **state)
{
    (void)state;
    /* "TOP SECRET//" */
    one("Grab.A:0:*:544f50205345435245542f2f", 0, "marking-text");
    /* "SECRET//NOFORN" */
    one("Grab.B:0:*:5345435245542f2f4e4f464f524e", 0, "marking-text");
    /* "(TS//" */
    one("Grab.C:0:*:2854532f2f", 0, "marking-text");
    /* "Classified By:" */
    one("Grab.D:0:*:436c61737369666965642042793a", 0, "marking-text");
    /* "TOP SECRET" in UTF-16LE */
    one("Grab.E:0:*:54004f0050002000530045004300520045005400", 0, "marking-text");
    /* "top secret" in any case, spelled with groups and a one-byte gap */
    one("Grab.F:0:*:(54|74)(4f|6f)(50|70){1}(53|73)(45|65)(43|63)(52|72)(45|65)(54|74)", 0,
        "marking-text");
    /* "NATO SECRET" inside binary bytes */
    one("Grab.G:0:*:00ff4e41544f20534543524554ff00", 0, "marking-text");
    /* a marking as one alternative of a group */
    one("Grab.H:0:*:ffee(4141|2f2f4e4f464f524e)ffee", 0, "marking-text");
    /* the detector on its own: a banner with an authority block */
    one("Grab.I:1:*:434f4e464944454e5449414c", 0, "marking-text"); /* CONFIDENTIAL */
}

static void documents_are_refused(void **state)
{
    (void)state;
    one("Doc.Ole2:2:*:4141414142424242", 0, "document-target");
    one("Doc.Html:3:*:3c736372697074", 0, "document-target");
    one("Doc.Mail:4:*:46726f6d3a", 0, "document-target");
    one("Doc.Img:5:*:ffd8ffe0", 0, "document-target");
    one("Doc.Txt:7:*:68656c6c6f", 0, "document-target");
    one("Doc.Pdf:10:*:2f4a617661536372697074", 0, "document-target");
    /* .docx: a zip header and an OOXML part name */
    one("Doc.Docx:0:0:504b0304{26}5b436f6e74656e745f54797065735d2e786d6c", 0, "document-magic");
    one("Doc.Word:0:*:776f72642f646f63756d656e742e786d6c", 0, "document-part");
    one("Doc.Ole:0:0:d0cf11e0a1b11ae1", 0, "document-magic");
    one("Doc.Pdf2:0:0:255044462d312e", 0, "document-magic");
    one("Doc.Rtf:0:0:7b5c72746631", 0, "document-magic");
    one("Doc.Htm:0:*:3c48544d4c3e", 0, "document-magic"); /* <HTML> */
    one("Doc.Alt:0:*:(d0cf11e0|25504446)2d", 0, "document-magic");
}

static void ordinary_rules_trigger(void **state)
{
    (void)state;
    one("Win.Trojan.Pe:1:*:4d5a90000300000004000000ffff0000b8", 1, "");
    one("Elf.Miner:6:*:7f454c46??0101{4-8}786d726967", 1, "");
    one("Eicar.Body:0:*:58354f2150254041505b345c505a58353428505e2937434329377d24", 1, "");
    /* lower-case "secret" and a plain zip (a JAR) are not markings or documents */
    one("Win.Stealer:1:*:636c69656e745f73656372657400", 1, "");
    one("Java.Dropper:0:0:504b0304{26}4d4554412d494e462f4d414e49464553542e4d46", 1, "");
    /* "(C) Microsoft": version-info text, not a portion mark */
    one("Win.Fake:1:*:284329204d6963726f736f6674", 1, "");
}

static void hashes_and_lists(void **state)
{
    (void)state;
    got g;
    static const char hdb[] = "# c\n\n44d88612fea8a8f36de82e1278abb02f:68:Eicar-Hash\n";
    lint("a.hdb", hdb, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.it[0].line, 3);
    assert_string_equal(g.it[0].name, "Eicar-Hash");
    assert_int_equal(g.it[0].kind, VG_LINT_HASH);
    assert_int_equal(g.it[0].trigger, 0);
    assert_int_equal(g.it[0].refused, 0); /* policy, not a rule refusal */
    assert_string_equal(g.it[0].rule, "hash-detect-only");
    vg_lint_opts o = {.hash_triggers = 1};
    lint("a.hdb", hdb, &o, &g);
    assert_int_equal(g.it[0].trigger, 1);

    lint("a.fp", "44d88612fea8a8f36de82e1278abb02f:68:Allowed\n", NULL, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.it[0].kind, VG_LINT_ALLOW);
    assert_int_equal(g.it[0].trigger, 0);
    assert_int_equal(g.it[0].refused, 0);
    lint("a.ign2", "Some.Name\n", NULL, &g);
    assert_int_equal(g.it[0].kind, VG_LINT_IGNORE);
    assert_string_equal(g.it[0].name, "Some.Name");
    lint("a.ign", "daily.ndb:12:Other.Name\n", NULL, &g);
    assert_string_equal(g.it[0].name, "Other.Name");
}

static void lines_and_errors(void **state)
{
    (void)state;
    got g;
    lint("m.ndb",
         "# header\n"
         "A:1:*:4d5a9000\r\n"
         "\n"
         "B:0:*:544f50205345435245542f2f\n"
         "C:1:EP+0:e800000000\n",
         NULL, &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.it[0].line, 2);
    assert_int_equal(g.it[1].line, 4);
    assert_int_equal(g.it[1].trigger, 0);
    assert_int_equal(g.it[2].line, 5); /* skipped by the engine today, linted still */
    assert_string_equal(g.it[2].name, "C");

    vg_diag d;
    vg_diag_clear(&d);
    static const char bad[] = "A:1:*:4d5a9000\n\n# x\nB:1:*:4d5a9\n";
    assert_int_equal(vg_lint_mem("m.ndb", bad, sizeof bad - 1, NULL, NULL, NULL, &d),
                     VG_ERR_MALFORMED);
    assert_string_equal(d.source, "m.ndb");
    assert_int_equal(d.line, 4);
    assert_true(d.col >= 7);
    assert_int_equal(vg_lint_mem("m.txt", "x", 1, NULL, NULL, NULL, &d), VG_ERR_UNSUPPORTED);
    assert_int_equal(vg_lint_known_format("x.HDB"), 1);
    assert_int_equal(vg_lint_known_format("x.exe"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(markings_are_refused),   cmocka_unit_test(documents_are_refused),
        cmocka_unit_test(ordinary_rules_trigger), cmocka_unit_test(hashes_and_lists),
        cmocka_unit_test(lines_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
