#!/usr/bin/env python3
"""scripts/bench's measurements: PromptJang beside the machine's ceiling.

Each scenario is run `--runs` times (3 by default), interleaved with its
ceiling, and reported as the median with min and max; ratios are taken run by
run (PromptJang's run against the ceiling's run just before it) and their
median reported. Writes BENCHMARKS.md (the machine, the commands, the table, the
analysis) and the raw figures to bench-results.json.

Scenarios (all on 127.0.0.1; see bench/README.md):
  ingest    POST /api/v1/e/{ep}, 300-byte JSON, wrk -t2 -c64, delivery off;
            ceiling: nginx answering a fixed 202
  delivery  drain 200,000 QUEUED events (4 endpoints) to nginx answering 200;
            ceiling: wrk -t2 -c64 POSTing 300 bytes to that same location
  e2e       pj_bench_e2e at 1,000 and 5,000 events/s: 202 -> arrival
  pg-ingest, pg-delivery, pg-e2e (--only postgres: all three; --no-postgres:
            none) the same on PostgreSQL (e2e at 1,000/s): one node over a
            throwaway cluster started for the run (scripts/pg-test-cluster),
            a fresh database per run
  memory    peak RSS idle, with 1,000,000 events waiting in RETRYING, and while
            2 MiB payloads are ingested and delivered
  micro     pj_micro_bench (Google Benchmark), when built
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as bl  # noqa: E402
import stores  # noqa: E402
import report  # noqa: E402

POSTGRES_SCENARIOS = ("pg-ingest", "pg-delivery", "pg-e2e")


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def per_event_us(start, end, events):
    """CPU µs per event between two readings, None for a store without its own."""
    if start is None or end is None:
        return None
    return (end - start) * 1e6 / max(events, 1)


def db_cpu_note(r):
    us = r.get("db_cpu_us_per_event")
    return "" if us is None else f" + {us:.1f} us PostgreSQL"


# --- scenarios ------------------------------------------------------------------

def ingest(a, work, results, store, key):
    nginx = results["_nginx"]
    runs = []
    for i in range(a.runs):
        ceiling = bl.wrk(nginx.url("/ingest"), a.seconds)
        d = os.path.join(work, f"{key}{i}")
        os.makedirs(d)
        db = store.create(d, f"{key}{i}")
        s = bl.Server(a.binary, db, ["--no-delivery"], workdir=d, name="serve")
        try:
            ep = s.create_endpoint(nginx.url("/receiver"))
            url = s.url(f"/api/v1/e/{ep}")
            bl.wrk(url, 2, key=s.api_key)  # warm-up: caches, first WAL growth
            c0, p0 = s.cpu(), store.cpu()
            r = bl.wrk(url, a.seconds, key=s.api_key)
            cpu, p1 = s.cpu() - c0, store.cpu()
        finally:
            s.stop()
        r["stored_after"] = store.count_events(db)
        store.drop(db)
        r["cpu_us_per_event"] = cpu * 1e6 / max(r["requests"], 1)
        r["db_cpu_us_per_event"] = per_event_us(p0, p1, r["requests"])
        runs.append({"pj": r, "nginx": ceiling, "ratio": r["rps"] / ceiling["rps"]})
        bl.log(f"{key} ({store.name}) run {i + 1}: {r['rps']:.0f}/s vs nginx "
               f"{ceiling['rps']:.0f}/s ({r['rps'] / ceiling['rps']:.2f}x), "
               f"p99 {r['p99_ms']:.2f} ms, {r['cpu_us_per_event']:.1f} us CPU/event"
               f"{db_cpu_note(r)}, non-2xx {r['non2xx']:.0f}")
        shutil.rmtree(d, ignore_errors=True)
    results[key] = {"runs": runs, "command": runs[0]["pj"]["command"],
                    "ceiling_command": runs[0]["nginx"]["command"]}


def recorded_note(after_s):
    return "not all" if after_s is None else f"{after_s:.1f} s after the last arrival"


def watch_drain(nginx, base, backlog, deadline):
    """Polls nginx's request count until `backlog` deliveries have arrived since
    `base` (or the deadline): (first arrival, last, arrivals, status requests)."""
    first = None
    served = polls = 0
    while time.monotonic() < deadline:
        polls += 1  # each status request is counted too, this one included
        served = nginx.requests_served() - base - polls
        if first is None and served > 0:
            first = time.monotonic()
        if served >= backlog:
            break
        time.sleep(0.05)
    return first, time.monotonic(), served, polls


def wait_recorded(store, db, bound_s):
    """The last attempts are being recorded after their POSTs: waits (bounded)
    until no event is pending, and returns when that was (None: not within
    the bound). The count competes with the writer it waits for: it is asked
    at most a tenth of the time."""
    end = time.monotonic() + bound_s
    while time.monotonic() < end:
        t = time.monotonic()
        if store.count_events(db, "status IN ('QUEUED', 'RETRYING')") == 0:
            return time.monotonic()
        time.sleep(max(0.2, 9 * (time.monotonic() - t)))
    return None


def delivery(a, work, results, store, key):
    nginx = results["_nginx"]
    runs = []
    for i in range(a.runs):
        ceiling = bl.wrk(nginx.url("/receiver"), a.seconds)
        d = os.path.join(work, f"{key}{i}")
        os.makedirs(d)
        db = store.create(d, f"{key}{i}")
        # The first start creates the schema (migrations) and the account.
        s = bl.Server(a.binary, db, ["--no-delivery"], workdir=d, name="setup")
        eps = [s.create_endpoint(nginx.url(f"/receiver/{k}")) for k in range(a.endpoints)]
        account = s.account
        s.stop()
        t = time.monotonic()
        store.seed_events(db, account, eps, a.backlog, "QUEUED", int(time.time() * 1e6) - 10**6,
                          10**6)
        seed_s = time.monotonic() - t
        base = nginx.requests_served()
        t0 = time.monotonic()
        p0 = store.cpu()
        s = bl.Server(a.binary, db, [], workdir=d, name="serve")
        c0 = s.cpu()
        first, end, served, polls = watch_drain(nginx, base, a.backlog, t0 + a.drain_timeout)
        recorded = wait_recorded(store, db, a.settle_timeout)
        cpu, p1 = s.cpu() - c0, store.cpu()  # the recording of the last attempts included
        _, hwm = s.memory()
        s.stop()
        delivered = store.count_events(db, "status = 'DELIVERED'")
        posts = nginx.requests_served() - base - polls - 1  # every POST, duplicates included
        store.drop(db)
        elapsed = end - (first or t0)
        r = {"events": a.backlog, "arrived": served, "seconds": elapsed,
             "rps": served / elapsed if elapsed > 0 else 0.0,
             "cpu_us_per_event": cpu * 1e6 / max(served, 1),
             "db_cpu_us_per_event": per_event_us(p0, p1, served), "delivered_in_db": delivered,
             "posts_received": posts, "recorded_after_s": None if recorded is None else recorded - end,
             "recorded_rps": None if recorded is None else served / (recorded - (first or t0)),
             "peak_rss_kib": hwm, "startup_s": (first or end) - t0, "seed_s": seed_s}
        # A delivery is done when its attempt is recorded, not when nginx saw
        # it: the ratio counts to the last attempt recorded where known.
        done_rps = r["recorded_rps"] if r.get("recorded_rps") else r["rps"]
        runs.append({"pj": r, "wrk": ceiling, "ratio": done_rps / ceiling["rps"]})
        bl.log(f"{key} ({store.name}) run {i + 1}: {r['rps']:.0f}/s vs wrk "
               f"{ceiling['rps']:.0f}/s ({r['rps'] / ceiling['rps']:.2f}x), "
               f"{r['cpu_us_per_event']:.1f} us CPU/event{db_cpu_note(r)}, "
               f"{delivered} DELIVERED in the database, {posts} POSTs at nginx "
               f"(seeded in {seed_s:.1f} s; recorded {recorded_note(r['recorded_after_s'])})")
        shutil.rmtree(d, ignore_errors=True)
    results[key] = {"runs": runs, "ceiling_command": runs[0]["wrk"]["command"],
                    "endpoints": a.endpoints, "backlog": a.backlog}


def e2e(a, work, results, store, key):
    tool = a.e2e_tool
    if not tool or not os.path.exists(tool):
        bl.log(f"{key}: pj_bench_e2e not built; skipped")
        return
    out = {}
    for rate in (a.pg_rates if isinstance(store, stores.Postgres) else a.rates):
        runs = []
        for i in range(a.runs):
            d = os.path.join(work, f"{key}{rate}-{i}")
            os.makedirs(d)
            db = store.create(d, f"{key}{rate}_{i}")
            s = bl.Server(a.binary, db, [], workdir=d, name="serve")
            try:
                c0, p0 = s.cpu(), store.cpu()
                args = [tool, "--server", s.url(""), "--api-key", s.api_key, "--rate", str(rate),
                        "--duration", str(a.e2e_seconds), "--json"]
                p = subprocess.run(args, capture_output=True, text=True,
                                   timeout=a.e2e_seconds + 120)
                if p.returncode != 0:
                    raise RuntimeError(f"pj_bench_e2e failed: {p.stderr}")
                r = json.loads(p.stdout.strip().splitlines()[-1])
                r["server_cpu_s"] = s.cpu() - c0
                p1 = store.cpu()
                r["db_cpu_s"] = None if p0 is None else p1 - p0
                _, r["peak_rss_kib"] = s.memory()
            finally:
                s.stop()
            store.drop(db)
            r["command"] = " ".join(args[:1] + ["--server", "URL", "--api-key", "KEY"] + args[5:])
            runs.append(r)
            lat = r["ack_to_arrival_ms"]
            bl.log(f"{key} ({store.name}) {rate}/s run {i + 1}: p50 {lat['p50']:.2f} ms, "
                   f"p99 {lat['p99']:.2f} ms, p99.9 {lat['p999']:.2f} ms; "
                   f"{r['arrived']}/{r['acked']} arrived")
            shutil.rmtree(d, ignore_errors=True)
        out[str(rate)] = runs
    results[key] = out


def memory(a, work, results, store, key):
    nginx = results["_nginx"]
    d = os.path.join(work, "memory")
    os.makedirs(d)
    db = os.path.join(d, "pj.db")
    out = {}
    # Set-up first: the first start's bootstrap hashes a password with argon2id
    # (64 MiB for a moment), which is not the server's own footprint.
    s = bl.Server(a.binary, db, [], name="setup")
    ep_wait = s.create_endpoint(nginx.url("/receiver/waiting"))
    ep_big = s.create_endpoint(nginx.url("/receiver/big"))
    account, key = s.account, s.api_key
    s.stop()
    bl.set_plan(a.binary, db, account, "pro")  # the pro plan allows 2 MiB payloads
    # Idle: a few seconds after start.
    s = bl.Server(a.binary, db, [], name="idle")
    time.sleep(3)
    out["idle_kib"] = s.memory()[1]
    s.stop()
    # 2 MiB payloads ingested while they are delivered.
    s = bl.Server(a.binary, db, [], name="big")
    base = nginx.requests_served()
    r = bl.wrk(s.url(f"/api/v1/e/{ep_big}"), a.seconds, key=key, connections=8,
               body_bytes=2 * 1024 * 1024)
    time.sleep(2)
    out["big_kib"] = s.memory()[1]
    out["big_events"] = r["requests"]
    out["big_delivered"] = nginx.requests_served() - base - 1
    out["big_non2xx"] = r["non2xx"]
    out["big_p99_ms"] = r["p99_ms"]
    s.stop()
    # A million events waiting in RETRYING, due an hour from now and later.
    t = time.monotonic()
    bl.seed_events(db, account, [ep_wait], a.waiting, "RETRYING",
                   int(time.time() * 1e6) + 3600 * 10**6, 3600 * 10**6)
    subprocess.run(["sync"], timeout=300)
    bl.log(f"memory: seeded {a.waiting} RETRYING events in {time.monotonic() - t:.1f} s")
    s = bl.Server(a.binary, db, [], name="waiting")
    time.sleep(5)  # start-up recovery claim and a few polls
    out["waiting_kib"] = s.memory()[1]
    out["waiting_events"] = a.waiting
    s.stop()
    results["memory"] = out
    bl.log(f"memory: idle {out['idle_kib'] / 1024:.1f} MiB, {a.waiting} waiting "
           f"{out['waiting_kib'] / 1024:.1f} MiB, 2 MiB payloads {out['big_kib'] / 1024:.1f} MiB "
           f"({out['big_events']:.0f} ingested, {out['big_delivered']} delivered meanwhile)")
    shutil.rmtree(d, ignore_errors=True)


def micro(a, work, results, store, key):
    if not a.micro_tool or not os.path.exists(a.micro_tool):
        bl.log("micro: pj_micro_bench not built; skipped")
        return
    out = os.path.join(work, "micro.json")
    subprocess.run([a.micro_tool, "--benchmark_min_time=0.2", "--benchmark_format=console",
                    f"--benchmark_out={out}", "--benchmark_out_format=json"],
                   check=True, timeout=900, stdout=subprocess.DEVNULL)
    with open(out) as f:
        results["micro"] = json.load(f)["benchmarks"]
    bl.log(f"micro: {len(results['micro'])} benchmarks")


def machine():
    def cmd(args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip() or \
                subprocess.run(args, capture_output=True, text=True, timeout=10).stderr.strip()
        except (OSError, subprocess.SubprocessError):
            return "unknown"
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(), "os": cmd(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"]),
        "nginx": cmd(["nginx", "-v"]), "wrk": cmd(["sh", "-c", "wrk -v 2>&1 | head -1"]),
        "sqlite": cmd(["sqlite3", "--version"]).split(" ")[0], "compiler": cmd(["sh", "-c", "c++ --version | head -1"]),
        "filesystem": cmd(["sh", "-c", "df -T /tmp | tail -1 | awk '{print $2}'"]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


# (name, function, store): run in this order, PostgreSQL's rows next to SQLite's.
SCENARIOS = (("ingest", ingest, "sqlite"), ("pg-ingest", ingest, "postgres"),
             ("delivery", delivery, "sqlite"), ("pg-delivery", delivery, "postgres"),
             ("e2e", e2e, "sqlite"), ("pg-e2e", e2e, "postgres"),
             ("memory", memory, None), ("micro", micro, None))


def selected(a):
    """The scenario names to run, from --only and --no-postgres."""
    only = set(a.only or [name for name, _, _ in SCENARIOS])
    if "postgres" in only:
        only |= set(POSTGRES_SCENARIOS)
    if a.no_postgres:
        only -= set(POSTGRES_SCENARIOS)
    return [name for name, _, _ in SCENARIOS if name in only]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build-bench")
    p.add_argument("--out", default="BENCHMARKS.md")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10, help="length of each wrk measurement")
    p.add_argument("--backlog", type=int, default=200_000)
    p.add_argument("--endpoints", type=int, default=4)
    p.add_argument("--drain-timeout", type=int, default=600)
    p.add_argument("--settle-timeout", type=int, default=60,
                   help="after the drain, how long the last attempts may take to be recorded")
    p.add_argument("--rates", type=int, nargs="+", default=[1000, 5000])
    p.add_argument("--e2e-seconds", type=int, default=15)
    p.add_argument("--waiting", type=int, default=1_000_000)
    p.add_argument("--pg-rates", type=int, nargs="+", default=[1000],
                   help="pg-e2e's rates (events/s)")
    p.add_argument("--only", nargs="+", choices=[name for name, _, _ in SCENARIOS] + ["postgres"],
                   help="these scenarios only; `postgres` stands for " + ", ".join(POSTGRES_SCENARIOS))
    p.add_argument("--no-postgres", action="store_true",
                   help="skip the PostgreSQL rows (" + ", ".join(POSTGRES_SCENARIOS) + ")")
    p.add_argument("--quick", action="store_true", help="one short run of each (a smoke test)")
    p.add_argument("--render-only", metavar="RESULTS_JSON",
                   help="measure nothing: render --out from a previous run's raw figures")
    p.add_argument("--serve-args", default="",
                   help="extra flags for every `promptjang serve`, e.g. \"--http-client curl\"")
    a = p.parse_args()
    if a.render_only:
        with open(a.render_only) as f:
            results = json.load(f)
        with open(a.out, "w") as f:
            f.write(report.render(results))
        bl.log(f"wrote {a.out} from {a.render_only}")
        return
    if a.quick:
        a.runs, a.seconds, a.backlog, a.e2e_seconds, a.waiting = 1, 3, 20_000, 3, 50_000
    a.binary = os.path.abspath(os.path.join(a.build, "promptjang"))
    bl.EXTRA_SERVE_ARGS[:] = a.serve_args.split()
    a.e2e_tool = os.path.abspath(os.path.join(a.build, "pj_bench_e2e"))
    a.micro_tool = os.path.abspath(os.path.join(a.build, "bench/micro/pj_micro_bench"))
    chosen = selected(a)
    tools = ["nginx", "wrk", "sqlite3"]
    if any(name in POSTGRES_SCENARIOS for name in chosen):
        tools.append("psql")
    for tool in tools:
        if not bl.have(tool):
            sys.exit(f"bench: {tool} is missing (scripts/bench installs it)")
    if not os.path.exists(a.binary):
        sys.exit(f"bench: no {a.binary}; run scripts/bench")
    work = tempfile.mkdtemp(prefix="pj-bench-")
    results = {"machine": machine(), "args": {k: v for k, v in vars(a).items()}}
    started = time.monotonic()
    opened = {"sqlite": stores.Sqlite()}
    try:
        results["_nginx"] = bl.Nginx(work)
        for name, fn, kind in SCENARIOS:
            if name not in chosen:
                continue
            if kind == "postgres" and kind not in opened:
                opened[kind] = stores.Postgres(work)  # one cluster for every PostgreSQL row
                results["machine"]["postgres"] = opened[kind].describe()
                bl.log(f"PostgreSQL {opened[kind].version} at {opened[kind].url}")
            bl.log(f"--- {name}")
            fn(a, work, results, opened.get(kind), name.replace("-", "_"))
    finally:
        bl.cleanup()
        if "postgres" in opened:
            opened["postgres"].stop()
        results.pop("_nginx", None)
    results["total_seconds"] = time.monotonic() - started
    with open(os.path.splitext(a.out)[0].lower() + "-results.json"
              if a.out != "BENCHMARKS.md" else "bench-results.json", "w") as f:
        json.dump(results, f, indent=1)
    with open(a.out, "w") as f:
        f.write(report.render(results))
    shutil.rmtree(work, ignore_errors=True)
    bl.log(f"wrote {a.out} in {results['total_seconds']:.0f} s")


if __name__ == "__main__":
    main()
