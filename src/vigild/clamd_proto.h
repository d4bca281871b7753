/* The clamd protocol, shared by clamd_proto.c (framing: commands, IDSESSION,
 * replies) and clamd_cmds.c (what each command does).
 *
 *     zCOMMAND args\0   replies end in \0
 *     nCOMMAND args\n   replies end in \n
 *     COMMAND args\n    legacy: only SCAN CONTSCAN MULTISCAN PING VERSION
 *                       RELOAD SHUTDOWN QUIT FILDES; replies end in \n
 *
 * Inside IDSESSION every reply starts with "<n>: ", n counting the
 * session's commands from 1. Verified byte for byte against clamd 1.4.6. */
#ifndef VIGILD_CLAMD_PROTO_H
#define VIGILD_CLAMD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon_int.h"

typedef struct vdi_conn {
    vd_daemon *d;
    int fd;
    char *buf; /* bytes received and not consumed yet */
    size_t len, cap;
    int pending_fd;  /* a descriptor received with SCM_RIGHTS, or -1 */
    size_t fd_pos;   /* buf offset just past the byte that carried it */
    char term;       /* '\0' or '\n': this command's reply terminator */
    bool in_session; /* IDSESSION */
    unsigned cmd_id; /* in a session, this command's number */
    bool broken;     /* the peer left or broke the protocol: close */
} vdi_conn;

/* One reply line: "[<id>: ]<text><term>". 0, or -1 when the peer is gone. */
int vdi_reply(vdi_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads at least one more byte into c->buf, waiting up to timeout_s (and
 * giving up early when the daemon stops). 1 read, 0 EOF, -1 timeout/error. */
int vdi_conn_fill(vdi_conn *c, unsigned timeout_s);
/* Removes the first n bytes of c->buf. */
void vdi_conn_consume(vdi_conn *c, size_t n);

typedef enum vdi_scan_mode {
    VDI_SCAN,         /* stop at the first infected file */
    VDI_CONTSCAN,     /* go on after a detection */
    VDI_MULTISCAN,    /* CONTSCAN, files spread over threads */
    VDI_ALLMATCHSCAN, /* SCAN, but every signature matching a file */
} vdi_scan_mode;

/* clamd_cmds.c */
void vdi_cmd_scan_path(vdi_conn *c, vdi_scan_mode mode, const char *path);
void vdi_cmd_instream(vdi_conn *c);
void vdi_cmd_fildes(vdi_conn *c);
void vdi_cmd_stats(vdi_conn *c);

#endif
