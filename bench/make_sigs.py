#!/usr/bin/env python3
"""Synthetic signature sets, in ClamAV and YARA formats, plus planted files.

    python3 bench/make_sigs.py --body 1000 --hash 100000 [--corpus bench/work/corpus]

Writes bench/work/sigs-N-M/ (N body signatures, M hash signatures):

    bench.ndb            body signatures   Name:0:*:hexsig   (ClamAV)
    bench.hsb            SHA-256 hashes    sha256:size:Name  (ClamAV)
    bench.hdb            MD5 hashes        md5:size:Name     (ClamAV)
    bench.yar            the same rules for YARA: body signatures as hex strings
                         with the same wildcards/nibbles/jumps/alternatives, hash
                         signatures in the fastest faithful encoding (--yara-hash,
                         default "tree"; see bench/README.md)
    bench-perrule.yar    hash signatures as one rule each (only if M <= 200000)
    planted.json         the detections every tool must report
    sigs.json            parameters and statistics of the set

ClamAV's -d DIR would also load *.yar files, so the tools are given the files
explicitly (run.sh does that).

Body signatures (half each by default, --real-fraction):
  * random: 1-3 segments of 8-24 random bytes with `??`, `a?`, `?a`,
    `(aa|bb)`, joined by `{n-m}`, `{n}` or `*`;
  * real: a 16-40 byte slice of a corpus file (ELF or text, picked by size),
    with up to 3 wildcards/nibbles, sometimes a `{n-m}` gap or an alternative.
    So their fixed runs have the byte statistics of clean files, which is what
    strains a prefilter. All but --real-exact of them (default 1 %) then get one
    fixed byte changed, so they hit the prefilter on clean files but do not
    flag half the corpus; the exact ones are cut only where their bytes occur
    in at most --exact-max-files corpus files (default 2), and flag those.

Hash signatures: M random digests (--md5-fraction of them MD5, the rest
SHA-256) whose sizes are real corpus file sizes, so a size prefilter cannot
skip the hash computation on most files.

Planted files (corpus/planted/, identical for every set: they depend on the
corpus and --seed only, not on N or M):
  planted/p-body-*.bin   random filler with an instance of a planted body sig
  planted/p-hash-*.bin   random content whose SHA-256/MD5 is a planted hash sig
  planted/containers/    a .zip and a .tar.gz holding a planted object; only
                         engines that unpack archives (clamscan, vigil) can
                         find these -- yara cannot, by design.
Every plain planted file must be reported by every tool.

Only the Python 3 standard library is used; all randomness is seeded.
"""
import argparse
import bisect
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tarfile
import zipfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
FIXED_MTIME = 1700000000

N_PLANTED_RANDOM = 4
N_PLANTED_REAL = 4
N_PLANTED_SHA = 4
N_PLANTED_MD5 = 2

# ---------------------------------------------------------------- tokens
# ('b', v)            fixed byte
# ('any',)            ??
# ('hi', n)           n?   (high nibble fixed)
# ('lo', n)           ?n   (low nibble fixed)
# ('alt', [bytes..])  (aa|bb) equal-length alternatives
# ('gap', lo, hi)     {lo-hi} / {n}; hi None means '*'


def render_clam(toks):
    out = []
    for t in toks:
        k = t[0]
        if k == "b":
            out.append("%02x" % t[1])
        elif k == "any":
            out.append("??")
        elif k == "hi":
            out.append("%x?" % t[1])
        elif k == "lo":
            out.append("?%x" % t[1])
        elif k == "alt":
            out.append("(" + "|".join(a.hex() for a in t[1]) + ")")
        elif k == "gap":
            if t[2] is None:
                out.append("*")
            elif t[1] == t[2]:
                out.append("{%d}" % t[1])
            else:
                out.append("{%d-%d}" % (t[1], t[2]))
    return "".join(out)


