#!/bin/sh
# Regenerates the seed corpus of fmt_archive_fuzzer: one small (< 4 KiB)
# input per format and filter that lib/fmt/fmt_archive.c handles.
# bsdtar writes what libarchive can write; RAR 4, CAB and LHA (read-only in
# libarchive) are built byte by byte in Python, stored without compression.
# regress-* files are fuzzer findings kept as seeds; this script leaves them.
#     sh tests/fuzz/gen_archive_corpus.sh     (needs bsdtar, python3)
set -eu
out=$(cd "$(dirname "$0")" && pwd)/corpus/fmt_archive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cd "$work"
printf 'hello from a seed\n' > hello.txt
mkdir -p dir && printf 'second member\n' > dir/b.txt

bsdtar --format zip -cf "$out/seed.zip" hello.txt dir/b.txt
for fmt in 7zip ustar pax gnutar v7tar newc odc bin ar xar warc; do
    bsdtar --format "$fmt" -cf "$out/seed.$fmt" hello.txt
done
for flt in z j J lzma zstd lz4 Z lzip; do
    opt="-$flt"
    [ ${#flt} -gt 1 ] && opt="--$flt"
    bsdtar --format ustar $opt -cf "$out/seed.tar.$flt" hello.txt
    bsdtar --format raw $opt -cf "$out/seed.raw.$flt" hello.txt
done
bsdtar --format ustar --uuencode -cf "$out/seed.tar.uu" hello.txt
bsdtar --format zip -cf inner.zip hello.txt
bsdtar --format ustar -z -cf "$out/seed.nested.tgz" inner.zip

python3 - "$out" <<'EOF'
import struct, sys, zlib
out = sys.argv[1]
name, data = b"hello.txt", b"hello from a seed\n"

def rar4():
    def block(htype, flags, body):
        head = struct.pack("<BHH", htype, flags, 7 + len(body)) + body
        return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head
    fh = struct.pack("<IIBIIBBHI", len(data), len(data), 0, zlib.crc32(data), 0x5A000000,
                     20, 0x30, len(name), 0x20) + name
    return (b"Rar!\x1a\x07\x00" + block(0x73, 0, b"\0" * 6) + block(0x74, 0x8000, fh) + data
            + block(0x7B, 0x4000, b""))

def cab():
    fname = name + b"\0"
    files_off = 36 + 8
    data_off = files_off + 16 + len(fname)
    total = data_off + 8 + len(data)
    return (b"MSCF" + struct.pack("<IIIIIBBHHHHH", 0, total, 0, files_off, 0, 3, 1, 1, 1, 0, 0, 0)
            + struct.pack("<IHH", data_off, 1, 0)
            + struct.pack("<IIHHHH", len(data), 0, 0, 0x5A21, 0, 0x20) + fname
            + struct.pack("<IHH", 0, len(data), len(data)) + data)

def crc16(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
    return c

def lha():
    body = (b"-lh0-" + struct.pack("<IIIBBB", len(data), len(data), 0x5A210000, 0x20, 0, len(name))
            + name + struct.pack("<H", crc16(data)))
    return bytes([len(body), sum(body) & 0xFF]) + body + data + b"\0"

for fname, blob in (("seed.rar", rar4()), ("seed.cab", cab()), ("seed.lzh", lha())):
    open(f"{out}/{fname}", "wb").write(blob)
    # The same behind an executable stub, where libarchive looks for it.
    off = {"seed.rar": 0x10000, "seed.cab": 512, "seed.lzh": 512}[fname]
    if off < 4096:
        open(f"{out}/sfx.{fname}.exe", "wb").write(b"MZ" + bytes(off - 2) + blob)
zipd = open(f"{out}/seed.zip", "rb").read()
open(f"{out}/sfx.zip.exe", "wb").write(b"MZ" + bytes(510) + zipd)
EOF
ls -l "$out"
