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
import report  # noqa: E402


def med(xs):
    return statistics.median(xs) if xs else float("nan")


# --- scenarios ------------------------------------------------------------------

def ingest(a, work, results):
    nginx = results["_nginx"]
    runs = []
    for i in range(a.runs):
        ceiling = bl.wrk(nginx.url("/ingest"), a.seconds)
        d = os.path.join(work, f"ingest{i}")
        os.makedirs(d)
        s = bl.Server(a.binary, os.path.join(d, "pj.db"), ["--no-delivery"], name="serve")
        try:
            ep = s.create_endpoint(nginx.url("/receiver"))
            url = s.url(f"/api/v1/e/{ep}")
            bl.wrk(url, 2, key=s.api_key)  # warm-up: caches, first WAL growth
            c0 = s.cpu()
            r = bl.wrk(url, a.seconds, key=s.api_key)
            cpu = s.cpu() - c0
        finally:
            s.stop()
        stored = bl.count_events(os.path.join(d, "pj.db"))
        r["cpu_us_per_event"] = cpu * 1e6 / max(r["requests"], 1)
        r["stored_after"] = stored
        runs.append({"pj": r, "nginx": ceiling, "ratio": r["rps"] / ceiling["rps"]})
        bl.log(f"ingest run {i + 1}: {r['rps']:.0f}/s vs nginx {ceiling['rps']:.0f}/s "
               f"({r['rps'] / ceiling['rps']:.2f}x), p99 {r['p99_ms']:.2f} ms, "
               f"{r['cpu_us_per_event']:.1f} us CPU/event, non-2xx {r['non2xx']:.0f}")
        shutil.rmtree(d, ignore_errors=True)
    results["ingest"] = {"runs": runs, "command": runs[0]["pj"]["command"],
                         "ceiling_command": runs[0]["nginx"]["command"]}


def delivery(a, work, results):
    nginx = results["_nginx"]
    runs = []
    for i in range(a.runs):
        ceiling = bl.wrk(nginx.url("/receiver"), a.seconds)
        d = os.path.join(work, f"delivery{i}")
        os.makedirs(d)
        db = os.path.join(d, "pj.db")
        s = bl.Server(a.binary, db, ["--no-delivery"], name="setup")
        eps = [s.create_endpoint(nginx.url(f"/receiver/{k}")) for k in range(a.endpoints)]
        account = s.account
        s.stop()
        bl.seed_events(db, account, eps, a.backlog, "QUEUED", int(time.time() * 1e6) - 10**6, 10**6)
        subprocess.run(["sync"], timeout=120)
        base = nginx.requests_served()
        t0 = time.monotonic()
        s = bl.Server(a.binary, db, [], name="serve")
        first = None
        c0 = s.cpu()
        deadline = t0 + a.drain_timeout
        served = 0
        while time.monotonic() < deadline:
            served = nginx.requests_served() - base - 1  # the status request itself
            if first is None and served > 0:
                first = time.monotonic()
            if served >= a.backlog:
                break
            time.sleep(0.05)
        end = time.monotonic()
        cpu = s.cpu() - c0
        _, hwm = s.memory()
        # The last attempts are being recorded: give them a moment (bounded).
        settle = time.monotonic() + 15
        while time.monotonic() < settle and \
                bl.count_events(db, "status = 'DELIVERED'") < a.backlog:
            time.sleep(0.2)
        s.stop()
        delivered = bl.count_events(db, "status = 'DELIVERED'")
        elapsed = end - (first or t0)
        r = {"events": a.backlog, "arrived": served, "seconds": elapsed,
             "rps": served / elapsed if elapsed > 0 else 0.0,
             "cpu_us_per_event": cpu * 1e6 / max(served, 1), "delivered_in_db": delivered,
             "peak_rss_kib": hwm, "startup_s": (first or end) - t0}
        runs.append({"pj": r, "wrk": ceiling, "ratio": r["rps"] / ceiling["rps"]})
        bl.log(f"delivery run {i + 1}: {r['rps']:.0f}/s vs wrk {ceiling['rps']:.0f}/s "
               f"({r['rps'] / ceiling['rps']:.2f}x), "
               f"{r['cpu_us_per_event']:.1f} us CPU/event, {delivered} DELIVERED in the database")
        shutil.rmtree(d, ignore_errors=True)
    results["delivery"] = {"runs": runs, "ceiling_command": runs[0]["wrk"]["command"],
                           "endpoints": a.endpoints, "backlog": a.backlog}


def e2e(a, work, results):
    tool = a.e2e_tool
    if not tool or not os.path.exists(tool):
        bl.log("e2e: pj_bench_e2e not built; skipped")
        return
    out = {}
    for rate in a.rates:
        runs = []
        for i in range(a.runs):
            d = os.path.join(work, f"e2e{rate}-{i}")
            os.makedirs(d)
            s = bl.Server(a.binary, os.path.join(d, "pj.db"), [], name="serve")
            try:
                c0 = s.cpu()
                args = [tool, "--server", s.url(""), "--api-key", s.api_key, "--rate", str(rate),
                        "--duration", str(a.e2e_seconds), "--json"]
                p = subprocess.run(args, capture_output=True, text=True,
                                   timeout=a.e2e_seconds + 120)
                if p.returncode != 0:
                    raise RuntimeError(f"pj_bench_e2e failed: {p.stderr}")
                r = json.loads(p.stdout.strip().splitlines()[-1])
                r["server_cpu_s"] = s.cpu() - c0
                _, r["peak_rss_kib"] = s.memory()
            finally:
                s.stop()
            r["command"] = " ".join(args[:1] + ["--server", "URL", "--api-key", "KEY"] + args[5:])
            runs.append(r)
            lat = r["ack_to_arrival_ms"]
            bl.log(f"e2e {rate}/s run {i + 1}: p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms, "
                   f"p99.9 {lat['p999']:.2f} ms; {r['arrived']}/{r['acked']} arrived")
            shutil.rmtree(d, ignore_errors=True)
        out[str(rate)] = runs
    results["e2e"] = out


def memory(a, work, results):
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


def micro(a, work, results):
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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build-bench")
    p.add_argument("--out", default="BENCHMARKS.md")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10, help="length of each wrk measurement")
    p.add_argument("--backlog", type=int, default=200_000)
    p.add_argument("--endpoints", type=int, default=4)
    p.add_argument("--drain-timeout", type=int, default=300)
    p.add_argument("--rates", type=int, nargs="+", default=[1000, 5000])
    p.add_argument("--e2e-seconds", type=int, default=15)
    p.add_argument("--waiting", type=int, default=1_000_000)
    p.add_argument("--only", nargs="+", choices=["ingest", "delivery", "e2e", "memory", "micro"])
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
    for tool in ("nginx", "wrk", "sqlite3"):
        if not bl.have(tool):
            sys.exit(f"bench: {tool} is missing (scripts/bench installs it)")
    if not os.path.exists(a.binary):
        sys.exit(f"bench: no {a.binary}; run scripts/bench")
    work = tempfile.mkdtemp(prefix="pj-bench-")
    results = {"machine": machine(), "args": {k: v for k, v in vars(a).items()}}
    started = time.monotonic()
    try:
        results["_nginx"] = bl.Nginx(work)
        for name, fn in (("ingest", ingest), ("delivery", delivery), ("e2e", e2e),
                         ("memory", memory), ("micro", micro)):
            if a.only and name not in a.only:
                continue
            bl.log(f"--- {name}")
            fn(a, work, results)
    finally:
        bl.cleanup()
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
