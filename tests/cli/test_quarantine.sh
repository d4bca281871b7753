#!/usr/bin/env bash
# vigil scan --action quarantine|delete and vigil quarantine: files move into
# the vault and back exactly, nothing unflagged or unsafe is touched, and a
# crash at any step of either protocol loses nothing (VIGIL_FAULT).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

V=$T/vault
export VIGIL_VAULT=$V
unset XDG_DATA_HOME VIGIL_FAULT

stat_of() { stat -c '%a %Y %y %s' "$1"; }

# --- quarantine, list, restore ---------------------------------------------
mkdir -p "$T/tree/sub"
make_eicar "$T/tree/sub/e.com"
echo "clean" >"$T/tree/clean.txt"
chmod 0751 "$T/tree/sub/e.com"
touch -d '2021-02-03 04:05:06.123456789' "$T/tree/sub/e.com"
cp -p "$T/tree/sub/e.com" "$T/e.orig"
before=$(stat_of "$T/tree/sub/e.com")
clean_before=$(stat_of "$T/tree/clean.txt")

run scan --no-summary --action quarantine "$T/tree"
assert_rc 1 "a detection that was quarantined still exits 1"
assert_out_line "$T/tree/sub/e.com: Eicar-Test-Signature FOUND" "the FOUND line is unchanged"
assert_out_has "$T/tree/sub/e.com: quarantined as " "the action line names the entry"
if [ ! -e "$T/tree/sub/e.com" ]; then pass "the original is gone"; else fail "the original is gone"; fi
n_entries=$(find "$V" -name '*.vq' | wc -l)
assert_eq "$n_entries" "1" "one vault entry"
assert_eq "$(stat_of "$T/tree/clean.txt")" "$clean_before" "the clean file is untouched"
assert_eq "$(stat -c '%a' "$V")" "700" "the vault directory is 0700"
assert_eq "$(stat -c '%a' "$V/vault.key")" "600" "the key file is 0600"
if grep -q "EICAR" "$V"/*.vq; then fail "the entry hides the content"; else pass "the entry hides the content"; fi
id=$(sed -n 's/.*quarantined as \([0-9a-f]*\).*/\1/p' "$OUT")

run quarantine list
assert_rc 0 "quarantine list exits 0"
assert_out_has "$id" "list shows the id"
assert_out_has "Eicar-Test-Signature" "list shows the detection"
assert_out_has "$T/tree/sub/e.com" "list shows the original path"

run quarantine list --json
assert_json_lines "list --json is JSON lines"
assert_eq "$(json_query 'rows[0]["path"]')" "$T/tree/sub/e.com" "list --json: path"
assert_eq "$(json_query 'rows[0]["size"]')" "68" "list --json: size"

run quarantine show "${id:0:8}"
assert_rc 0 "show takes an id prefix"
assert_out_has "mode:          0751" "show gives the mode"

run quarantine restore "$id"
assert_rc 0 "restore exits 0"
assert_out_has "restored to $T/tree/sub/e.com" "restore says where"
if cmp -s "$T/e.orig" "$T/tree/sub/e.com"; then pass "restored content is identical"; else fail "restored content is identical"; fi
assert_eq "$(stat_of "$T/tree/sub/e.com")" "$before" "restored mode, mtime and size are the same"
assert_eq "$(find "$V" -name '*.vq' | wc -l)" "0" "the entry is gone after restore"

# --- restore refuses to overwrite; --to; --force ---------------------------
run scan --no-summary --action quarantine "$T/tree/sub/e.com"
id=$(sed -n 's/.*quarantined as \([0-9a-f]*\).*/\1/p' "$OUT")
echo "someone else's file" >"$T/tree/sub/e.com"
run quarantine restore "$id"
assert_rc 2 "restore over an existing file exits 2"
assert_err_has "--force" "and says how to overwrite"
assert_eq "$(cat "$T/tree/sub/e.com")" "someone else's file" "the existing file is untouched"
mkdir "$T/elsewhere"
run quarantine restore "$id" --to "$T/elsewhere"
assert_rc 0 "restore --to DIR"
if cmp -s "$T/e.orig" "$T/elsewhere/e.com"; then pass "--to DIR keeps the name"; else fail "--to DIR keeps the name"; fi
rm -f "$T/tree/sub/e.com"

# --- delete ------------------------------------------------------------------
make_eicar "$T/tree/del.com"
run scan --no-summary --action delete "$T/tree"
assert_rc 1 "--action delete exits 1"
assert_out_line "$T/tree/del.com: Removed." "clamscan's Removed. line"
if [ ! -e "$T/tree/del.com" ]; then pass "the file is deleted"; else fail "the file is deleted"; fi
assert_eq "$(stat_of "$T/tree/clean.txt")" "$clean_before" "delete leaves the clean file"

