/* Housekeeping for the compiled-signature cache directory. */
#ifndef VGI_CORE_CACHE_DIR_H
#define VGI_CORE_CACHE_DIR_H

/* Removes all but the `keep` most recently written regular files in dir
 * whose names start with prefix. Errors are ignored: it is a cache. */
void vgi_cache_prune(const char *dir, const char *prefix, unsigned keep);

#endif
