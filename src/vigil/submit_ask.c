/* Consent "ask": one question per object, on the controlling terminal.
 *
 *     vigil: send /home/u/a.zip > setup.exe (pe, 73 802 bytes, flagged by
 *            Win.Trojan.X, sha256 3f2a...) to https://vigil.example? [y/N]
 *
 * The question goes to /dev/tty, not stdout or stdin: a pipe or a redirect
 * can never answer for the owner. Only "y" or "yes" (any case) is yes; an
 * empty line, anything else, end of input, or no terminal at all is no. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "submit_int.h"

bool ask_owner(const submit_ctx *s, const sub_object *o)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return false;
    char pb[1024], sig[256];
    sub_printable(o->signature, sig, sizeof sig);
    dprintf(fd, "vigil: send %s (%s, %zu bytes, flagged by %s, sha256 %.16s...) to %s? [y/N] ",
            sub_printable(o->path, pb, sizeof pb), o->type.name, o->size, sig, o->sha256,
            s->o.server);
    char line[64];
    size_t n = 0;
    while (n < sizeof line - 1) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0 || c == '\n' || c == '\r')
            break;
        line[n++] = c;
    }
    line[n] = '\0';
    close(fd);
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        p[--len] = '\0';
    return strcasecmp(p, "y") == 0 || strcasecmp(p, "yes") == 0;
}
