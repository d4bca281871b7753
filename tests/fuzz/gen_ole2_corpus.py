#!/usr/bin/env python3
"""Seed corpus for fmt_ole2_fuzzer: small OLE2 (MS-CFB) files.

    python3 tests/fuzz/gen_ole2_corpus.py [outdir]   (default tests/fuzz/corpus/fmt_ole2)

The writer mirrors tests/fmt/ole2_build.h: header, FAT, directory,
miniFAT, mini stream, then regular streams; each storage's children hang
off its child link as a right-leaning list. Standard library only."""
import os
import struct
import sys
import zlib

FREE, END = 0xFFFFFFFF, 0xFFFFFFFE
MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def build(entries, shift=9):
    """entries: list of (name:str|list[int], type 1|2, parent index, data bytes); root is implicit."""
    ssz = 1 << shift
    per = ssz // 4
    ents = [{"name": "Root Entry", "type": 5, "parent": -1, "data": b""}]
    for name, typ, parent, data in entries:
        ents.append({"name": name, "type": typ, "parent": parent, "data": data or b""})
    for e in ents:
        e["left"] = e["right"] = e["child"] = FREE
    for i, e in enumerate(ents[1:], 1):
        p = ents[e["parent"]]
        if p["child"] == FREE:
            p["child"] = i
        else:
            k = p["child"]
            while ents[k]["right"] != FREE:
                k = ents[k]["right"]
            ents[k]["right"] = i
    mini = bytearray()
    minifat = []
    regular = []
    for e in ents[1:]:
        d = e["data"]
        e["start"], e["size"] = 0, len(d)
        if e["type"] != 2 or not d:
            e["start"] = END if e["type"] == 2 else 0
            continue
        if len(d) < 4096:
            e["start"] = len(mini) // 64
            n = (len(d) + 63) // 64
            minifat += [e["start"] + j + 1 for j in range(n - 1)] + [END]
            mini += d + b"\0" * (n * 64 - len(d))
        else:
            regular.append(e)
    ndir = (len(ents) * 128 + ssz - 1) // ssz
    nmstream = (len(mini) + ssz - 1) // ssz
    nminifat = (len(minifat) * 4 + ssz - 1) // ssz
    nreg = sum((len(e["data"]) + ssz - 1) // ssz for e in regular)
    other = ndir + nmstream + nminifat + nreg
    nfat = 1
    while (other + nfat + per - 1) // per != nfat:
        nfat = (other + nfat + per - 1) // per
    assert nfat <= 109
    fat = [0xFFFFFFFD] * nfat
    sectors = [b""] * nfat

    def chain(blobs):
        start = len(fat)
        for j, b in enumerate(blobs):
            fat.append(start + j + 1 if j + 1 < len(blobs) else END)
            sectors.append(b)
        return start if blobs else END

    def split(b):
        return [b[i:i + ssz] for i in range(0, len(b), ssz)]

    dir_start = len(fat)
    dir_blobs_at = len(sectors)
    chain([b""] * ndir)
    minifat_start = chain(split(b"".join(struct.pack("<I", x) for x in minifat)))
    ministream_start = chain(split(bytes(mini)))
    for e in regular:
        e["start"] = chain(split(e["data"]))
    ents[0]["start"], ents[0]["size"] = ministream_start, len(mini)
    d = bytearray()
    for e in ents:
        name = e["name"]
        units = [ord(c) for c in name] if isinstance(name, str) else list(name)
        nb = b"".join(struct.pack("<H", u) for u in units)
        ent = nb + b"\0" * (64 - len(nb))
        ent += struct.pack("<HBBIII", (len(units) + 1) * 2, e["type"], 1, e["left"], e["right"], e["child"])
        ent += b"\0" * 36 + struct.pack("<IQ", e["start"], e["size"])
        d += ent
    while len(d) % ssz:
        d += b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, FREE, FREE, FREE) + b"\0" * 48
    for j, b in enumerate(split(bytes(d))):
        sectors[dir_blobs_at + j] = b
    fat += [FREE] * (nfat * per - len(fat))
    fatb = b"".join(struct.pack("<I", x) for x in fat)
    for j in range(nfat):
        sectors[j] = fatb[j * ssz:(j + 1) * ssz]
    h = MAGIC + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3 if shift == 9 else 4, 0xFFFE, shift, 6)
    h += b"\0" * 6 + struct.pack("<IIIIIIIII", ndir if shift == 12 else 0, nfat, dir_start, 0, 4096,
                                 minifat_start if minifat else END, nminifat, END, 0)
    h += b"".join(struct.pack("<I", j if j < nfat else FREE) for j in range(109))
    h += b"\0" * (ssz - len(h))
    return h + b"".join(s + b"\0" * (ssz - len(s)) for s in sectors)


def ole10native(label, data):
    b = struct.pack("<H", 2) + label + b"\0" + b"C:\\x\\" + label + b"\0" + struct.pack("<HH", 0, 3)
    tmp = b"C:\\Temp\\" + label + b"\0"
    b += struct.pack("<I", len(tmp)) + tmp + struct.pack("<I", len(data)) + data
    return struct.pack("<I", len(b)) + b


