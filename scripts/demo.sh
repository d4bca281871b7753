#!/usr/bin/env bash
# The main job on an embedded default: install, build, then scan a real tree
# with the bundled test signatures.
#
#   scripts/demo.sh            scans /usr/share/clamav-testfiles (installed
#                              here) plus a small tree with an EICAR file,
#                              then quarantines that file and restores it
#   scripts/demo.sh PATH...    scans what you name instead (report only)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DVIGIL_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

treat=
if [ $# -eq 0 ]; then
    treat=1
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
[ "$rc" -le 1 ] || exit "$rc"
[ -n "$treat" ] || exit 0

# Treat the infection: into the encrypted vault, then back out, exactly.
vault=$demo/vault
eicar=$demo/home/docs/eicar.com
chmod 0640 "$eicar"
touch -d '2024-01-02 03:04:05' "$eicar"
cp -p "$eicar" "$demo/eicar.orig"
echo
echo "+ vigil scan --action quarantine --vault $vault $demo/home"
set +e
./build/vigil scan --no-summary -i --action quarantine --vault "$vault" "$demo/home"
rc=$?
set -e
echo "exit code: $rc; $eicar is $( [ -e "$eicar" ] && echo 'still there' || echo 'gone' )"
echo "+ ls -l $vault"
ls -l "$vault"
echo "+ vigil quarantine --vault $vault list"
./build/vigil quarantine --vault "$vault" list
id=$(./build/vigil quarantine --vault "$vault" list --json | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' | head -n 1)
echo "+ vigil quarantine --vault $vault restore $id"
./build/vigil quarantine --vault "$vault" restore "$id"
cmp "$demo/eicar.orig" "$eicar"
echo "restored byte for byte: $(stat -c 'mode %a, mtime %y' "$eicar")"
echo "   the original had:    $(stat -c 'mode %a, mtime %y' "$demo/eicar.orig")"

# Classification markings: a memo marked as a classified document would be,
# zipped among source files, and a news story about classified files.
mkdir -p "$demo/marks/src"
cp /usr/share/doc/bash/README* "$demo/marks/src/" 2>/dev/null || true
printf '%s\n' 'TOP SECRET//SI//NOFORN' '' 'MEMORANDUM FOR THE RECORD' '' \
    '(TS//SI//NF) The collection described here continues through 2027.' \
    '(U) This paragraph is unclassified.' '' \
    'Classified By: J. Doe, Director' 'Derived From: Multiple Sources' \
    'Declassify On: 20500101' '' 'TOP SECRET//SI//NOFORN' >"$demo/marks/src/memo.txt"
(cd "$demo/marks/src" && python3 -c 'import sys, zipfile
with zipfile.ZipFile("../project.zip", "w", zipfile.ZIP_DEFLATED) as z:
    [z.write(f) for f in sys.argv[1:]]' *)
rm "$demo/marks/src/memo.txt"
printf '%s\n' 'Leak inquiry widens' '' \
    'Officials said the files, some marked top secret, were found in a storage unit.' \
    'A spokesperson declined to say whether any were labelled SECRET//NOFORN.' >"$demo/marks/news.txt"
echo
echo "+ vigil markings $demo/marks"
set +e
./build/vigil markings "$demo/marks"
rc=$?
set -e
echo "exit code: $rc (0 none classified, 1 classified found, 2 error)"
