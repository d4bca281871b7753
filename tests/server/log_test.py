#!/usr/bin/env python3
"""End-to-end tests of vigil-server's transparency log (issue 7).

    log_test.py --server BIN --vigil BIN --backend sqlite|pg [--db CONNINFO]
                [--keep]

Builds and signs real bundles with `vigil sigtool`, starts `vigil-server serve
--bundle-pubkey` on loopback and checks the contract of docs/server.md
("Transparency log"): publishing over HTTP (admin only) and offline, the
refusals (403, 409 not-newer, 422 bad-signature / malformed-bundle) leaving the
log as it was, every GET (latest, bundle bytes, STH, proofs, entries) with the
proofs and the STH signature checked here in Python, independently of the C
code, `log --verify` (OK, then BROKEN after a row is edited in the database
directly, SQLite), the append-only triggers, and `log export`, whose files
must be byte for byte the HTTP answers. Each check prints PASS or FAIL; exit 1
if any failed, 2 if the suite could not run.

With --backend pg, --db (default $VIGIL_TEST_PG, from scripts/with-postgres.sh)
is a scratch database. The STH signature is checked with the `cryptography`
module when it is installed (Debian: python3-cryptography); without it that
one check is reported as SKIP.
"""

import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_test  # noqa: E402  (the e2e suite's client, server and checks)
from api_test import T, Client, Fatal, Server, check_error, sha256_hex  # noqa: E402

PG_BIN = "/usr/lib/postgresql/15/bin"

# ---------------------------------------------------------------- RFC 9162 in Python


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def mth(leaves):
    """RFC 9162 2.1.1 over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 2.1.4.2 (first == second: empty path, equal roots)."""
    if first == second:
        return not path and first_root == second_root
    if first == 0 or first > second or not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def sth_text(sth):
    return f"vigil-sth\n{sth['tree_size']}\n{sth['root_hash']}\n{sth['timestamp']}\n".encode()


