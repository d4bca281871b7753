#!/usr/bin/env python3
"""Raw-socket tests of vigild's clamd protocol (run by test_vigild_clamd.sh).

    vigild_proto.py compare VIGILD_SOCK CLAMD_SOCK FILES_DIR
        sends the same bytes to vigild and to the real clamd and requires the
        same answers (after removing clamd's ".UNOFFICIAL" suffix and the
        descriptor number in "fd[N]"), for every command in its z, n and bare
        forms, IDSESSION, malformed lines and an oversize INSTREAM.
    vigild_proto.py robust VIGILD_SOCK FILES_DIR LOG
        a client leaving mid-stream, 100 concurrent clients, PING afterwards.
    vigild_proto.py reload VIGILD_SOCK FILES_DIR DB_DIR LOG PID
        RELOAD while a long INSTREAM is in flight, then SIGHUP.

Prints "ok   - ..." / "FAIL - ..." lines; exits 1 when anything failed.
"""
import os
import re
import signal
import socket
import struct
import sys
import threading
import time

FAILED = 0


def ok(cond, what, detail=""):
    global FAILED
    if cond:
        print("ok   - " + what)
    else:
        FAILED += 1
        print("FAIL - " + what + ("\n       " + detail if detail else ""))


def connect(path, timeout=10.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_all(s, limit=1 << 20):
    """Everything until the daemon closes; '<TIMEOUT>' or '<RESET>' appended
    when it does not close cleanly."""
    out = b""
    try:
        while len(out) < limit:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        out += b"<TIMEOUT>"
    except ConnectionResetError:
        out += b"<RESET>"
    return out


def ask(path, data, timeout=3.0):
    s = connect(path, timeout)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = read_all(s)
    s.close()
    return out


def chunks(data, size):
    out = b""
    for i in range(0, len(data), size):
        c = data[i:i + size]
        out += struct.pack(">I", len(c)) + c
    return out + struct.pack(">I", 0)


def eicar():
    return (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" +
            b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def norm(b, req=b""):
    b = b.replace(b".UNOFFICIAL", b"")
    b = re.sub(rb"fd\[\d+\]", b"fd[N]", b)
    # Whether a close with unread input shows as a reset is a race.
    b = b.replace(b"<RESET>", b"")
    if req.startswith(b"zIDSESSION"):
        # clamd answers a session's commands as they finish, in any order;
        # each reply carries its command's number.
        b = b"\0".join(sorted(b.split(b"\0")))
    return b


def send_fd(path, prefix, fd, glued=False):
    s = connect(path, 3.0)
    if glued:  # the descriptor rides on the command bytes: a protocol error
        socket.send_fds(s, [prefix], [fd])
    else:
        s.sendall(prefix)
        socket.send_fds(s, [b"\0"], [fd])
    out = read_all(s)
    s.close()
    return out


def compare(vsock, csock, files):
    e = os.path.join(files, "eicar.com")
    c = os.path.join(files, "clean.txt")
    d = os.path.join(files, "cleandir")
    n = os.path.join(files, "nonexistent")
    reqs = []
    for p, t in ((b"z", b"\0"), (b"n", b"\n"), (b"", b"\n")):
        for cmd in (b"PING", b"STATS x", b"FOO", b"END", b"INSTREAM", b"IDSESSION",
                    b"ALLMATCHSCAN " + e.encode(), b"VERSIONCOMMANDS x",
                    b"SCAN " + e.encode(), b"SCAN " + c.encode(), b"SCAN " + d.encode(),
                    b"SCAN " + files.encode(), b"SCAN " + n.encode(), b"SCAN " + e.encode() + b"/",
                    b"CONTSCAN " + e.encode(), b"CONTSCAN " + d.encode(),
                    b"MULTISCAN " + e.encode(), b"MULTISCAN " + d.encode(),
                    b"SCAN", b"SCAN ", b"PING extra", b"ping"):
            reqs.append(p + cmd + t)
    reqs += [
        b"zALLMATCHSCAN " + e.encode() + b"\0", b"nALLMATCHSCAN " + d.encode() + b"\n",
        b"zPING\0zPING\0", b"PING\0", b"PING", b"\0", b"\n", b"z\0", b"xPING\n",
        b"zPING", b"nPING",
        b"zIDSESSION\0zPING\0zSCAN " + e.encode() + b"\0zSCAN " + c.encode() + b"\0zEND\0",
        b"nIDSESSION\nnPING\nnFOO\nnPING\n", b"nIDSESSION\nzPING\0nEND\n",
        b"zIDSESSION\0zIDSESSION\0", b"zIDSESSION\0zRELOAD\0", b"zIDSESSION\0zSHUTDOWN\0",
        b"zIDSESSION\0zCONTSCAN " + d.encode() + b"\0", b"zIDSESSION\0zEND\0zPING\0",
        b"zIDSESSION\0zSCAN " + n.encode() + b"\0zEND\0", b"zIDSESSION x\0",
        b"zIDSESSION\0zINSTREAM\0" + chunks(b"hello", 2) + b"zINSTREAM\0" +
        chunks(eicar(), 7) + b"zEND\0",
        b"zINSTREAM\0" + chunks(eicar(), 10), b"nINSTREAM\n" + chunks(b"clean data", 3),
        b"zINSTREAM\0" + chunks(b"", 1), b"nINSTREAM\n" + chunks(eicar(), 1 << 16),
        b"nSCAN /" + b"a" * 20000 + b"\n",
    ]
    for r in reqs:
        a, b = ask(vsock, r), ask(csock, r)
        ok(norm(a, r) == norm(b, r), "same answer as clamd to %r" % r[:70],
           "vigild: %r\n       clamd:  %r" % (a[:300], b[:300]))
    # FILDES: a descriptor after the command, glued to it, in a session.
    with open(e, "rb") as f1, open(c, "rb") as f2:
        for pre, fd, glued in ((b"zFILDES\0", f1.fileno(), False),
                               (b"nFILDES\n", f2.fileno(), False),
                               (b"FILDES\n", f1.fileno(), False),
                               (b"zFILDES\0", f1.fileno(), True),
                               (b"zIDSESSION\0zFILDES\0", f1.fileno(), False)):
            a, b = send_fd(vsock, pre, fd, glued), send_fd(csock, pre, fd, glued)
            ok(norm(a, pre) == norm(b, pre), "same FILDES answer as clamd to %r%s" %
               (pre, " (descriptor glued)" if glued else ""),
               "vigild: %r\n       clamd:  %r" % (a, b))
    # Oversize INSTREAM (both run with StreamMaxLength 1M): the error, then close.
    for path, who in ((vsock, "vigild"), (csock, "clamd")):
        s = connect(path, 10.0)
        s.sendall(b"zINSTREAM\0")
        block = b"A" * 65536
        try:
            for _ in range(40):
                s.sendall(struct.pack(">I", len(block)) + block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = read_all(s)
        s.close()
        ok(out.startswith(b"INSTREAM size limit exceeded. ERROR\0"),
           "%s: oversize INSTREAM answered 'INSTREAM size limit exceeded. ERROR'" % who, repr(out))
    # VERSION: clamd's shape "<product> <version>/<n>/<date>", honest content.
    v = ask(vsock, b"zVERSION\0")
    ok(re.fullmatch(rb"vigil \d+\.\d+\.\d+/\d+/[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d "
                    rb"\d\d:\d\d:\d\d \d{4}\0", v) is not None, "VERSION has clamd's shape", repr(v))
    st = ask(vsock, b"nSTATS\n")
    ok(st.startswith(b"POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live ") and st.endswith(b"\nEND\n"),
       "STATS has clamd's layout", repr(st))


def robust(vsock, files, log):
    # A client leaving in the middle of a stream.
    s = connect(vsock)
    s.sendall(b"zINSTREAM\0" + struct.pack(">I", 1000) + b"x" * 300)
    s.close()
    time.sleep(0.2)
    ok(ask(vsock, b"zPING\0") == b"PONG\0", "PING answers after a client left mid-stream")
    deadline = time.time() + 10
    while time.time() < deadline and "clamd.stream_aborted" not in open(log).read():
        time.sleep(0.1)
    ok("clamd.stream_aborted" in open(log).read(), "the aborted stream is logged")
    # A client leaving in the middle of a command line, and one sending garbage.
    s = connect(vsock)
    s.sendall(b"zSCAN /tm")
    s.close()
    ok(ask(vsock, bytes(range(256)) * 4) in (b"UNKNOWN COMMAND\n", b"UNKNOWN COMMAND\0"),
       "binary garbage gets UNKNOWN COMMAND")
    # 100 concurrent clients, each with its own answer to check.
    results = [None] * 100
    e = os.path.join(files, "eicar.com")

    def client(i):
        try:
            if i % 3 == 0:
                results[i] = ask(vsock, b"zINSTREAM\0" + chunks(eicar(), 5), 30) == \
                    b"stream: Eicar-Test-Signature FOUND\0"
            elif i % 3 == 1:
                body = b"clean %d " % i * 100
                results[i] = ask(vsock, b"nINSTREAM\n" + chunks(body, 64), 30) == b"stream: OK\n"
            else:
                results[i] = ask(vsock, b"zSCAN " + e.encode() + b"\0", 30) == \
                    e.encode() + b": Eicar-Test-Signature FOUND\0"
        except Exception as ex:  # noqa: BLE001 - any failure is a wrong answer
            results[i] = repr(ex)
    ts = [threading.Thread(target=client, args=(i,)) for i in range(100)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad = [i for i, r in enumerate(results) if r is not True]
    ok(not bad, "100 concurrent clients each get the right answer",
       "wrong: %r" % [(i, results[i]) for i in bad[:5]])
    ok(ask(vsock, b"zPING\0") == b"PONG\0", "PING still answers after 100 clients")


def wait_log(log, needle, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if needle in open(log).read():
            return True
        time.sleep(0.1)
    return False


def reload_test(vsock, files, db, log, pid):
    m1 = os.path.join(files, "marker1.txt")
    m2 = os.path.join(files, "marker2.txt")
    with open(m1, "w") as f:
        f.write("vigild reload marker one\n")
    with open(m2, "w") as f:
        f.write("vigild reload marker two\n")
    ok(ask(vsock, b"zSCAN " + m1.encode() + b"\0") == m1.encode() + b": OK\0",
       "marker file is clean before the reload")
    # A long INSTREAM: start it, reload underneath, then finish it.
    s = connect(vsock, 60)
    s.sendall(b"zINSTREAM\0" + struct.pack(">I", len(eicar())) + eicar())
    for _ in range(8):
        s.sendall(struct.pack(">I", 4096) + b"c" * 4096)
    with open(os.path.join(db, "reload1.ndb"), "w") as f:
        f.write("Vigild-Reload-Marker-1:0:*:%s\n" % b"reload marker one".hex())
    ok(ask(vsock, b"zRELOAD\0") == b"RELOADING\0", "RELOAD answers RELOADING")
    ok(wait_log(log, "generation=2"), "the new engine is loaded (generation 2 in the log)")
    for _ in range(8):
        s.sendall(struct.pack(">I", 4096) + b"c" * 4096)
    s.sendall(struct.pack(">I", 0))
    out = read_all(s)
    s.close()
    ok(out == b"stream: Eicar-Test-Signature FOUND\0",
       "the INSTREAM in flight across RELOAD gets its answer", repr(out))
    out = ask(vsock, b"zSCAN " + m1.encode() + b"\0")
    ok(out == m1.encode() + b": Vigild-Reload-Marker-1 FOUND\0",
       "scans after RELOAD use the new signatures", repr(out))
    # SIGHUP does the same.
    with open(os.path.join(db, "reload2.ndb"), "w") as f:
        f.write("Vigild-Reload-Marker-2:0:*:%s\n" % b"reload marker two".hex())
    os.kill(int(pid), signal.SIGHUP)
    ok(wait_log(log, "generation=3"), "SIGHUP loads a new engine (generation 3)")
    out = ask(vsock, b"zSCAN " + m2.encode() + b"\0")
    ok(out == m2.encode() + b": Vigild-Reload-Marker-2 FOUND\0",
       "scans after SIGHUP use the new signatures", repr(out))
    # A broken database: the reload fails, the running engine stays.
    with open(os.path.join(db, "broken.ndb"), "w") as f:
        f.write("Broken:0:*:zz-not-hex\n")
    ask(vsock, b"zRELOAD\0")
    ok(wait_log(log, "engine.reload_failed"), "a reload of a broken database is refused (logged)")
    os.unlink(os.path.join(db, "broken.ndb"))
    out = ask(vsock, b"zSCAN " + m2.encode() + b"\0")
    ok(out == m2.encode() + b": Vigild-Reload-Marker-2 FOUND\0",
       "after a failed reload the previous engine still answers", repr(out))


def main():
    mode = sys.argv[1]
    if mode == "compare":
        compare(*sys.argv[2:5])
    elif mode == "robust":
        robust(*sys.argv[2:5])
    elif mode == "reload":
        reload_test(*sys.argv[2:7])
    else:
        sys.exit("unknown mode " + mode)
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
