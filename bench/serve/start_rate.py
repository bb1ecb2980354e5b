#!/usr/bin/env python3
"""Container starts per second through the serve API (issue 9): C client threads, each on its
own keep-alive connection to the daemon's Unix socket, POST /v1/containers {"module", "rm":
true} back to back until N starts were answered. Prints the API start rate (201 answers per
second), the latency of those answers (p50/p99), and the rate including the guests' exits
(time until the daemon lists no container any more).

  start_rate.py SOCKET MODULE N C
"""
import http.client
import json
import socket
import sys
import threading
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def request(conn, method, target, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, target, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def main():
    sock, module, n, c = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    body = json.dumps({"module": module, "rm": True})
    lock = threading.Lock()
    left = [n]
    latencies, errors = [], []

    def worker():
        conn = UnixConnection(sock)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            s = time.perf_counter()
            status, data = request(conn, "POST", "/v1/containers", body)
            e = time.perf_counter()
            with lock:
                if status == 201:
                    latencies.append(e - s)
                else:
                    errors.append((status, data[:200]))

    threads = [threading.Thread(target=worker) for _ in range(c)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t1 = time.perf_counter()
    conn = UnixConnection(sock)
    while True:  # until every guest exited and was removed
        status, data = request(conn, "GET", "/v1/containers")
        if status == 200 and not json.loads(data):
            break
        time.sleep(0.002)
    t2 = time.perf_counter()
    latencies.sort()
    ok = len(latencies)
    pct = lambda p: latencies[min(ok - 1, int(p * ok))] * 1000 if ok else 0
    print(f"{ok}/{n} started ({len(errors)} refused{': ' + str(errors[0]) if errors else ''}), "
          f"{c} clients: {ok / (t1 - t0):.0f} starts/s answered, API latency p50 {pct(0.5):.2f} ms "
          f"p99 {pct(0.99):.2f} ms; {ok / (t2 - t0):.0f} starts/s until all exited")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
