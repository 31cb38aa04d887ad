#!/usr/bin/env python3
"""A smoke test of the soak test (CTest bench_soak_smoke), about 60-75 s:
  1. a 45-second soak at 200 events/s sampled every 1.5 s, coarse allowances:
     it exits 0 (flat), its CSV has a row per sample, events were acked and
     delivered, retries happened and some events of the flaky endpoint went
     through every retry to EXPIRED, and the summary names its verdict;
  2. a soak interrupted with SIGINT once it is sampling: it exits 130 and the
     server and receiver it started are gone (it ends what it starts).
The two run side by side; each one's processes are checked by the PIDs it
wrote to pids.json.
Usage: smoke_test.py PROMPTJANG"""

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

SOAK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "soak.py")


def alive(pid):
    """Whether a process of that PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def lines(path):
    try:
        with open(path) as f:
            return f.read().count("\n")
    except FileNotFoundError:
        return 0


def assert_ended(out):
    with open(os.path.join(out, "pids.json")) as f:
        pids = json.load(f)
    for name, pid in pids.items():
        assert not alive(pid), f"the {name} (pid {pid}) outlived the soak"


def start_full_run(binary, d):
    out = os.path.join(d, "full")
    log = open(os.path.join(d, "full.log"), "w+")
    p = subprocess.Popen([sys.executable, SOAK, "--binary", binary, "--minutes", "0.75",
                          "--interval", "1.5", "--coarse", "--out", out],
                         stdout=log, stderr=subprocess.STDOUT)
    return p, out, log


def end(p):
    """Stops a soak still running as a user would (SIGTERM: it ends its own
    children), then for good."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def check_full_run(p, out, log):
    try:
        code = p.wait(timeout=80)
    finally:
        end(p)
    log.seek(0)
    assert code == 0, f"exit {code}\n{log.read()[-4000:]}"
    with open(os.path.join(out, "samples.csv")) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 28, len(rows)
    last = rows[-1]
    acked, attempts = int(last["acked"]), int(last["attempts"])
    assert acked >= 0.9 * 200 * 45, last
    assert int(last["non_2xx"]) == 0 and int(last["errors"]) == 0, last
    assert int(last["delivered"]) > 0.8 * acked, last
    assert attempts > acked and int(last["receiver_500"]) > 0, last  # retries happened
    assert int(last["expired"]) > 0, last  # some went through every retry
    assert all(int(r["rss_kib"]) > 0 and int(r["fds"]) > 0 for r in rows)
    with open(os.path.join(out, "summary.md")) as f:
        assert "Verdict: **FLAT**" in f.read()
    assert_ended(out)
    return last


def interrupted_run(binary, d):
    out = os.path.join(d, "interrupted")
    p = subprocess.Popen([sys.executable, SOAK, "--binary", binary, "--minutes", "1",
                          "--interval", "1", "--out", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        csv_path = os.path.join(out, "samples.csv")
        deadline = time.monotonic() + 30
        while lines(csv_path) < 2:  # the header and one sample
            assert time.monotonic() < deadline and p.poll() is None, "the soak never sampled"
            time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=30) == 130, p.returncode
    finally:
        end(p)
    assert_ended(out)


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="pj-soak-smoke-") as d:
        full = start_full_run(binary, d)  # the two run side by side, to save time
        try:
            interrupted_run(binary, d)
        finally:
            last = check_full_run(*full)
    print(f"soak smoke: ok ({last['acked']} events acked, {last['attempts']} attempts, "
          f"{last['expired']} expired)")


if __name__ == "__main__":
    main()
