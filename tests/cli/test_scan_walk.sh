#!/usr/bin/env bash
# vigil scan: the directory walk (filters, symlinks, special files, depth).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

make_eicar "$T/eicar.com"
tree=$T/tree
mkdir -p "$tree/sub/deeper" "$tree/skipme" "$T/outside"
cp "$T/eicar.com" "$tree/top.com"
cp "$T/eicar.com" "$tree/sub/a.com"
cp "$T/eicar.com" "$tree/sub/deeper/b.exe"
cp "$T/eicar.com" "$tree/skipme/c.com"
echo clean >"$tree/sub/clean.txt"
cp "$T/eicar.com" "$T/outside/secret.com"

run scan --no-summary "$tree"
assert_rc 1 "a tree with EICAR exits 1"
assert_count 4 ' FOUND$' "the walk is recursive by default"
assert_out_line "$tree/sub/deeper/b.exe: Eicar-Test-Signature FOUND" "paths are joined with /"

run scan --no-summary "$tree/"
assert_out_line "$tree/sub/a.com: Eicar-Test-Signature FOUND" "a trailing slash gives no //"

run scan "$tree"
assert_out_line "Scanned directories: 4" "directories are counted"
assert_out_line "Scanned files: 5" "files are counted"

run scan --no-summary --recursive=no "$tree"
assert_count 1 ' FOUND$' "--recursive=no scans only the top directory's files"

# --- filters --------------------------------------------------------------
run scan --no-summary --exclude '\.exe$' "$tree"
assert_out_lacks "b.exe: Eicar" "--exclude skips matching files"
assert_out_line "$tree/sub/deeper/b.exe: Excluded" "excluded files are listed like clamscan"
assert_count 3 ' FOUND$' "--exclude leaves the others"

run scan --no-summary --exclude '\.exe$' --exclude 'top' "$tree"
assert_count 2 ' FOUND$' "--exclude is repeatable"

run scan --no-summary --include '\.exe$' "$tree"
assert_count 1 ' FOUND$' "--include scans only matching files"
assert_out_has "b.exe: Eicar-Test-Signature FOUND" "the included file is scanned"
assert_out_lacks "clean.txt: OK" "non-matching files are not scanned"

run scan --no-summary --exclude-dir '/skipme$' "$tree"
assert_out_lacks "c.com: Eicar" "--exclude-dir skips the directory"
assert_out_line "$tree/skipme: Excluded" "the excluded directory is listed"
assert_count 3 ' FOUND$' "--exclude-dir leaves the rest"

run scan --no-summary -i --exclude-dir '/skipme$' "$tree"
assert_out_lacks "Excluded" "-i hides Excluded lines"

run scan --no-summary --include-dir 'tree' "$tree"
assert_count 4 ' FOUND$' "--include-dir matching every directory scans all"
run scan --no-summary --include-dir 'tree($|/sub)' "$tree"
assert_out_lacks "c.com" "--include-dir skips directories that do not match"
assert_out_has "a.com: Eicar" "--include-dir enters the ones that match"

run scan --no-summary --exclude 'top\.com$' "$tree/top.com"
assert_rc 0 "a named file that is excluded is not scanned (clamscan does the same)"

# --- symlinks -------------------------------------------------------------
ln -s "$T/outside" "$tree/link-dir"
ln -s "$T/outside/secret.com" "$tree/link-file"
ln -s "$T/nowhere" "$tree/dangling"

run scan --no-summary "$tree"
assert_out_lacks "secret" "symlinks out of the tree are not followed"
assert_out_lacks "link-file" "symlinked files are not followed"
assert_count 4 ' FOUND$' "only the tree's own files"
run scan "$tree"
assert_out_line "Skipped: 3 symlinks, 0 special files, 0 loops or other file systems" \
    "skipped symlinks are counted"
run scan --no-summary -v "$tree"
assert_err_has "$tree/link-dir: skipped (symbolic link)" "-v names skipped symlinks"

run scan --no-summary --follow-symlinks "$tree"
assert_out_line "$tree/link-dir/secret.com: Eicar-Test-Signature FOUND" \
    "--follow-symlinks follows directory links"
assert_out_line "$tree/link-file: Eicar-Test-Signature FOUND" \
    "--follow-symlinks follows file links"
assert_rc 1 "a dangling link does not make an error"

