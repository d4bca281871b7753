/* Telling a running vigild that new signatures are installed.
 *
 *     --daemon-socket PATH   connect, send "zRELOAD\0" (the clamd protocol),
 *                            expect "RELOADING"
 *     DATA/vigild.pid        else, a vigild whose pid is there (and whose
 *                            /proc/PID/comm says so: a stale pid file must
 *                            not make us signal some other process) gets
 *                            SIGHUP, which it treats as RELOAD
 *     neither                "no daemon to reload"
 *
 * The daemon builds its new engine from DB/current while the old one keeps
 * answering (docs/vigild.md), so this is only a nudge: a failure is
 * reported, but the update itself is done and stays done. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "update_int.h"

static void reload_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        printf("vigild: socket path too long: %s\n", path);
        return;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        printf("no daemon to reload (nothing listens on %s: %s)\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    static const char cmd[] = "zRELOAD"; /* sizeof includes the NUL the protocol wants */
    char reply[64] = "";
    size_t got = 0;
    if (send(fd, cmd, sizeof cmd, MSG_NOSIGNAL) == (ssize_t)sizeof cmd) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        while (got < sizeof reply - 1 && poll(&p, 1, 10000) > 0) {
            ssize_t r = recv(fd, reply + got, sizeof reply - 1 - got, 0);
            if (r <= 0)
                break;
            got += (size_t)r;
            if (memchr(reply, '\0', got) != NULL || memchr(reply, '\n', got) != NULL)
                break;
        }
    }
    close(fd);
    reply[got] = '\0';
    reply[strcspn(reply, "\r\n")] = '\0';
    if (strcmp(reply, "RELOADING") == 0)
        printf("vigild reloading (%s)\n", path);
    else
        printf("vigild on %s did not confirm the reload (answer: \"%s\")\n", path, reply);
}

void notify_daemon(const char *data_dir, const char *socket_path)
{
    if (socket_path != NULL) {
        reload_socket(socket_path);
        return;
    }
    char path[4200], buf[64] = "";
    snprintf(path, sizeof path, "%s/vigild.pid", data_dir);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        puts("no daemon to reload");
        return;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    if (pid <= 1 || (*end != '\0' && *end != '\n')) {
        printf("no daemon to reload (%s does not hold a pid)\n", path);
        return;
    }
    char comm_path[64], comm[32] = "";
    snprintf(comm_path, sizeof comm_path, "/proc/%ld/comm", pid);
    if ((f = fopen(comm_path, "re")) != NULL) {
        if (fgets(comm, sizeof comm, f) == NULL)
            comm[0] = '\0';
        fclose(f);
    }
    comm[strcspn(comm, "\n")] = '\0';
    if (strcmp(comm, "vigild") != 0) {
        printf("no daemon to reload (%s names pid %ld, which is not a running vigild)\n", path,
               pid);
        return;
    }
    if (kill((pid_t)pid, SIGHUP) != 0)
        printf("vigild (pid %ld) could not be told to reload: %s\n", pid, strerror(errno));
    else
        printf("vigild (pid %ld) told to reload (SIGHUP)\n", pid);
}
