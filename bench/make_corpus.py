#!/usr/bin/env python3
"""Build the benchmark corpus from real files on this machine.

    python3 bench/make_corpus.py [--size 1G] [--out bench/work/corpus] [--seed 1]

The corpus is a directory of *copies* (never symlinks) so that every tool
reads exactly the same bytes:

    corpus/elf/      ELF executables and shared libraries (/usr/bin,
                     /usr/lib/x86_64-linux-gnu)
    corpus/text/     source headers, docs, Perl/Python modules, and man pages
                     decompressed from their .gz
    corpus/archive/  .gz files from /usr/share/doc and /usr/share/man, .jar/.zip
                     from /usr/share/java, and .tar.gz/.zip built here from
                     text files (fixed mtimes, so byte-identical on every run);
                     up to 20 % of the bytes -- if the machine has less archive
                     material, the rest is more ELF and text
    corpus/planted/  written later by make_sigs.py (known detections)

Selection is deterministic: candidates are listed in sorted path order,
shuffled with a fixed seed, and taken until each kind's byte budget is used.
The same machine (same installed packages) gives the same corpus; the
manifest (corpus.manifest.tsv next to the corpus) records source path, size
and SHA-256 of each file, and the script prints a digest of it.

Only the Python 3 standard library is used.
"""
import argparse
import gzip
import hashlib
import io
import os
import random
import shutil
import stat
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "work", "corpus")

ELF_DIRS = ["/usr/bin", "/usr/lib/x86_64-linux-gnu"]
TEXT_DIRS = ["/usr/include", "/usr/share/doc", "/usr/share/perl",
             "/usr/share/perl5", "/usr/lib/python3"]
MAN_DIR = "/usr/share/man"
GZ_DIRS = ["/usr/share/doc", "/usr/share/man"]
ZIP_DIRS = ["/usr/share/java"]

# Share of the corpus bytes per kind, and within "archive" per source.
MIX = {"elf": 0.50, "text": 0.30, "archive": 0.20}
ARCHIVE_MIX = {"gz": 0.35, "jar": 0.30, "made": 0.35}
FIXED_MTIME = 1700000000  # 2023-11-14, for members of generated archives


