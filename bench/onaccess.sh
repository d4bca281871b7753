#!/usr/bin/env bash
# On-access latency: open()+close() of 10,000 small clean files, timed one by
# one (bench/open_latency.c), without vigild, with it (cold: every open is
# scanned), and with it again (cached: every verdict comes from the cache).
#
#   bench/onaccess.sh [BUILD_DIR]          # BUILD_DIR default: build (needs BUILD_DIR/vigild)
#   bench/onaccess.sh --update-docs ...    # also rewrite the "On-access latency"
#                                          # section of docs/performance.md
#   options: --files N (10000)  --size BYTES (2048)  --keep (keep the temp dir)
#
# Needs root (fanotify). The files are random bytes (no signature can match
# them) in one directory watched with OnAccessIncludePath; vigild runs in
# the foreground with the built-in EICAR signature only, so the numbers are
# the cost of the fanotify round trip, the queue and a small scan, not of a
# big signature set. Each pass is preceded by the no-daemon pass so the page
# cache is warm in all of them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=build
files=10000
size=2048
update_docs=0
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
    --update-docs) update_docs=1 ;;
    --files) files=$2; shift ;;
    --size) size=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "onaccess.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "onaccess.sh: no build dir" >&2; exit 2; }
vigild=${VIGILD:-$build/vigild}
[ -x "$vigild" ] || { echo "onaccess.sh: $vigild is missing (build it first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "onaccess.sh: needs root (fanotify)" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-onaccess-bench.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if [ "$keep" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT

cc -O2 -o "$T/open_latency" "$here/open_latency.c"
mkdir -p "$T/files" "$T/state"
python3 - "$T/files" "$files" "$size" <<'PY'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
        f.write(os.urandom(size))
PY
cat >"$T/vigild.conf" <<CONF
LocalSocket $T/vigild.sock
OnAccessIncludePath $T/files
StateDirectory $T/state
CONF

results=$T/results.jsonl
"$T/open_latency" "$T/files" none >/dev/null # warm the page cache
"$T/open_latency" "$T/files" "no daemon" >>"$results"

"$vigild" --foreground --config "$T/vigild.conf" 2>"$T/vigild.log" &
pid=$!
for _ in $(seq 1 300); do
    grep -q "onaccess.start" "$T/vigild.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$T/vigild.log" >&2; exit 1; }
    sleep 0.1
done
grep -q "mode=fanotify" "$T/vigild.log" || { echo "onaccess.sh: vigild is not on fanotify:" >&2; cat "$T/vigild.log" >&2; exit 1; }
"$T/open_latency" "$T/files" "vigild, cold" >>"$results"
"$T/open_latency" "$T/files" "vigild, cached" >>"$results"
status_line=$(python3 - "$T/vigild.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"nVIGIL-STATUS\n")
buf = b""
while not buf.endswith(b"\n"):
    c = s.recv(65536)
    if not c: break
    buf += c
print(buf.decode().strip())
PY
)
kill -TERM "$pid"; wait "$pid" || true; pid=

python3 - "$results" "$update_docs" "$root/docs/performance.md" "$files" "$size" "$status_line" <<'PY'
import datetime, json, os, platform, sys
results, update, doc, files, size, status = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
rows = [json.loads(l) for l in open(results) if l.strip()]
st = json.loads(status) if status.startswith("{") else {}
cpu = ""
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip(); break
except OSError:
    pass
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines = [
    f"Run {stamp} on {cpu or platform.machine()}, {os.cpu_count()} cores, kernel {platform.release()}; "
    f"{files} files of {size} random bytes in one watched directory, opened and closed one at a time.",
    "",
    "| pass | opens | errors | mean µs | p50 µs | p99 µs | max µs | total s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    lines.append(f"| {r['label']} | {r['files']} | {r['errors']} | {r['mean_us']:.1f} | {r['p50_us']:.1f} "
                 f"| {r['p99_us']:.1f} | {r['max_us']:.1f} | {r['total_s']:.2f} |")
if st:
    c = st.get("cache", {})
    lines += ["", f"vigild counters after both passes: {st.get('events')} permission events, "
              f"{st.get('scanned')} scanned, {st.get('cached')} answered from the cache "
              f"({c.get('hits')} hits / {c.get('misses')} misses), {st.get('timeouts')} timeouts, "
              f"{st.get('errors')} errors."]
table = "\n".join(lines)
print(table)
if update:
    begin = "<!-- bench:onaccess:begin (generated by bench/onaccess.sh --update-docs) -->"
    end = "<!-- bench:onaccess:end -->"
    txt = open(doc).read()
    if begin not in txt:
        txt = txt.rstrip("\n") + "\n\n## On-access latency\n\n" + (
            "`bench/onaccess.sh BUILD_DIR` (root) creates 10,000 small files of random bytes in\n"
            "one directory and times `open()`+`close()` of each, one at a time\n"
            "(bench/open_latency.c, CLOCK_MONOTONIC around the two calls): without vigild;\n"
            "with vigild watching the directory, first pass (every open waits for a\n"
            "fanotify round trip, the queue and a scan: \"cold\"); and a second pass (every\n"
            "verdict from the clean cache, keyed by device, inode, size, mtime and ctime:\n"
            "\"cached\"). vigild runs with the built-in signature only, so the cold numbers\n"
            "are the fixed cost per open, not the cost of scanning with a large signature\n"
            "set, which adds the scan time of the file. The section between the markers\n"
            "is rewritten by `bench/onaccess.sh --update-docs`.\n\n") + begin + "\n" + end + "\n"
    a = txt.index(begin) + len(begin)
    b = txt.index(end)
    txt = txt[:a] + "\n" + table + "\n" + txt[b:]
    open(doc, "w").write(txt)
    print(f"updated {doc}", file=sys.stderr)
bad = [r for r in rows if r["errors"]]
sys.exit(1 if bad else 0)
PY
