#!/usr/bin/env bash
# vigil scan over ClamAV's own test files (Debian: clamav-testfiles), with
# the one hash signature ClamAV's test suite uses for clam.exe's payload.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

dir=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
if [ ! -d "$dir" ]; then
    echo "skipped: $dir is not installed"
    finish
fi

echo "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File" \
    >"$T/clamav-test.hsb"

run scan --no-summary -d "$T/clamav-test.hsb" "$dir"
assert_rc 1 "the ClamAV test files give exit 1"
# Every file that is not a Windows executable (28), plus clam.exe itself and
# the NSIS and InstallShield installers (33 of 44; PE packers and AutoIt remain).
for f in clam.exe clam.zip clam.7z clam.tar.gz clam.cab clam.bz2.zip clam.d64.zip \
    clam.impl.zip clam.exe.bz2 clam.bin-be.cpio clam.bin-le.cpio clam.newc.cpio \
    clam.odc.cpio clam_cache_emax.tgz clam.exe.mbox.uu clam.exe.mbox.base64 clam.mail \
    clam.exe.binhex clam.exe.rtf clam.exe.html clam.ole.doc clam.ppt clam.chm \
    clam.exe.szdd clam.tnef clam.arj clam.sis clam.pdf clam-nsis.exe clam_IScab_ext.exe \
    clam_IScab_int.exe clam_ISmsi_ext.exe clam_ISmsi_int.exe; do
    assert_out_line "$dir/$f: ClamAV-Test-File FOUND" "found in $f"
done
assert_count 0 ': ERROR' "no file of the set is an error"

# The path chain names the member in each new format.
run scan --json --no-summary -d "$T/clamav-test.hsb" "$dir/clam.exe.rtf" "$dir/clam.ole.doc" \
    "$dir/clam.mail" "$dir/clam.chm" "$dir/clam.tnef" "$dir/clam.arj" "$dir/clam_ISmsi_int.exe" \
    "$dir/clam-nsis.exe"
assert_json_lines "JSON for documents and mail"
for want in 'clam.exe.rtf:Clam.exe' 'clam.ole.doc:ObjectPool/_1279313719/\x01Ole10Native/Clam.exe' \
    'clam.mail:clam.exe' 'clam.chm:/clam.exe.txt' 'clam.tnef:clam.exe' 'clam.arj:clam.exe' \
    'clam_ISmsi_int.exe:clam.exe' 'clam-nsis.exe:$INSTDIR\clam.exe'; do
    file=${want%%:*} inner=${want#*:}
    got=$(json_query "[r['detections'][0]['chain'][-1] for r in rows if r['path'].endswith('/$file')][0]")
    assert_eq "$got" "$inner" "JSON names $inner inside $file"
done

run scan --json --no-summary -d "$T/clamav-test.hsb" "$dir/clam.zip"
assert_json_lines "JSON for clam.zip"
assert_eq "$(json_query 'rows[0]["detections"][0]["chain"][1]')" "clam.exe" \
    "JSON names clam.exe inside clam.zip"
assert_eq "$(json_query 'rows[0]["detections"][0]["kind"]')" "sha256" "a SHA-256 detection"

finish
