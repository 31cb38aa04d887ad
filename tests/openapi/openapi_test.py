#!/usr/bin/env python3
"""docs/openapi.yaml against the real server, so that neither can drift.

Usage: openapi_test.py PROMPTJANG_BINARY OPENAPI_YAML SRC_DIR

1. The route tables agree: every `router.add(METHOD, PATTERN, ...)` in
   SRC_DIR (src/api/*_routes.cc) is a (path, method) of the file, and every
   (path, method) of the file is one of them.
2. It starts `promptjang serve --listen 127.0.0.1:0` on a temporary SQLite file
   (with a real receiver on 127.0.0.1 for the deliveries), and for every
   documented (path, method) makes requests that should succeed and the error
   cases it can provoke cheaply; each answer's status must be one the file lists
   for that operation, and its body must validate against that response's schema
   (responses are `additionalProperties: false` where the shape is fixed, so a
   field added or removed fails), its documented headers must be there.
3. Every documented path answers every other method with 405 and an `Allow` of
   exactly the documented methods; some plausible undocumented paths answer 404.
4. Every documented status of every operation was seen at least once, except
   503 (the store going away is tests/integration/disk_full_test.cc's business).

Every wait is bounded; the processes it starts are ended by their PID.
Network: 127.0.0.1 only.
"""

import http.client
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import jsonschema
import yaml

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
NOT_REQUIRED_TO_SEE = {"503"}  # storage down: not provoked here
DEADLINE = time.monotonic() + 100  # the test's own bound (CTest's TIMEOUT is the hard one)

failures = []


T0 = time.monotonic()


def phase(name):
    print(f"[{time.monotonic() - T0:6.1f} s] {name}", flush=True)


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def check_deadline(what):
    if time.monotonic() > DEADLINE:
        raise SystemExit(f"openapi_test: out of time while {what}")


# --- the document -------------------------------------------------------------

class Spec:
    def __init__(self, path):
        with open(path) as f:
            self.doc = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if not str(self.doc.get("openapi", "")).startswith("3.1"):
            raise SystemExit("docs/openapi.yaml is not OpenAPI 3.1")
        self.components = self.doc.get("components", {})
        # (template, METHOD) -> operation
        self.ops = {}
        for tpl, item in self.doc["paths"].items():
            for m, op in item.items():
                if m.upper() in METHODS + ["HEAD", "OPTIONS"]:
                    self.ops[(tpl, m.upper())] = op
        self.seen = {k: set() for k in self.ops}  # statuses seen per operation
        self.check_schemas()

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj and len(obj) == 1:
            ref = obj["$ref"]
            assert ref.startswith("#/"), ref
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part]
            obj = node
        return obj

    def validator(self, schema):
        # Refs such as #/components/schemas/X resolve against this root.
        root = dict(schema)
        root["components"] = self.components
        return jsonschema.Draft202012Validator(root)

    def check_schemas(self):
        for name, s in self.components.get("schemas", {}).items():
            try:
                jsonschema.Draft202012Validator.check_schema(s)
            except jsonschema.SchemaError as e:
                fail(f"components/schemas/{name} is not a valid JSON Schema: {e.message}")

    def methods_of(self, tpl):
        return {m for (t, m) in self.ops if t == tpl}


def normalize(tpl):
    return re.sub(r"\{[^}/]+\}", "{}", tpl)


def match_template(spec, path):
    """The documented template of a concrete path (without its query)."""
    parts = path.split("?")[0].strip("/").split("/")
    for tpl in spec.doc["paths"]:
        tparts = tpl.strip("/").split("/")
        if len(tparts) == len(parts) and all(
                t == p or (t.startswith("{") and p) for t, p in zip(tparts, parts)):
            return tpl
    return None


# --- 1. the route tables ------------------------------------------------------

ADD_RE = re.compile(r'router\.add\(\s*"([A-Z]+)"\s*,\s*("[^"]*"|[A-Za-z_][A-Za-z0-9_]*)\s*,')


