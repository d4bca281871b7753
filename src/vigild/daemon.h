/* The daemon core as its modules see it: the configuration, the current
 * engine, the log, and extra commands on the control socket.
 *
 *     vg_engine *e = vd_engine_acquire(d);     a reference: safe across RELOAD
 *     vg_scanner *s; vg_scanner_new(e, &s);    ... scan ...
 *     vg_scanner_free(s);
 *     vd_engine_release(d, e);                 the old engine dies with its last user
 *
 *     vd_log(d, VD_LOG_WARN, "onaccess.timeout", "path=%s ms=%u", path, ms);
 *     vd_daemon_add_command(d, "STATUS", status_cmd, state);   "VIGIL-STATUS"
 *
 * Threads: every function here may be called from any thread once the
 * daemon exists, except vd_daemon_add_command (before serving starts, see
 * below). The configuration is immutable for the daemon's life: a RELOAD
 * swaps the engine only, never the configuration. */
#ifndef VIGILD_DAEMON_H
#define VIGILD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/engine.h>

typedef struct vd_daemon vd_daemon; /* opaque; lives in daemon.c */

typedef enum vd_on_timeout {
    VD_TIMEOUT_ALLOW = 0, /* a scan past its budget lets the open through (logged) */
    VD_TIMEOUT_DENY = 1,  /* ... or refuses it with EPERM */
} vd_on_timeout;

typedef enum vd_log_format {
    VD_LOG_TEXT = 0, /* "2024-05-01T12:00:00.000Z info scan.found key=value ..." */
    VD_LOG_JSON = 1, /* one JSON object per line: time, level, event, msg */
} vd_log_format;

/* Everything read from the configuration file (config.c) and the command
 * line. Strings are owned by the config and live as long as the daemon;
 * every list is an array of n_<list> NUL-terminated strings. */
typedef struct vd_config {
    /* --- sockets (clamd protocol) --- */
    char *local_socket;         /* LocalSocket: Unix socket path; NULL = none */
    char *tcp_addr;             /* TCPAddr: address to bind TCP on (default 127.0.0.1) */
    unsigned tcp_port;          /* TCPSocket: TCP port; 0 = no TCP listener */
    unsigned max_threads;       /* MaxThreads: scanning worker threads (default 10) */
    unsigned max_queue;         /* MaxConnectionQueueLength: connections waiting for a
                                   worker, and the listen() backlog (default 200) */
    uint64_t stream_max_length; /* StreamMaxLength: INSTREAM bytes (default 100M) */
    unsigned read_timeout_s;    /* ReadTimeout: max wait for data in the middle of a
                                   command or stream, seconds (default 120) */
    unsigned idle_timeout_s;    /* IdleTimeout: max wait for the next command in an
                                   IDSESSION, or for a first command, seconds (default 30) */
    unsigned max_line_length;   /* MaxCommandLength: bytes of one command line incl.
                                   its path (default 4096 + 64) */
    unsigned max_scan_time_ms;  /* MaxScanTime: wall time per file for clamd-protocol
                                   scans, ms (default 120000, clamd's) */

    /* --- signatures --- */
    char **databases;   /* DatabaseDirectory / Database / -d: files or dirs, in order */
    size_t n_databases; /* 0 = $VIGIL_DB_DIR if set, else the built-in EICAR only */
    bool no_builtin;    /* NoBuiltinSignature yes: no built-in EICAR signature */
    char *cache_dir;    /* CacheDirectory: compiled-matcher cache; NULL = none */

    /* --- on-access protection (src/vigild/onaccess*.c) --- */
    char **onaccess_include;   /* OnAccessIncludePath (repeatable): trees to watch */
    size_t n_onaccess_include; /* 0 = on-access protection is off */
    char **onaccess_exclude;   /* OnAccessExcludePath (repeatable): path prefixes never
                                  scanned, in addition to /proc, /sys, /dev, the vault
                                  and the state directory */
    size_t n_onaccess_exclude;
    bool onaccess_enabled;     /* OnAccessEnabled: initial state when no persisted
                                  state exists in state_dir (default yes); the
                                  persisted enable/disable state wins over it */
    bool onaccess_prevention;  /* OnAccessPrevention: yes = deny opening infected files
                                  (fanotify permission events), no = detect and log
                                  only (default yes) */
    bool quarantine_on_detect; /* QuarantineOnDetect: move a detected file into the
                                  vault (default no) */
    char *vault_dir;           /* VaultDirectory: quarantine vault (default
                                  <state_dir>/vault) */
    unsigned scan_timeout_ms;  /* ScanTimeout: on-access scan budget per file, ms
                                  (default 5000) */
    vd_on_timeout on_timeout;  /* OnTimeout allow|deny: answer when the budget runs
                                  out (default allow) */
    char *state_dir;           /* StateDirectory: enable state, catch-up watermarks
                                  (default /var/lib/vigil/vigild) */

    /* --- process --- */
    vd_log_format log_format; /* LogFormat text|json (default text) */
    bool log_verbose;         /* LogVerbose: also log clean results and connections */
    char *log_file;           /* LogFile: append logs here; NULL = stderr, or syslog
                                 when running in the background */
    char *pid_file;           /* PidFile / --pid-file; NULL = none */
    bool foreground;          /* Foreground / --foreground: do not daemonize */
} vd_config;