def ovba_compress(data):
    out = bytearray(b"\x01")
    for cs in range(0, len(data), 4096):
        chunk = data[cs:cs + 4096]
        body = bytearray()
        p = 0
        while p < len(chunk):
            flag_at = len(body)
            body.append(0)
            for b in range(8):
                if p >= len(chunk):
                    break
                bits = 4
                while bits < 12 and (1 << bits) < p:
                    bits += 1
                maxlen, maxoff = (0xFFFF >> bits) + 3, 1 << bits
                best = boff = 0
                for off in range(1, min(p, maxoff) + 1):
                    n = 0
                    while n < maxlen and p + n < len(chunk) and chunk[p + n] == chunk[p + n - off]:
                        n += 1
                    if n > best:
                        best, boff = n, off
                if best >= 3:
                    body += struct.pack("<H", (boff - 1) << (16 - bits) | (best - 3))
                    body[flag_at] |= 1 << b
                    p += best
                else:
                    body.append(chunk[p])
                    p += 1
        out += struct.pack("<H", 0xB000 | (len(body) - 1)) + body
    return bytes(out)


def rec(typ, body, ver=0, inst=0):
    return struct.pack("<HHI", ver | inst << 4, typ, len(body)) + body


def dir_stream(modules):
    r = lambda i, b: struct.pack("<HI", i, len(b)) + b
    d = r(1, struct.pack("<I", 1)) + r(3, struct.pack("<H", 1252)) + r(4, b"VBAProject")
    d += struct.pack("<HIIH", 9, 4, 1, 2) + r(0x0F, struct.pack("<H", len(modules))) + r(0x13, b"\xff\xff")
    for name, off in modules:
        d += r(0x19, name) + r(0x47, name.decode().encode("utf-16le")) + r(0x1A, name)
        d += r(0x32, name.decode().encode("utf-16le")) + r(0x31, struct.pack("<I", off))
        d += r(0x21, b"") + r(0x2B, b"")
    return ovba_compress(d + r(0x10, b""))


def msi_name(s, table):
    tab = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
    u = [0x4840] if table else []
    for i in range(0, len(s), 2):
        a = tab.index(s[i])
        u.append(0x3800 + a + (tab.index(s[i + 1]) << 6) if i + 1 < len(s) else 0x4800 + a)
    return u


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "fmt_ole2")
    os.makedirs(out, exist_ok=True)
    text = b"".join(b"line %d of a document\r\n" % i for i in range(300))
    files = {}
    files["package.doc"] = build([
        ("WordDocument", 2, 0, text[:5000]), ("ObjectPool", 1, 0, None), ("_1234", 1, 2, None),
        ("\x01CompObj", 2, 3, b"compobj"), ("\x01Ole10Native", 2, 3, ole10native(b"clam.exe", b"MZ" + text[:500])),
        ("\x05SummaryInformation", 2, 0, b"\xfe\xff" + b"\0" * 46)])
    files["v4.doc"] = build([("Data", 1, 0, None), ("mini", 2, 1, text[:700]), ("regular", 2, 1, text[:4500])], 12)
    src = b'Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\n' + text[:1500] + b"End Sub\r\n"
    files["vba.doc"] = build([
        ("WordDocument", 2, 0, b"doc"), ("Macros", 1, 0, None), ("VBA", 1, 2, None),
        ("_VBA_PROJECT", 2, 3, b"\xcc\x61\xff\xff\x00"), ("dir", 2, 3, dir_stream([(b"Module1", 16)])),
        ("Module1", 2, 3, b"\0" * 16 + ovba_compress(src))])
    inner = build([("\x01Ole10Native", 2, 0, ole10native(b"a.txt", b"embedded text"))])
    z = zlib.compress(inner, 9)
    ppt = rec(0x03E8, rec(0x03E9, b"\0" * 4, 1), 0xF) + rec(0x1011, struct.pack("<I", len(inner)) + z, 0, 1)
    ppt += rec(0x0FF0, rec(0x1011, b"stored object"), 0xF)
    files["ppt.ppt"] = build([("Current User", 2, 0, b"cu"), ("PowerPoint Document", 2, 0, ppt)])
    files["msi.msi"] = build([(msi_name("_Tables", True), 2, 0, b"tables"),
                              (msi_name("Data1.cab", False), 2, 0, b"MSCF" + b"\0" * 60)])
    loop = bytearray(build([("WordDocument", 2, 0, text[:5000]), ("s", 1, 0, None), ("x", 2, 2, b"xx")]))
    struct.pack_into("<I", loop, 512 + 4 * 6, 4)          # FAT: a loop inside WordDocument's chain
    struct.pack_into("<I", loop, 512 * 2 + 128 * 3 + 72, 2)  # directory: x's sibling is its own storage
    files["hostile_loop.doc"] = bytes(loop)
    files["truncated.doc"] = files["package.doc"][:len(files["package.doc"]) - 700]
    for name, data in files.items():
        assert len(data) <= 65536, name
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
