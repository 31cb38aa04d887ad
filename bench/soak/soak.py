#!/usr/bin/env python3
"""The soak test (scripts/soak; bench/README.md, "Soak"): a real `promptjang
serve` on a fresh SQLite file, a real receiver that fails some deliveries
(receiver.py), events POSTed at a steady rate for --minutes (load.py), and
every --interval seconds one sample of the server: memory, fds, threads, TCP
connections, the database's files, the events by status, the ingest latency
of the interval (probe.py). Writes OUT/samples.csv (rewritten after every
sample, so a stopped run keeps its figures), OUT/summary.md and
OUT/summary.json, and judges flatness after the warm-up (verdict.py).

Exit status: 0 flat, 1 not flat, 2 the run failed (the server died, ...).
Every process it starts (the server, the receiver) is ended by PID on the
way out, also on Ctrl-C or SIGTERM; the temp dir with the database is removed
unless --keep. Only 127.0.0.1 is used.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import benchlib as bl  # noqa: E402
import load as load_mod  # noqa: E402
import probe  # noqa: E402
import summary  # noqa: E402
import verdict  # noqa: E402

RECEIVER = os.path.join(HERE, "receiver.py")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="the promptjang binary")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=float, default=200, help="events per second")
    ap.add_argument("--interval", type=float, default=10, help="seconds between samples")
    ap.add_argument("--out", help="folder for samples.csv and summary.md (default: a new temp dir)")
    ap.add_argument("--connections", type=int, default=8, help="the sender's connections")
    ap.add_argument("--good-endpoints", type=int, default=3)
    ap.add_argument("--flaky-endpoints", type=int, default=1)
    ap.add_argument("--retry-schedule", default="1,2,4,8,16",
                    help="the server's (short, so events go through every retry in the run)")
    ap.add_argument("--delivery-timeout", type=float, default=2)
    ap.add_argument("--hang", type=float, default=3, help="seconds a hanging receiver waits")
    ap.add_argument("--every", type=float, default=None,
                    help="minutes between the summary table's rows (default: minutes / 6)")
    ap.add_argument("--coarse", action="store_true",
                    help="4x looser allowances (the 1-minute smoke test)")
    ap.add_argument("--note", default="", help="a line for the summary (e.g. the machine's load)")
    ap.add_argument("--keep", action="store_true", help="keep the database's temp dir")
    return ap.parse_args(argv)


def percentile(xs, p):
    if not xs:
        return ""
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))], 2)


def receiver_counts(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as r:
        c = json.loads(r.read())
    return {"receiver_200": c["200"], "receiver_500": c["500"], "receiver_hang": c["hang"]}


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f
                          if ln.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}"


def git_commit():
    try:
        return subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


class Run:
    """One soak run: set up, sample until the load stops, judge."""

    def __init__(self, a, workdir, out):
        self.a = a
        self.workdir = workdir
        self.out = out
        self.db = os.path.join(workdir, "pj.db")
        self.samples = []
        self.duration = a.minutes * 60
        self.commit = git_commit()  # the scripts' code as it starts, not as it ends

    def setup(self):
        a = self.a
        self.receiver_port = bl.free_port()
        err = open(os.path.join(self.workdir, "receiver.err"), "w")
        self.receiver = bl.spawn([sys.executable, RECEIVER, "--port", str(self.receiver_port),
                                  "--hang", str(a.hang)], stdout=subprocess.DEVNULL, stderr=err)
        bl.wait_http(f"http://127.0.0.1:{self.receiver_port}/stats", 15)
        self.serve_args = ["--retry-schedule", a.retry_schedule,
                           "--delivery-timeout", str(a.delivery_timeout),
                           "--connect-timeout", str(min(1.0, a.delivery_timeout))]
        self.server = bl.Server(a.binary, self.db, self.serve_args, workdir=self.workdir)
        # A key of its own, made through the API with the bootstrap key.
        self.key = self.server.api("POST", "/api/v1/api-keys", {"name": "soak"})["key"]
        base = f"http://127.0.0.1:{self.receiver_port}"
        urls = ([f"{base}/good/{i}" for i in range(a.good_endpoints)]
                + [f"{base}/flaky/{i}" for i in range(a.flaky_endpoints)])
        self.endpoints = [self.server.api("POST", "/api/v1/endpoints",
                                          {"url": u, "description": "soak"}, key=self.key)["id"]
                          for u in urls]
        with open(os.path.join(self.out, "pids.json"), "w") as f:
            json.dump({"server": self.server.pid, "receiver": self.receiver.pid}, f)
        bl.log(f"server pid {self.server.pid} on :{self.server.port}, receiver on "
               f":{self.receiver_port}, {len(self.endpoints)} endpoints; out {self.out}")

    def sample(self, t, load):
        lat, totals = load.take_interval()
        row = {"t_s": round(t, 1)}
        start = time.monotonic()
        row.update(probe.server_sample(self.server.pid, self.server.port, self.receiver_port,
                                       self.db, self.server.account))
        row["probe_ms"] = round((time.monotonic() - start) * 1000, 1)  # the sampler's own cost
        row.update(totals)
        row.update({"p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                    "interval_requests": len(lat), "load1": round(os.getloadavg()[0], 2)})
        row.update(receiver_counts(self.receiver_port))
        self.samples.append(row)
        summary.write_csv(os.path.join(self.out, "samples.csv"), self.samples)
        bl.log(f"t={t:6.0f}s rss={row['rss_kib'] / 1024:.1f}MiB fds={row['fds']} "
               f"threads={row['threads']} tcp in={row['in_established']}+{row['in_other']} "
               f"out={row['out_established']}+{row['out_other']} wal={row['wal_bytes'] >> 20}MiB "
               f"acked={row['acked']} delivered={row['delivered']} "
               f"pending={row['queued'] + row['retrying']} p99={row['p99_ms']}ms "
               f"load={row['load1']}")

    def soak(self):
        a = self.a
        load = load_mod.SteadyLoad(self.server.port, self.key, self.endpoints, a.rate,
                                   self.duration, connections=a.connections)
        load.start()
        try:
            t0 = load.t0
            k = 0
            while k * a.interval <= self.duration + 1e-6:
                wait = t0 + k * a.interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if self.server.proc.poll() is not None:
                    raise RuntimeError(f"the server exited ({self.server.proc.returncode})")
                self.sample(time.monotonic() - t0, load)
                k += 1
        finally:
            load.stop()

    def setup_lines(self):
        a = self.a
        return {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "commit": self.commit,
            "machine": machine(),
            "load": f"{a.rate:g} events/s for {a.minutes:g} min over {a.connections} "
                    f"keep-alive connections, 300-byte JSON events round-robin over "
                    f"{a.good_endpoints} good + {a.flaky_endpoints} flaky endpoints",
            "receiver": "good: 95% 200, 4% 500, 1% hang; flaky: 42% 200, 55% 500, 3% hang; "
                        f"a hang waits {a.hang:g} s (> the delivery timeout)",
            "server": f"`promptjang serve --database sqlite:... --allow-private-targets "
                      f"{' '.join(self.serve_args)}`",
            "sampling": f"every {a.interval:g} s; warm-up = the first third; "
                        f"{'coarse' if a.coarse else 'strict'} allowances",
            **({"note": a.note} if a.note else {}),
        }

    def report(self):
        checks = verdict.judge(self.samples, self.duration, self.a.rate, self.a.coarse)
        ok = verdict.flat(checks)
        text = "FLAT" if ok else "NOT FLAT"
        every = (self.a.every or self.a.minutes / 6) * 60
        md = summary.markdown(self.setup_lines(), self.samples, checks, text, every)
        with open(os.path.join(self.out, "summary.md"), "w") as f:
            f.write(md)
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump({"verdict": text, "checks": checks, "last": self.samples[-1],
                       "pids": {"server": self.server.pid, "receiver": self.receiver.pid}},
                      f, indent=1)
        print(md, flush=True)
        return ok


def main(argv):
    a = parse_args(argv)
    out = os.path.abspath(a.out or tempfile.mkdtemp(prefix="pj-soak-out-"))
    os.makedirs(out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="pj-soak-")
    # SIGTERM ends the run like Ctrl-C: through the finally below.
    def on_sigterm(*_):
        bl.log(f"terminated; the samples so far are in {out}/samples.csv")
        sys.exit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    run = Run(a, workdir, out)
    try:
        run.setup()
        run.soak()
        run.server.stop()  # graceful; its exit is part of the run
        ok = run.report()
        bl.log(f"{'flat' if ok else 'NOT flat'}; figures in {out}")
        return 0 if ok else 1
    except (RuntimeError, OSError) as e:
        bl.log(f"soak failed: {e}")
        return 2
    except KeyboardInterrupt:
        bl.log(f"interrupted; the samples so far are in {out}/samples.csv")
        return 130
    finally:
        bl.cleanup()
        if a.keep:
            bl.log(f"database kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
