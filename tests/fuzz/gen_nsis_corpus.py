#!/usr/bin/env python3
"""Seed corpus for fmt_nsis_fuzzer: small NSIS-like installers.

    python3 tests/fuzz/gen_nsis_corpus.py tests/fuzz/corpus/fmt_nsis

A PE stub ("MZ" + zeros, or a one-section PE whose overlay starts at 1024),
the 28-byte firstheader, then non-solid blocks (raw deflate, LZMA, stored)
or one solid stream (LZMA, LZMA with 7-Zip's BCJ flag byte, deflate), with
an NSIS 2 ANSI or NSIS 3 Unicode script header naming the files. The
EICAR string is one of the files, so the fuzzer's builtin signature fires.
"""
import lzma
import os
import struct
import sys
import zlib

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
TEXT = b"readme: some text of another installed file\n" * 3


def stub(real_pe):
    if not real_pe:
        return b"MZ".ljust(512, b"\0")
    b = bytearray(1024)
    b[0:2] = b"MZ"
    b[0x3C:0x40] = struct.pack("<I", 0x40)
    b[0x40:0x44] = b"PE\0\0"
    b[0x44:0x58] = struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0, 0)
    b[0x58:0x80] = b".text\0\0\0" + struct.pack("<IIIIIIHHI", 0, 0, 0x200, 0x200, 0, 0, 0, 0, 0)
    return bytes(b)


def script(files, unicode=False):
    """files: [(name, data position)]; SetOutPath $INSTDIR then File each."""
    if unicode:
        enc = lambda s: s.encode("utf-16-le")
        strings = bytearray(b"\0\0")
        instdir = 1
        strings += b"\3\0\x95\x80\0\0"
        unit = 2
    else:
        enc = lambda s: s.encode("latin-1")
        strings = bytearray(b"\0")
        instdir = 1
        strings += b"\xfd\x95\x80\0"
        unit = 1
    name_at = []
    for name, _ in files:
        name_at.append(len(strings) // unit)
        strings += enc(name) + (b"\0\0" if unicode else b"\0")
    ent_num = 1 + len(files)
    ent_off = 68
    str_off = ent_off + 28 * ent_num
    h = bytearray(struct.pack("<I", 0))
    blocks = [(ent_off, 0), (ent_off, 0), (ent_off, ent_num), (str_off, 0),
              (str_off + len(strings), 0), (0, 0), (0, 0), (0, 0)]
    for o, n in blocks:
        h += struct.pack("<II", o, n)
    h += struct.pack("<7I", 11, instdir, 1, 0, 0, 0, 0)
    for (name, pos), at in zip(files, name_at):
        h += struct.pack("<7I", 20, 3, at, pos, 0, 0, 0)
    return bytes(h + strings)


def deflate_raw(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def lzma_nsis(data, flag=None, bcj=False):
    filters = []
    if bcj:
        filters.append({"id": lzma.FILTER_X86})
    filters.append({"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2})
    raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
    pre = b"" if flag is None else bytes([flag])
    return pre + b"\x5d" + struct.pack("<I", 1 << 16) + raw


def installer(body, hdr_len, real_pe=False, flags=0):
    crc = not (flags & 4)
    fh_len = 28 + len(body) + (4 if crc else 0)
    fh = struct.pack("<I", flags) + b"\xef\xbe\xad\xde" + b"NullsoftInst" + struct.pack("<II", hdr_len, fh_len)
    return stub(real_pe) + fh + body + (b"\x78\x56\x34\x12" if crc else b"")


def nonsolid(codec, real_pe=False, unicode=False):
    def blk(data):
        if codec == "stored":
            return struct.pack("<I", len(data)) + data
        c = deflate_raw(data) if codec == "deflate" else lzma_nsis(data)
        return struct.pack("<I", len(c) | 0x80000000) + c
    b1 = blk(TEXT)
    hdr = script([("readme.txt", 0), ("eicar.com", len(b1))], unicode)
    return installer(blk(hdr) + b1 + blk(EICAR), len(hdr), real_pe)


def solid(codec, unicode=False, flag=None, bcj=False):
    hdr = script([("readme.txt", 0), ("eicar.com", 4 + len(TEXT))], unicode)
    raw = b"".join(struct.pack("<I", len(x)) + x for x in (hdr, TEXT, EICAR))
    c = deflate_raw(raw) if codec == "deflate" else lzma_nsis(raw, flag, bcj)
    return installer(c, len(hdr), flags=4)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/fmt_nsis"
    os.makedirs(out, exist_ok=True)
    seeds = {
        "nonsolid_deflate.exe": nonsolid("deflate"),
        "nonsolid_deflate_pe.exe": nonsolid("deflate", real_pe=True),
        "nonsolid_lzma_unicode.exe": nonsolid("lzma", unicode=True),
        "nonsolid_stored.exe": nonsolid("stored"),
        "solid_lzma.exe": solid("lzma"),
        "solid_lzma_unicode.exe": solid("lzma", unicode=True),
        "solid_lzma_bcj.exe": solid("lzma", flag=1, bcj=True),
        "solid_deflate.exe": solid("deflate"),
        "solid_bzip2.exe": installer(b"\x31\x09" + bytes(range(40)), 100, flags=4),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
