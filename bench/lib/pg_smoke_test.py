#!/usr/bin/env python3
"""A smoke test of the benchmark's PostgreSQL rows (CTest bench_pg_smoke): on a
throwaway cluster (stores.Postgres, scripts/pg-test-cluster), a database whose
schema a first `promptjang serve` created is seeded with 1,000 QUEUED events the
way the pg-delivery scenario writes them; `promptjang serve` started on it
delivers every one of them once to a receiver on loopback, they end DELIVERED,
and the cluster's CPU reading moves. It checks the scenario's SQL against the
schema, not how fast anything is. Usage: pg_smoke_test.py PROMPTJANG"""

import http.server
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import stores  # noqa: E402

EVENTS = 1000


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers 200 to every POST and counts them by path."""
    seen = {}
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.seen[self.path] = self.seen.get(self.path, 0) + 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def drain(binary, pg, d, receiver):
    db = pg.create(d, "smoke")
    s = bl.Server(binary, db, ["--no-delivery"], workdir=d, name="setup")
    eps = [s.create_endpoint(f"{receiver}/r/{k}") for k in range(2)]
    account = s.account
    s.stop()
    assert account and pg.count_events(db) == 0
    pg.seed_events(db, account, eps, EVENTS, "QUEUED", int(time.time() * 1e6) - 10**6, 10**6)
    assert pg.count_events(db, "status = 'QUEUED'") == EVENTS
    c0 = pg.cpu()
    s = bl.Server(binary, db, [], workdir=d, name="serve")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and \
                pg.count_events(db, "status = 'DELIVERED'") < EVENTS:
            time.sleep(0.2)
    finally:
        s.stop()
    assert pg.count_events(db, "status = 'DELIVERED'") == EVENTS
    assert pg.cpu() > c0
    pg.drop(db)


def main():
    binary = sys.argv[1]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="pj-pg-smoke-") as d:
        pg = stores.Postgres(d)
        try:
            drain(binary, pg, d, f"http://127.0.0.1:{httpd.server_address[1]}")
        finally:
            bl.cleanup()
            pg.stop()
            httpd.shutdown()
    seen = Receiver.seen
    assert sum(seen.values()) == EVENTS and sorted(seen.values()) == [EVENTS // 2] * 2, seen
    print(f"pg smoke: ok ({EVENTS} seeded events delivered once, PostgreSQL {pg.version})")


if __name__ == "__main__":
    main()