# --- symlinks are refused ----------------------------------------------------
mkdir "$T/links"
make_eicar "$T/real.com"
ln -s "$T/real.com" "$T/links/link.com"
run scan --no-summary --action quarantine "$T/links/link.com"
assert_rc 2 "a symlink named on the command line is refused (exit 2)"
assert_err_has "link.com: not quarantined: reached through a symbolic link" "and says why"
if [ -e "$T/real.com" ] && [ -L "$T/links/link.com" ]; then pass "link and target untouched"; else fail "link and target untouched"; fi
run scan --no-summary --follow-symlinks --action delete "$T/links"
assert_rc 2 "a symlink met in the walk is refused too"
if [ -e "$T/real.com" ]; then pass "the target outside the tree is untouched"; else fail "the target outside the tree is untouched"; fi

# --- a file swapped between scan and action is not touched -------------------
# VIGIL_FAULT=quarantine-start:stop stops the process after the verdict and
# before the action; the file is swapped while it is stopped.
swap_test() { # ACTION STEP
    mkdir -p "$T/swap"
    make_eicar "$T/swap/x.com"
    VIGIL_FAULT=$2:stop "$VIGIL" scan --no-summary -j1 --action "$1" "$T/swap" >"$OUT" 2>"$ERR" &
    local pid=$! i
    for i in $(seq 1 200); do
        [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = T ] && break
        sleep 0.05
    done
    echo "innocent user data" >"$T/swap/x.new"
    mv "$T/swap/x.new" "$T/swap/x.com"
    kill -CONT "$pid"
    wait "$pid"
    RC=$?
    LAST_CMD="VIGIL_FAULT=$2:stop vigil scan --action $1 (file swapped while stopped)"
    assert_rc 2 "$1: a swapped file is refused (exit 2)"
    assert_err_has "not " "$1: the refusal is reported"
    assert_eq "$(cat "$T/swap/x.com")" "innocent user data" "$1: the swapped-in file is untouched"
    rm -rf "$T/swap"
}
n_before=$(find "$V" -name '*.vq' | wc -l)
swap_test quarantine quarantine-start
assert_eq "$(find "$V" -name '*.vq' | wc -l)" "$n_before" "nothing was added to the vault"
swap_test delete delete-start

# --- a container: the whole top-level file -----------------------------------
mkdir -p "$T/zip/in"
make_eicar "$T/zip/in/eicar.com"
make_zip "$T/zip/a.zip" "inner/eicar.com=$T/zip/in/eicar.com"
rm -rf "$T/zip/in"
cp "$T/zip/a.zip" "$T/a.zip.orig"
run scan --no-summary --action quarantine "$T/zip"
assert_out_line "$T/zip/a.zip: Eicar-Test-Signature FOUND" "the container's FOUND line"
assert_out_has "(whole container: match in inner/eicar.com)" "the action says it took the whole container"
if [ ! -e "$T/zip/a.zip" ]; then pass "the container is quarantined"; else fail "the container is quarantined"; fi
id=$(sed -n 's/.*quarantined as \([0-9a-f]*\).*/\1/p' "$OUT")
run scan --no-summary --json --action quarantine "$T/zip"
assert_rc 0 "nothing left to find"
run quarantine show "$id"
assert_out_has "found in:      inner/eicar.com" "show names the member"
run quarantine restore "$id"
if cmp -s "$T/a.zip.orig" "$T/zip/a.zip"; then pass "the container comes back whole"; else fail "the container comes back whole"; fi
run scan --no-summary --json --action quarantine "$T/zip"
assert_eq "$(json_query 'rows[0]["action"]["status"]')" "done" "--json: action status"
assert_eq "$(json_query 'rows[0]["action"]["whole_container"]')" "True" "--json: whole_container"
assert_eq "$(json_query 'len(rows[0]["action"]["id"])')" "32" "--json: entry id"

# --- wrong or missing key ----------------------------------------------------
make_eicar "$T/k.com"
run scan --no-summary --action quarantine "$T/k.com"
head -c 32 /dev/urandom >"$T/wrong.key"
chmod 600 "$T/wrong.key"
run quarantine list --vault-key "$T/wrong.key"
assert_rc 2 "list with the wrong key exits 2"
assert_out_has "unreadable" "entries are listed as unreadable"
mv "$V/vault.key" "$T/saved.key"
run quarantine list
assert_rc 2 "list without the key exits 2"
assert_err_has "vault key is missing" "and says the key is missing"
run scan --no-summary --action quarantine "$T/tree"
assert_rc 2 "scan --action quarantine without the key refuses to start"
mv "$T/saved.key" "$V/vault.key"

# --- purge -------------------------------------------------------------------
run quarantine purge --older-than 1
assert_rc 0 "purge --older-than exits 0"
assert_out_has "purged 0 entries" "recent entries are kept"
run quarantine purge --all
assert_out_has "purged " "purge --all"
assert_eq "$(find "$V" -name '*.vq' | wc -l)" "0" "the vault is empty"

