"""The soak test's sender: events POSTed to /api/v1/e/{endpoint} at a steady
rate, open loop, for a fixed time, then it stops by itself.

Event i is due at t0 + i / rate and goes to endpoints[i % len(endpoints)]; a
pool of worker threads, each with one keep-alive connection, takes the next
due event, waits for its time and sends it. A worker that falls behind sends
at once (the schedule does not slip), so a slow server shows as latency and as
`late` (sent more than 1 s after its time), never as a lower offered rate
hidden in the figures. Latency is from the request's write to the whole
answer read, in ms.

Threads: the workers and whoever calls take_interval() (the sampler); the
figures of the current interval are guarded by one lock. stop() ends the
workers within one request's timeout.
"""

import http.client
import json
import threading
import time


class SteadyLoad:
    def __init__(self, port, api_key, endpoints, rate, seconds, connections=8, body_bytes=300):
        self.port = port
        self.key = api_key
        self.endpoints = endpoints
        self.rate = rate
        self.seconds = seconds
        self.connections = connections
        self.pad = "x" * max(body_bytes - 60, 0)
        self.lock = threading.Lock()
        self.next_i = 0
        self.stopping = threading.Event()
        self.totals = {"sent": 0, "acked": 0, "non_2xx": 0, "errors": 0, "late": 0}
        self.latencies = []  # ms, of the current interval
        self.threads = []
        self.t0 = None

    def start(self):
        self.t0 = time.monotonic()
        for n in range(self.connections):
            t = threading.Thread(target=self._worker, name=f"soak-load-{n}", daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self, timeout=15):
        self.stopping.set()
        end = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(end - time.monotonic(), 0))

    def done(self):
        return all(not t.is_alive() for t in self.threads)

    def take_interval(self):
        """The latencies since the last call (and the running totals)."""
        with self.lock:
            lat, self.latencies = self.latencies, []
            return lat, dict(self.totals)

    def _next(self):
        with self.lock:
            i = self.next_i
            self.next_i += 1
        return i

    def _body(self, i):
        return json.dumps({"event": "soak.tick",
                           "data": {"seq": i, "pad": self.pad}}).encode()

    def _worker(self):
        conn = None
        while not self.stopping.is_set():
            i = self._next()
            due = self.t0 + i / self.rate
            if due - self.t0 >= self.seconds:
                break
            wait = due - time.monotonic()
            if wait > 0 and self.stopping.wait(wait):
                break
            late = time.monotonic() - due > 1.0
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            ep = self.endpoints[i % len(self.endpoints)]
            start = time.monotonic()
            try:
                conn.request("POST", f"/api/v1/e/{ep}", body=self._body(i),
                             headers={"Authorization": f"Bearer {self.key}",
                                      "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                ms = (time.monotonic() - start) * 1000
                with self.lock:
                    self.totals["sent"] += 1
                    self.totals["late"] += late
                    self.latencies.append(ms)
                    if 200 <= r.status < 300:
                        self.totals["acked"] += 1
                    else:
                        self.totals["non_2xx"] += 1
                if r.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.totals["sent"] += 1
                    self.totals["errors"] += 1
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
