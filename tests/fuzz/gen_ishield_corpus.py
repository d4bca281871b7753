#!/usr/bin/env python3
"""Seed corpus for fmt_ishield_fuzzer: small PE stubs whose overlay holds
an InstallShield MSI setup (records obfuscated with their name, zlib or
stored) or an older setup (string entries, with an ISc( cabinet of deflate
chunks in data1.hdr + data2.cab). Each file stays far below 64 KiB.

    python3 tests/fuzz/gen_ishield_corpus.py tests/fuzz/corpus/fmt_ishield
"""
import os
import struct
import sys
import zlib

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SKEY = b"\xec\xca\x79\xf8"


def pe_stub():
    b = bytearray(0x400)
    b[0:2] = b"MZ"
    struct.pack_into("<I", b, 0x3C, 0x40)
    b[0x40:0x44] = b"PE\0\0"
    struct.pack_into("<HH", b, 0x44, 0x14C, 1)
    b[0x58:0x5D] = b".text"
    struct.pack_into("<II", b, 0x58 + 16, 0x200, 0x200)
    return bytes(b)


def msi_record(name, data, compress=True, csize=None):
    z = zlib.compress(data, 9) if compress else data
    nb = name.encode()
    key = bytes(c ^ SKEY[i & 3] for i, c in enumerate(nb))
    enc = bytes(
        ((((c ^ key[(i & 0x3FF) % len(key)]) >> 4) | ((c ^ key[(i & 0x3FF) % len(key)]) << 4)) & 0xFF)
        for i, c in enumerate(z)
    )
    rec = nb.ljust(0x104, b"\0") + struct.pack("<IIQII", 6, 0, len(z) if csize is None else csize, 0, 1)
    rec += b"\0" * 28
    return rec + enc


def msi_setup(records, count=None):
    out = pe_stub() + b"NB10\0\0\0\0x\x030J\x01\0\0\0C:\\setupW.pdb\0InstallShield\0"
    out += struct.pack("<I", len(records) if count is None else count) + b"\0" * 28
    return out + b"".join(records)


def entry(name, data, declared=None):
    n = len(data) if declared is None else declared
    return b"%s\0Disk1\\%s\0" % (name, name) + b"0.0.0.0\0%d\0" % n + data


def chunks(data):
    out = b""
    for o in range(0, len(data), 32768):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        z = c.compress(data[o:o + 32768]) + c.flush(zlib.Z_SYNC_FLUSH)
        out += struct.pack("<H", len(z)) + z
    return out


def cabinet(files, dirname=b"Program"):
    common = b"ISc(" + struct.pack("<IIII", 0x01009500, 0, 0x200, 0)
    cab = bytearray(common.ljust(0x200, b"\0"))
    descs = []
    for name, data, flags in files:
        off = len(cab)
        cab += chunks(data) if flags & 4 else data
        descs.append((name, data, flags, off, len(cab) - off))
    table = bytearray(struct.pack("<I", 4) + dirname + b"\0")
    name_offs = []
    for name, *_ in descs:
        name_offs.append(len(table))
        table += name + b"\0"
    table = table.ljust(0x100, b"\0")
    for name, data, flags, off, csize in descs:
        d = struct.pack("<HQQQ", flags, len(data), csize, off) + b"\0" * 32
        d += struct.pack("<IH", name_offs.pop(0), 0) + b"\0" * 21 + struct.pack("<H", 2)
        assert len(d) == 0x57
        table += d
    cd = bytearray(0x30)
    struct.pack_into("<I", cd, 0x0C, 0x30)
    struct.pack_into("<I", cd, 0x1C, 1)
    struct.pack_into("<I", cd, 0x28, len(descs))
    struct.pack_into("<I", cd, 0x2C, 0x100)
    hdr = common.ljust(0x200, b"\0") + bytes(cd) + bytes(table)
    return bytes(hdr), bytes(cab)


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    text = b"[Startup]\r\nProduct=Test\r\n" * 40
    hdr, cab = cabinet([(b"eicar.com", EICAR, 4), (b"readme.txt", text, 4), (b"raw.bin", EICAR, 0)])
    seeds = {
        "msi_one": msi_setup([msi_record("eicar.com", EICAR)]),
        "msi_three": msi_setup([
            msi_record("Setup.ini", text),
            msi_record("eicar.com", EICAR),
            msi_record("stored.bin", EICAR, compress=False),
        ]),
        "msi_badlen": msi_setup([msi_record("a.exe", EICAR, csize=7), msi_record("b", text)], count=9),
        "setup_plain": pe_stub() + entry(b"setup.ini", text) + entry(b"eicar.com", EICAR),
        "setup_cab": pe_stub() + entry(b"data1.hdr", hdr) + entry(b"data2.cab", cab)
        + entry(b"setup.ini", text),
        "setup_cut": (pe_stub() + entry(b"data1.hdr", hdr) + entry(b"data2.cab", cab))[:-40],
    }
    for name, data in seeds.items():
        assert len(data) <= 65536
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/fmt_ishield")