def parse_size(s):
    s = s.strip().upper()
    mult = 1
    for suf, m in (("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30),
                   ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if s.endswith(suf):
            mult, s = m, s[: -len(suf)]
            break
    return int(float(s) * mult)


def walk_files(roots, pred=None):
    """Regular files (no symlinks) under roots, sorted, deduplicated by inode."""
    seen = set()
    out = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            for fn in sorted(filenames):
                p = os.path.join(dirpath, fn)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
                    continue
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    continue
                if not os.access(p, os.R_OK):
                    continue
                if pred is not None and not pred(p, st):
                    continue
                seen.add(key)
                out.append((p, st.st_size))
    return out


def head(p, n):
    try:
        with open(p, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def is_elf(p, st):
    return head(p, 4) == b"\x7fELF"


def is_text(p, st):
    if p.endswith((".gz", ".bz2", ".xz", ".zst", ".zip", ".jar", ".png",
                   ".jpg", ".gif", ".ico", ".pdf", ".pyc", ".mo")):
        return False
    b = head(p, 65536)
    return bool(b) and b"\x00" not in b


def safe_name(idx, src):
    base = os.path.basename(src)
    base = "".join(c if (c.isalnum() or c in "._-+") else "_" for c in base)
    return "%06d-%s" % (idx, base[:80])


def pick(cands, budget, rng, max_file):
    """Shuffle (deterministically) and take files until budget is reached."""
    cands = [c for c in cands if c[1] <= max_file]
    rng.shuffle(cands)
    taken, total = [], 0
    for p, sz in cands:
        if total >= budget:
            break
        if total + sz > budget and budget - total < sz // 2:
            continue  # would overshoot a lot; try a smaller one
        taken.append((p, sz))
        total += sz
    return taken, total


def write_made_archives(out_dir, text_cands, budget, rng, start_idx, manifest):
    """tar.gz and zip built from text files, deterministic bytes."""
    pool = [c for c in text_cands if c[1] <= 256 * 1024]
    rng.shuffle(pool)
    idx, total, n = start_idx, 0, 0
    pos = 0
    while total < budget and pos < len(pool):
        members = []
        msize = 0
        target = rng.choice([256 << 10, 1 << 20, 4 << 20, 8 << 20])
        while pos < len(pool) and msize < target:
            members.append(pool[pos])
            msize += pool[pos][1]
            pos += 1
        kind = "tar.gz" if n % 2 == 0 else "zip"
        name = "%06d-made-%03d.%s" % (idx, n, kind)
        dst = os.path.join(out_dir, name)
        if kind == "tar.gz":
            raw = io.BytesIO()
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
                for i, (p, sz) in enumerate(members):
                    data = open(p, "rb").read()
                    ti = tarfile.TarInfo("%s/%04d-%s" % ("made%03d" % n, i,
                                                          os.path.basename(p)[:60]))
                    ti.size, ti.mtime, ti.mode = len(data), FIXED_MTIME, 0o644
                    ti.uname = ti.gname = "root"
                    tf.addfile(ti, io.BytesIO(data))
            with open(dst, "wb") as f:
                with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0,
                                   compresslevel=6) as gz:
                    gz.write(raw.getvalue())
        else:
            with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
                for i, (p, sz) in enumerate(members):
                    zi = zipfile.ZipInfo("made%03d/%04d-%s" % (n, i, os.path.basename(p)[:60]),
                                         date_time=(2023, 11, 14, 0, 0, 0))
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    zi.external_attr = 0o644 << 16
                    zf.writestr(zi, open(p, "rb").read())
        sz = os.path.getsize(dst)
        manifest.append(("archive", name, "made:%d-text-files" % len(members), sz))
        total += sz
        idx += 1
        n += 1
    return total, idx


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1G", help="corpus size, e.g. 256M, 1G (default 1G)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-file-size", default="32M",
                    help="skip larger source files (clamscan's default --max-filesize "
                         "is 100M; keep all tools inside their limits)")
    ap.add_argument("--force", action="store_true", help="rebuild even if present")
    args = ap.parse_args()

    size = parse_size(args.size)
    max_file = parse_size(args.max_file_size)
    out = os.path.abspath(args.out)
    manifest_path = out.rstrip("/") + ".manifest.tsv"
    stamp_path = out.rstrip("/") + ".stamp"
    with open(os.path.abspath(__file__), "rb") as f:
        code = hashlib.sha256(f.read()).hexdigest()[:16]
    stamp = "size=%d seed=%d max=%d code=%s" % (size, args.seed, max_file, code)

    if (not args.force and os.path.isdir(out) and os.path.exists(stamp_path)
            and open(stamp_path).read().strip() == stamp):
        print("corpus up to date: %s (%s)" % (out, stamp))
        print_mix(manifest_path)
        return 0

    if os.path.isdir(out):
        shutil.rmtree(out)
    for k in ("elf", "text", "archive"):
        os.makedirs(os.path.join(out, k))

    budgets = {k: int(size * v) for k, v in MIX.items()}
    manifest = []  # (kind, relname, source, size)

    print("listing candidates ...", file=sys.stderr)
    elf = walk_files(ELF_DIRS, is_elf)
    text = walk_files(TEXT_DIRS, is_text)
    mans = walk_files([MAN_DIR], lambda p, st: p.endswith(".gz"))
    gzs = walk_files(GZ_DIRS, lambda p, st: p.endswith(".gz") and head(p, 2) == b"\x1f\x8b")
    jars = walk_files(ZIP_DIRS, lambda p, st: p.endswith((".jar", ".zip"))
                      and head(p, 2) == b"PK")

    idx = 0

    # ELF
    rng = random.Random("elf-%d" % args.seed)
    taken, _ = pick(elf, budgets["elf"], rng, max_file)
    for p, sz in taken:
        name = safe_name(idx, p)
        shutil.copyfile(p, os.path.join(out, "elf", name))
        manifest.append(("elf", "elf/" + name, p, sz))
        idx += 1

    # text: plain text files plus decompressed man pages (about a third)
    rng = random.Random("text-%d" % args.seed)
    man_budget = budgets["text"] // 3
    man_taken, man_total, mpos = [], 0, 0
    mans_sh = list(mans)
    rng.shuffle(mans_sh)
    for p, _ in mans_sh:
        if man_total >= man_budget:
            break
        try:
            data = gzip.open(p, "rb").read()
        except (OSError, EOFError):
            continue
        if not data or b"\x00" in data or len(data) > max_file:
            continue
        name = safe_name(idx, p[:-3])
        with open(os.path.join(out, "text", name), "wb") as f:
            f.write(data)
        manifest.append(("text", "text/" + name, "gunzip:" + p, len(data)))
        man_total += len(data)
        idx += 1
    taken, _ = pick(text, budgets["text"] - man_total, rng, max_file)
    for p, sz in taken:
        name = safe_name(idx, p)
        shutil.copyfile(p, os.path.join(out, "text", name))
        manifest.append(("text", "text/" + name, p, sz))
        idx += 1

    # archives
    rng = random.Random("archive-%d" % args.seed)
    ab = budgets["archive"]
    used = set(p for _, _, p, _ in manifest)
    taken, gz_total = pick([c for c in gzs if ("gunzip:" + c[0]) not in used],
                           int(ab * ARCHIVE_MIX["gz"]), rng, max_file)
    for p, sz in taken:
        name = safe_name(idx, p)
        shutil.copyfile(p, os.path.join(out, "archive", name))
        manifest.append(("archive", "archive/" + name, p, sz))
        idx += 1
    taken, jar_total = pick(jars, int(ab * ARCHIVE_MIX["jar"]), rng, max_file)
    for p, sz in taken:
        name = safe_name(idx, p)
        shutil.copyfile(p, os.path.join(out, "archive", name))
        manifest.append(("archive", "archive/" + name, p, sz))
        idx += 1
    made_manifest = []
    made_budget = ab - gz_total - jar_total
    write_made_archives(os.path.join(out, "archive"), text, made_budget, rng, idx,
                        made_manifest)
    for kind, name, src, sz in made_manifest:
        manifest.append((kind, "archive/" + name, src, sz))

    # This machine may not have enough archive material for the archive
    # budget (the .tar.gz/.zip are built from small text files, each used
    # once): top up with more ELF and text files, in their mix ratio.
    short = size - sum(m[3] for m in manifest)
    if short > size // 100:
        used = set(m[2] for m in manifest)
        rng = random.Random("topup-%d" % args.seed)
        for kind, cands in (("text", text), ("elf", elf)):
            share = MIX[kind] / (MIX["elf"] + MIX["text"])
            # ELF last, taking whatever text could not fill
            want = (int(short * share) if kind == "text"
                    else size - sum(m[3] for m in manifest))
            taken, _ = pick([c for c in cands if c[0] not in used], want, rng, max_file)
            for p, sz in taken:
                name = safe_name(idx, p)
                shutil.copyfile(p, os.path.join(out, kind, name))
                manifest.append((kind, kind + "/" + name, p, sz))
                idx += 1

    print("hashing for the manifest ...", file=sys.stderr)
    with open(manifest_path, "w") as f:
        f.write("kind\tpath\tsize\tsha256\tsource\n")
        for kind, rel, src, _ in sorted(manifest, key=lambda m: m[1]):
            p = os.path.join(out, rel)
            f.write("%s\t%s\t%d\t%s\t%s\n" % (kind, rel, os.path.getsize(p),
                                             sha256_file(p), src))
    with open(stamp_path, "w") as f:
        f.write(stamp + "\n")
    print("corpus written: %s" % out)
    print_mix(manifest_path)
    return 0


def print_mix(manifest_path):
    kinds = {}
    h = hashlib.sha256()
    with open(manifest_path) as f:
        next(f)
        for line in f:
            kind, rel, size, sha, src = line.rstrip("\n").split("\t")
            sub = kind
            if kind == "archive":
                if src.startswith("made:"):
                    sub = "archive(made " + rel.rsplit(".", 1)[-1].replace("gz", "tar.gz") + ")"
                elif rel.endswith(".gz"):
                    sub = "archive(.gz)"
                else:
                    sub = "archive(.jar/.zip)"
            c = kinds.setdefault(sub, [0, 0])
            c[0] += 1
            c[1] += int(size)
            h.update(("%s %s %s\n" % (rel, size, sha)).encode())
    tot_n = sum(v[0] for v in kinds.values())
    tot_b = sum(v[1] for v in kinds.values())
    print("%-24s %8s %14s %7s" % ("kind", "files", "bytes", "share"))
    for k in sorted(kinds):
        n, b = kinds[k]
        print("%-24s %8d %14d %6.1f%%" % (k, n, b, 100.0 * b / max(tot_b, 1)))
    print("%-24s %8d %14d %6.1f%%" % ("total", tot_n, tot_b, 100.0))
    print("manifest digest (sha256): %s" % h.hexdigest())


if __name__ == "__main__":
    sys.exit(main())
