"""Pieces of scripts/bench: the processes it starts and how it reads them.

Everything runs on 127.0.0.1. Every process started here is remembered by its
PID and ended by cleanup() (terminate, then kill after a grace period); nothing
else is ever signalled. Every wait is bounded by a timeout.
"""

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
HERE = os.path.dirname(os.path.abspath(__file__))
POST_LUA = os.path.join(HERE, "post.lua")

_started = []  # Popen objects, ended by cleanup()
EXTRA_SERVE_ARGS = []  # added to every `promptjang serve` (run_bench.py --serve-args)


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    _started.append(p)
    return p


def stop(p, grace=10.0):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)
    if p in _started:
        _started.remove(p)


def cleanup():
    for p in list(_started):
        stop(p, grace=5)


# --- /proc --------------------------------------------------------------------

def cpu_seconds(pid, children=False):
    """User + system CPU seconds of a process (all its threads) so far; with
    `children`, plus those of the children it has waited for."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def children(pid):
    """The PIDs of a process's live children (from every /proc/N/stat)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        if ppid == pid:
            out.append(int(name))
    return out


def memory_kib(pid):
    """(VmRSS, VmHWM) in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])
    return out["VmRSS"], out["VmHWM"]


# --- nginx: the ceiling and the receiver ---------------------------------------

NGINX_CONF = """
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_max_body_size 4m;
  client_body_buffer_size 4m;
  server {{
    listen 127.0.0.1:{port};
    # The ingest ceiling: what the ingest route answers, at no cost.
    location = /ingest {{ default_type application/json;
                         return 202 '{{"id":"evt_00000000000000000000000000","status":"QUEUED"}}'; }}
    # The receiver of deliveries (and wrk's delivery ceiling).
    location /receiver {{ default_type text/plain; return 200 'ok'; }}
    location = /nginx_status {{ stub_status; }}
  }}
}}
"""


class Nginx:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, port=self.port))
        self.proc = spawn(["nginx", "-c", conf, "-p", self.dir],
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr"), "w"))
        wait_http(f"{self.url('/nginx_status')}", 10)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_served(self):
        with urllib.request.urlopen(self.url("/nginx_status"), timeout=5) as r:
            lines = r.read().decode().splitlines()
        return int(lines[2].split()[2])

    def stop(self):
        stop(self.proc)


def wait_http(url, timeout):
    end = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > end:
                raise RuntimeError(f"{url} did not answer within {timeout} s")
            time.sleep(0.05)


# --- PromptJang ---------------------------------------------------------------

def database_arg(db):
    """--database for a SQLite file's path or a postgres:// URL."""
    return db if db.startswith(("postgres://", "postgresql://")) else f"sqlite:{db}"


class Server:
    """`promptjang serve` on a database of its own (a SQLite file's path or a
    postgres:// URL, whose runs name their `workdir`), on a port of its own."""

    def __init__(self, binary, db, extra=(), workdir=None, name="serve"):
        self.binary = binary
        self.db = db
        self.port = free_port()
        self.workdir = workdir or os.path.dirname(db)
        self.out_path = os.path.join(self.workdir, f"{name}.out")
        self.err_path = os.path.join(self.workdir, f"{name}.err")
        args = [binary, "serve", "--listen", f"127.0.0.1:{self.port}",
                "--database", database_arg(db), "--allow-private-targets",
                "--log-level", "warn", *EXTRA_SERVE_ARGS, *extra]
        self.args = args
        self.proc = spawn(args, stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"))
        self.pid = self.proc.pid
        try:
            wait_http(self.url("/readyz"), 30)
        except RuntimeError:
            with open(self.err_path) as f:
                err = f.read()[-2000:]
            raise RuntimeError(f"promptjang serve did not become ready "
                               f"(exit {self.proc.poll()}): {err}") from None
        # The first start on a fresh database prints its bootstrap (key, account).
        with open(self.out_path) as f:
            out = f.read()
        key = re.search(r"API key:\s+(pj_live_\S+)", out)
        account = re.search(r"account:\s+(acct_\S+)", out)
        self.api_key = key.group(1) if key else None
        self.account = account.group(1) if account else None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def api(self, method, path, body=None, key=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url(path), data=data, method=method)
        req.add_header("Authorization", f"Bearer {key or self.api_key}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def create_endpoint(self, url):
        return self.api("POST", "/api/v1/endpoints", {"url": url, "description": "bench"})["id"]

    def cpu(self):
        return cpu_seconds(self.pid)

    def memory(self):
        return memory_kib(self.pid)

    def stop(self):
        stop(self.proc, grace=30)


def set_plan(binary, db_path, account, plan):
    subprocess.run([binary, "account", "set-plan", "--database", f"sqlite:{db_path}",
                    "--account", account, "--plan", plan],
                   check=True, stdout=subprocess.DEVNULL, timeout=60)


def count_events(db_path, where="1"):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(f"SELECT count(*) FROM events WHERE {where}").fetchone()[0]
    finally:
        con.close()


def seed_events(db_path, account, endpoints, n, status, next_attempt_us, spread_us, body_bytes=300):
    """Adds n events straight into the database (the server stopped), spread
    evenly over `endpoints`: `status` with next_attempt_at from next_attempt_us
    on, one every spread_us/n microseconds. Ids sort after every real one."""
    base = int(time.time() * 1e6)
    con = sqlite3.connect(db_path, timeout=60)
    payload = ('{"event":"bench.seed","data":{"pad":"' + "x" * (body_bytes - 41) + '"}}').encode()
    step = max(spread_us // max(n, 1), 1)
    attempts = 0 if status == "QUEUED" else 1
    with con:
        eps = json.dumps(endpoints)
        con.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO events (id, account_id, endpoint_id, event_type, status, payload,"
            " created_at, next_attempt_at, attempt_count, idempotency_key, lease_until, cycle_base)"
            " SELECT 'evt_zz' || printf('%024d', i), ?, json_extract(?, '$[' || (i % ?) || ']'),"
            " 'bench.seed', ?, ?, ? + i, ? + i * ?, ?, NULL, NULL, 0 FROM n",
            (n - 1, account, eps, len(endpoints), status, payload, base, next_attempt_us, step,
             attempts))
    con.close()


# --- wrk ----------------------------------------------------------------------

def wrk(url, seconds, key=None, connections=64, threads=2, body_bytes=300, timeout_s=10):
    env = dict(os.environ, PJ_BODY_BYTES=str(body_bytes))
    if key:
        env["PJ_KEY"] = key
    else:
        env.pop("PJ_KEY", None)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_s}s",
            "-s", POST_LUA, url]
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=seconds + 60)
    m = re.search(r"^RESULT (.*)$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk printed no RESULT line:\n{out.stdout}\n{out.stderr}")
    res = {}
    for kv in m.group(1).split():
        k, v = kv.split("=")
        res[k] = float(v)
    res["command"] = " ".join(args)
    return res


def have(cmd):
    return shutil.which(cmd) is not None