def ed25519_verify(pub_hex, sig_hex, msg):
    """True/False, or None when the cryptography module is missing."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(pub_hex)).verify(
            bytes.fromhex(sig_hex), msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def entry_of(version, data):
    return f"vigil-bundle\n{version}\n{sha256_hex(data)}\n".encode()


# ---------------------------------------------------------------- fixtures


class Ctx:
    pass


def run(argv, **kw):
    p = subprocess.run(argv, capture_output=True, timeout=300, **kw)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def make_bundle(x, version, key="vendor", name=None):
    """A real bundle from `vigil sigtool build`, signed with key (None: unsigned)."""
    sigdir = os.path.join(x.tmp, f"sigs-{version}-{key}")
    os.makedirs(sigdir, exist_ok=True)
    payload = f"log test payload {version} {key}".encode()
    with open(os.path.join(sigdir, "test.hsb"), "w") as f:
        f.write(f"{sha256_hex(payload)}:{len(payload)}:Test.Log.V{version}\n")
    out = os.path.join(x.tmp, name or f"v{version}-{key}.vgb")
    argv = [x.vigil, "sigtool", "build", "--version", str(version), "-o", out]
    if key is not None:
        argv += ["--key", os.path.join(x.tmp, f"{key}.sec")]
    rc, so, se = run(argv + [os.path.join(sigdir, "test.hsb")])
    if rc != 0:
        raise Fatal(f"sigtool build v{version}: rc {rc}\n{so}{se}")
    with open(out, "rb") as f:
        return out, f.read()


def publish(x, data, token):
    return x.c.req("POST", "/v1/bundles", body=data,
                   headers={"Content-Type": "application/octet-stream"}, token=token)


def get(x, path):
    return x.c.req("GET", path)


def sth_now(x):
    r = get(x, "/v1/log/sth")
    return r.json if r.status == 200 else None


# ---------------------------------------------------------------- tests


def t_setup(x):
    for key in ("vendor", "other"):
        rc, so, se = run([x.vigil, "sigtool", "keygen", "--out", os.path.join(x.tmp, key)])
        if rc != 0:
            raise Fatal(f"sigtool keygen: {so}{se}")
    x.vendor_pub = os.path.join(x.tmp, "vendor.pub")
    x.c = x.srv.start(extra=["--bundle-pubkey", x.vendor_pub])
    x.admin = api_test.add_token(x.srv, "log-admin", "admin")
    x.analyst = api_test.add_token(x.srv, "log-analyst", "analyst")
    rc, so, se = x.srv.cli("log", "pubkey", *x.srv.store_args())
    x.log_pub = so.strip()
    T.check("log pubkey prints 64 hex digits", rc == 0 and len(x.log_pub) == 64
            and all(ch in "0123456789abcdef" for ch in x.log_pub), f"rc {rc}: {so!r} {se!r}")
    key = os.path.join(x.args.data, "log.key")
    st = os.stat(key) if os.path.exists(key) else None
    T.check("DATA/log.key: created at start, mode 0600, one line of 128 hex digits",
            st is not None and st.st_mode & 0o777 == 0o600 and st.st_size == 129,
            repr(st))
    x.published = []  # (version, bytes) in log order


def t_empty(x):
    check_error("empty log: GET /v1/log/sth is 404", get(x, "/v1/log/sth"), 404, "not-found")
    check_error("empty log: GET /v1/bundles/latest is 404", get(x, "/v1/bundles/latest"), 404,
                "not-found")
    rc, so, _ = x.srv.cli("log", "--verify", *x.srv.store_args())
    T.check("empty log: log --verify OK", rc == 0 and so.startswith("log OK: 0 leaves"), so)


def t_publish_http(x):
    _, b1 = make_bundle(x, 1)
    r = publish(x, b1, x.admin)
    j = r.json or {}
    sth = j.get("sth") or {}
    leaf = leaf_hash(entry_of(1, b1))
    ok = (r.status == 201 and j.get("version") == 1 and j.get("sha256") == sha256_hex(b1)
          and j.get("leaf_index") == 0 and sth.get("tree_size") == 1
          and sth.get("root_hash") == mth([leaf]).hex())
    T.check("POST /v1/bundles (admin): 201 with version, sha256, leaf 0, STH of the new tree", ok,
            repr(r))
    T.check("the 201's STH is the one GET /v1/log/sth serves", sth == sth_now(x),
            f"{sth} vs {sth_now(x)}")
    x.published.append((1, b1))
    _, b2 = make_bundle(x, 2)
    r = publish(x, b2, x.admin)
    T.check("POST a second bundle: leaf 1, tree size 2",
            r.status == 201 and (r.json or {}).get("leaf_index") == 1
            and r.json["sth"]["tree_size"] == 2, repr(r))
    x.published.append((2, b2))


def t_refusals(x):
    before = sth_now(x)
    _, b3 = make_bundle(x, 3)
    check_error("publish as analyst: 403", publish(x, b3, x.analyst), 403, "forbidden")
    check_error("publish without a token: 401", publish(x, b3, None), 401, "unauthorized")
    _, old = make_bundle(x, 1, name="v1-again.vgb")
    r = publish(x, old, x.admin)
    check_error("publish an older version (1 after 2): 409", r, 409, "not-newer")
    _, same = make_bundle(x, 2, name="v2-again.vgb")
    check_error("publish the same version again: 409", publish(x, same, x.admin), 409,
                "not-newer")
    _, other = make_bundle(x, 3, key="other")
    check_error("bundle signed by another key: 422 bad-signature", publish(x, other, x.admin), 422,
                "bad-signature")
    _, unsigned = make_bundle(x, 3, key=None)
    check_error("unsigned bundle: 422 bad-signature", publish(x, unsigned, x.admin), 422,
                "bad-signature")
    flipped = bytearray(b3)
    flipped[-10] ^= 0x01  # inside the signature
    check_error("one flipped byte in the signature: 422 bad-signature",
                publish(x, bytes(flipped), x.admin), 422, "bad-signature")
    flipped = bytearray(b3)
    flipped[len(b3) // 2] ^= 0x01  # manifest or content
    r = publish(x, bytes(flipped), x.admin)
    T.check("one flipped byte in the body: 422 (malformed-bundle or bad-signature)",
            r.status == 422 and (r.json or {}).get("error") in ("malformed-bundle",
                                                                "bad-signature"), repr(r))
    check_error("not a bundle at all: 422 malformed-bundle",
                publish(x, b"hello, this is not a bundle" * 10, x.admin), 422, "malformed-bundle")
    check_error("empty body: 400", publish(x, b"", x.admin), 400, "bad-request")
    T.check("after the refusals the log is unchanged", sth_now(x) == before,
            f"{before} -> {sth_now(x)}")
    check_error("GET /v1/bundles (POST only): 405", get(x, "/v1/bundles"), 405,
                "method-not-allowed")


def t_publish_cli(x):
    path, b3 = make_bundle(x, 3)
    rc, so, se = x.srv.cli("publish", path, "--bundle-pubkey", x.vendor_pub, *x.srv.store_args())
    T.check("vigil-server publish (offline, server running): exit 0",
            rc == 0 and "published version 3" in so, f"rc {rc}: {so}{se}")
    x.published.append((3, b3))
    rc, so, se = x.srv.cli("publish", path, "--bundle-pubkey", x.vendor_pub, *x.srv.store_args())
    T.check("publish the same file again offline: exit 1, not newer",
            rc == 1 and "not newer" in se, f"rc {rc}: {so}{se}")
    opath, _ = make_bundle(x, 4, key="other")
    rc, so, se = x.srv.cli("publish", opath, "--bundle-pubkey", x.vendor_pub, *x.srv.store_args())
    T.check("publish offline with another key's signature: exit 1",
            rc == 1 and "signature" in se, f"rc {rc}: {so}{se}")
    rc, _, se = x.srv.cli("publish", path, *x.srv.store_args())
    T.check("publish without --bundle-pubkey: usage error (2)", rc == 2, se)
    for v in (5, 7, 8, 11, 12):  # versions may skip; 8 leaves in all
        _, b = make_bundle(x, v)
        r = publish(x, b, x.admin)
        if r.status != 201:
            raise Fatal(f"publish v{v}: {r!r}")
        x.published.append((v, b))


def t_reads(x):
    n = len(x.published)
    leaves = [leaf_hash(entry_of(v, b)) for v, b in x.published]
    r = get(x, "/v1/bundles/latest")
    v, b = x.published[-1]
    T.check("GET /v1/bundles/latest names the newest bundle",
            r.status == 200 and r.json == {"version": v, "sha256": sha256_hex(b),
                                           "leaf_index": n - 1, "url": f"/v1/bundles/{v}"},
            repr(r))
    ok = all(get(x, f"/v1/bundles/{v}").body == b for v, b in x.published)
    T.check("GET /v1/bundles/<version> returns each published file byte for byte", ok)
    check_error("GET /v1/bundles/6 (never published): 404", get(x, "/v1/bundles/6"), 404,
                "not-found")
    check_error("GET /v1/bundles/007: 404", get(x, "/v1/bundles/007"), 404, "not-found")

    sth = sth_now(x) or {}
    T.check("STH: tree size and root recomputed here",
            sth.get("tree_size") == n and sth.get("root_hash") == mth(leaves).hex(), repr(sth))
    good = ed25519_verify(x.log_pub, sth.get("signature", ""), sth_text(sth))
    if good is None:
        print("SKIP STH signature (python3-cryptography is not installed)", flush=True)
    else:
        T.check("STH signature verifies with `log pubkey` (Ed25519, here in Python)", good)
        forged = dict(sth, tree_size=n + 1)
        T.check("the same signature does not verify for another tree size",
                ed25519_verify(x.log_pub, sth["signature"], sth_text(forged)) is False)

    bad = []
    for size in range(1, n + 1):
        root = mth(leaves[:size])
        for i in range(size):
            r = get(x, f"/v1/log/proof/inclusion?leaf_index={i}&tree_size={size}")
            path = [bytes.fromhex(h) for h in (r.json or {}).get("path", [])]
            if (r.status != 200 or r.json.get("leaf_index") != i
                    or r.json.get("tree_size") != size
                    or not verify_inclusion(i, size, leaves[i], path, root)):
                bad.append(f"inclusion {i} in {size}: {r!r}")
            elif size > 1 and verify_inclusion(i, size, leaves[(i + 1) % size], path, root):
                bad.append(f"inclusion {i} in {size} also proves another leaf")
    T.check(f"every inclusion proof (index < size <= {n}) verifies here, and only for its leaf",
            not bad, "\n".join(bad[:10]))
    bad = []
    for second in range(1, n + 1):
        for first in range(1, second + 1):
            r = get(x, f"/v1/log/proof/consistency?first={first}&second={second}")
            path = [bytes.fromhex(h) for h in (r.json or {}).get("path", [])]
            if (r.status != 200 or not verify_consistency(
                    first, second, mth(leaves[:first]), mth(leaves[:second]), path)):
                bad.append(f"consistency {first} -> {second}: {r!r}")
            elif first < second and verify_consistency(
                    first, second, mth(leaves[1:first + 1]), mth(leaves[:second]), path):
                bad.append(f"consistency {first} -> {second} also proves a forked old tree")
    T.check(f"every consistency proof (first <= second <= {n}) verifies here, not for a fork",
            not bad, "\n".join(bad[:10]))
    for q, why in (("leaf_index=0&tree_size=0", "size 0"),
                   (f"leaf_index={n}&tree_size={n}", "index past the tree"),
                   (f"leaf_index=0&tree_size={n + 1}", "size past the log"),
                   ("leaf_index=-1&tree_size=2", "negative"), ("tree_size=2", "missing index")):
        check_error(f"inclusion proof, {why}: 400",
                    get(x, f"/v1/log/proof/inclusion?{q}"), 400, "bad-request")
    for q, why in ((f"first=2&second=1", "first > second"), ("first=0&second=2", "first 0"),
                   (f"first=1&second={n + 1}", "second past the log")):
        check_error(f"consistency proof, {why}: 400",
                    get(x, f"/v1/log/proof/consistency?{q}"), 400, "bad-request")

    r = get(x, f"/v1/log/entries?start=0&end={n + 50}")
    got = [(e.get("leaf_index"), e.get("entry")) for e in (r.json or {}).get("entries", [])]
    want = [(i, entry_of(v, b).decode()) for i, (v, b) in enumerate(x.published)]
    T.check("GET /v1/log/entries: every entry, end cut to the log's size", got == want,
            f"{got}\nwant {want}")
    r = get(x, "/v1/log/entries?start=2&end=4")
    T.check("GET /v1/log/entries?start=2&end=4: entries 2 and 3 (end exclusive)",
            [e["leaf_index"] for e in (r.json or {}).get("entries", [])] == [2, 3], repr(r))
    check_error("entries past the log: 400", get(x, f"/v1/log/entries?start={n}&end={n + 1}"),
                400, "bad-request")
    check_error("entries with start >= end: 400", get(x, "/v1/log/entries?start=3&end=3"), 400,
                "bad-request")


def t_audit(x):
    r = x.c.req("GET", "/v1/audit", token=x.admin)
    pubs = [e for e in (r.json or {}).get("entries", []) if e.get("kind") == "publish"]
    T.check("every publish is in the audit log (kind publish, actor, version)",
            [(e.get("detail") or {}).get("version") for e in pubs]
            == [v for v, _ in x.published]
            and pubs[0].get("actor") == "log-admin" and pubs[2].get("actor") == "cli",
            repr(pubs)[:600])
    rc, so, _ = x.srv.cli("audit", "--verify", *x.srv.store_args())
    T.check("audit --verify still OK with publish entries", rc == 0, so)


def t_verify_ok(x):
    rc, so, se = x.srv.cli("log", "--verify", *x.srv.store_args())
    n = len(x.published)
    T.check("log --verify: OK, every leaf and head", rc == 0 and so.startswith(
        f"log OK: {n} leaves, {n} signed tree heads, root {mth([leaf_hash(entry_of(v, b)) for v, b in x.published]).hex()}"),
        f"rc {rc}: {so}{se}")


def mirror_url(rel):
    """The HTTP URL whose answer the mirror file rel must hold."""
    parts = rel.split("/")
    if parts[:3] == ["v1", "log", "proof"]:
        a, b = parts[4].split("-")
        if parts[3] == "inclusion":
            return f"/v1/log/proof/inclusion?leaf_index={a}&tree_size={b}"
        return f"/v1/log/proof/consistency?first={a}&second={b}"
    if parts[:3] == ["v1", "log", "entries"]:
        a, b = parts[3].split("-")
        return f"/v1/log/entries?start={a}&end={b}"
    return "/" + rel


def t_export(x):
    out = os.path.join(x.tmp, "mirror")
    rc, so, se = x.srv.cli("log", "export", out, *x.srv.store_args())
    T.check("log export: exit 0", rc == 0, f"rc {rc}: {so}{se}")
    files = []
    for root, _, names in os.walk(out):
        for nm in names:
            files.append(os.path.relpath(os.path.join(root, nm), out))
    n = len(x.published)
    want = {"v1/bundles/latest", "v1/log/sth", "v1/log/entries/0-%d" % n}
    want |= {f"v1/bundles/{v}" for v, _ in x.published}
    want |= {f"v1/log/proof/inclusion/{i}-{n}" for i in range(n)}
    want |= {f"v1/log/proof/consistency/{m}-{n}" for m in range(1, n)}
    T.check("the mirror holds exactly the documented files", set(files) == want,
            f"extra {sorted(set(files) - want)}, missing {sorted(want - set(files))}")
    diff = []
    for rel in sorted(files):
        with open(os.path.join(out, rel), "rb") as f:
            data = f.read()
        r = get(x, mirror_url(rel))
        if r.status != 200 or r.body != data:
            diff.append(f"{rel}: file {data[:80]!r} vs HTTP {r!r}")
    T.check(f"every mirror file ({len(files)}) is byte for byte the HTTP answer", not diff,
            "\n".join(diff[:10]))


def t_append_only(x):
    """Run with the server stopped."""
    if x.args.backend == "sqlite":
        db = os.path.join(x.args.data, "vigil.db")
        con = sqlite3.connect(db)
        try:
            con.execute("UPDATE log_leaves SET entry = 'x' WHERE idx = 1")
            con.commit()
            refused = False
        except sqlite3.DatabaseError as e:
            refused = "append-only" in str(e)
        try:
            con.execute("DELETE FROM log_sth")
            con.commit()
            refused_del = False
        except sqlite3.DatabaseError as e:
            refused_del = "append-only" in str(e)
        con.rollback()
        T.check("SQLite refuses UPDATE and DELETE of the log's rows", refused and refused_del)
        # Now edit a row behind the server's back, as an attacker with the file would.
        v, b = x.published[1]
        fake = entry_of(v, b"another bundle entirely").decode()
        con.executescript("DROP TRIGGER log_leaves_no_update;")
        con.execute("UPDATE log_leaves SET entry = ?, leaf_hash = ? WHERE idx = 1",
                    (fake, leaf_hash(fake.encode()).hex()))
        con.commit()
        con.close()
        rc, so, se = x.srv.cli("log", "--verify", *x.srv.store_args())
        T.check("log --verify after a leaf was rewritten in the database: BROKEN, exit 1",
                rc == 1 and so.startswith("log BROKEN:"), f"rc {rc}: {so}{se}")
    else:
        psql = os.path.join(PG_BIN, "psql")
        p = subprocess.run([psql, x.args.db, "-v", "ON_ERROR_STOP=1", "-c",
                            "UPDATE log_leaves SET entry = 'x' WHERE idx = 1"],
                           capture_output=True, timeout=60)
        q = subprocess.run([psql, x.args.db, "-v", "ON_ERROR_STOP=1", "-c",
                            "TRUNCATE log_sth"], capture_output=True, timeout=60)
        T.check("PostgreSQL refuses UPDATE and TRUNCATE of the log's rows",
                p.returncode != 0 and b"append-only" in p.stderr
                and q.returncode != 0 and b"append-only" in q.stderr,
                (p.stderr + q.stderr).decode(errors="replace"))
        rc, so, se = x.srv.cli("log", "--verify", *x.srv.store_args())
        T.check("log --verify still OK after the refused edits", rc == 0, f"{so}{se}")


def t_no_vendor_key(x):
    x.c = x.srv.start()
    _, b = make_bundle(x, 99)
    check_error("a server without --bundle-pubkey refuses to publish: 503",
                publish(x, b, x.admin), 503, "unavailable")
    r = get(x, "/v1/bundles/latest")
    T.check("...and still serves the log", r.status == 200, repr(r))
    x.srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--backend", choices=("sqlite", "pg"), required=True)
    ap.add_argument("--db", default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if args.backend == "pg" and not args.db:
        args.db = os.environ.get("VIGIL_TEST_PG")
        if not args.db:
            print("log_test.py: pg needs --db or $VIGIL_TEST_PG", file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix="vigil-logtest.")
    args.data = os.path.join(tmp, "data")
    logs = os.path.join(tmp, "logs")
    os.makedirs(logs)
    x = Ctx()
    x.args, x.tmp, x.vigil = args, tmp, args.vigil
    x.srv = Server(args, logs)
    rc = 0
    try:
        t_setup(x)
        for t in (t_empty, t_publish_http, t_refusals, t_publish_cli, t_reads, t_audit,
                  t_verify_ok, t_export):
            t(x)
        x.srv.stop()
        t_no_vendor_key(x)
        t_append_only(x)
    except Fatal as e:
        print(f"FATAL {e}", flush=True)
        rc = 2
    except Exception:  # a bug in the suite or an answer it could not parse
        traceback.print_exc()
        rc = 2
    finally:
        if x.srv.proc is not None:
            x.srv.stop()
        if rc != 0 or T.failed:
            for f in sorted(os.listdir(logs)):
                print(f"--- tail of {f} ---")
                with open(os.path.join(logs, f), errors="replace") as fh:
                    print("".join(fh.readlines()[-20:]))
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{T.passed} passed, {len(T.failed)} failed")
    if rc:
        return rc
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
