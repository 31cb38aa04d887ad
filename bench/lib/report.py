"""Renders bench/run_bench.py's results as BENCHMARKS.md.

Pure: a dict in, Markdown out. Figures are medians of the runs with [min–max];
ratios are taken run by run against the ceiling measured just before, and
their median shown. The hand-written analysis (bench/analysis.md, kept with the
profile figures it quotes) is appended as is.
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


def render(r):
    m = r["machine"]
    a = r["args"]
    out = []
    w = out.append
    w("# PromptJang benchmarks\n")
    w("Produced by `scripts/bench` (it builds Release, starts nginx and PromptJang on "
      "127.0.0.1, measures, stops them and writes this file). Every figure is the "
      f"median of {a['runs']} runs with [min–max]; every ratio is PromptJang's run over "
      "the ceiling's run measured just before it on the same machine, median of the "
      "runs. The machines this runs on are small and shared: read ratios, not absolutes.\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    for k in ("date", "cpu", "cores", "memory_gib", "os", "kernel", "filesystem", "compiler",
              "sqlite", "nginx", "wrk"):
        w(f"| {k} | {m.get(k, '')} |")
    w(f"\nWhole run: {r.get('total_seconds', 0) / 60:.1f} minutes.\n")

    # --- summary against the targets ---
    w("## Targets\n")
    w("| What | PromptJang | Ceiling | Ratio | Target | |")
    w("|---|---|---|---|---|---|")
    if "ingest" in r:
        runs = r["ingest"]["runs"]
        ratios = [x["ratio"] for x in runs]
        w(f"| Ingest, SQLite (events/s) | {_spread([x['pj']['rps'] for x in runs])} | "
          f"nginx 202: {_spread([x['nginx']['rps'] for x in runs])} | "
          f"{_spread(ratios, '{:.2f}')} | ≥ {TARGETS['ingest_ratio']:.2f} | "
          f"{_ok(_med(ratios) >= TARGETS['ingest_ratio'])} |")
    if "delivery" in r:
        runs = r["delivery"]["runs"]
        ratios = [x["ratio"] for x in runs]
        w(f"| Delivery, drain of {r['delivery']['backlog']:,} (deliveries/s) | "
          f"{_spread([x['pj']['rps'] for x in runs])} | "
          f"wrk → nginx: {_spread([x['wrk']['rps'] for x in runs])} | "
          f"{_spread(ratios, '{:.2f}')} | ≥ {TARGETS['delivery_ratio']:.2f} | "
          f"{_ok(_med(ratios) >= TARGETS['delivery_ratio'])} |")
    if "e2e" in r and "1000" in r["e2e"]:
        p99 = [x["ack_to_arrival_ms"]["p99"] for x in r["e2e"]["1000"]]
        w(f"| End to end p99 at 1,000/s (ms) | {_spread(p99, '{:.2f}')} | | | "
          f"< {TARGETS['e2e_p99_ms_at_1000']:.0f} ms | {_ok(_med(p99) < TARGETS['e2e_p99_ms_at_1000'])} |")
    if "memory" in r:
        mib = r["memory"]["waiting_kib"] / 1024
        w(f"| Peak RSS, {r['memory']['waiting_events']:,} events waiting (MiB) | {mib:.1f} | | | "
          f"< {TARGETS['waiting_rss_mib']:.0f} MiB | {_ok(mib < TARGETS['waiting_rss_mib'])} |")
    w("")

    if "ingest" in r:
        runs = r["ingest"]["runs"]
        w("## Ingest\n")
        w("Authenticated, durable `POST /api/v1/e/{endpoint}` of a 300-byte JSON event "
          "(SQLite, WAL, `synchronous=FULL`: the 202 leaves after the fsync of the commit "
          "holding the event), `wrk -t2 -c64`, delivery off (`--no-delivery`) so that "
          "only ingest is measured; after a 2 s warm-up on a fresh database. Ceiling: nginx "
          "(2 workers) answering a fixed 202 to the same request.\n")
        w("| | PromptJang | nginx |\n|---|---|---|")
        w(f"| events/s | {_spread([x['pj']['rps'] for x in runs])} | {_spread([x['nginx']['rps'] for x in runs])} |")
        w(f"| p50 (ms) | {_spread([x['pj']['p50_ms'] for x in runs], '{:.2f}')} | {_spread([x['nginx']['p50_ms'] for x in runs], '{:.2f}')} |")
        w(f"| p99 (ms) | {_spread([x['pj']['p99_ms'] for x in runs], '{:.2f}')} | {_spread([x['nginx']['p99_ms'] for x in runs], '{:.2f}')} |")
        w(f"| CPU per event (µs, server) | {_spread([x['pj']['cpu_us_per_event'] for x in runs], '{:.1f}')} | |")
        w(f"| non-2xx answers | {_spread([x['pj']['non2xx'] for x in runs])} | {_spread([x['nginx']['non2xx'] for x in runs])} |")
        w(f"| events stored (check) | {_spread([x['pj']['stored_after'] for x in runs])} | |")
        w("")
        w(f"Commands: `{runs[0]['pj']['command']}` (URL and key of the run); ceiling "
          f"`{runs[0]['nginx']['command']}`.\n")

    if "delivery" in r:
        d = r["delivery"]
        runs = d["runs"]
        w("## Delivery\n")
        w(f"A backlog of {d['backlog']:,} QUEUED 300-byte events over {d['endpoints']} endpoints "
          "(written into the stopped server's database), then `promptjang serve` started with "
          "the default caps (16 in flight per endpoint, so 64 at once like wrk's 64 "
          "connections); timed from the first arrival at nginx to the last (nginx's "
          "`stub_status` request count). Each delivery is claimed with a lease, signed, "
          "POSTed, and its attempt and new status committed (fsync) before the event is done. "
          "Ceiling: `wrk -t2 -c64` POSTing the same 300 bytes to the same nginx location.\n")
        w("| | PromptJang | wrk |\n|---|---|---|")
        w(f"| deliveries/s | {_spread([x['pj']['rps'] for x in runs])} | {_spread([x['wrk']['rps'] for x in runs])} |")
        w(f"| CPU per delivery (µs, server) | {_spread([x['pj']['cpu_us_per_event'] for x in runs], '{:.1f}')} | |")
        w(f"| DELIVERED in the database after (check) | {_spread([x['pj']['delivered_in_db'] for x in runs])} | |")
        w(f"| start to first arrival (s) | {_spread([x['pj']['startup_s'] for x in runs], '{:.2f}')} | |")
        w(f"| peak RSS (MiB) | {_spread([x['pj']['peak_rss_kib'] / 1024 for x in runs], '{:.1f}')} | |")
        w(f"\nCeiling command: `{d['ceiling_command']}`.\n")

    if "e2e" in r:
        w("## End to end\n")
        w("`pj_bench_e2e` (bench/e2e) sends events open-loop at a fixed rate and receives "
          "their webhooks in the same process on one clock: latency is the webhook's arrival "
          "minus the moment the client had the 202 (0 when the webhook came first — the node "
          "hands the event to its dispatcher when the commit is done, in parallel with the "
          "202). Server with default settings, delivery to the tool's own receiver.\n")
        w("| offered/s | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | send→arrival p99 (ms) | arrived/acked | duplicates | before the 202 |")
        w("|---|---|---|---|---|---|---|---|---|")
        for rate, runs in r["e2e"].items():
            lat = [x["ack_to_arrival_ms"] for x in runs]
            sa = [x["send_to_arrival_ms"] for x in runs]
            w(f"| {int(rate):,} | {_spread([x['p50'] for x in lat], '{:.2f}')} | "
              f"{_spread([x['p99'] for x in lat], '{:.2f}')} | {_spread([x['p999'] for x in lat], '{:.2f}')} | "
              f"{_spread([x['max'] for x in lat], '{:.1f}')} | {_spread([x['p99'] for x in sa], '{:.2f}')} | "
              f"{sum(x['arrived'] for x in runs):,}/{sum(x['acked'] for x in runs):,} | "
              f"{sum(x['duplicates'] for x in runs)} | {sum(x['arrived_before_ack'] for x in runs):,} |")
        first = next(iter(r["e2e"].values()))[0]
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
    w("PostgreSQL rows (ingest, delivery, end to end) come with the PostgreSQL back end "
      "(issue 7); this file has SQLite's only.\n")
    if os.path.exists(ANALYSIS):
        with open(ANALYSIS) as f:
            w(f.read())
    return "\n".join(out) + "\n"
