/* Every signature file format. X-macro: define SIGFMT(name, ext, parse_fn).
 * The parse functions are declared in sig_formats.h. */
SIGFMT(hdb, ".hdb", vgi_sig_parse_hdb)
SIGFMT(hsb, ".hsb", vgi_sig_parse_hsb)
SIGFMT(fp, ".fp", vgi_sig_parse_fp)
SIGFMT(sfp, ".sfp", vgi_sig_parse_sfp)
SIGFMT(ndb, ".ndb", vgi_sig_parse_ndb)
SIGFMT(ign2, ".ign2", vgi_sig_parse_ign2)
SIGFMT(ign, ".ign", vgi_sig_parse_ign)
