/* Engine setup, in the order the library requires: new (limits validated
 * there), load every database, compile once (through the on-disk cache
 * when there is one), then share the immutable engine with every worker.
 *
 * A database that fails to load stops everything before a single file is
 * scanned: a scan that silently ran without half its signatures would
 * report "OK" for files it never really checked. Signatures the engine
 * cannot use yet (well-formed, but e.g. entry-point offsets) are only a
 * warning, with the first one named so the user can look. */
#include "engine_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <vigil/version.h>

#include "cachedir.h"

static int fail_diag(const char *what, vg_error err, const vg_diag *d)
{
    char msg[1024];
    if (d->message[0] || d->source[0])
        vg_diag_format(d, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "%s", vg_strerror(err));
    fprintf(stderr, "vigil: %s%s\n", what, msg);
    return 2;
}

static int load(vg_engine *e, const char *path)
{
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_engine_load(e, path, &d);
    if (err == VG_OK)
        return 0;
    if (d.source[0] == '\0') /* make sure the file is named */
        snprintf(d.source, sizeof d.source, "%s", path);
    return fail_diag("cannot load signatures: ", err, &d);
}

static void report_stats(const vg_engine *e, const char *cache_dir)
{
    vg_engine_stats st;
    if (vg_engine_stats_get(e, &st) != VG_OK)
        return;
    fprintf(stderr,
            "vigil: engine: %llu hash and %llu body signatures, %llu allow-list entries, "
            "%llu ignored, %llu skipped; %llu patterns, matcher %llu bytes\n",
            (unsigned long long)st.hash_sigs, (unsigned long long)st.body_sigs,
            (unsigned long long)st.allow_hashes, (unsigned long long)st.ignored,
            (unsigned long long)st.skipped, (unsigned long long)st.patterns,
            (unsigned long long)st.matcher_bytes);
    fprintf(stderr, "vigil: matcher %s in %.1f ms (cache: %s)\n",
            st.cache_hit ? "loaded from cache" : "compiled", st.compile_ms,
            cache_dir ? cache_dir : "off");
}

static void warn_skipped(const vg_engine *e)
{
    const char *first = vg_engine_first_skipped(e);
    if (first == NULL)
        return;
    vg_engine_stats st;
    unsigned long long n = 0;
    if (vg_engine_stats_get(e, &st) == VG_OK)
        n = st.skipped;
    if (n > 0)
        fprintf(stderr, "vigil: warning: %llu signature%s not usable yet and skipped; first: %s\n",
                n, n == 1 ? "" : "s", first);
    else
        fprintf(stderr, "vigil: warning: signatures not usable yet were skipped; first: %s\n",
                first);
}

int engine_setup(const scan_config *cfg, vg_engine **out)
{
    *out = NULL;
    vg_engine *e = NULL;
    char *cache = NULL;
    int rc = 2;
    vg_error err = vg_engine_new(&cfg->limits, &e);
    if (err != VG_OK) {
        fprintf(stderr, "vigil: cannot create the engine: %s\n", vg_strerror(err));
        goto done;
    }
    if (!cfg->no_builtin && (err = vg_engine_load_builtin(e)) != VG_OK) {
        fprintf(stderr, "vigil: cannot load the built-in signature: %s\n", vg_strerror(err));
        goto done;
    }
    for (size_t i = 0; i < cfg->n_databases; i++)
        if (load(e, cfg->databases[i]) != 0)
            goto done;
    const char *env_dir = getenv("VIGIL_DB_DIR");
    if (cfg->n_databases == 0 && env_dir != NULL && env_dir[0] != '\0') {
        if (cfg->verbose)
            fprintf(stderr, "vigil: loading signatures from $VIGIL_DB_DIR=%s\n", env_dir);
        if (load(e, env_dir) != 0)
            goto done;
    }

    if (!cfg->no_cache) {
        char why[1024];
        cache = cachedir_resolve(cfg->cache_dir, why, sizeof why);
        /* A default location that cannot be had is routine (read-only home,
         * no $HOME in a service): say so only when asked. A directory named
         * with --cache-dir is a request, so its failure is always shown. */
        if (cache == NULL && !cfg->quiet && (cfg->verbose || cfg->cache_dir != NULL))
            fprintf(stderr, "vigil: running without a matcher cache: %s\n", why);
    }
    vg_compile_opts copts = {.cache_dir = cache};
    vg_diag d;
    vg_diag_clear(&d);
    if ((err = vg_engine_compile(e, &copts, &d)) != VG_OK) {
        fail_diag("cannot compile signatures: ", err, &d);
        goto done;
    }
    /* Counted by compile(), not by load(). */
    if (vg_engine_signature_count(e) == 0) {
        fputs("vigil: no signatures loaded (--no-builtin and no -d or $VIGIL_DB_DIR)\n", stderr);
        goto done;
    }
    if (!cfg->quiet)
        warn_skipped(e);
    if (cfg->verbose)
        report_stats(e, cache);
    *out = e;
    e = NULL;
    rc = 0;
done:
    vg_engine_unref(e);
    free(cache);
    return rc;
}
