#!/usr/bin/env python3
"""Client side of tests/net/run.sh: drives an echo or HTTP server over loopback and prints one
line per check, "ok NAME" or "FAIL NAME: why". Every socket has a timeout, so it always ends.

  check.py echo HOST PORT            round trips from many clients at once, half-close, reset
  check.py http HOST PORT ROOT       GET/HEAD/404/403 for .., keep-alive, pipelining, big file
  check.py misbehave HOST PORT       garbage, mid-request disconnects, idle and slow clients,
                                     while good requests keep being answered
"""
import os
import random
import socket
import struct
import sys
import threading
import time

TIMEOUT = 10.0


def report(name, ok, why=""):
    print(f"ok   {name}" if ok else f"FAIL {name}: {why}", flush=True)
    return ok


def connect(host, port):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(min(65536, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def recv_all(s):
    buf = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return bytes(buf)
        buf += chunk


# ---- echo ----------------------------------------------------------------------------------

def echo_client(host, port, seed, errors):
    rnd = random.Random(seed)
    try:
        s = connect(host, port)
        for _ in range(20):
            data = rnd.randbytes(rnd.choice([1, 10, 1000, 20000, 70000]))
            s.sendall(data)
            back = recv_exact(s, len(data))
            if back != data:
                errors.append(f"client {seed}: echoed {len(back)} of {len(data)} bytes, or altered")
                return
        s.close()
    except OSError as e:
        errors.append(f"client {seed}: {e}")


def check_echo(host, port):
    errors = []
    threads = [threading.Thread(target=echo_client, args=(host, port, i, errors)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    report("echo: 8 concurrent clients x 20 round trips (1 B .. 70 KB)", not errors,
           "; ".join(errors[:3]))

    # Half-close: send everything, shut down our side, read the echo to EOF.
    try:
        s = connect(host, port)
        data = os.urandom(300000)  # more than socket buffers hold: the server must interleave
        sender = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
        sender.start()
        back = recv_all(s)
        sender.join(TIMEOUT)
        s.close()
        report("echo: half-close (300 KB, then SHUT_WR): all echoed, then EOF", back == data,
               f"got {len(back)} of {len(data)} bytes")
    except OSError as e:
        report("echo: half-close", False, str(e))

    # A client that resets mid-stream must not disturb the server.
    try:
        s = connect(host, port)
        s.sendall(b"x" * 1000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST
        time.sleep(0.2)
        s = connect(host, port)
        s.sendall(b"still there?")
        ok = recv_exact(s, 12) == b"still there?"
        s.close()
        report("echo: server survives a client reset", ok, "no echo afterwards")
    except OSError as e:
        report("echo: server survives a client reset", False, str(e))


# ---- http ----------------------------------------------------------------------------------

class Stream:
    """A socket plus the bytes read past the last response (pipelined answers)."""

    def __init__(self, sock):
        self.sock, self.buf = sock, bytearray()

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise OSError(f"connection closed with {len(self.buf)} bytes unparsed")
        self.buf += chunk


def read_response(st, head_only=False):
    """Reads one response: (status, headers, body, stream)."""
    if isinstance(st, socket.socket):
        st = Stream(st)
    while b"\r\n\r\n" not in st.buf:
        st.fill()
    head, _, rest = bytes(st.buf).partition(b"\r\n\r\n")
    st.buf = bytearray(rest)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = 0 if head_only else int(headers.get("content-length", "0"))
    while len(st.buf) < n:
        st.fill()
    body = bytes(st.buf[:n])
    del st.buf[:n]
    return status, headers, body, st


def request(host, port, raw, head_only=False):
    s = connect(host, port)
    s.sendall(raw)
    status, headers, body, _ = read_response(s, head_only)
    s.close()
    return status, headers, body


def get(path, extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode()


def check_http(host, port, root):
    index = open(os.path.join(root, "index.html"), "rb").read()
    big = open(os.path.join(root, "big.bin"), "rb").read()
    cases = [
        ("GET / -> 200 index.html", get("/"), 200, index),
        ("GET /index.html -> 200, Content-Length, body", get("/index.html"), 200, index),
        ("GET /sub/page.txt -> 200", get("/sub/page.txt"), 200, b"sub page\n"),
        ("GET /missing -> 404", get("/missing"), 404, None),
        ("GET /../secret.txt -> 403", get("/../secret.txt"), 403, None),
        ("GET /sub/../../secret.txt -> 403", get("/sub/../../secret.txt"), 403, None),
        ("GET /%2e%2e/secret.txt -> 403", get("/%2e%2e/secret.txt"), 403, None),
        ("POST -> 405", b"POST / HTTP/1.1\r\nHost: t\r\n\r\n", 405, None),
        ("HTTP/2.0 -> 505", b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, None),
        ("GET big.bin (1 MiB) -> 200, exact bytes", get("/big.bin"), 200, big),
    ]
    for name, raw, want, body in cases:
        try:
            status, headers, got = request(host, port, raw)
            ok = status == want and (body is None or got == body)
            if ok and body is not None:
                ok = int(headers.get("content-length", -1)) == len(body)
            report("http: " + name, ok, f"status {status}, {len(got)} body bytes")
        except OSError as e:
            report("http: " + name, False, str(e))

    try:
        status, headers, got = request(host, port, b"HEAD /index.html HTTP/1.1\r\nHost: t\r\n\r\n",
                                       head_only=True)
        report("http: HEAD -> 200, Content-Length, no body",
               status == 200 and int(headers["content-length"]) == len(index) and got == b"",
               f"status {status}")
    except (OSError, KeyError) as e:
        report("http: HEAD", False, str(e))

    try:  # keep-alive: several requests on one connection, then pipelined ones in one packet
        s = connect(host, port)
        st = Stream(s)
        ok = True
        for _ in range(5):
            s.sendall(get("/index.html"))
            status, headers, got, _ = read_response(st)
            ok = ok and status == 200 and got == index and headers.get("connection") == "keep-alive"
        s.sendall(get("/index.html") + get("/missing-but-keeps-going") + get("/sub/page.txt"))
        r1, r2, r3 = read_response(st), read_response(st), read_response(st)
        ok = ok and r1[0] == 200 and r1[2] == index and r2[0] == 404 and r3[0] == 200 \
            and r3[2] == b"sub page\n"
        s.close()
        report("http: keep-alive (5 requests), then 3 pipelined in one packet (200, 404, 200)",
               ok, f"statuses {r1[0]}, {r2[0]}, {r3[0]}")
    except OSError as e:
        report("http: keep-alive and pipelining", False, str(e))

    try:
        s = connect(host, port)
        s.sendall(get("/index.html", "Connection: close\r\n"))
        status, _, got, _ = read_response(s)
        closed = s.recv(1) == b""
        s.close()
        report("http: Connection: close is honoured", status == 200 and closed, f"status {status}")
    except OSError as e:
        report("http: Connection: close", False, str(e))


# ---- misbehaving clients -------------------------------------------------------------------

def check_misbehave(host, port):
    idle = []
    try:
        # Held open for the whole check: an idle connection and a half-sent request.
        a = connect(host, port)
        b = connect(host, port)
        b.sendall(b"GET /index.html HTTP/1.1\r\nHost: t\r\n")
        idle += [a, b]

        g = connect(host, port)
        g.sendall(b"\x00\xff\xfe garbage that is not HTTP\r\n\r\n")
        status, _, _, _ = read_response(g)
        closed = g.recv(1) == b""
        g.close()
        report("misbehave: garbage -> 400 and close", status == 400 and closed, f"status {status}")

        for n in range(20):  # mid-request disconnects and resets
            m = connect(host, port)
            m.sendall(b"GET /index.html HT"[: 3 + n % 15])
            if n % 2:
                m.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            m.close()
        big = connect(host, port)  # request head over the limit
        big.sendall(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
        try:
            status = read_response(big)[0]
        except OSError:
            status = "closed"
        big.close()
        report("misbehave: oversized request head -> 431 or close", status in (431, "closed"),
               f"status {status}")

        # A client that asks for a big file and never reads it must not block the others.
        h = connect(host, port)
        h.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        h.sendall(get("/big.bin"))
        idle.append(h)

        t0 = time.time()
        status, _, body, _ = (lambda s: (s.sendall(get("/index.html")), read_response(s))[1])(
            connect(host, port))
        dt = time.time() - t0
        report("misbehave: good request answered meanwhile (idle, half-sent, stalled clients open)",
               status == 200 and dt < 2.0, f"status {status} after {dt:.2f}s")
    except OSError as e:
        report("misbehave", False, str(e))

    errors = []

    def worker(i):
        try:
            s = connect(host, port)
            st = Stream(s)
            for _ in range(5):
                s.sendall(get("/index.html"))
                if read_response(st)[0] != 200:
                    errors.append("status")
            s.close()
        except OSError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    report("misbehave: then 200 concurrent keep-alive clients x 5 requests, all 200",
           not errors, f"{len(errors)} failures: {errors[:2]}")
    for s in idle:
        s.close()


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "echo":
        check_echo(host, port)
    elif mode == "http":
        check_http(host, port, sys.argv[4])
    elif mode == "misbehave":
        check_misbehave(host, port)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
