#!/usr/bin/env bash
# Runs a command against a private, throw-away PostgreSQL 15 server:
#
#     scripts/with-postgres.sh CMD [ARGS...]
#
# Creates a fresh temp dir, initdb's a cluster in it (trust auth), starts the
# server listening ONLY on a Unix socket in that dir (no TCP), creates the
# database "vigil", exports
#     VIGIL_TEST_PG="host=<dir> dbname=vigil user=<role>"
# runs CMD, then stops the server (pg_ctl stop -m fast) and removes the dir
# on every exit path, returning CMD's exit status (2 if the server could not
# be started).
#
# As root (CI) the server runs as the `postgres` system user (initdb refuses
# root) and clients connect as role postgres; as a normal user it runs as
# that user. For speed the server runs with fsync=off,
# synchronous_commit=off and full_page_writes=off: a crash of the machine
# may lose this throw-away cluster, which is fine for tests and nothing
# else. PGBIN overrides the binaries' directory (default
# /usr/lib/postgresql/15/bin).
set -u

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
me=with-postgres.sh

if [ $# -eq 0 ]; then
    echo "usage: $me CMD [ARGS...]" >&2
    exit 2
fi
for b in initdb pg_ctl postgres; do
    if [ ! -x "$PGBIN/$b" ]; then
        echo "$me: $PGBIN/$b not found: install the PostgreSQL 15 server" \
            "(Debian: postgresql-15) or set PGBIN" >&2
        exit 2
    fi
done

if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "$me: running as root needs the 'postgres' system user (from the postgresql package)" >&2
        exit 2
    fi
    if command -v runuser >/dev/null 2>&1; then
        as=(runuser -u postgres --)
    elif command -v setpriv >/dev/null 2>&1; then
        as=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    else
        echo "$me: running as root needs runuser or setpriv (util-linux)" >&2
        exit 2
    fi
    role=postgres
else
    as=()
    role=$(id -un)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-pg.XXXXXX") || exit 2
started=0
# The server's commands run from inside dir: the caller's cwd may be
# unreadable by the postgres user.
pg() { (cd "$dir" && "${as[@]}" "$@"); }

cleanup() {
    if [ "$started" = 1 ]; then
        pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
            echo "$me: pg_ctl stop failed; see $dir/server.log" >&2
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
fi
chmod 700 "$dir"

if ! pg "$PGBIN/initdb" -D "$dir/data" -A trust -U "$role" -E UTF8 --no-sync \
    >"$dir/initdb.log" 2>&1; then
    echo "$me: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 2
fi
started=1
if ! pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k '$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
    echo "$me: the PostgreSQL server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 2
fi
if ! pg "$PGBIN/psql" -h "$dir" -U "$role" -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE DATABASE vigil" >/dev/null; then
    echo "$me: cannot create database vigil" >&2
    exit 2
fi

export VIGIL_TEST_PG="host=$dir dbname=vigil user=$role"
# CMD runs in the background (stdin kept) so a signal to this script is
# handled at once: passed on to CMD, then the server is stopped.
"$@" <&0 &
child=$!
forward() {
    kill "-$1" "$child" 2>/dev/null
    wait "$child" 2>/dev/null
    exit "$2"
}
trap 'forward INT 130' INT
trap 'forward TERM 143' TERM
trap 'forward HUP 129' HUP
wait "$child"
exit $?