def render_yara(toks):
    out = []
    for t in toks:
        k = t[0]
        if k == "b":
            out.append("%02X" % t[1])
        elif k == "any":
            out.append("??")
        elif k == "hi":
            out.append("%X?" % t[1])
        elif k == "lo":
            out.append("?%X" % t[1])
        elif k == "alt":
            out.append("( " + " | ".join(" ".join("%02X" % c for c in a) for a in t[1]) + " )")
        elif k == "gap":
            if t[2] is None:
                out.append("[-]")
            elif t[1] == t[2]:
                out.append("[%d]" % t[1])
            else:
                out.append("[%d-%d]" % (t[1], t[2]))
    return "{ " + " ".join(out) + " }"


def instantiate(toks, rng):
    """Bytes that match the signature."""
    out = bytearray()
    for t in toks:
        k = t[0]
        if k == "b":
            out.append(t[1])
        elif k == "any":
            out.append(rng.randrange(256))
        elif k == "hi":
            out.append((t[1] << 4) | rng.randrange(16))
        elif k == "lo":
            out.append((rng.randrange(16) << 4) | t[1])
        elif k == "alt":
            out += rng.choice(t[1])
        elif k == "gap":
            hi = t[2] if t[2] is not None else t[1] + 200
            out += bytes(rng.randrange(256) for _ in range(rng.randint(t[1], hi)))
    return bytes(out)


def segments(toks):
    segs, cur = [], []
    for t in toks:
        if t[0] == "gap":
            segs.append(cur)
            cur = []
        else:
            cur.append(t)
    segs.append(cur)
    return segs


def valid(toks):
    """Shape both ClamAV and YARA accept without complaint: every segment
    between gaps has >= 4 tokens, starts with two fixed bytes, ends with one."""
    for s in segments(toks):
        if len(s) < 4 or s[0][0] != "b" or s[1][0] != "b" or s[-1][0] != "b":
            return False
        if sum(1 for t in s if t[0] == "b") < 3:
            return False
    return True


def rand_segment(rng):
    L = rng.randint(8, 24)
    toks = []
    for i in range(L):
        if 2 <= i < L - 1:
            r = rng.random()
            if r < 0.06:
                toks.append(("any",))
                continue
            if r < 0.09:
                toks.append(("hi", rng.randrange(16)))
                continue
            if r < 0.12:
                toks.append(("lo", rng.randrange(16)))
                continue
            if r < 0.15:
                w = rng.choice([1, 1, 2])
                n = rng.choice([2, 2, 3])
                alts = []
                while len(alts) < n:
                    a = bytes(rng.randrange(256) for _ in range(w))
                    if a not in alts:
                        alts.append(a)
                toks.append(("alt", alts))
                continue
        toks.append(("b", rng.randrange(256)))
    return toks


def gen_random(rng):
    while True:
        nseg = rng.choice([1, 1, 2, 2, 3])
        toks = rand_segment(rng)
        for _ in range(nseg - 1):
            r = rng.random()
            if r < 0.70:
                lo = rng.randint(0, 8)
                toks.append(("gap", lo, lo + rng.randint(1, 32)))
            elif r < 0.85:
                n = rng.randint(1, 16)
                toks.append(("gap", n, n))
            else:
                toks.append(("gap", 0, None))
            toks += rand_segment(rng)
        if valid(toks):
            return toks


