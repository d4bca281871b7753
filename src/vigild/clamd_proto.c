/* Framing of the clamd protocol (see clamd_proto.h): reading one command,
 * dispatching it, IDSESSION, and the bounds that keep one client from
 * holding a worker or memory forever.
 *
 * Bounds: a command line longer than MaxCommandLength closes the
 * connection (clamd does the same); a client silent for IdleTimeout before
 * a command, or ReadTimeout in the middle of one, is dropped; INSTREAM is
 * capped by StreamMaxLength. Outside IDSESSION a connection carries one
 * command, as with clamd: "zPING\0zPING\0" gets one PONG.
 *
 * Descriptors (FILDES) arrive with recvmsg() at any read; the position of
 * the byte that carried one is remembered, so "zFILDES\0" followed by the
 * one-byte message holding the descriptor works however the kernel splits
 * the reads, and a descriptor glued to some other command is refused as
 * clamd refuses it. */
#include "clamd_proto.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon_int.h"

int vdi_reply(vdi_conn *c, const char *fmt, ...)
{
    char stack[4600];
    char *line = stack;
    size_t off = 0;
    if (c->in_session)
        off = (size_t)snprintf(stack, sizeof stack, "%u: ", c->cmd_id);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stack + off, sizeof stack - off, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if (off + (size_t)n + 1 >= sizeof stack) { /* long paths: format again, on the heap */
        line = malloc(off + (size_t)n + 2);
        if (line == NULL)
            return -1;
        memcpy(line, stack, off);
        va_start(ap, fmt);
        vsnprintf(line + off, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    size_t total = off + (size_t)n;
    line[total++] = c->term;
    int rc = vd_write_all(c->fd, line, total);
    if (line != stack)
        free(line);
    if (rc != 0)
        c->broken = true;
    return rc;
}

int vdi_conn_fill(vdi_conn *c, unsigned timeout_s)
{
    if (c->len >= c->cap) {
        /* Only INSTREAM payload can get here with a full buffer, and it
         * consumes as it goes: grow a little, never without bound. */
        if (c->cap >= (1u << 20))
            return -1;
        char *nb = realloc(c->buf, c->cap * 2);
        if (nb == NULL)
            return -1;
        c->buf = nb;
        c->cap *= 2;
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd pf = {.fd = c->fd, .events = POLLIN};
        int r = poll(&pf, 1, 500);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0)
            break;
        if (vdi_daemon_stopping(c->d))
            return -1;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)timeout_s)
            return -1;
    }
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = c->buf + c->len, .iov_len = c->cap - c->len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    msg.msg_control = ctl.buf;
    msg.msg_controllen = sizeof ctl.buf;
    ssize_t n;
    do
        n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    /* Take any descriptors first: even on EOF they must not leak. */
    if (msg.msg_controllen > 0) {
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                continue;
            size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int *fds = (int *)CMSG_DATA(cm);
            for (size_t i = 0; i < nfd; i++) {
                int fd;
                memcpy(&fd, &fds[i], sizeof fd);
                if (c->pending_fd < 0 && n > 0) {
                    c->pending_fd = fd;
                    c->fd_pos = c->len + (size_t)n;
                } else {
                    close(fd);
                }
            }
        }
    }
    if (n <= 0)
        return n == 0 ? 0 : -1;
    c->len += (size_t)n;
    return 1;
}

void vdi_conn_consume(vdi_conn *c, size_t n)
{
    if (n > c->len)
        n = c->len;
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    if (c->pending_fd >= 0)
        c->fd_pos = c->fd_pos > n ? c->fd_pos - n : 0;
}

/* Reads one command line into *line (NUL-terminated, in c->buf; valid until
 * the next read) and sets c->term. 1 ok, 0 the peer left or was too slow,
 * -1 the line is too long. The delimiter is the prefix's: 'z' -> NUL,
 * 'n' -> newline, none -> either (clamd reads legacy lines that way). */