def server_routes(src_dir):
    """Every (pattern, METHOD) that a `router.add(...)` anywhere in src/ adds."""
    sources = {}
    for root, _, files in os.walk(src_dir):
        for name in sorted(files):
            if name.endswith((".cc", ".h")):
                path = os.path.join(root, name)
                with open(path, errors="replace") as f:
                    sources[os.path.relpath(path, src_dir)] = f.read()
    everything = "\n".join(sources.values())
    routes = set()
    for name, text in sources.items():
        calls = text.count("router.add(")
        found = list(ADD_RE.finditer(text))
        if len(found) != calls:
            fail(f"src/{name}: {calls} router.add( calls, of which this test reads {len(found)}")
        for m in found:
            method, arg = m.group(1), m.group(2)
            if arg.startswith('"'):
                pattern = arg[1:-1]
            else:
                # An identifier: `const std::string path(kSessionPath);` then
                # `kSessionPath = "/api/v1/session";`.
                d = re.search(r"\b" + arg + r"\s*[\(\{=]\s*([A-Za-z_][A-Za-z0-9_]*)", text)
                const = d.group(1) if d else arg
                c = re.search(r"\b" + const + r'\s*=\s*"([^"]*)"', everything)
                if not c:
                    fail(f"src/{name}: cannot resolve the route pattern {arg}")
                    continue
                pattern = c.group(1)
            routes.add((normalize(pattern), method))
    return routes


def check_route_tables(spec, src_dir):
    server = server_routes(src_dir)
    if len(server) < 10:
        fail(f"found only {len(server)} routes in {src_dir}: the extraction is broken")
    documented = {(normalize(t), m) for (t, m) in spec.ops}
    for r in sorted(server - documented):
        fail(f"the server has {r[1]} {r[0]} but docs/openapi.yaml does not document it")
    for r in sorted(documented - server):
        fail(f"docs/openapi.yaml documents {r[1]} {r[0]} but the server has no such route")
    print(f"route tables: {len(server)} server routes, {len(documented)} documented", flush=True)


# --- the processes --------------------------------------------------------------

