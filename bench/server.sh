#!/usr/bin/env bash
# vigil-server intake under load: concurrent uploads from a second process on
# loopback, then a check that exactly the uploaded samples are stored.
#
#   bench/server.sh [BUILD_DIR]             # SQLite; BUILD_DIR default: build
#   bench/server.sh --pg [BUILD_DIR]        # SQLite, then PostgreSQL (scripts/with-postgres.sh)
#   bench/server.sh --update-docs ...       # also rewrite the "vigil-server intake"
#                                           # section of docs/performance.md
#   options: --threads N (4)  --count PER_THREAD (500)  --sizes "16384 1048576"
#
# Builds nothing: needs BUILD_DIR/vigil-server and BUILD_DIR/vigil-server-load
# (cmake --build build --target vigil-server vigil-server-load). For each
# backend it starts `vigil-server serve` on a fresh temporary data directory
# with default options, creates a submitter and an analyst token, and runs
# vigil-server-load once per sample size (THREADS client threads, each with
# one keep-alive connection, COUNT distinct samples each). Needs python3 for
# the health wait and the table. Exit 1 if any run lost, duplicated or failed
# an upload.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=build
threads=4
count=500
sizes="16384 1048576"
pg=0
update_docs=0
internal=     # set when re-run under with-postgres.sh for one backend
out=
while [ $# -gt 0 ]; do
    case "$1" in
    --pg) pg=1 ;;
    --update-docs) update_docs=1 ;;
    --threads) threads=$2; shift ;;
    --count) count=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --internal-backend) internal=$2; shift ;;
    --out) out=$2; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "server.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "server.sh: no build dir" >&2; exit 2; }
server=$build/vigil-server
load=$build/vigil-server-load
for b in "$server" "$load"; do
    [ -x "$b" ] || { echo "server.sh: $b is missing (build it first)" >&2; exit 2; }
done

# run_backend NAME RESULTS [CONNINFO]: one server, one load run per size.
run_backend() {
    local name=$1 results=$2 db=${3:-}
    local work port url sub ana pid rc=0
    work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-srvbench.XXXXXX")
    local store=(--data "$work/data")
    [ -n "$db" ] && store+=(--db "$db")
    sub=$("$server" token add bench-sub --role submitter "${store[@]}" | grep -oE '[0-9a-f]{64}' | head -n1)
    ana=$("$server" token add bench-ana --role analyst "${store[@]}" | grep -oE '[0-9a-f]{64}' | head -n1)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    url=http://127.0.0.1:$port
    "$server" serve "${store[@]}" --listen "127.0.0.1:$port" 2>"$work/server.log" &
    pid=$!
    if ! python3 - "$url" <<'PY'; then
import sys, time, urllib.request
for _ in range(600):
    try:
        urllib.request.urlopen(sys.argv[1] + "/v1/health", timeout=5).read()
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
PY
        echo "server.sh: $name server did not come up; log: $work/server.log" >&2
        kill "$pid" 2>/dev/null || true
        return 1
    fi
    local run=0
    for size in $sizes; do
        run=$((run + 1))
        echo "server.sh: $name, $threads threads x $count uploads of $size bytes" >&2
        local line
        line=$("$load" --url "$url" --token "$sub" --analyst-token "$ana" --threads "$threads" \
            --count "$count" --size "$size" --client "bench-$name-$run-$size" --json) || rc=1
        case "$line" in
        "{"*"}") echo "${line%\}},\"backend\":\"$name\"}" >>"$results" ;;
        *) echo "server.sh: $name, $size bytes: no result from the load generator" >&2; rc=1 ;;
        esac
    done
    kill -TERM "$pid"
    wait "$pid" || { echo "server.sh: $name server exited with $?" >&2; rc=1; }
    rm -rf "$work"
    return $rc
}

if [ -n "$internal" ]; then
    run_backend "$internal" "$out" "${VIGIL_TEST_PG:-}"
    exit $?
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-srvbench-res.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
results=$tmp/results.jsonl
: >"$results"
status=0
run_backend sqlite "$results" || status=1
if [ "$pg" = 1 ]; then
    bash "$root/scripts/with-postgres.sh" bash "$here/server.sh" "$build" --internal-backend pg \
        --out "$results" --threads "$threads" --count "$count" --sizes "$sizes" || status=1
fi

python3 - "$results" "$update_docs" "$root/docs/performance.md" "$threads" "$count" <<'PY' || status=1
import datetime, json, os, platform, sys
results, update, doc, threads, count = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4], sys.argv[5]
rows = [json.loads(l) for l in open(results) if l.strip()]
def size(n):
    return f"{n // 1048576} MiB" if n % 1048576 == 0 else f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} B"
cpu = ""
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip()
            break
except OSError:
    pass
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines = [
    f"Run {stamp} on {cpu or platform.machine()}, {os.cpu_count()} cores, server and "
    f"load generator on the same machine; {threads} client threads x {count} uploads "
    f"of distinct samples each, one keep-alive connection per thread.",
    "",
    "| backend | sample | uploads | conns | req/s | MB/s | p50 ms | p99 ms | max ms | 201 / 200 / other | lost / dup / extra | stored set |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
]
for r in rows:
    lines.append(
        f"| {r['backend']} | {size(r['size'])} | {r['requests']} | {r['connections']} | {r['rps']:.0f} | {r['mbps']:.1f} "
        f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} "
        f"| {r['s201']} / {r['s200']} / {r['other']} | {r['lost']} / {r['duplicated']} / {r['extra']} "
        f"| {'exact' if r['ok'] else 'MISMATCH'} |")
table = "\n".join(lines)
print(table)
if update:
    begin = "<!-- bench:server:begin (generated by bench/server.sh --update-docs) -->"
    end = "<!-- bench:server:end -->"
    txt = open(doc).read()
    if begin not in txt:
        txt = txt.rstrip("\n") + "\n\n## vigil-server intake\n\n" + (
            "`bench/server.sh [--pg] BUILD_DIR` starts `vigil-server` (default options) on a\n"
            "fresh data directory and runs `vigil-server-load` (bench/server_load.c) as a\n"
            "second process: client threads upload distinct generated samples over\n"
            "loopback with correct headers, each request timed; then the stored set is\n"
            "listed back (`GET /v1/samples`, analyst token) and compared with the set the\n"
            "server acknowledged: no sample may be lost, listed twice or appear unsent.\n"
            "Every intake is hashed, run through the marking detector, sealed with its\n"
            "own key and fsynced before the 201. The section between the markers is\n"
            "rewritten by `bench/server.sh --update-docs`. Caveat: the `pg` rows use\n"
            "the throw-away cluster of `scripts/with-postgres.sh`, which runs with\n"
            "`fsync=off` and `synchronous_commit=off`: its commits are not durable, the\n"
            "SQLite ones are, so the gap between the rows is not a comparison of the\n"
            "backends.\n\n") + begin + "\n" + end + "\n"
    a = txt.index(begin) + len(begin)
    b = txt.index(end)
    txt = txt[:a] + "\n" + table + "\n" + txt[b:]
    open(doc, "w").write(txt)
    print(f"updated {doc}", file=sys.stderr)
bad = [r for r in rows if not r["ok"]]
sys.exit(1 if bad else 0)
PY
exit $status