run scan --no-summary "$tree/link-file"
assert_rc 1 "a symlink named on the command line is followed"
assert_out_line "$tree/link-file: Eicar-Test-Signature FOUND" "and printed under its own name"

# A loop: with --follow-symlinks, each directory is entered once.
mkdir -p "$T/loop/a"
cp "$T/eicar.com" "$T/loop/a/x.com"
ln -s .. "$T/loop/a/up"
ln -s "$T/loop" "$T/loop/a/again"
run scan --no-summary --follow-symlinks "$T/loop"
assert_rc 1 "a symlink loop terminates"
assert_count 1 ' FOUND$' "each file of a loop is scanned once"

# --- special files ----------------------------------------------------------
mkdir "$T/special"
cp "$T/eicar.com" "$T/special/real.com"
mkfifo "$T/special/fifo"
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
    "$T/special/sock" 2>/dev/null || true
RUN_TIMEOUT=20 run scan "$T/special"
assert_rc 1 "a FIFO in the tree does not hang the scan"
assert_out_has "real.com: Eicar-Test-Signature FOUND" "the other files are scanned"
assert_out_lacks "fifo:" "the FIFO gets no result line"
assert_out_has "special files" "special files are counted"
RUN_TIMEOUT=20 run scan --no-summary -v "$T/special"
assert_err_has "$T/special/fifo: skipped (fifo)" "-v notes the skipped FIFO"

RUN_TIMEOUT=20 run scan --no-summary /dev/null
assert_rc 0 "a device named on the command line is skipped, not read"
assert_err_has "/dev/null: skipped (character device)" "and the user is told"

# A pipe named on the command line is read as a stream.
LAST_CMD="vigil scan <(cat eicar)"
timeout 20 "$VIGIL" scan --no-summary <(cat "$T/eicar.com") >"$OUT" 2>"$ERR"
RC=$?
assert_rc 1 "a pipe on the command line (process substitution) is scanned"

# --- a tree deeper than PATH_MAX ------------------------------------------
deep=$T/deep
mkdir "$deep"
"$PYTHON" - "$deep" <<'PY'
import os, sys
os.chdir(sys.argv[1])
name = "d" * 200
for _ in range(30):            # 30 * 201 bytes > PATH_MAX (4096)
    os.mkdir(name)
    os.chdir(name)
with open("bottom.com", "wb") as f:
    f.write(b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
PY
run scan --no-summary "$deep"
assert_rc 1 "a file deeper than PATH_MAX is found"
assert_count 1 'bottom\.com: Eicar-Test-Signature FOUND$' "with its full path"

# --- unreadable files and directories ------------------------------------
# Root reads everything, so as root the scan runs as nobody (setpriv).
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null 2>&1; then
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
    chmod 755 "$T"
    mkdir -p "$T/perm/closed"
    cp "$T/eicar.com" "$T/perm/found.com"
    echo x >"$T/perm/locked"
    echo y >"$T/perm/closed/inside"
    chmod 644 "$T/perm/found.com"
    chmod 000 "$T/perm/locked" "$T/perm/closed"
    chmod 755 "$T/perm"
    LAST_CMD="${as_user[*]} vigil scan --no-cache $T/perm/locked"
    timeout "$RUN_TIMEOUT" "${as_user[@]}" "$VIGIL" scan --no-summary --no-cache \
        "$T/perm/locked" </dev/null >"$OUT" 2>"$ERR"
    RC=$?
    assert_rc 2 "an unreadable file exits 2"
    assert_err_has "$T/perm/locked: ERROR" "the unreadable file is named"
    assert_err_has "Permission denied" "with the reason"

    LAST_CMD="${as_user[*]} vigil scan --no-cache $T/perm"
    timeout "$RUN_TIMEOUT" "${as_user[@]}" "$VIGIL" scan --no-summary --no-cache -j 2 \
        "$T/perm" </dev/null >"$OUT" 2>"$ERR"
    RC=$?
    assert_rc 1 "found + unreadable in a tree exits 1"
    assert_err_has "$T/perm/closed: ERROR" "an unreadable directory is an error"
    assert_out_has "found.com: Eicar-Test-Signature FOUND" "the rest of the tree is scanned"
    chmod 755 "$T/perm/closed"
    chmod 644 "$T/perm/locked"
else
    echo "skipped: unreadable-file checks (root without setpriv)"
fi

finish