class Receiver:
    """A webhook receiver on 127.0.0.1: /ok answers 200, /gone 410, /fail 500."""

    def __init__(self):
        self.received = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                outer.received.append((self.path, dict(self.headers), body))
                code = {"/ok": 200, "/gone": 410}.get(self.path, 500)
                data = b"thanks" if code == 200 else b"no"
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Server:
    """`promptjang serve` on 127.0.0.1 port 0 and a SQLite file of its own."""

    def __init__(self, binary, workdir, name, extra=()):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.out_path = os.path.join(self.dir, "stdout")
        self.err_path = os.path.join(self.dir, "stderr")
        args = [binary, "serve", "--listen", "127.0.0.1:0",
                "--database", "sqlite:" + os.path.join(self.dir, "pj.db"),
                "--allow-private-targets", "--log-level", "info", *extra]
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=self.dir)
        self.port = None

    def wait_ready(self):
        """Waits until it listens; reads its port and the bootstrap it printed."""
        end = time.monotonic() + 60
        while time.monotonic() < end and self.port is None:
            if self.proc.poll() is not None:
                raise SystemExit(f"promptjang serve exited ({self.proc.returncode}):\n"
                                 + self.read(self.err_path)[-3000:])
            m = re.search(r"listening on port (\d+)", self.read(self.err_path))
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise SystemExit("promptjang serve did not listen within 60 s")
        # The first start prints its bootstrap on stdout (before it listens).
        out = self.read(self.out_path)
        self.key = re.search(r"API key:\s+(pj_live_\S+)", out).group(1)
        self.email = re.search(r"user:\s+(\S+)", out).group(1)
        self.password = re.search(r"password:\s+(\S+)", out).group(1)
        return self

    @staticmethod
    def read(path):
        with open(path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


# --- requests and their check -------------------------------------------------

class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # name (lowercase) -> list of values
        self.body = body

    def header(self, name):
        v = self.headers.get(name.lower())
        return v[0] if v else None

    def json(self):
        return json.loads(self.body)


class Client:
    def __init__(self, spec, server):
        self.spec = spec
        self.server = server

    def call(self, method, path, body=None, *, key=True, headers=None, raw=None, expect=None,
             template=None):
        """One request on a fresh connection; checks the answer against the
        document, and against `expect` (a status or a set of them)."""
        check_deadline(f"{method} {path}")
        h = {}
        if key is True:
            h["Authorization"] = f"Bearer {self.server.key}"
        elif key:
            h["Authorization"] = key if key.startswith("Bearer") else f"Bearer {key}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            hdrs = {}
            for k, v in r.getheaders():
                hdrs.setdefault(k.lower(), []).append(v)
            a = Answer(r.status, hdrs, r.read())
        finally:
            conn.close()
        self.verify(method, path, a, expect, template)
        return a

    def raw_head(self, method, path, headers, expect=None):
        """Sends only a request's head (its Content-Length promising a body that
        never comes) and reads the answer: for refusals made before the body."""
        check_deadline(f"{method} {path} (head only)")
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.server.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            r = http.client.HTTPResponse(s, method=method)
            r.begin()
            hdrs = {}
            for k, v in r.getheaders():
                hdrs.setdefault(k.lower(), []).append(v)
            a = Answer(r.status, hdrs, r.read())
        self.verify(method, path, a, expect, None)
        return a

    def verify(self, method, path, a, expect, template):
        where = f"{method} {path} -> {a.status}"
        if expect is not None:
            want = {expect} if isinstance(expect, int) else set(expect)
            if a.status not in want:
                fail(f"{where}: expected {sorted(want)}; body {a.body[:300]!r}")
        tpl = template or match_template(self.spec, path)
        op = self.spec.ops.get((tpl, method)) if tpl else None
        if op is None:
            return  # not a documented operation: the caller checks it
        self.spec.seen[(tpl, method)].add(str(a.status))
        responses = op.get("responses", {})
        resp = responses.get(str(a.status))
        if resp is None:
            fail(f"{where}: status {a.status} is not documented for {method} {tpl}; "
                 f"body {a.body[:300]!r}")
            return
        resp = self.spec.deref(resp)
        for name, hdr in (resp.get("headers") or {}).items():
            hdr = self.spec.deref(hdr)
            value = a.header(name)
            if value is None:
                if hdr.get("required"):
                    fail(f"{where}: the documented header {name} is missing")
                continue
            errors = list(self.spec.validator(hdr.get("schema", {})).iter_errors(value))
            if errors:
                fail(f"{where}: header {name}: {value!r}: {errors[0].message}")
        content = resp.get("content")
        if not content:
            if a.body:
                fail(f"{where}: documented without a body, got {a.body[:200]!r}")
            return
        ctype = (a.header("Content-Type") or "").split(";")[0].strip()
        if ctype not in content:
            fail(f"{where}: Content-Type {ctype!r}, documented {list(content)}")
            return
        schema = content[ctype].get("schema", {})
        if not ctype.endswith("json"):
            # Text (the Prometheus format, say): validated as a string.
            doc = a.body.decode("utf-8", "replace")
            errors = list(self.spec.validator(schema).iter_errors(doc))
            if errors:
                fail(f"{where}: body does not match the schema: {errors[0].message}")
            return
        try:
            doc = json.loads(a.body)
        except ValueError as e:
            fail(f"{where}: the body is not JSON ({e}): {a.body[:200]!r}")
            return
        errors = sorted(self.spec.validator(schema).iter_errors(doc), key=lambda e: e.path)
        for e in errors[:3]:
            fail(f"{where}: body does not match the schema at /{'/'.join(map(str, e.path))}: "
                 f"{e.message}")


def wait_for(what, fn, timeout=40):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            fail(f"timed out waiting for {what}")
            return None
        time.sleep(0.1)


# --- 2. the walk ----------------------------------------------------------------

MISSING = {"ep": "ep_" + "0" * 26, "evt": "evt_" + "0" * 26, "key": "key_" + "0" * 26}


def fill(tpl, ids=None):
    """A concrete path of a template, with well-formed ids that name nothing."""
    ids = ids or {}

    def sub(m):
        name = m.group(1)
        if name == "endpoint_id" or tpl.startswith("/api/v1/endpoints/"):
            return ids.get("ep", MISSING["ep"])
        if tpl.startswith("/api/v1/events/"):
            return ids.get("evt", MISSING["evt"])
        if tpl.startswith("/api/v1/api-keys/"):
            return ids.get("key", MISSING["key"])
        raise AssertionError(f"no id for {tpl}")
    return re.sub(r"\{([^}]+)\}", sub, tpl)


def event_status(c, evt):
    a = c.call("GET", f"/api/v1/events/{evt}", expect=200)
    return a.json().get("status") if a.status == 200 else None


def walk(spec, c, receiver):
    S = c.server
    # Health.
    phase('Health')
    c.call("GET", "/healthz", key=None, expect=200)
    c.call("GET", "/readyz", key=None, expect=200)
    c.call("GET", "/metrics", key=None, expect=200)

    # Authentication, on one route here; on every route below.
    c.call("GET", "/api/v1/account", key=None, expect=401)
    c.call("GET", "/api/v1/account", key="pj_live_" + "x" * 32, expect=401)
    c.call("GET", "/api/v1/account", key="Basic abc", expect=401)

    # Account, plans, usage, stats.
    phase('Account, plans, usage, stats')
    c.call("GET", "/api/v1/account", expect=200)
    c.call("GET", "/api/v1/plans", expect=200)
    c.call("PATCH", "/api/v1/account", {"plan": "pro"}, expect=200)
    c.call("PATCH", "/api/v1/account", {"plan": "diamond"}, expect=400)
    c.call("PATCH", "/api/v1/account", {}, expect=400)
    c.call("PATCH", "/api/v1/account", {"plan": 7}, expect=400)
    c.call("PATCH", "/api/v1/account", raw=b"{nope", headers={"Content-Type": "application/json"},
           expect=400)
    c.call("PATCH", "/api/v1/account", {"plan": "starter"}, expect=200)
    c.call("GET", "/api/v1/usage", expect=200)
    c.call("GET", "/api/v1/usage?month=2026-01", expect=200)
    c.call("GET", "/api/v1/usage?month=2026-13", expect=400)
    c.call("GET", "/api/v1/usage?month=soon", expect=400)
    c.call("GET", "/api/v1/stats/deliveries", expect=200)
    c.call("GET", "/api/v1/stats/deliveries?since=2026-01-01T00:00:00Z&until=2026-01-01T01:00:00Z",
           expect=200)
    c.call("GET", "/api/v1/stats/deliveries?since=yesterday", expect=400)
    c.call("GET", "/api/v1/stats/deliveries?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
           expect=400)
    c.call("GET", "/api/v1/stats/deliveries?since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z",
           expect=400)

    # Endpoints.
    phase('Endpoints')
    ok = c.call("POST", "/api/v1/endpoints", {"url": receiver.url("/ok"), "description": "ok"},
                expect=201).json()
    ep = ok["id"]
    c.call("POST", "/api/v1/endpoints", {"url": "ftp://example.com/x"}, expect=400)
    c.call("POST", "/api/v1/endpoints", {"description": "no url"}, expect=400)
    c.call("POST", "/api/v1/endpoints", {"url": 5}, expect=400)
    c.call("POST", "/api/v1/endpoints", raw=b"[", headers={"Content-Type": "application/json"},
           expect=400)
    spare = c.call("POST", "/api/v1/endpoints", {"url": receiver.url("/ok"), "enabled": False},
                   expect=201).json()["id"]
    page = c.call("GET", "/api/v1/endpoints?limit=1", expect=200).json()
    if page.get("next_cursor"):
        c.call("GET", f"/api/v1/endpoints?limit=1&cursor={page['next_cursor']}", expect=200)
    else:
        fail("GET /api/v1/endpoints?limit=1 with two endpoints gave no next_cursor")
    c.call("GET", "/api/v1/endpoints", expect=200)
    for q in ("limit=0", "limit=1001", "limit=abc", "cursor=nope", "cursor=%zz"):
        c.call("GET", f"/api/v1/endpoints?{q}", expect=400)
    c.call("GET", f"/api/v1/endpoints/{ep}", expect=200)
    c.call("GET", "/api/v1/endpoints/ep_malformed", expect=404)
    c.call("PATCH", f"/api/v1/endpoints/{ep}", {"description": "the receiver"}, expect=200)
    c.call("PATCH", f"/api/v1/endpoints/{ep}", {"enabled": "yes"}, expect=400)
    c.call("PATCH", f"/api/v1/endpoints/{ep}", {"url": "not a url"}, expect=400)
    c.call("PATCH", f"/api/v1/endpoints/{ep}", raw=b"1", headers={"Content-Type": "application/json"},
           expect=400)
    c.call("GET", f"/api/v1/endpoints/{ep}/secret", expect=200)
    c.call("POST", f"/api/v1/endpoints/{ep}/rotate-secret", expect=200)
    test_evt = c.call("POST", f"/api/v1/endpoints/{ep}/test", expect=202).json().get("id")

    # Ingest.
    phase('Ingest')
    ingest = f"/api/v1/e/{ep}"
    e1 = c.call("POST", ingest, {"event": "order.created", "data": {"n": 1}}, expect=202).json()["id"]
    c.call("POST", ingest, raw=b'{"event":"order.paid"}', expect=202)  # no Content-Type at all
    c.call("POST", ingest, raw=b"[1,2]", headers={"Content-Type": "application/json; charset=utf-8"},
           expect=202)
    first = c.call("POST", ingest, {"event": "order.once"}, headers={"Idempotency-Key": "k-1"},
                   expect=202)
    again = c.call("POST", ingest, {"event": "order.once"}, headers={"Idempotency-Key": "k-1"},
                   expect=200)
    if first.status == 202 and again.status == 200 and first.json()["id"] != again.json()["id"]:
        fail("a repeated Idempotency-Key answered another event id")
    c.call("POST", ingest, {"a": 1}, headers={"Idempotency-Key": "has space"}, expect=400)
    c.call("POST", ingest, {"a": 1}, headers={"Idempotency-Key": "x" * 256}, expect=400)
    c.call("POST", ingest, raw=b'{"a":', headers={"Content-Type": "application/json"}, expect=400)
    c.call("POST", ingest, raw=b"", headers={"Content-Type": "application/json"}, expect=400)
    c.call("POST", ingest, raw=b"[" * 40 + b"]" * 40, headers={"Content-Type": "application/json"},
           expect=400)
    c.call("POST", ingest, raw=b"{}", headers={"Content-Type": "text/plain"}, expect=415)
    c.call("POST", ingest, raw=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"},
           expect=415)
    c.call("POST", f"/api/v1/e/{spare}", {"event": "waits"}, expect=202)  # disabled: kept
    over = c.raw_head("POST", ingest, {"Authorization": f"Bearer {S.key}",
                                       "Content-Type": "application/json",
                                       "Content-Length": str(262144 + 1)}, expect=413)
    if over.status != 413 or b"262144" not in over.body:
        fail(f"ingest over the starter limit: {over.status} {over.body!r} (want 413 naming 262144)")
    # The same size in a real body, under pro's limit after a plan change.
    c.call("PATCH", "/api/v1/account", {"plan": "pro"}, expect=200)
    big = b'{"pad":"' + b"x" * 300000 + b'"}'
    c.call("POST", ingest, raw=big, headers={"Content-Type": "application/json"}, expect=202)
    c.call("PATCH", "/api/v1/account", {"plan": "starter"}, expect=200)

    # Events: the deliveries to /ok.
    phase('Events')
    wait_for(f"{e1} DELIVERED", lambda: event_status(c, e1) == "DELIVERED")
    if test_evt:
        wait_for(f"test event {test_evt} DELIVERED", lambda: event_status(c, test_evt) == "DELIVERED")
    got = c.call("GET", f"/api/v1/events/{e1}", expect=200).json()
    if not got.get("attempts"):
        fail(f"GET /api/v1/events/{e1}: a delivered event without attempts")
    elif got["attempts"][0].get("status_code") != 200:
        fail(f"the first attempt of {e1}: {got['attempts'][0]}")
    if not any(r[2] == b'{"event": "order.created", "data": {"n": 1}}' for r in receiver.received):
        fail("the receiver did not get the ingested body byte for byte")
    c.call("GET", "/api/v1/events", expect=200)
    c.call("GET", f"/api/v1/events?status=DELIVERED&endpoint_id={ep}&event=order.created"
                  "&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00.000Z&limit=10", expect=200)
    c.call("GET", "/api/v1/events?event_type=order.created", expect=200)
    page = c.call("GET", "/api/v1/events?limit=2", expect=200).json()
    if page.get("next_cursor"):
        c.call("GET", f"/api/v1/events?limit=2&cursor={page['next_cursor']}", expect=200)
    else:
        fail("GET /api/v1/events?limit=2 with more events gave no next_cursor")
    for q in ("status=LOST", "since=today", "until=2026-02-30", "limit=0", "limit=10abc",
              "limit=99999999999999999999", "cursor=evt_nope", "status=%zz"):
        c.call("GET", f"/api/v1/events?{q}", expect=400)
    c.call("GET", "/api/v1/events/evt_malformed", expect=404)

    # Replay one: DELIVERED needs force; a pending event is not replayable.
    phase('Replay one')
    c.call("POST", f"/api/v1/events/{e1}/replay", expect=409)
    c.call("POST", f"/api/v1/events/{e1}/replay", {"force": False}, expect=409)
    c.call("POST", f"/api/v1/events/{e1}/replay", {"force": "yes"}, expect=400)
    c.call("POST", f"/api/v1/events/{e1}/replay", raw=b"{", headers={"Content-Type": "application/json"},
           expect=400)
    c.call("POST", f"/api/v1/events/{e1}/replay", {"force": True}, expect=200)
    wait_for(f"{e1} DELIVERED again", lambda: event_status(c, e1) == "DELIVERED")
    c.call("POST", "/api/v1/events/evt_malformed/replay", expect=404)

    # A receiver answering 410: FAILED (and the endpoint disabled); replayed.
    phase('Replay: FAILED (410)')
    gone = c.call("POST", "/api/v1/endpoints", {"url": receiver.url("/gone")}, expect=201).json()["id"]
    fev = c.call("POST", f"/api/v1/e/{gone}", {"event": "x.gone"}, expect=202).json()["id"]
    wait_for(f"{fev} FAILED", lambda: event_status(c, fev) == "FAILED")
    c.call("POST", f"/api/v1/events/{fev}/replay", {}, expect=200)
    c.call("POST", f"/api/v1/events/{fev}/replay", expect=409)  # QUEUED: its endpoint is disabled
    c.call("PATCH", f"/api/v1/endpoints/{gone}", {"enabled": True}, expect=200)
    wait_for(f"{fev} FAILED again", lambda: event_status(c, fev) == "FAILED")
    n = c.call("POST", f"/api/v1/endpoints/{gone}/replay", {"status": "FAILED"}, expect=200).json()
    if n.get("replayed") != 1:
        fail(f"bulk replay of FAILED events answered {n}, want 1")
    # A receiver answering 500 with no retries left: EXPIRED; the default bulk status.
    phase('Replay: EXPIRED (500)')
    bad = c.call("POST", "/api/v1/endpoints", {"url": receiver.url("/fail")}, expect=201).json()["id"]
    xev = c.call("POST", f"/api/v1/e/{bad}", {"event": "x.fail"}, expect=202).json()["id"]
    wait_for(f"{xev} EXPIRED", lambda: event_status(c, xev) == "EXPIRED")
    n = c.call("POST", f"/api/v1/endpoints/{bad}/replay",
               {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}, expect=200).json()
    if n.get("replayed") != 1:
        fail(f"bulk replay of EXPIRED events answered {n}, want 1")
    c.call("POST", f"/api/v1/endpoints/{bad}/replay", expect=200)  # no body: EXPIRED, none left
    c.call("POST", f"/api/v1/endpoints/{bad}/replay", {"status": "DELIVERED"}, expect=400)
    c.call("POST", f"/api/v1/endpoints/{bad}/replay", {"since": "last week"}, expect=400)
    c.call("POST", f"/api/v1/endpoints/{bad}/replay", {"status": 3}, expect=400)
    c.call("POST", f"/api/v1/endpoints/{bad}/replay", raw=b"nope",
           headers={"Content-Type": "application/json"}, expect=400)
    c.call("POST", "/api/v1/endpoints/ep_malformed/replay", {}, expect=404)

    # API keys.
    phase('API keys')
    c.call("GET", "/api/v1/api-keys", expect=200)
    created = c.call("POST", "/api/v1/api-keys", {"name": "ci"}, expect=201).json()
    c.call("POST", "/api/v1/api-keys", expect=201)  # no body: named "default"
    c.call("POST", "/api/v1/api-keys", {"name": 5}, expect=400)
    c.call("POST", "/api/v1/api-keys", {"name": "n" * 201}, expect=400)
    c.call("POST", "/api/v1/api-keys", raw=b"[]", headers={"Content-Type": "application/json"},
           expect=400)
    if "key" in created:
        c.call("GET", "/api/v1/account", key=created["key"], expect=200)
        c.call("DELETE", f"/api/v1/api-keys/{created['id']}", expect=204)
        c.call("DELETE", f"/api/v1/api-keys/{created['id']}", expect=404)  # revoked already
        c.call("GET", "/api/v1/account", key=created["key"], expect=401)  # revoked
        c.call("GET", "/api/v1/api-keys", expect=200)  # with revoked_at set
    c.call("DELETE", "/api/v1/api-keys/key_malformed", expect=404)

    # Deleting an endpoint: its events stay readable.
    c.call("DELETE", f"/api/v1/endpoints/{spare}", expect=204)
    c.call("GET", f"/api/v1/endpoints/{spare}", expect=404)
    c.call("DELETE", f"/api/v1/endpoints/{spare}", expect=404)
    c.call("PATCH", f"/api/v1/endpoints/{spare}", {"description": "x"}, expect=404)
    c.call("POST", f"/api/v1/e/{spare}", {"event": "late"}, expect=404)
    c.call("POST", f"/api/v1/endpoints/{spare}/test", expect=404)
    c.call("GET", f"/api/v1/endpoints/{spare}/secret", expect=404)
    c.call("GET", f"/api/v1/events?endpoint_id={spare}", expect=200)

    # Sessions: the dashboard's routes and cookie authentication.
    phase('Sessions')
    c.call("GET", "/api/v1/session", key=None, expect=401)
    c.call("GET", "/api/v1/session", key=None, headers={"Cookie": "pj_session=" + "0" * 64}, expect=401)
    c.call("DELETE", "/api/v1/session", key=None, expect=401)
    login = {"email": S.email, "password": S.password}
    c.call("POST", "/api/v1/session", key=None, raw=json.dumps(login).encode(),
           headers={"Content-Type": "text/plain"}, expect=415)
    c.call("POST", "/api/v1/session", key=None, raw=json.dumps(login).encode(), expect=415)
    c.call("POST", "/api/v1/session", key=None, raw=b"{", headers={"Content-Type": "application/json"},
           expect=400)
    c.call("POST", "/api/v1/session", {"email": S.email}, key=None, expect=400)
    c.call("POST", "/api/v1/session", {"email": S.email, "password": "wrong"}, key=None, expect=401)
    signed = c.call("POST", "/api/v1/session", login, key=None, expect=200)
    cookie = (signed.header("Set-Cookie") or "").split(";")[0]
    csrf = signed.json().get("csrf_token", "") if signed.status == 200 else ""
    behind_tls = c.call("POST", "/api/v1/session", login, key=None,
                        headers={"X-Forwarded-Proto": "https"}, expect=200)
    if not (behind_tls.header("Set-Cookie") or "").endswith("; Secure"):
        fail(f"sign-in behind HTTPS: Set-Cookie {behind_tls.header('Set-Cookie')!r} is not Secure")
    c.call("GET", "/api/v1/session", key=None, headers={"Cookie": cookie}, expect=200)
    c.call("GET", "/api/v1/account", key=None, headers={"Cookie": cookie}, expect=200)
    c.call("POST", "/api/v1/endpoints", {"url": receiver.url("/ok")}, key=None,
           headers={"Cookie": cookie}, expect=403)
    c.call("POST", "/api/v1/endpoints", {"url": receiver.url("/ok")}, key=None,
           headers={"Cookie": cookie, "X-CSRF-Token": "f" * 64}, expect=403)
    c.call("POST", "/api/v1/endpoints", {"url": receiver.url("/ok")}, key=None,
           headers={"Cookie": cookie, "X-CSRF-Token": csrf}, expect=201)

    # Every route: 401 without credentials; 403 with the cookie and no CSRF
    phase('Every route: 401, 403, 404, 413')
    # token where the file says one is needed; 404 for ids that name nothing.
    for (tpl, m), op in sorted(spec.ops.items()):
        security = op.get("security", spec.doc.get("security"))
        path = fill(tpl)
        body = {} if m in ("POST", "PATCH") and "requestBody" in op else None
        if security and "401" in op["responses"]:
            c.call(m, path, body, key=None, expect=401, template=tpl)
        if any("csrfToken" in alt for alt in security or []):
            c.call(m, path, body, key=None, headers={"Cookie": cookie}, expect=403, template=tpl)
        if "{" in tpl and "404" in op["responses"]:
            c.call(m, path, body, expect=404, template=tpl)
        if "413" in op["responses"] and tpl != "/api/v1/e/{endpoint_id}":
            limit = 4096 if tpl == "/api/v1/session" else 65536
            h = {"Content-Type": "application/json", "Content-Length": str(limit + 1)}
            if security:
                h["Authorization"] = f"Bearer {S.key}"
            c.raw_head(m, fill(tpl, {"ep": ep, "evt": e1}), h, expect=413)

    c.call("DELETE", "/api/v1/session", key=None, headers={"Cookie": cookie}, expect=403)
    c.call("DELETE", "/api/v1/session", key=None, headers={"Cookie": cookie, "X-CSRF-Token": csrf},
           expect=204)
    c.call("GET", "/api/v1/session", key=None, headers={"Cookie": cookie}, expect=401)

    # 405 with Allow on every documented path; 404 on paths the file lacks.
    phase('405 with Allow')
    for tpl in spec.doc["paths"]:
        documented = spec.methods_of(tpl)
        if "GET" in documented:
            documented.add("HEAD")  # a HEAD is the GET without its body
        for m in METHODS:
            if m in documented:
                continue
            a = c.call(m, fill(tpl), raw=b"" if m in ("POST", "PUT", "PATCH") else None, expect=405)
            allow = {x.strip() for x in (a.header("Allow") or "").split(",") if x.strip()}
            if a.status == 405 and allow != documented:
                fail(f"{m} {tpl}: Allow {sorted(allow)}, documented {sorted(documented)}")
            validate_as(spec, a, "Error_method_not_allowed", f"{m} {tpl}")
    # HEAD: the GET's status and headers, no body.
    for (tpl, m), op in sorted(spec.ops.items()):
        if m != "GET":
            continue
        path = fill(tpl, {"ep": ep, "evt": e1})
        key = None if op.get("security") == [] else True
        get = c.call("GET", path, key=key)
        head = c.call("HEAD", path, key=key, expect=get.status)
        if head.body:
            fail(f"HEAD {path}: a body {head.body[:100]!r}")
        if head.header("Content-Type") != get.header("Content-Type"):
            fail(f"HEAD {path}: Content-Type {head.header('Content-Type')!r}, "
                 f"the GET's {get.header('Content-Type')!r}")
    for path in ("/metrics", "/api/v1/metrics", "/api/v1/users", "/api/v1/webhooks",
                 "/api/v1/endpoints/x/events", "/api/v1/events/x/attempts", "/api/v2/account",
                 "/api/v1/account/x", "/api/v1/e", "/api/v1/stats", "/api/v1"):
        if match_template(spec, path):
            continue  # documented (and walked above)
        a = c.call("GET", path, expect=404)
        validate_as(spec, a, "Error_not_found", f"GET {path}")



def walk_throttle(c):
    """Sign-in throttling: after five failed logins for an email, a sixth is
    429 (another email than the owner's, who signs in meanwhile)."""
    login = {"email": "nobody@example.com", "password": "x"}
    for _ in range(5):
        c.call("POST", "/api/v1/session", login, key=None, expect=401)
    c.call("POST", "/api/v1/session", login, key=None, expect=429)
    phase("sign-in throttling done")


def validate_as(spec, a, schema_name, where):
    try:
        doc = json.loads(a.body)
    except ValueError:
        fail(f"{where}: not JSON: {a.body[:200]!r}")
        return
    errors = list(spec.validator({"$ref": f"#/components/schemas/{schema_name}"}).iter_errors(doc))
    if errors:
        fail(f"{where}: {doc} is not {schema_name}: {errors[0].message}")


def walk_rate_limited(spec, c):
    """A server with --rate-limit: past the budget, every API route answers 429."""
    c.call("GET", "/api/v1/account", expect=200)  # the one request of the burst
    for (tpl, m), op in sorted(spec.ops.items()):
        if not op.get("security", spec.doc.get("security")) or tpl == "/api/v1/session":
            continue
        body = {} if m in ("POST", "PATCH") and "requestBody" in op else None
        c.call(m, fill(tpl), body, expect=429, template=tpl)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    binary, yaml_path, src_dir = (os.path.abspath(a) for a in sys.argv[1:])
    spec = Spec(yaml_path)
    check_route_tables(spec, src_dir)

    receiver = Receiver()
    servers = []
    with tempfile.TemporaryDirectory(prefix="pj-openapi-") as tmp:
        try:
            phase("starting the servers")
            # No retries: a failed attempt expires its event at once.
            main_server = Server(binary, tmp, "main", ["--retry-schedule", ""])
            servers.append(main_server)
            # One request a 100 s: past the first, every API request is refused.
            limited = Server(binary, tmp, "limited",
                             ["--rate-limit", "0.01", "--rate-limit-burst", "1"])
            servers.append(limited)
            c = Client(spec, main_server.wait_ready())
            # Sign-in throttling takes five password checks: alongside the walk.
            throttle = threading.Thread(target=walk_throttle, args=(c,))
            throttle.start()
            walk(spec, c, receiver)
            phase("the rate-limited server")
            walk_rate_limited(spec, Client(spec, limited.wait_ready()))
            throttle.join(timeout=max(1.0, DEADLINE - time.monotonic()))
            if throttle.is_alive():
                fail("the sign-in throttling walk did not finish in time")
            phase("done")
        finally:
            for s in servers:
                s.stop()
            receiver.stop()
            phase("servers stopped")
        for s in servers:
            if s.proc.returncode not in (0, None):
                fail(f"promptjang serve ({s.dir}) exited {s.proc.returncode}:\n"
                     + Server.read(s.err_path)[-3000:])

    # Every documented status was seen (but those this test cannot provoke).
    for (tpl, m), op in sorted(spec.ops.items()):
        missing = set(op["responses"]) - spec.seen[(tpl, m)] - NOT_REQUIRED_TO_SEE
        if missing:
            fail(f"{m} {tpl}: documented {sorted(missing)} never seen (provoke them, or drop them)")
        if not any(s.startswith("2") for s in spec.seen[(tpl, m)]):
            fail(f"{m} {tpl}: no successful answer seen")
    phase("checked")
    total = sum(len(v) for v in spec.seen.values())
    print(f"{len(spec.ops)} operations, {total} (operation, status) pairs seen", flush=True)
    if failures:
        print(f"\n{len(failures)} failure(s)", flush=True)
        sys.exit(1)
    print("OK: docs/openapi.yaml and the server agree", flush=True)


if __name__ == "__main__":
    main()
