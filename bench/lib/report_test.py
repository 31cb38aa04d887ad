#!/usr/bin/env python3
"""A test of bench/lib/report.py (CTest bench_report_test): the committed raw
figures (bench-results.json) render to a BENCHMARKS.md with every section and
every target row, and a ratio under its target is marked "not met"; with
PostgreSQL's results too, its rows are in each table, judged on their own, and
without them there is no trace of PostgreSQL."""

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
    postgres_rows(results)
    print("report: ok")


def sqlite_only(results):
    """The committed figures without PostgreSQL's (as --no-postgres writes
    them): the tests below must not depend on whether the committed run had
    PostgreSQL rows."""
    r = copy.deepcopy(results)
    for key in [k for k in r if k.startswith("pg_")]:
        del r[key]
    r["machine"].pop("postgres", None)
    return r


def with_postgres(results):
    """The committed figures with PostgreSQL's rows beside SQLite's: SQLite's
    own, halved, with PostgreSQL's CPU, as run_bench.py's pg-* scenarios
    write them."""
    r = sqlite_only(results)
    r["machine"]["postgres"] = "15.18 (Debian 15.18-0+deb12u1); fsync=on"
    for scenario in ("ingest", "delivery"):
        r["pg_" + scenario] = copy.deepcopy(r[scenario])
        for run in r["pg_" + scenario]["runs"]:
            run["pj"]["rps"] /= 2
            run["ratio"] /= 2
            run["pj"]["db_cpu_us_per_event"] = 42.5
    r["pg_e2e"] = {"1000": copy.deepcopy(r["e2e"]["1000"])}
    return r


def postgres_rows(results):
    """PostgreSQL's rows in the Machine and Targets tables and in each section,
    judged on their own figures; none of them without PostgreSQL's results."""
    md = report.render(with_postgres(results))
    for needle in ("| postgres | 15.18", "Ingest, PostgreSQL, one node (events/s)",
                   "Delivery, drain of 200,000, PostgreSQL (deliveries/s, to the last attempt recorded)",
                   "End to end p99 at 1,000/s, PostgreSQL (ms)",
                   "| | PromptJang, SQLite | nginx, SQLite's runs | PromptJang, PostgreSQL | "
                   "nginx, PostgreSQL's runs |",
                   "| CPU per event (µs, PostgreSQL) |  |  | 42.5 [42.5–42.5] |  |",
                   "| CPU per delivery (µs, PostgreSQL) |", "| PostgreSQL | 1,000 |",
                   "scripts/pg-test-cluster", "The PostgreSQL rows are one node"):
        assert needle in md, f"BENCHMARKS.md with PostgreSQL lacks {needle!r}"
    # Each row is judged on its own ratio: PostgreSQL's low, SQLite's high.
    r = with_postgres(results)
    for run in r["ingest"]["runs"]:
        run["ratio"] = 0.9
    for run in r["pg_ingest"]["runs"]:
        run["ratio"] = 0.1
    lines = report.render(r).splitlines()
    assert "**not met**" not in next(x for x in lines if "Ingest, SQLite" in x)
    assert "**not met**" in next(x for x in lines if "Ingest, PostgreSQL" in x)
    # SQLite's results alone: no PostgreSQL row, column or Machine line (the
    # hand-written analysis appended after them may speak of it).
    md = report.render(sqlite_only(results)).split("## Where the time goes")[0]
    for needle in ("PostgreSQL (", "PostgreSQL,", "| postgres |", "| PostgreSQL |",
                   "CPU per event (µs, PostgreSQL)", "PostgreSQL:", "PostgreSQL's database"):
        assert needle not in md, f"BENCHMARKS.md without PostgreSQL has {needle!r}"
    assert "No PostgreSQL rows this time" in md
    # PostgreSQL's results alone (--only postgres): its rows, no SQLite column.
    r = with_postgres(results)
    for scenario in ("ingest", "delivery", "e2e"):
        del r[scenario]
    md = report.render(r)
    assert "Ingest, PostgreSQL, one node" in md and "Ingest, SQLite" not in md
    assert "| | PromptJang, PostgreSQL | nginx, PostgreSQL's runs |" in md
    assert "| SQLite |" not in md and "| PostgreSQL | 1,000 |" in md


if __name__ == "__main__":
    main()
