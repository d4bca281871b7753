/* `vigil daemon enable|disable|status [--socket PATH] [--json]`: a client of
 * vigild's control commands, sent on its clamd socket in the newline form:
 *
 *     $ vigil daemon disable
 *     DISABLED
 *     $ vigil daemon enable
 *     ENABLED catch-up started
 *     $ vigil daemon status
 *     on-access:      fanotify, enabled, prevention on, quarantine off
 *     paths:          /home
 *     events:         1204 (scanned 310, from cache 880, excluded 14)
 *     found:          1 (denied 1, quarantined 0), timeouts 0, errors 0
 *     catch-up:       scanning 120/431 files, 1 found
 *       found:        /home/u/x.com Eicar-Test-Signature
 *
 * The reply to VIGIL-STATUS is one line of JSON; --json prints it as is.
 * Exit status: 0 done, 2 the daemon cannot be reached or refused. */
#include "cmd_daemon.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/vigil/vigild.sock"
#define REPLY_MAX      (1u << 20)

enum { OPT_SOCKET = 256, OPT_JSON };

static const struct option long_opts[] = {
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cmd_daemon_usage(FILE *f)
{
    fputs("Usage: vigil daemon enable|disable|status [--socket PATH] [--json]\n"
          "\n"
          "Controls vigild's on-access protection through its socket.\n"
          "  enable    switch protection on; a catch-up scan of what changed in the\n"
          "            watched trees while it was off runs in the background\n"
          "  disable   switch it off: opens are allowed at once, nothing is scanned\n"
          "            (the state is persisted across restarts)\n"
          "  status    mode, counters, catch-up progress and findings\n"
          "\n"
          "Options:\n"
          "      --socket PATH  vigild's LocalSocket (default $VIGILD_SOCKET, else " DEFAULT_SOCKET
          ")\n"
          "      --json         status: print the daemon's JSON reply as is\n"
          "  -h, --help         this help\n"
          "\n"
          "Exit status: 0 done, 2 the daemon could not be reached or gave no answer.\n",
          f);
}

/* Sends "nVIGIL-<cmd>\n", reads the reply up to its newline. */
static char *ask(const char *sock, const char *cmd)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(sock) >= sizeof sa.sun_path) {
        fprintf(stderr, "vigil: socket path too long: %s\n", sock);
        return NULL;
    }
    strcpy(sa.sun_path, sock);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "vigil: cannot reach vigild at %s: %s\n", sock, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    char line[64];
    int n = snprintf(line, sizeof line, "nVIGIL-%s\n", cmd);
    if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
        fprintf(stderr, "vigil: cannot send to vigild: %s\n", strerror(errno));
        close(fd);
        return NULL;
    }
    char *buf = malloc(REPLY_MAX + 1);
    size_t len = 0;
    while (buf && len < REPLY_MAX) {
        ssize_t r = read(fd, buf + len, REPLY_MAX - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (memchr(buf + len - (size_t)r, '\n', (size_t)r))
            break;
    }
    close(fd);
    if (buf == NULL || len == 0) {
        fprintf(stderr, "vigil: no answer from vigild at %s\n", sock);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

static long long num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static int print_status(const char *reply)
{
    json_error_t jerr;
    json_t *j = json_loads(reply, 0, &jerr);
    if (!json_is_object(j)) {
        fprintf(stderr, "vigil: vigild's status is not JSON: %s\n", reply);
        json_decref(j);
        return 2;
    }
    const char *mode = json_string_value(json_object_get(j, "onaccess"));
    printf("on-access:      %s, %s, prevention %s, quarantine %s\n", mode ? mode : "?",
           json_is_true(json_object_get(j, "enabled")) ? "enabled" : "DISABLED",
           json_is_true(json_object_get(j, "prevention")) ? "on" : "off",
           json_is_true(json_object_get(j, "quarantine")) ? "on" : "off");
    const char *err = json_string_value(json_object_get(j, "error"));
    if (err)
        printf("not running:    %s\n", err);
    size_t i;
    json_t *v;
    fputs("paths:         ", stdout);
    json_array_foreach(json_object_get(j, "paths"), i, v) printf(" %s", json_string_value(v));
    putchar('\n');
    printf("events:         %lld (scanned %lld, from cache %lld, excluded %lld, while disabled "
           "%lld)\n",
           num(j, "events"), num(j, "scanned"), num(j, "cached"), num(j, "excluded"),
           num(j, "allowed_disabled"));
    printf("found:          %lld (denied %lld, quarantined %lld), timeouts %lld, errors %lld\n",
           num(j, "found"), num(j, "denied"), num(j, "quarantined"), num(j, "timeouts"),
           num(j, "errors"));
    json_t *c = json_object_get(j, "cache");
    printf("cache:          %lld of %lld entries, %lld hits, %lld misses\n", num(c, "entries"),
           num(c, "capacity"), num(c, "hits"), num(c, "misses"));
    json_t *cu = json_object_get(j, "catchup");
    const char *st = json_string_value(json_object_get(cu, "state"));
    if (st == NULL || strcmp(st, "none") == 0) {
        puts("catch-up:       none since start");
    } else {
        printf("catch-up:       %s %lld/%lld files, %lld found, %lld errors\n", st,
               num(cu, "files_done"), num(cu, "files_total"), num(cu, "found"), num(cu, "errors"));
        json_array_foreach(json_object_get(cu, "findings"), i, v)
            printf("  found:        %s %s\n", json_string_value(json_object_get(v, "path")),
                   json_string_value(json_object_get(v, "signature")));
    }
    json_decref(j);
    return 0;
}

int cmd_daemon(int argc, char **argv)
{
    const char *sock = getenv("VIGILD_SOCKET");
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_SOCKET:
            sock = optarg;
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
            cmd_daemon_usage(stdout);
            return 0;
        default:
            cmd_daemon_usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        cmd_daemon_usage(stderr);
        return 2;
    }
    const char *what = argv[optind];
    const char *cmd = strcmp(what, "enable") == 0    ? "ENABLE"
                      : strcmp(what, "disable") == 0 ? "DISABLE"
                      : strcmp(what, "status") == 0  ? "STATUS"
                                                     : NULL;
    if (cmd == NULL) {
        fprintf(stderr, "vigil: daemon: unknown action '%s' (enable, disable, status)\n", what);
        return 2;
    }
    if (sock == NULL || *sock == '\0')
        sock = DEFAULT_SOCKET;
    char *reply = ask(sock, cmd);
    if (reply == NULL)
        return 2;
    int rc = 0;
    if (strstr(reply, "UNKNOWN COMMAND") || strstr(reply, "ERROR")) {
        fprintf(stderr, "vigil: vigild refused %s: %s\n", cmd, reply);
        rc = 2;
    } else if (strcmp(cmd, "STATUS") == 0 && !json) {
        rc = print_status(reply);
    } else {
        puts(reply);
    }
    free(reply);
    return rc;
}
