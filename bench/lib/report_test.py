#!/usr/bin/env python3
"""A test of bench/lib/report.py (CTest bench_report_test): the committed raw
figures (bench-results.json) render to a BENCHMARKS.md with every section and
every target row, and a ratio under its target is marked "not met"."""

import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report  # noqa: E402


def main():
    with open(os.path.join(HERE, "..", "..", "bench-results.json")) as f:
        results = json.load(f)
    md = report.render(results)
    for needle in ("## Machine", "## Targets", "## Ingest", "## Delivery", "## End to end",
                   "## Memory", "## Micro-benchmarks", "Ingest, SQLite (events/s)",
                   "Delivery, drain of", "End to end p99 at 1,000/s", "Peak RSS, 1,000,000",
                   "## Where the time goes"):
        assert needle in md, f"BENCHMARKS.md lacks {needle!r}"
    low = copy.deepcopy(results)
    for run in low["ingest"]["runs"]:
        run["ratio"] = 0.1
    row = next(line for line in report.render(low).splitlines() if "Ingest, SQLite" in line)
    assert "**not met**" in row, row
    high = copy.deepcopy(results)
    for run in high["ingest"]["runs"]:
        run["ratio"] = 0.9
    row = next(line for line in report.render(high).splitlines() if "Ingest, SQLite" in line)
    assert "**met**" in row and "not met" not in row, row
    print("report: ok")


if __name__ == "__main__":
    main()
