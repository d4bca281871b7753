#!/usr/bin/env bash
# Runs the end-to-end suite of vigil-server (tests/server/api_test.py) on one
# backend, in a fresh temporary data directory removed afterwards.
#
#   VIGIL_SERVER=build/vigil-server tests/server/run_api.sh sqlite
#   VIGIL_SERVER=build/vigil-server scripts/with-postgres.sh bash tests/server/run_api.sh pg
#
# With pg the database is the one $VIGIL_TEST_PG names (with-postgres.sh
# starts a private PostgreSQL and sets it). Set KEEP_TMP=1 to keep the data
# directory and the server logs of a failed run for a look.
set -u
backend=${1:-}
case "$backend" in
sqlite | pg) ;;
*)
    echo "usage: run_api.sh sqlite|pg" >&2
    exit 2
    ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
server=${VIGIL_SERVER:-}
if [ -z "$server" ]; then
    for guess in "${VG_BUILD_DIR:-}/vigil-server" "$here/../../build/vigil-server"; do
        if [ -x "$guess" ]; then
            server=$guess
            break
        fi
    done
fi
if [ -z "$server" ] || [ ! -x "$server" ]; then
    echo "run_api.sh: VIGIL_SERVER must name the vigil-server binary" >&2
    exit 2
fi
if [ "$backend" = pg ] && [ -z "${VIGIL_TEST_PG:-}" ]; then
    echo "run_api.sh: pg needs VIGIL_TEST_PG (run it under scripts/with-postgres.sh)" >&2
    exit 2
fi

python=
for py in /usr/bin/python3 /usr/local/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1; then
        python=$(command -v "$py")
        break
    fi
done
[ -n "$python" ] || { echo "run_api.sh: python3 is needed" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-srvtest.XXXXXX")
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "kept: $T" >&2
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT

args=(--server "$server" --backend "$backend" --data "$T/data" --logs "$T/logs")
if [ "$backend" = pg ]; then
    args+=(--db "$VIGIL_TEST_PG")
fi
"$python" "$here/api_test.py" "${args[@]}"
rc=$?
if [ "$rc" -ne 0 ] && [ -d "$T/logs" ]; then
    for f in "$T"/logs/server-*.log; do
        [ -f "$f" ] || continue
        echo "--- tail of $(basename "$f") ---"
        tail -n 25 "$f"
    done
fi
exit "$rc"
