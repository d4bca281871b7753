/* Fault injection for the crash-safety tests of the vault protocols.
 *
 * A move into or out of the vault is a sequence of durable steps (write,
 * fsync, rename, fsync the directory, unlink...). The claim "a crash at any
 * point leaves the file in at least one place" is only worth something if a
 * test kills the process at each point and looks. So every step calls
 * vgi_fault_point("put-synced") and friends, and
 *
 *     VIGIL_FAULT=put-synced vigil scan --action quarantine ...
 *
 * dies there by SIGKILL (no atexit handlers, no stdio flush: as close to a
 * power cut as a user process gets, minus the page cache). ":exit" uses
 * _exit(99) instead, ":stop" stops the process (SIGSTOP) so a test can swap
 * a file under it and continue it, and ":enospc" makes the write at a
 * "...-write" step fail as a full disk would.
 *
 * It is compiled into every build, on purpose: the tests then exercise the
 * binary that ships, not a variant. It grants nothing new: whoever sets a
 * process's environment can already kill, stop or LD_PRELOAD it. It is read
 * with secure_getenv(), so a setuid or file-capability vigil ignores it. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "vault_int.h"

/* The mode after "step:" when VIGIL_FAULT names step, else NULL. */
static const char *fault_mode(const char *step)
{
    const char *f = secure_getenv("VIGIL_FAULT");
    if (f == NULL)
        return NULL;
    size_t n = strlen(step);
    if (strncmp(f, step, n) != 0 || (f[n] != '\0' && f[n] != ':'))
        return NULL;
    return f[n] == ':' ? f + n + 1 : "kill";
}

void vgi_fault_point(const char *step)
{
    const char *mode = fault_mode(step);
    if (mode == NULL)
        return;
    if (strcmp(mode, "stop") == 0) {
        raise(SIGSTOP);
        return;
    }
    if (strcmp(mode, "exit") == 0)
        _exit(99);
    if (strcmp(mode, "kill") == 0) {
        raise(SIGKILL);
        _exit(99); /* not reached */
    }
}

int vgi_fault_errno(const char *step)
{
    const char *mode = fault_mode(step);
    return mode != NULL && strcmp(mode, "enospc") == 0 ? ENOSPC : 0;
}
