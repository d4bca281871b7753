#!/usr/bin/env python3
"""Helpers for tests/cli/test_submit.sh.

    submit_server.py proxy --upstream URL --ledger FILE --record FILE --port-file F
        An HTTP proxy in front of a real vigil-server. On every POST /v1/samples
        it first reads the client's ledger and records, one JSON line per
        request, whether an "upload" entry for that X-Vigil-SHA256 is already
        there (arrival order: the ledger must be written before the bytes
        arrive), then forwards the request unchanged. Also records every
        request's method, path and body length.

    submit_server.py free-port
        Prints a free TCP port on 127.0.0.1.

    submit_server.py pty-answer ANSWER -- CMD...
        Runs CMD with a new pseudo-terminal as its controlling terminal and
        answers every "[y/N]" question with ANSWER; CMD's own stdout and
        stderr are passed through, the terminal dialogue goes to stderr.

Each server writes its port to the port file once it listens, and runs
until killed.
"""
import hashlib
import http.client
import http.server
import json
import os
import pty
import select
import socket
import sys
import threading
import urllib.parse


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, path)


def ledger_has_upload(ledger, sha):
    try:
        with open(ledger, encoding="utf-8") as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("kind") == "upload" and e.get("sha256") == sha:
                    return True
    except FileNotFoundError:
        pass
    return False


def run_proxy(args):
    upstream = urllib.parse.urlsplit(args["--upstream"])
    ledger, record = args["--ledger"], args["--record"]
    lock = threading.Lock()

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def relay(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            entry = {"method": self.command, "path": self.path, "length": len(body)}
            if self.command == "POST" and self.path.startswith("/v1/samples"):
                sha = self.headers.get("X-Vigil-SHA256", "")
                entry["sha256"] = sha
                entry["in_ledger"] = ledger_has_upload(ledger, sha)
                entry["body_sha256"] = hashlib.sha256(body).hexdigest()
            with lock:
                with open(record, "a") as f:
                    f.write(json.dumps(entry) + "\n")
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "connection", "content-length")}
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_DELETE = relay

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    write_port(args["--port-file"], srv.server_address[1])
    srv.serve_forever()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def pty_answer(answer, cmd):
    # stdout/stderr of the child stay the caller's; only the terminal is a pty.
    out_fd, err_fd = os.dup(1), os.dup(2)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    seen = b""
    while True:
        try:
            r, _, _ = select.select([fd], [], [], 60)
        except InterruptedError:
            continue
        if not r:
            break
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        sys.stderr.buffer.write(data)
        sys.stderr.flush()
        seen += data
        while b"[y/N]" in seen:
            seen = seen.split(b"[y/N]", 1)[1]
            os.write(fd, answer.encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main():
    argv = sys.argv[1:]
    if not argv:
        sys.exit(__doc__)
    mode = argv[0]
    if mode == "free-port":
        return free_port()
    if mode == "pty-answer":
        sep = argv.index("--")
        sys.exit(pty_answer(argv[1], argv[sep + 1:]))
    args = dict(zip(argv[1::2], argv[2::2]))
    {"proxy": run_proxy}[mode](args)


if __name__ == "__main__":
    main()
