"""The stores scripts/bench's scenarios run on, behind one interface: Sqlite
(a file per run, read with Python's sqlite3) and Postgres (the throwaway
cluster of the PostgreSQL rows).

Postgres: one cluster per benchmark run, started and stopped with
scripts/pg-test-cluster (initdb into a temp folder, 127.0.0.1 on a free port,
fsync on), and a fresh database in it for each measured run. The database is
reached with `psql` (Debian's postgresql-client), so nothing beyond the Debian
packages is needed.
"""

import os
import subprocess
import time

import benchlib as bl

HERE = os.path.dirname(os.path.abspath(__file__))
PG_TEST_CLUSTER = os.path.join(HERE, "..", "..", "scripts", "pg-test-cluster")


def quote(s):
    """A SQL string literal (the values quoted are our own ids and payloads)."""
    return "'" + str(s).replace("'", "''") + "'"


def seed_sql(account, endpoints, n, status, next_attempt_us, spread_us, created_us, body_bytes=300):
    """The INSERT ... SELECT generate_series of seed_events, as bl.seed_events
    writes them into SQLite: `status`, spread evenly over `endpoints`, ids
    after every real one, next_attempt_at from next_attempt_us on, one every
    spread_us/n microseconds."""
    payload = '{"event":"bench.seed","data":{"pad":"' + "x" * (body_bytes - 41) + '"}}'
    step = max(spread_us // max(n, 1), 1)
    attempts = 0 if status == "QUEUED" else 1
    eps = "ARRAY[" + ", ".join(quote(e) for e in endpoints) + "]::text[]"
    return (
        "INSERT INTO events (id, account_id, endpoint_id, event_type, status, payload,"
        " created_at, next_attempt_at, attempt_count, idempotency_key, lease_until,"
        " lease_owner, cycle_base)"
        f" SELECT 'evt_zz' || lpad(i::text, 24, '0'), {quote(account)},"
        f" ({eps})[1 + i % {len(endpoints)}], 'bench.seed', {quote(status)},"
        f" convert_to({quote(payload)}, 'UTF8'), {created_us} + i,"
        f" {next_attempt_us} + i * {step}, {attempts}, NULL, NULL, NULL, 0"
        f" FROM generate_series(0, {n - 1}) AS i")


class Postgres:
    """A cluster of our own; its databases are named by URL."""

    name = "PostgreSQL"

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "pg")
        url_file = os.path.join(workdir, "pg.url")
        p = subprocess.run([PG_TEST_CLUSTER, "start", self.dir, url_file],
                           capture_output=True, text=True, timeout=180)
        if p.returncode != 0:
            raise RuntimeError(f"pg-test-cluster start failed: {p.stderr.strip()}")
        try:
            with open(url_file) as f:
                self.url = f.read().strip()  # postgres://USER@127.0.0.1:PORT/postgres
            with open(os.path.join(self.dir, "cluster")) as f:
                self.home = f.read().strip()
            self.version = self.psql(self.url, "SHOW server_version")
            self.settings = {k: self.psql(self.url, f"SHOW {k}") for k in
                             ("fsync", "synchronous_commit", "shared_buffers", "max_wal_size")}
        except (OSError, RuntimeError, subprocess.SubprocessError):
            self.stop()
            raise

    def describe(self):
        """The Machine table's line: the version and the settings that matter."""
        return self.version + "; " + ", ".join(f"{k}={v}" for k, v in self.settings.items())

    def psql(self, url, sql, timeout=600):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-d", url, "-c", sql], capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"psql failed: {p.stderr.strip()} (SQL: {sql[:200]})")
        return p.stdout.strip()

    def create(self, workdir, name):
        """A fresh, empty database: what `promptjang serve --database` gets."""
        self.psql(self.url, f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def drop(self, db):
        self.psql(self.url, f"DROP DATABASE IF EXISTS {db.rsplit('/', 1)[1]} WITH (FORCE)")

    def count_events(self, db, where="TRUE"):
        return int(self.psql(db, f"SELECT count(*) FROM events WHERE {where}", timeout=60))

    def seed_events(self, db, account, endpoints, n, status, next_attempt_us, spread_us,
                    body_bytes=300):
        """Like bl.seed_events, then VACUUM ANALYZE (what autovacuum would have
        done to a table filled over time: statistics for the planner, hint bits
        set) and a CHECKPOINT, so the measurement does not pay for the load."""
        self.psql(db, seed_sql(account, endpoints, n, status, next_attempt_us, spread_us,
                               int(time.time() * 1e6), body_bytes))
        self.psql(db, "VACUUM ANALYZE events")
        self.psql(db, "CHECKPOINT")

    def postmaster_pid(self):
        with open(os.path.join(self.home, "data", "postmaster.pid")) as f:
            return int(f.readline())

    def cpu(self):
        """CPU seconds of the whole cluster so far: the postmaster, the children
        it reaped (connections closed) and its live children (the backends
        serving PromptJang, the WAL writer, the checkpointer, autovacuum)."""
        pm = self.postmaster_pid()
        total = bl.cpu_seconds(pm, children=True)
        for pid in bl.children(pm):
            try:
                total += bl.cpu_seconds(pid)
            except OSError:
                pass  # ended meanwhile: the postmaster reaps it into its own count
        return total

    def stop(self):
        subprocess.run([PG_TEST_CLUSTER, "stop", self.dir], timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Sqlite:
    """The embedded store: a file per run, its work in the server's own process."""

    name = "SQLite"

    def create(self, workdir, name):
        return os.path.join(workdir, "pj.db")

    def drop(self, db):
        pass  # the run's folder is removed with it

    def count_events(self, db, where="TRUE"):
        return bl.count_events(db, where)

    def seed_events(self, db, *args, **kw):
        bl.seed_events(db, *args, **kw)
        subprocess.run(["sync"], timeout=300)

    def cpu(self):
        return None  # counted in the server's own CPU
