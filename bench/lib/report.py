"""Renders bench/run_bench.py's results as BENCHMARKS.md.

Pure: a dict in, Markdown out. Figures are medians of the runs with [min–max];
ratios are taken run by run against the ceiling measured just before, and
their median shown. SQLite's results are under their scenario's name
("ingest"), PostgreSQL's under "pg_" and the same name ("pg_ingest"); each
section shows those present. The hand-written analysis (bench/analysis.md,
kept with the profile figures it quotes) is appended as is.
"""

import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.join(HERE, "..", "analysis.md")

TARGETS = {
    "ingest_ratio": 0.50,
    "delivery_ratio": 0.40,
    "e2e_p99_ms_at_1000": 10.0,
    "waiting_rss_mib": 256.0,
}


def _med(xs):
    return statistics.median(xs) if xs else float("nan")


def _spread(xs, fmt="{:.0f}"):
    if not xs:
        return "–"
    if len(xs) == 1:
        return fmt.format(xs[0])
    return f"{fmt.format(_med(xs))} [{fmt.format(min(xs))}–{fmt.format(max(xs))}]"


def _ok(flag):
    return "**met**" if flag else "**not met**"


# The stores a scenario's results may be under: (key prefix, name).
STORES = (("", "SQLite"), ("pg_", "PostgreSQL"))


def _present(r, scenario):
    """[(store name, results)] of the stores that ran `scenario`, SQLite first."""
    return [(name, r[prefix + scenario]) for prefix, name in STORES if prefix + scenario in r]


def _value(x, key):
    return key(x) if callable(key) else x.get(key)


def _table(w, corner, columns, rows):
    """A table of figures: `columns` are (header, one dict per run), `rows` are
    (label, key or function of a run's dict, format). A cell is the spread of
    the runs' values, empty where its column has none; a row no column has is
    left out."""
    cells = []
    for label, key, fmt in rows:
        line = []
        for _, runs in columns:
            xs = [v for v in (_value(x, key) for x in runs) if v is not None]
            line.append(_spread(xs, fmt) if xs else "")
        if any(line):
            cells.append(f"| {label} | " + " | ".join(line) + " |")
    w((f"| {corner} | " if corner else "| | ") + " | ".join(h for h, _ in columns) + " |")
    w("|---" * (len(columns) + 1) + "|")
    for line in cells:
        w(line)


def _columns(present, ceiling):
    """PromptJang's and its ceiling's columns for each store: the ratio goes
    with PromptJang's run."""
    cols = []
    for name, x in present:
        pj = [dict(run["pj"], ratio=run["ratio"]) for run in x["runs"]]
        cols.append((f"PromptJang, {name}", pj))
        cols.append((f"{ceiling}, {name}'s runs", [run[ceiling] for run in x["runs"]]))
    return cols


def _pg_setup(m):
    """How the PostgreSQL rows ran: said once, under the Machine table."""
    return ("The PostgreSQL rows: PostgreSQL "
            f"{m.get('postgres', '(version unknown)').split(';')[0]} on the same "
            "machine, a throwaway cluster the benchmark starts for the run "
            "(`scripts/pg-test-cluster`: initdb, 127.0.0.1 on a free port, `fsync` and "
            "`synchronous_commit` on, initdb's defaults otherwise) with a fresh database "
            "for each run; one `promptjang serve --database postgres://...` node reaches it "
            f"over loopback TCP. Its processes share the {m.get('cores', '')} cores with the "
            "node, nginx and wrk; "
            "their CPU (the postmaster and all its children: backends, WAL writer, "
            "checkpointer, autovacuum) has a row of its own.")


