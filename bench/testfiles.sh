#!/usr/bin/env bash
# ClamAV's test files (clam.exe hidden in 44 formats), scanned by vigil and
# by clamscan in one run with the same one-line database, side by side.
#
#   bench/testfiles.sh [VIGIL_BINARY]     (default: build/vigil)
set -euo pipefail
cd "$(dirname "$0")/.."
vigil=${1:-build/vigil}
dir=/usr/share/clamav-testfiles
db=sigs/test/clamav-testfile.hsb
[ -d "$dir" ] || { echo "install clamav-testfiles first (scripts/deps.sh --test)" >&2; exit 2; }
command -v clamscan >/dev/null || { echo "clamscan is not installed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$vigil" scan --json --no-summary --no-cache -d "$db" "$dir" >"$work/vigil.json" || true
clamscan --no-summary -d "$db" "$dir" >"$work/clam.txt" 2>/dev/null || true

python3 - "$work/vigil.json" "$work/clam.txt" <<'PY'
import json, os, sys
vigil = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "path" not in r:
        continue
    inner = [" > ".join(d["chain"][1:]) for d in r["detections"]]
    vigil[os.path.basename(r["path"])] = (r["verdict"], inner)
clam = {}
for line in open(sys.argv[2]):
    path, _, res = line.rstrip("\n").rpartition(": ")
    clam[os.path.basename(path)] = res
names = sorted(set(vigil) | set(clam))
print(f"{'file':28} {'clamscan':28} {'vigil':10} inner path (vigil --json)")
for n in names:
    v, inner = vigil.get(n, ("-", []))
    c = clam.get(n, "-")
    print(f"{n:28} {c:28} {v:10} {', '.join(i for i in inner if i) or ''}")
vf = sum(1 for v, _ in vigil.values() if v == "infected")
cf = sum(1 for c in clam.values() if c.endswith("FOUND"))
print(f"\nfound: clamscan {cf} of {len(clam)}, vigil {vf} of {len(vigil)}")
PY