class Corpus:
    def __init__(self, corpus_dir):
        self.dir = corpus_dir
        mpath = corpus_dir.rstrip("/") + ".manifest.tsv"
        if not os.path.exists(mpath):
            sys.exit("no manifest %s: run bench/make_corpus.py first" % mpath)
        self.files = defaultdict(list)  # kind -> [(rel, size)]
        self.sizes = []
        with open(mpath) as f:
            next(f)
            for line in f:
                kind, rel, size, sha, src = line.rstrip("\n").split("\t")
                size = int(size)
                self.files[kind].append((rel, size))
                if size > 0:  # ClamAV refuses a hash signature of size 0
                    self.sizes.append(size)
        self.cum = {}
        for k, lst in self.files.items():
            c, acc = [], 0
            for _, s in lst:
                acc += s
                c.append(acc)
            self.cum[k] = c

    def pick_file(self, rng, kind):
        c = self.cum[kind]
        i = bisect.bisect_right(c, rng.randrange(c[-1]))
        return self.files[kind][i]

    def slice(self, rng, kind, L):
        for _ in range(200):
            rel, size = self.pick_file(rng, kind)
            if size < L + 8:
                continue
            off = rng.randrange(0, size - L)
            with open(os.path.join(self.dir, rel), "rb") as f:
                f.seek(off)
                b = f.read(L)
            if len(set(b)) >= 6:
                return rel, off, b
        raise RuntimeError("could not find a usable slice in %s files" % kind)


