#!/usr/bin/env python3
"""The soak test's receiver of deliveries: a real HTTP/1.1 server on
127.0.0.1 that answers like a production fleet of endpoints, not like a
benchmark's perfect one.

Every POST draws its outcome (a seeded random.Random, so runs are comparable):
  - on a path starting /flaky: 55 % 500, 3 % a hang, the rest 200 (a customer
    whose server is mostly down: its events go through every retry and some
    expire);
  - on any other path: 4 % 500, 1 % a hang, the rest 200.
A hang sleeps --hang seconds (longer than the server's --delivery-timeout, so
the attempt ends as a timeout) and then tries to answer 200 on a connection the
client has usually closed. GET /stats answers the counts so far as JSON.

Threads: one per connection (ThreadingHTTPServer, daemon threads); the counts
are guarded by one lock. Ends on SIGTERM (the driver's cleanup) like any process.
Usage: receiver.py --port PORT [--hang 3] [--seed 1]
"""

import argparse
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MIXES = {  # path prefix -> (P(500), P(hang))
    "/flaky": (0.55, 0.03),
    "": (0.04, 0.01),
}


class State:
    def __init__(self, seed, hang_s):
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.hang_s = hang_s
        self.counts = {"200": 0, "500": 0, "hang": 0, "write_failed": 0}

    def draw(self, path):
        p500, phang = next(v for k, v in MIXES.items() if path.startswith(k))
        with self.lock:
            r = self.rng.random()
            outcome = "500" if r < p500 else "hang" if r < p500 + phang else "200"
            self.counts[outcome] += 1
        return outcome

    def count(self, key):
        with self.lock:
            self.counts[key] += 1

    def snapshot(self):
        with self.lock:
            return dict(self.counts)


def handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers
        timeout = 60  # an idle connection's read gives up after this

        def log_message(self, *args):
            pass

        def answer(self, code, body):
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(n)
            outcome = state.draw(self.path)
            try:
                if outcome == "hang":
                    threading.Event().wait(state.hang_s)
                    self.answer(200, b"late")
                elif outcome == "500":
                    self.answer(500, b"receiver error (soak)")
                else:
                    self.answer(200, b"ok")
            except OSError:
                state.count("write_failed")
                self.close_connection = True

        def do_GET(self):
            self.answer(200, json.dumps(state.snapshot()).encode())

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--hang", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), handler(State(a.seed, a.hang)))
    server.daemon_threads = True
    server.request_queue_size = 256
    server.serve_forever()


if __name__ == "__main__":
    main()