def render(r):
    m = r["machine"]
    a = r["args"]
    out = []
    w = out.append
    w("# PromptJang benchmarks\n")
    w("Produced by `scripts/bench` (it builds Release, starts nginx, PromptJang and, for "
      "the PostgreSQL rows, a throwaway PostgreSQL on 127.0.0.1, measures, stops them and "
      "writes this file). Every figure is the "
      f"median of {a['runs']} runs with [min–max]; every ratio is PromptJang's run over "
      "the ceiling's run measured just before it on the same machine, median of the "
      "runs. The machines this runs on are small and shared: read ratios, not absolutes.\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    for k in ("date", "cpu", "cores", "memory_gib", "os", "kernel", "filesystem", "compiler",
              "sqlite", "postgres", "nginx", "wrk"):
        if k in m or k != "postgres":
            w(f"| {k} | {m.get(k, '')} |")
    w(f"\nWhole run: {r.get('total_seconds', 0) / 60:.1f} minutes.\n")
    if any(f"pg_{scenario}" in r for scenario in ("ingest", "delivery", "e2e")):
        w(_pg_setup(m) + "\n")

    # --- summary against the targets ---
    w("## Targets\n")
    w("| What | PromptJang | Ceiling | Ratio | Target | |")
    w("|---|---|---|---|---|---|")
    for name, x in _present(r, "ingest"):
        runs = x["runs"]
        ratios = [run["ratio"] for run in runs]
        label = "SQLite" if name == "SQLite" else f"{name}, one node"
        w(f"| Ingest, {label} (events/s) | {_spread([run['pj']['rps'] for run in runs])} | "
          f"nginx 202: {_spread([run['nginx']['rps'] for run in runs])} | "
          f"{_spread(ratios, '{:.2f}')} | ≥ {TARGETS['ingest_ratio']:.2f} | "
          f"{_ok(_med(ratios) >= TARGETS['ingest_ratio'])} |")
    for name, x in _present(r, "delivery"):
        runs = x["runs"]
        ratios = [run["ratio"] for run in runs]
        done = [run["pj"].get("recorded_rps") or run["pj"]["rps"] for run in runs]
        w(f"| Delivery, drain of {x['backlog']:,}, {name} (deliveries/s, to the last attempt "
          f"recorded) | {_spread(done)} | "
          f"wrk → nginx: {_spread([run['wrk']['rps'] for run in runs])} | "
          f"{_spread(ratios, '{:.2f}')} | ≥ {TARGETS['delivery_ratio']:.2f} | "
          f"{_ok(_med(ratios) >= TARGETS['delivery_ratio'])} |")
    for name, x in _present(r, "e2e"):
        if "1000" not in x:
            continue
        p99 = [run["ack_to_arrival_ms"]["p99"] for run in x["1000"]]
        w(f"| End to end p99 at 1,000/s, {name} (ms) | {_spread(p99, '{:.2f}')} | | | "
          f"< {TARGETS['e2e_p99_ms_at_1000']:.0f} ms | {_ok(_med(p99) < TARGETS['e2e_p99_ms_at_1000'])} |")
    if "memory" in r:
        mib = r["memory"]["waiting_kib"] / 1024
        w(f"| Peak RSS, {r['memory']['waiting_events']:,} events waiting (MiB) | {mib:.1f} | | | "
          f"< {TARGETS['waiting_rss_mib']:.0f} MiB | {_ok(mib < TARGETS['waiting_rss_mib'])} |")
    w("")

    ingests = _present(r, "ingest")
    if ingests:
        pg = any(name == "PostgreSQL" for name, _ in ingests)
        w("## Ingest\n")
        w("Authenticated, durable `POST /api/v1/e/{endpoint}` of a 300-byte JSON event, "
          "`wrk -t2 -c64`, delivery off (`--no-delivery`) so that only ingest is measured; "
          "after a 2 s warm-up on a fresh database. SQLite: WAL, `synchronous=FULL`, the 202 "
          "leaves after the fsync of the commit holding the event. "
          + ("PostgreSQL: the 202 leaves after the COMMIT of the writer's transaction holding "
             "the event (its WAL flushed). " if pg else "")
          + "Ceiling: nginx (2 workers) answering a fixed 202 to the same request, measured "
          "just before each run of PromptJang.\n")
        _table(w, "", _columns(ingests, "nginx"), [
            ("events/s", "rps", "{:.0f}"),
            ("ratio to nginx", "ratio", "{:.2f}"),
            ("p50 (ms)", "p50_ms", "{:.2f}"),
            ("p99 (ms)", "p99_ms", "{:.2f}"),
            ("CPU per event (µs, server)", "cpu_us_per_event", "{:.1f}"),
            ("CPU per event (µs, PostgreSQL)", "db_cpu_us_per_event", "{:.1f}"),
            ("non-2xx answers", "non2xx", "{:.0f}"),
            ("events stored (check)", "stored_after", "{:.0f}"),
        ])
        w("")
        name, x = ingests[0]
        w(f"Commands: `{x['command']}` (URL and key of the run); ceiling "
          f"`{x['ceiling_command']}`.\n")

    deliveries = _present(r, "delivery")
    if deliveries:
        d = deliveries[0][1]
        pg = any(name == "PostgreSQL" for name, _ in deliveries)
        w("## Delivery\n")
        w(f"A backlog of {d['backlog']:,} QUEUED 300-byte events over {d['endpoints']} endpoints "
          "(written into the stopped server's database"
          + (": SQLite's file, or PostgreSQL's database with one `INSERT ... SELECT "
             "generate_series`, then `VACUUM ANALYZE` and a `CHECKPOINT`, as autovacuum would "
             "have left a table filled over time" if pg else "")
          + "), then `promptjang serve` started with the default caps (16 in flight per "
          "endpoint, so 64 at once like wrk's 64 connections); timed from the first arrival at nginx to the "
          "last (nginx's `stub_status` request count). Each delivery is claimed with a lease, "
          "signed, POSTed, and its attempt and new status committed (flushed) before the event "
          "is done. The last arrival ends the timing, but attempts may still be waiting to be "
          "recorded then: the table shows how long after it the last one was (no event left "
          "QUEUED), and the rate counted to that moment; CPU is counted up to that moment too. "
          "Ceiling: `wrk -t2 -c64` POSTing the "
          "same 300 bytes to the same nginx location, just before each run of PromptJang.\n")
        _table(w, "", _columns(deliveries, "wrk"), [
            ("deliveries/s, to the last arrival", "rps", "{:.0f}"),
            ("deliveries/s, to the last attempt recorded", "recorded_rps", "{:.0f}"),
            ("ratio to wrk (to the last attempt recorded)", "ratio", "{:.2f}"),
            ("CPU per delivery (µs, server)", "cpu_us_per_event", "{:.1f}"),
            ("CPU per delivery (µs, PostgreSQL)", "db_cpu_us_per_event", "{:.1f}"),
            ("DELIVERED in the database after (check)", "delivered_in_db", "{:.0f}"),
            ("POSTs nginx received (check: once each)", "posts_received", "{:.0f}"),
            ("last arrival to last attempt recorded (s)", "recorded_after_s", "{:.2f}"),
            ("start to first arrival (s)", "startup_s", "{:.2f}"),
            ("peak RSS (MiB)", lambda x: x["peak_rss_kib"] / 1024 if "peak_rss_kib" in x else None,
             "{:.1f}"),
            ("backlog written in (s)", "seed_s", "{:.1f}"),
        ])
        w(f"\nCeiling command: `{d['ceiling_command']}`.\n")

    e2es = _present(r, "e2e")
    if e2es:
        w("## End to end\n")
        w("`pj_bench_e2e` (bench/e2e) sends events open-loop at a fixed rate and receives "
          "their webhooks in the same process on one clock: latency is the webhook's arrival "
          "minus the moment the client had the 202 (0 when the webhook came first — the node "
          "hands the event to its dispatcher when the commit is done, in parallel with the "
          "202). Server with default settings, delivery to the tool's own receiver, a fresh "
          "database per run.\n")
        w("| store | offered/s | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | send→arrival p99 (ms) | arrived/acked | duplicates | before the 202 |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for name, x in e2es:
            for rate, runs in x.items():
                lat = [run["ack_to_arrival_ms"] for run in runs]
                sa = [run["send_to_arrival_ms"] for run in runs]
                w(f"| {name} | {int(rate):,} | {_spread([v['p50'] for v in lat], '{:.2f}')} | "
                  f"{_spread([v['p99'] for v in lat], '{:.2f}')} | {_spread([v['p999'] for v in lat], '{:.2f}')} | "
                  f"{_spread([v['max'] for v in lat], '{:.1f}')} | {_spread([v['p99'] for v in sa], '{:.2f}')} | "
                  f"{sum(run['arrived'] for run in runs):,}/{sum(run['acked'] for run in runs):,} | "
                  f"{sum(run['duplicates'] for run in runs)} | {sum(run['arrived_before_ack'] for run in runs):,} |")
        first = next(iter(e2es[0][1].values()))[0]
        w(f"\nCommand: `{first['command']}`.\n")

    if "memory" in r:
        mm = r["memory"]
        w("## Memory\n")
        w("Peak resident memory (`VmHWM`) of `promptjang serve`.\n")
        w("| State | Peak RSS (MiB) |\n|---|---|")
        w(f"| idle, fresh installation, 3 s after start | {mm['idle_kib'] / 1024:.1f} |")
        w(f"| {mm['waiting_events']:,} events waiting in RETRYING (due in 1–2 h), 5 s after start | {mm['waiting_kib'] / 1024:.1f} |")
        w(f"| 2 MiB payloads: `wrk -c8` ingesting for {a['seconds']} s while they are delivered "
          f"({mm['big_events']:.0f} ingested, {mm['big_delivered']} delivered meanwhile, "
          f"{mm['big_non2xx']:.0f} non-2xx) | {mm['big_kib'] / 1024:.1f} |")
        w("")

    if "micro" in r:
        w("## Micro-benchmarks\n")
        w("`pj_micro_bench` (Google Benchmark, bench/micro), one run on the same machine.\n")
        w("| Benchmark | CPU time | Rate |\n|---|---|---|")
        for b in r["micro"]:
            if b.get("run_type") == "aggregate":
                continue
            unit = b.get("time_unit", "ns")
            rate = ""
            if "items_per_second" in b:
                rate = f"{b['items_per_second']:,.0f} items/s"
            elif "bytes_per_second" in b:
                rate = f"{b['bytes_per_second'] / 2**20:,.0f} MiB/s"
            w(f"| `{b['name']}` | {b['cpu_time']:,.0f} {unit} | {rate} |")
        w("")

    w("## Not measured here\n")
    if any(f"pg_{scenario}" in r for scenario in ("ingest", "delivery", "e2e")):
        w(f"The PostgreSQL rows are one node beside its PostgreSQL on the same {m.get('cores', '')} "
          "cores. Many nodes over one database, and PostgreSQL on a machine of its own, are not "
          "measured here; neither is memory on PostgreSQL.\n")
    else:
        w("No PostgreSQL rows this time (`--no-postgres`, or `--only` without them): "
          "`scripts/bench --only postgres` measures them.\n")
    if os.path.exists(ANALYSIS):
        with open(ANALYSIS) as f:
            w(f.read())
    return "\n".join(out) + "\n"