static int read_command(vdi_conn *c, char **line, size_t *consumed, bool first)
{
    const vd_config *cfg = vd_daemon_config(c->d);
    bool read_more = c->len > 0; /* leftover bytes were not one whole read */
    for (;;) {
        if (c->len > 0) {
            char *end = NULL;
            if (c->buf[0] == 'z')
                end = memchr(c->buf, '\0', c->len);
            else if (c->buf[0] == 'n')
                end = memchr(c->buf, '\n', c->len);
            else {
                char *a = memchr(c->buf, '\0', c->len), *b = memchr(c->buf, '\n', c->len);
                end = (a && (!b || a < b)) ? a : b;
            }
            if (end != NULL) {
                *end = '\0';
                *line = c->buf;
                *consumed = (size_t)(end - c->buf) + 1;
                c->term = c->buf[0] == 'z' ? '\0' : '\n';
                return 1;
            }
            if (c->len >= cfg->max_line_length)
                return -1;
            /* clamd takes a legacy command that arrived without a terminator
             * as it is ("PING" gets "PONG\n"); the prefixed forms wait. */
            if (c->buf[0] != 'z' && c->buf[0] != 'n' && !read_more) {
                c->buf[c->len] = '\0';
                *line = c->buf;
                *consumed = c->len;
                c->term = '\n';
                return 1;
            }
        }
        read_more = false;
        unsigned wait = (c->len == 0 || first) ? cfg->idle_timeout_s : cfg->read_timeout_s;
        if (c->len > 0 && c->len < cfg->max_line_length && c->cap < cfg->max_line_length + 1) {
            char *nb = realloc(c->buf, cfg->max_line_length + 1);
            if (nb == NULL)
                return 0;
            c->buf = nb;
            c->cap = cfg->max_line_length + 1;
        }
        if (vdi_conn_fill(c, wait) <= 0)
            return 0;
    }
}

typedef enum {
    C_UNKNOWN,
    C_PING,
    C_VERSION,
    C_VERSIONCOMMANDS,
    C_RELOAD,
    C_SHUTDOWN,
    C_SCAN,
    C_CONTSCAN,
    C_MULTISCAN,
    C_ALLMATCHSCAN,
    C_INSTREAM,
    C_FILDES,
    C_STATS,
    C_IDSESSION,
    C_END,
    C_VIGIL,
} cmd_kind;

typedef struct cmd_def {
    const char *name;
    cmd_kind kind;
    bool takes_path; /* "NAME <path>" */
    bool legacy;     /* accepted without the z/n prefix */
    bool in_session; /* accepted inside IDSESSION */
} cmd_def;

/* From clamd 1.4.6's answers (see tests/cli/clamd_probe.py). */
static const cmd_def defs[] = {
    {"PING", C_PING, false, true, true},
    {"VERSION", C_VERSION, false, true, true},
    {"VERSIONCOMMANDS", C_VERSIONCOMMANDS, false, false, true},
    {"RELOAD", C_RELOAD, false, true, false},
    {"SHUTDOWN", C_SHUTDOWN, false, true, false},
    {"QUIT", C_SHUTDOWN, false, true, false},
    {"SCAN", C_SCAN, true, true, true},
    {"CONTSCAN", C_CONTSCAN, true, true, false},
    {"MULTISCAN", C_MULTISCAN, true, true, false},
    {"ALLMATCHSCAN", C_ALLMATCHSCAN, true, false, false},
    {"INSTREAM", C_INSTREAM, false, false, true},
    {"FILDES", C_FILDES, false, true, true},
    {"STATS", C_STATS, false, false, true},
    {"IDSESSION", C_IDSESSION, false, false, false},
    {"END", C_END, false, false, true},
};

static const char all_commands[] = "SCAN QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END "
                                   "SHUTDOWN MULTISCAN FILDES STATS IDSESSION INSTREAM "
                                   "ALLMATCHSCAN";

/* Splits "NAME[ args]" and finds NAME. *args is NULL when no space. */
static cmd_kind classify(vdi_conn *c, char *text, bool legacy, char **args,
                         const vdi_command **vcmd, const cmd_def **def)
{
    char *sp = strchr(text, ' ');
    *args = NULL;
    if (sp != NULL) {
        *sp = '\0';
        *args = sp + 1;
    }
    *def = NULL;
    *vcmd = NULL;
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        if (strcmp(defs[i].name, text) != 0)
            continue;
        if (legacy && !defs[i].legacy)
            return C_UNKNOWN;
        if (defs[i].takes_path != (*args != NULL))
            return C_UNKNOWN;
        *def = &defs[i];
        return defs[i].kind;
    }
    if ((*vcmd = vdi_daemon_find_command(c->d, text)) != NULL)
        return C_VIGIL;
    return C_UNKNOWN;
}

static void protocol_error_fd(vdi_conn *c)
{
    vdi_reply(c, "PROTOCOL ERROR: ancillary data sent without FILDES. ERROR");
    vdi_reply(c, "Error processing command. ERROR");
    c->broken = true;
}