enum {
    VD_LOG_ERROR = 0,
    VD_LOG_WARN = 1,
    VD_LOG_INFO = 2,
    VD_LOG_DEBUG = 3, /* written only with LogVerbose yes */
};

/* Takes a reference on the current engine: valid until vd_engine_release,
 * whatever RELOAD does meanwhile. Never NULL once the daemon serves. */
vg_engine *vd_engine_acquire(vd_daemon *d);
/* As vd_engine_acquire, also giving the engine's generation: 1 for the first
 * engine, +1 per successful reload. Cached verdicts from an older generation
 * are stale. gen may be NULL. */
vg_engine *vd_engine_acquire_gen(vd_daemon *d, uint64_t *gen);
void vd_engine_release(vd_daemon *d, vg_engine *e);

/* Borrowed, immutable, valid for the daemon's life. */
const vd_config *vd_daemon_config(const vd_daemon *d);

/* One structured log line: time, level, event (a short dotted name such as
 * "onaccess.deny"), then the printf-formatted text, by convention key=value
 * pairs ("path=/x sig=Eicar-Test-Signature"). Thread-safe: lines never
 * interleave. VD_LOG_DEBUG lines are dropped unless LogVerbose is on. d may
 * be NULL (before the daemon exists). */
void vd_log(vd_daemon *d, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An extra command on the control socket. name "STATUS" (or "VIGIL-STATUS")
 * registers the line "VIGIL-STATUS[ <args>]", in the z, n and bare forms
 * like every clamd command; args is the text after the first space ("" when
 * none). The handler runs on a worker thread and writes its whole reply to
 * client_fd (vd_write_all helps); the daemon then writes the terminator of
 * the command's form ('\0' for z, '\n' for n and bare) and closes the
 * connection. Not accepted inside IDSESSION. Register before vd_daemon_serve
 * (i.e. from a module's start function); later calls are refused with a log
 * line. Up to 32 commands. */
typedef void (*vd_cmd_fn)(vd_daemon *d, int client_fd, const char *args, void *ud);
void vd_daemon_add_command(vd_daemon *d, const char *name, vd_cmd_fn fn, void *ud);

/* write() until done, across EINTR and short writes; MSG_NOSIGNAL on sockets.
 * 0 on success, -1 with errno. */
int vd_write_all(int fd, const void *buf, size_t len);

/* Asks the daemon to stop (as SHUTDOWN or SIGTERM do). Async-signal-safe. */
void vd_daemon_request_stop(vd_daemon *d);

#endif
