#!/usr/bin/env python3
"""Seed corpora for fmt_mail_fuzzer and fmt_binhex_fuzzer.

    python3 tests/fuzz/gen_mail_corpus.py     (writes tests/fuzz/corpus/fmt_{mail,binhex}/)

Small generated inputs that reach every branch a fuzzer should start from:
multipart nesting, the transfer encodings, RFC 2231/2047 names, mbox,
message/rfc822, yEnc, and BinHex with run-length coding and both forks.
"""
import base64
import binascii
import os
import quopri

HERE = os.path.dirname(os.path.abspath(__file__))
PAYLOAD = bytes((i * 37 + 11) & 0xFF for i in range(300)) + b"MZ\x90\x00" * 8
HEAD = b"From: a@example.com\nTo: b@example.com\nSubject: s\nMIME-Version: 1.0\n"


def b64(data):
    return base64.encodebytes(data)


def yenc(data, name):
    out = bytearray(b"=ybegin line=128 size=%d name=%s\n" % (len(data), name))
    col = 0
    for c in data:
        c = (c + 42) & 0xFF
        if c in (0, 10, 13, 0x3D):
            out += bytes([0x3D, (c + 64) & 0xFF])
            col += 2
        else:
            out.append(c)
            col += 1
        if col >= 128:
            out += b"\n"
            col = 0
    return bytes(out) + b"\n=yend size=%d\n" % len(data)


def mail_seeds():
    att = (b"Content-Type: application/octet-stream; name=\"a.exe\"\n"
           b"Content-Transfer-Encoding: base64\n\n" + b64(PAYLOAD))
    yield "multipart_base64.eml", (HEAD + b"Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
                                   b"--b1\nContent-Type: text/plain\n\nhi\n--b1\n" + att + b"--b1--\n")
    yield "nested.eml", (HEAD + b"Content-Type: multipart/mixed; boundary=o\n\n--o\n"
                         b"Content-Type: multipart/alternative; boundary=i\n\n--i\n"
                         b"Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n"
                         b"<p>caf=C3=A9 =\nsoft</p>\n--i--\n--o \n" + att + b"--o--\n")
    yield "rfc2231.eml", (HEAD + b"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                          b"Content-Disposition: attachment; filename*0*=utf-8''cl%61m;\n"
                          b" filename*1=\".exe\"\nContent-Transfer-Encoding: quoted-printable\n\n"
                          + quopri.encodestring(PAYLOAD) + b"\n--b\n"
                          b"Content-Type: application/x; name=\"=?utf-8?Q?x=2Ebin?=\"\n"
                          b"Content-Transfer-Encoding: base64\n\nQUJD\n--b--\n")
    yield "rfc822.eml", (HEAD + b"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                         b"Content-Type: message/rfc822\n\n" + HEAD +
                         b"Content-Type: multipart/mixed; boundary=c\n\n--c\n" + att +
                         b"--c--\n--b--\n")
    yield "digest.eml", (HEAD + b"Content-Type: multipart/digest; boundary=d\n\n--d\n\n" +
                         HEAD + b"\nbody\n--d--\n")
    yield "single_base64.mbox", (b"From x@example.com  Thu Jul 31 13:49:50 2008\n" + HEAD +
                                 b"Content-Type: application/octet-stream\n"
                                 b"Content-Transfer-Encoding: base64\n\n" + b64(PAYLOAD))
    msgs = b""
    for i in range(3):
        msgs += (b"From x@example.com  Thu Jul 31 13:49:50 2008\n" + HEAD +
                 b"\nmessage %d\n\n" % i)
    yield "three.mbox", msgs
    yield "yenc.eml", HEAD + b"\ntext\n" + yenc(PAYLOAD, b"y.bin") + b"after\n"
    yield "uu.eml", (HEAD + b"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                     b"Content-Type: application/octet-stream; name=u\n"
                     b"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 u\n" +
                     binascii.b2a_uu(PAYLOAD[:45]) + b"`\nend\n--b--\n")
    yield "broken.eml", (HEAD + b"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                         b"\nno headers\n--b\nContent-Transfer-Encoding: base64\n\n"
                         b"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA")
    yield "binhex_part.eml", (HEAD + b"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                              b"Content-Type: text/plain\n\n" + binhex_text(b"m.bin", PAYLOAD, b"")
                              + b"--b--\n")


def crc16(data):
    crc = 0
    for c in data:
        crc ^= c << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def binhex_stream(name, data, rsrc):
    h = bytes([len(name)]) + name + b"\0" + b"APPLTEXT\0\0"
    h += len(data).to_bytes(4, "big") + len(rsrc).to_bytes(4, "big")
    out = h + crc16(h).to_bytes(2, "big")
    out += data + crc16(data).to_bytes(2, "big")
    out += rsrc + crc16(rsrc).to_bytes(2, "big")
    return out


def rle(data):
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        run = 1
        while i + run < len(data) and data[i + run] == c and run < 255:
            run += 1
        out += bytes([c, 0]) if c == 0x90 else bytes([c])
        if run >= 3:
            out += bytes([0x90, run])
        elif run == 2:
            out += bytes([c, 0]) if c == 0x90 else bytes([c])
        i += run
    return bytes(out)


ALPHA = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"


def binhex_text(name, data, rsrc, before=b"", raw=None):
    s = raw if raw is not None else rle(binhex_stream(name, data, rsrc))
    chars = bytearray()
    for i in range(0, len(s), 3):
        chunk = s[i:i + 3]
        v = int.from_bytes(chunk.ljust(3, b"\0"), "big")
        n = len(chunk) + 1
        for k in range(n):
            chars.append(ALPHA[(v >> (18 - 6 * k)) & 63])
    lines = b"\n".join(bytes(chars[i:i + 64]) for i in range(0, len(chars), 64))
    return before + b"(This file must be converted with BinHex 4.0)\n\n:" + lines + b":\n"


def binhex_seeds():
    runs = b"A" * 300 + b"\x90B\x90\x90" + b"\x90" * 20 + bytes(range(200)) + b"\x90"
    yield "both_forks.hqx", binhex_text(b"clam.exe", PAYLOAD, runs)
    yield "data_only.hqx", binhex_text(b"d", runs, b"")
    yield "after_mail.hqx", binhex_text(b"m", PAYLOAD, b"", HEAD + b"\n")
    cut = binhex_text(b"cut.bin", PAYLOAD, runs)
    yield "truncated.hqx", cut[:len(cut) // 2]
    bomb = b"\x01b\0APPLTEXT\0\0\xff\xff\xff\xff\xff\xff\xff\xff\0\0A" + b"\x90\xff" * 2000
    yield "bomb.hqx", binhex_text(b"", b"", b"", raw=bomb)


def write(sub, seeds):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds:
        assert len(data) <= 65536
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("fmt_mail", mail_seeds())
    write("fmt_binhex", binhex_seeds())
