#!/usr/bin/env bash
# The main job on an embedded default: install, build, then scan a real tree
# with the bundled test signatures.
#
#   scripts/demo.sh            scans /usr/share/clamav-testfiles (installed
#                              here) plus a small tree with an EICAR file
#   scripts/demo.sh PATH...    scans what you name instead
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DVIGIL_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

if [ $# -eq 0 ]; then
    demo=$(mktemp -d)
    trap 'rm -rf "$demo"' EXIT
    mkdir -p "$demo/home/docs"
    printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$demo/home/docs/eicar.com"
    cp /usr/share/doc/bash/README* "$demo/home/docs/" 2>/dev/null || true
    set -- /usr/share/clamav-testfiles "$demo/home"
fi
echo "+ vigil scan -d sigs/test/clamav-testfile.hsb $*"
set +e
./build/vigil scan -d sigs/test/clamav-testfile.hsb "$@"
rc=$?
set -e
echo "exit code: $rc (0 clean, 1 found, 2 error)"
[ "$rc" -le 1 ]