# --- a full disk leaves the original -----------------------------------------
# The injected ENOSPC always runs; a real full tmpfs when we may mount one.
make_eicar "$T/full.com"
VIGIL_FAULT=put-write:enospc run scan --no-summary --action quarantine "$T/full.com"
assert_rc 2 "ENOSPC while writing the entry exits 2"
assert_err_has "no space left in the vault" "and says so"
if cmp -s "$T/full.com" "$T/e.orig" || [ -s "$T/full.com" ]; then pass "the original is kept (ENOSPC)"; else fail "the original is kept (ENOSPC)"; fi
assert_eq "$(find "$V" -name 'tmp.*' -o -name '*.vq' | wc -l)" "0" "no partial entry is left"
if [ "$(id -u)" = 0 ] && mkdir "$T/small" && mount -t tmpfs -o size=8k tmpfs "$T/small" 2>/dev/null; then
    # shellcheck disable=SC2064
    trap "umount '$T/small' 2>/dev/null; chmod -R u+rwx '$T' 2>/dev/null; rm -rf '$T'" EXIT
    "$VIGIL" quarantine --vault "$T/small/v" list >/dev/null 2>&1
    run scan --no-summary --vault "$T/small/v" --action quarantine "$T/clean.txt" # creates the vault
    dd if=/dev/zero of="$T/small/filler" bs=1k count=64 2>/dev/null
    run scan --no-summary --vault "$T/small/v" --action quarantine "$T/full.com"
    assert_rc 2 "a really full vault file system exits 2"
    assert_err_has "no space left" "and says so"
    if [ -s "$T/full.com" ]; then pass "the original is kept (tmpfs full)"; else fail "the original is kept (tmpfs full)"; fi
    assert_eq "$(find "$T/small/v" -name 'tmp.*' -o -name '*.vq' | wc -l)" "0" "nothing is left in the full vault"
    umount "$T/small"
else
    echo "skip - full tmpfs: not root or cannot mount tmpfs here (the injected ENOSPC above covers the path)"
fi

# --- crash at every step: the file is always in one place or the other ------
crash_steps="quarantine-start put-tmp-created put-written put-synced put-renamed put-dir-synced quarantine-unlinked quarantine-done"
for step in $crash_steps; do
    rm -rf "$V" "$T/c"
    mkdir "$T/c"
    make_eicar "$T/c/x.com"
    VIGIL_FAULT=$step run scan --no-summary --action quarantine "$T/c"
    [ "$RC" -eq 137 ] || [ "$RC" -eq 99 ] || fail "$step: the process was killed" "exit $RC"
    entries=$(find "$V" -name '*.vq' 2>/dev/null | wc -l)
    if [ -e "$T/c/x.com" ] || [ "$entries" -ge 1 ]; then
        pass "crash at $step: the file is in one place at least"
    else
        fail "crash at $step: the file is in one place at least"
    fi
    # Recover: rescan what is left, then restore everything.
    run scan --no-summary --action quarantine "$T/c"
    for e in $(find "$V" -name '*.vq' -printf '%f\n' | sed 's/\.vq$//'); do
        run quarantine restore "$e" --force
    done
    if cmp -s "$T/c/x.com" "$T/e.orig" && [ -z "$(find "$V" -name 'tmp.*')" ]; then
        pass "crash at $step: recovered intact, no temp files left"
    else
        fail "crash at $step: recovered intact, no temp files left"
    fi
done

restore_steps="restore-tmp-created restore-written restore-synced restore-linked restore-dir-synced restore-entry-removed"
for step in $restore_steps; do
    rm -rf "$V" "$T/c"
    mkdir "$T/c"
    make_eicar "$T/c/x.com"
    run scan --no-summary --action quarantine "$T/c"
    id=$(sed -n 's/.*quarantined as \([0-9a-f]*\).*/\1/p' "$OUT")
    VIGIL_FAULT=$step run quarantine restore "$id"
    [ "$RC" -eq 137 ] || [ "$RC" -eq 99 ] || fail "$step: the process was killed" "exit $RC"
    if cmp -s "$T/c/x.com" "$T/e.orig" || [ -e "$V/$id.vq" ]; then
        pass "crash at $step: the file is in one place at least"
    else
        fail "crash at $step: the file is in one place at least"
    fi
    if [ -e "$V/$id.vq" ] && [ ! -e "$T/c/x.com" ]; then
        run quarantine restore "$id" # a restore after the crash finishes the job
    elif [ -e "$V/$id.vq" ]; then
        run quarantine purge "$id" # restored already: the entry is a spare copy
    fi
    if cmp -s "$T/c/x.com" "$T/e.orig" && [ -z "$(find "$T/c" -name '.vigil-restore.*')" ]; then
        pass "crash at $step: recovered intact, no temp file left"
    else
        fail "crash at $step: recovered intact, no temp file left"
    fi
done

finish