class Uniq:
    """How many corpus files (ELF and text, read once into memory) contain
    a byte string. Used so that an exact "real" signature flags its source
    file and not every man page that shares its boilerplate."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.big = None

    def load(self):
        parts, self.offsets, pos = [], [], 0
        for kind in ("elf", "text"):
            for rel, size in self.corpus.files.get(kind, []):
                with open(os.path.join(self.corpus.dir, rel), "rb") as f:
                    b = f.read()
                self.offsets.append(pos)
                parts.append(b)
                pos += len(b) + 1
        self.offsets.append(pos)
        self.big = b"\0".join(parts)

    def files_with(self, needle, limit):
        if self.big is None:
            self.load()
        found, pos = 0, 0
        while found <= limit:
            i = self.big.find(needle, pos)
            if i < 0:
                break
            found += 1
            f = bisect.bisect_right(self.offsets, i) - 1
            pos = self.offsets[f + 1]
        return found


def gen_real(rng, corpus, exact, elf_share=0.5, uniq=None, max_files=2):
    kind = "elf" if rng.random() < elf_share else "text"
    while True:
        L = rng.randint(16, 40)
        rel, off, data = corpus.slice(rng, kind, L)
        if exact and uniq is not None and uniq.files_with(data, max_files) > max_files:
            continue
        toks = [("b", c) for c in data]
        # a gap over an interior run (still matches the source)
        if rng.random() < 0.25 and L >= 16:
            i = rng.randint(5, L - 11)
            r = rng.randint(1, 6)
            lo = max(0, r - rng.randint(0, 2))
            toks = toks[:i] + [("gap", lo, r + rng.randint(0, 4))] + toks[i + r:]
        # a few wildcards / nibbles keeping the source byte matching
        for _ in range(rng.randint(0, 3)):
            j = rng.randint(2, len(toks) - 2)
            if toks[j][0] != "b":
                continue
            v = toks[j][1]
            toks[j] = rng.choice([("any",), ("hi", v >> 4), ("lo", v & 15)])
        if rng.random() < 0.10:
            j = rng.randint(2, len(toks) - 2)
            if toks[j][0] == "b":
                other = (toks[j][1] + rng.randint(1, 255)) % 256
                alts = [bytes([toks[j][1]]), bytes([other])]
                rng.shuffle(alts)
                toks[j] = ("alt", alts)
        if not exact:
            fixed = [j for j in range(2, len(toks) - 1) if toks[j][0] == "b"]
            if not fixed:
                continue
            j = rng.choice(fixed)
            toks[j] = ("b", toks[j][1] ^ rng.randint(1, 255))
        if valid(toks):
            return toks, kind, rel, off


def rand_hex(rng, bits):
    return ("%0" + str(bits // 4) + "x") % rng.getrandbits(bits)


# --------------------------------------------------------- yara hash rules

def yara_hash_cond(kind, h):
    return 'hash.%s(0, filesize) == "%s"' % (kind, h)


def yara_hash_rules(hashes, encoding):
    """hashes: list of (name, kind 'sha256'|'md5', hex, size)."""
    out = []
    if encoding == "per-rule":
        for name, kind, h, size in hashes:
            out.append("rule %s { condition: filesize == %d and %s }\n"
                       % (yname(name), size, yara_hash_cond(kind, h)))
        return out
    bysize = defaultdict(list)
    for name, kind, h, size in hashes:
        bysize[size].append((kind, h))
    if encoding == "by-size":
        for size in sorted(bysize):
            conds = " or ".join(yara_hash_cond(k, h) for k, h in bysize[size])
            out.append("rule Bench_Hash_size_%d { condition: filesize == %d and ( %s ) }\n"
                       % (size, size, conds))
        return out
    if encoding == "tree":
        keys = sorted(bysize)

        def leaf(size):
            return "(filesize == %d and (%s))" % (
                size, " or ".join(yara_hash_cond(k, h) for k, h in bysize[size]))

        def tree(lo, hi):
            if hi - lo == 1:
                return leaf(keys[lo])
            mid = (lo + hi) // 2
            return "(filesize < %d and %s) or (filesize >= %d and %s)" % (
                keys[mid], tree(lo, mid), keys[mid], tree(mid, hi))
        if keys:
            out.append("rule Bench_Hash { condition: %s }\n" % tree(0, len(keys)))
        return out
    raise ValueError(encoding)


def file_sha256(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def planted_digest(corpus_dir):
    """Digest of corpus/planted (names and contents), to detect stale sets."""
    h = hashlib.sha256()
    top = os.path.join(corpus_dir, "planted")
    for d, dirs, fs in sorted(os.walk(top)):
        dirs.sort()
        for f in sorted(fs):
            p = os.path.join(d, f)
            h.update(os.path.relpath(p, top).encode() + b"\0" + file_sha256(p).encode())
    return h.hexdigest()


def yname(name):
    return name.replace(".", "_")


# ---------------------------------------------------------------- main

def write_planted(corpus, seed, uniq, max_files):
    """Planted signatures and files; independent of N and M."""
    rng = random.Random("planted-%d" % seed)
    body, hashes, plain, container = [], [], [], []
    pdir = os.path.join(corpus.dir, "planted")
    if os.path.isdir(pdir):
        shutil.rmtree(pdir)
    os.makedirs(os.path.join(pdir, "containers"))

    def body_file(name, toks, rel):
        filler = rng.randbytes(rng.randint(2000, 100000))
        inst = instantiate(toks, rng)
        off = rng.randrange(len(filler))
        data = filler[:off] + inst + filler[off:]
        with open(os.path.join(corpus.dir, rel), "wb") as f:
            f.write(data)
        return data

    k = 0
    for i in range(N_PLANTED_RANDOM):
        k += 1
        name = "Bench.Planted.Body%02d" % k
        toks = gen_random(rng)
        body.append((name, toks))
        rel = "planted/p-body-%02d.bin" % k
        body_file(name, toks, rel)
        plain.append({"path": rel, "sig": name, "type": "body-random"})
    for i in range(N_PLANTED_REAL):
        k += 1
        name = "Bench.Planted.Body%02d" % k
        toks, kind, src, off = gen_real(rng, corpus, exact=True, uniq=uniq,
                                        max_files=max_files)
        body.append((name, toks))
        rel = "planted/p-body-%02d.bin" % k
        body_file(name, toks, rel)
        plain.append({"path": rel, "sig": name, "type": "body-real",
                      "cut_from": "%s@%d" % (src, off)})
    for i in range(N_PLANTED_SHA + N_PLANTED_MD5):
        kind = "sha256" if i < N_PLANTED_SHA else "md5"
        name = "Bench.Planted.Hash%02d" % (i + 1)
        data = rng.randbytes(rng.randint(1000, 300000))
        h = hashlib.new(kind, data).hexdigest()
        rel = "planted/p-hash-%02d.bin" % (i + 1)
        with open(os.path.join(corpus.dir, rel), "wb") as f:
            f.write(data)
        hashes.append((name, kind, h, len(data)))
        plain.append({"path": rel, "sig": name, "type": "hash-" + kind})

    # containers: a zip with a body instance, a tar.gz with a hashed member
    name = "Bench.Planted.BodyC1"
    toks = gen_random(rng)
    body.append((name, toks))
    # compressible filler, so deflate emits Huffman-coded blocks and the
    # signature bytes do not appear verbatim in the .zip (random filler would
    # be "stored" and a non-unpacking scanner would see it)
    filler = b"".join(b"line %06d: the quick brown fox jumps over the lazy dog\n" % i
                      for i in range(800))
    inst = instantiate(toks, rng)
    member = filler[:20000] + inst + filler[20000:]
    rel = "planted/containers/p-cont-01.zip"
    with zipfile.ZipFile(os.path.join(corpus.dir, rel), "w", zipfile.ZIP_DEFLATED) as zf:
        zi = zipfile.ZipInfo("inner/dropper.bin", date_time=(2023, 11, 14, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(zi, member)
    assert inst not in open(os.path.join(corpus.dir, rel), "rb").read()
    container.append({"path": rel, "sig": name, "type": "body-in-zip"})

    name = "Bench.Planted.HashC1"
    data = rng.randbytes(77777)
    h = hashlib.sha256(data).hexdigest()
    hashes.append((name, "sha256", h, len(data)))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        ti = tarfile.TarInfo("inner/payload.bin")
        ti.size, ti.mtime, ti.mode = len(data), FIXED_MTIME, 0o644
        tf.addfile(ti, io.BytesIO(data))
    rel = "planted/containers/p-cont-02.tar.gz"
    with open(os.path.join(corpus.dir, rel), "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
            gz.write(raw.getvalue())
    container.append({"path": rel, "sig": name, "type": "hash-in-tar.gz"})
    return body, hashes, plain, container


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--body", "-N", type=int, default=1000)
    ap.add_argument("--hash", "-M", type=int, default=100000)
    ap.add_argument("--corpus", default=os.path.join(WORK, "corpus"))
    ap.add_argument("--out", default=None, help="default bench/work/sigs-N-M")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--real-fraction", type=float, default=0.5,
                    help="share of body sigs cut from corpus files (default 0.5)")
    ap.add_argument("--real-exact", type=float, default=0.01,
                    help="share of real sigs left unaltered, so they match their "
                         "source file (default 0.01)")
    ap.add_argument("--exact-max-files", type=int, default=2,
                    help="an exact real sig's bytes may occur in at most this many "
                         "ELF/text corpus files (default 2)")
    ap.add_argument("--md5-fraction", type=float, default=0.1)
    ap.add_argument("--yara-hash", choices=["tree", "by-size", "per-rule"], default="tree",
                    help="encoding of hash sigs in bench.yar (default tree)")
    ap.add_argument("--perrule-max", type=int, default=200000,
                    help="also write bench-perrule.yar when M <= this")
    args = ap.parse_args()

    corpus = Corpus(os.path.abspath(args.corpus))
    out = args.out or os.path.join(WORK, "sigs-%d-%d" % (args.body, args.hash))
    os.makedirs(out, exist_ok=True)

    uniq = Uniq(corpus)
    pbody, phash, plain, container = write_planted(corpus, args.seed, uniq,
                                                   args.exact_max_files)

    rng = random.Random("sigs-%d-%d-%d" % (args.seed, args.body, args.hash))
    nbody = max(0, args.body - len(pbody))
    nreal = int(round(nbody * args.real_fraction))
    nrand = nbody - nreal
    nexact = min(nreal, max(1, int(round(nreal * args.real_exact)))) if nreal else 0
    body = list(pbody)
    stats = defaultdict(int)
    for i in range(nrand):
        body.append(("Bench.Body.Rand.%06d" % (i + 1), gen_random(rng)))
    exact_names = []
    for i in range(nreal):
        if i == 0 or (i + 1) % 2000 == 0:
            print("real signature %d/%d" % (i + 1, nreal), file=sys.stderr)
        ex = i < nexact
        toks, kind, src, off = gen_real(rng, corpus, exact=ex, uniq=uniq,
                                        max_files=args.exact_max_files)
        name = "Bench.Body.Real%s.%06d" % ("X" if ex else "", i + 1)
        body.append((name, toks))
        stats["real_from_" + kind] += 1
        if ex:
            exact_names.append({"sig": name, "cut_from": "%s@%d" % (src, off)})
    for _, toks in body:
        seen = set()
        for t in toks:
            k = t[0] if t[0] != "gap" else ("star" if t[2] is None else "gap")
            seen.add(k)
        for k in seen:
            stats["sigs_with_" + k] += 1

    nhash = max(0, args.hash - len(phash))
    nmd5 = int(round(nhash * args.md5_fraction))
    hashes = list(phash)
    sizes = sorted(set(corpus.sizes))
    for i in range(nhash):
        size = rng.choice(corpus.sizes)
        if i < nmd5:
            hashes.append(("Bench.Hash.Md5.%07d" % (i + 1), "md5", rand_hex(rng, 128), size))
        else:
            hashes.append(("Bench.Hash.Sha256.%07d" % (i + 1), "sha256", rand_hex(rng, 256), size))

    uniq.big = None  # free the memory
    with open(os.path.join(out, "bench.ndb"), "w") as f:
        for name, toks in body:
            f.write("%s:0:*:%s\n" % (name, render_clam(toks)))
    with open(os.path.join(out, "bench.hsb"), "w") as f:
        for name, kind, h, size in hashes:
            if kind == "sha256":
                f.write("%s:%d:%s\n" % (h, size, name))
    with open(os.path.join(out, "bench.hdb"), "w") as f:
        for name, kind, h, size in hashes:
            if kind == "md5":
                f.write("%s:%d:%s\n" % (h, size, name))

    def write_yara(path, encoding):
        with open(path, "w") as f:
            f.write("// generated by bench/make_sigs.py; hash encoding: %s\n" % encoding)
            if hashes:
                f.write('import "hash"\n')
            for name, toks in body:
                f.write("rule %s { strings: $a = %s condition: $a }\n"
                        % (yname(name), render_yara(toks)))
            for line in yara_hash_rules(hashes, encoding):
                f.write(line)

    write_yara(os.path.join(out, "bench.yar"), args.yara_hash)
    perrule = os.path.join(out, "bench-perrule.yar")
    if args.yara_hash != "per-rule" and args.hash <= args.perrule_max:
        write_yara(perrule, "per-rule")
    elif os.path.exists(perrule):
        os.remove(perrule)

    with open(os.path.join(out, "planted.json"), "w") as f:
        json.dump({"plain": plain, "container": container,
                   "exact_real_sigs": exact_names}, f, indent=1)
    info = {
        "body": len(body), "hash": len(hashes), "seed": args.seed,
        "body_random": nrand + N_PLANTED_RANDOM + 1, "body_real": nreal + N_PLANTED_REAL,
        "body_real_exact": nexact, "hash_md5": sum(1 for h in hashes if h[1] == "md5"),
        "hash_sha256": sum(1 for h in hashes if h[1] == "sha256"),
        "hash_distinct_sizes": len(set(h[3] for h in hashes)),
        "corpus_distinct_sizes": len(sizes),
        "yara_hash_encoding": args.yara_hash, "stats": dict(stats),
        "planted_plain": len(plain), "planted_container": len(container),
        "generator_sha256": file_sha256(os.path.abspath(__file__)),
        "planted_digest": planted_digest(corpus.dir),
    }
    with open(os.path.join(out, "sigs.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("signature set written: %s" % out)
    print(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
