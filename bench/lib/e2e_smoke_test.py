#!/usr/bin/env python3
"""A smoke test of the end-to-end tool (CTest bench_e2e_smoke): a real
`promptjang serve` on a fresh SQLite file, pj_bench_e2e sending 200 events/s
for 2 s to it, and every acknowledged event arriving once at the tool's own
receiver. Usage: e2e_smoke_test.py PROMPTJANG PJ_BENCH_E2E"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


def main():
    binary, tool = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="pj-e2e-smoke-") as d:
        s = bl.Server(binary, os.path.join(d, "pj.db"), [], name="serve")
        try:
            p = subprocess.run([tool, "--server", s.url(""), "--api-key", s.api_key,
                                "--rate", "200", "--duration", "2", "--drain-timeout", "20",
                                "--json"], capture_output=True, text=True, timeout=60)
        finally:
            s.stop()
            bl.cleanup()
        assert p.returncode == 0, p.stderr
        r = json.loads(p.stdout.strip().splitlines()[-1])
        assert r["acked"] >= 300, r
        assert r["arrived"] == r["acked"] and r["missing"] == 0, r
        assert r["duplicates"] == 0 and r["non_2xx"] == 0 and r["errors"] == 0, r
        assert r["ack_to_arrival_ms"]["p50"] >= 0, r
    print(f"e2e smoke: ok ({r['acked']} events, p99 {r['ack_to_arrival_ms']['p99']:.2f} ms)")


if __name__ == "__main__":
    main()