/* Runs one command. Returns true when the connection stays open for another
 * (inside IDSESSION). */
static bool run_command(vdi_conn *c, char *line, size_t consumed)
{
    bool legacy = line[0] != 'z' && line[0] != 'n';
    char *text = legacy ? line : line + 1;
    char *args;
    const vdi_command *vcmd;
    const cmd_def *def;
    cmd_kind k = classify(c, text, legacy, &args, &vcmd, &def);
    if (c->in_session)
        c->cmd_id++;

    /* A descriptor that came with the command bytes themselves (not after
     * them, as FILDES sends it) is a protocol error, as in clamd. */
    bool fd_with_cmd = c->pending_fd >= 0 && c->fd_pos <= consumed;
    char *path = NULL;
    if (args != NULL && (path = strdup(args)) == NULL) {
        c->broken = true;
        return false;
    }
    char vargs[256] = "";
    if (k == C_VIGIL && args != NULL)
        snprintf(vargs, sizeof vargs, "%s", args);
    vdi_conn_consume(c, consumed);
    if (fd_with_cmd) {
        protocol_error_fd(c);
        free(path);
        return false;
    }

    if (c->in_session && (k == C_UNKNOWN || !def || !def->in_session)) {
        vdi_reply(c, "Command invalid inside IDSESSION. ERROR");
        free(path);
        return false;
    }
    if (k == C_END && !c->in_session)
        k = C_UNKNOWN; /* clamd: END outside a session is unknown */
    bool keep = c->in_session;
    switch (k) {
    case C_UNKNOWN:
        vdi_reply(c, "UNKNOWN COMMAND");
        break;
    case C_PING:
        vdi_reply(c, "PONG");
        break;
    case C_VERSION:
    case C_VERSIONCOMMANDS: {
        char v[256], extra[VDI_MAX_COMMANDS * 48];
        vdi_daemon_version(c->d, v, sizeof v);
        if (k == C_VERSION) {
            vdi_reply(c, "%s", v);
        } else {
            vdi_daemon_command_names(c->d, extra, sizeof extra);
            vdi_reply(c, "%s| COMMANDS: %s%s", v, all_commands, extra);
        }
        break;
    }
    case C_RELOAD:
        vd_log(c->d, VD_LOG_INFO, "clamd.reload", "by=client");
        vdi_daemon_request_reload(c->d);
        vdi_reply(c, "RELOADING");
        break;
    case C_SHUTDOWN:
        vd_log(c->d, VD_LOG_INFO, "clamd.shutdown", "by=client");
        vd_daemon_request_stop(c->d);
        break;
    case C_SCAN:
        vdi_cmd_scan_path(c, VDI_SCAN, path);
        break;
    case C_CONTSCAN:
        vdi_cmd_scan_path(c, VDI_CONTSCAN, path);
        break;
    case C_MULTISCAN:
        vdi_cmd_scan_path(c, VDI_MULTISCAN, path);
        break;
    case C_ALLMATCHSCAN:
        vdi_cmd_scan_path(c, VDI_ALLMATCHSCAN, path);
        break;
    case C_INSTREAM:
        vdi_cmd_instream(c);
        break;
    case C_FILDES:
        vdi_cmd_fildes(c);
        break;
    case C_STATS:
        vdi_cmd_stats(c);
        break;
    case C_IDSESSION:
        c->in_session = true;
        c->cmd_id = 0;
        keep = true;
        break;
    case C_END:
        keep = false;
        break;
    case C_VIGIL:
        vcmd->fn(c->d, c->fd, vargs, vcmd->ud);
        vd_write_all(c->fd, &c->term, 1);
        break;
    }
    free(path);
    return keep && !c->broken;
}

void vdi_conn_serve(vd_daemon *d, int fd)
{
    vdi_conn c = {.d = d, .fd = fd, .pending_fd = -1, .term = '\n'};
    c.cap = vd_daemon_config(d)->max_line_length + 1;
    c.buf = malloc(c.cap);
    bool first = true;
    while (c.buf != NULL) {
        char *line;
        size_t consumed;
        int r = read_command(&c, &line, &consumed, first);
        if (r < 0) {
            vd_log(d, VD_LOG_WARN, "clamd.line_too_long", "limit=%u action=closed",
                   vd_daemon_config(d)->max_line_length);
            break;
        }
        if (r == 0)
            break;
        first = false;
        if (!run_command(&c, line, consumed))
            break;
    }
    if (c.pending_fd >= 0)
        close(c.pending_fd);
    free(c.buf);
    close(fd);
}
