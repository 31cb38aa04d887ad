"""The soak test's outputs: every sample as a CSV row (samples.csv) and a short
Markdown summary (summary.md): the set-up, a table of the samples nearest to
every `every_s` seconds, the checks of verdict.judge and the verdict."""

import csv

COLUMNS = ("t_s", "rss_kib", "hwm_kib", "fds", "threads", "in_established", "in_other",
           "out_established", "out_other", "timewait_in", "timewait_out", "db_bytes",
           "wal_bytes", "cpu_s", "sent", "acked", "non_2xx", "errors", "late", "p50_ms",
           "p99_ms", "interval_requests", "load1", "probe_ms", "queued", "retrying", "delivered",
           "failed",
           "expired", "attempts", "receiver_200", "receiver_500", "receiver_hang", "states")


def write_csv(path, samples):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        for s in samples:
            w.writerow(s)


def _mib(kib_or_bytes, unit_kib=True):
    return f"{kib_or_bytes / (1024 if unit_kib else 1024 * 1024):.1f}"


def milestones(samples, every_s):
    """The sample nearest to 0, every_s, 2 * every_s, ... (each once)."""
    if not samples:
        return []
    out, t = [], 0.0
    last_t = samples[-1]["t_s"]
    while t <= last_t + every_s / 2:
        s = min(samples, key=lambda r: abs(r["t_s"] - t))
        if not out or out[-1] is not s:
            out.append(s)
        t += every_s
    return out


def sample_table(samples, every_s):
    head = ("| t (min) | RSS MiB | HWM MiB | fds | threads | TCP in est/other | "
            "TCP out est/other | TIME_WAIT in/out | DB MiB | WAL MiB | acked | delivered | "
            "pending | expired | attempts | p50 ms | p99 ms |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for s in milestones(samples, every_s):
        lines.append(
            f"| {s['t_s'] / 60:.2f} | {_mib(s['rss_kib'])} | {_mib(s['hwm_kib'])} | {s['fds']} | "
            f"{s['threads']} | {s['in_established']}/{s['in_other']} | "
            f"{s['out_established']}/{s['out_other']} | {s['timewait_in']}/{s['timewait_out']} | "
            f"{_mib(s['db_bytes'], False)} | {_mib(s['wal_bytes'], False)} | {s['acked']} | "
            f"{s['delivered']} | {s['queued'] + s['retrying']} | {s['expired']} | "
            f"{s['attempts']} | {s['p50_ms']} | {s['p99_ms']} |")
    return "\n".join(lines)


def _fmt(metric, v):
    if v is None:
        return "—"
    if metric == "rss_kib":
        return f"{v / 1024:.1f} MiB"
    if metric == "wal_bytes":
        return f"{v / 1048576:.1f} MiB"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.1f}"
    return str(int(v))


def checks_table(checks):
    lines = ["| figure | A (2nd third) | B (last third) | step B−A | fitted rise over A+B | "
             "allowance | rule | flat |", "|---|---|---|---|---|---|---|---|"]
    for c in checks:
        m = c["metric"]
        lines.append(f"| {m} | {_fmt(m, c['a'])} | {_fmt(m, c['b'])} | {_fmt(m, c['step'])} | "
                     f"{_fmt(m, c['slope_rise'])} | {_fmt(m, c['allowance'])} | {c['rule']} | "
                     f"{'yes' if c['ok'] else '**NO**'} |")
    return "\n".join(lines)


def rss_slope_lines(samples, checks):
    """The RSS's fitted rise over the judged window as a rate and per event."""
    rss = next((c for c in checks if c["metric"] == "rss_kib"), None)
    judged = [s for s in samples if s["t_s"] >= samples[-1]["t_s"] / 3] if samples else []
    if not rss or len(judged) < 2:
        return []
    minutes = (judged[-1]["t_s"] - judged[0]["t_s"]) / 60
    events = judged[-1]["acked"] - judged[0]["acked"]
    per_event = rss["slope_rise"] * 1024 / events if events else 0
    return [f"RSS's fitted line over the judged {minutes:.1f} min: {rss['slope_rise']:+.0f} KiB "
            f"({rss['slope_rise'] / minutes:+.1f} KiB/min, {per_event:+.2f} bytes per acked "
            f"event over {events} events).", ""]


def _duration(s):
    return f"{s / 60:g} min" if s >= 60 else f"{s:g} s"


def markdown(setup, samples, checks, verdict, every_s):
    last = samples[-1] if samples else {}
    out = [
        "# Soak test summary", "",
        f"Verdict: **{verdict}**", "",
        "## Set-up", "",
        *[f"- {k}: {v}" for k, v in setup.items()], "",
        f"## Samples (nearest to every {_duration(every_s)}; all of them in samples.csv)", "",
        sample_table(samples, every_s), "",
        "## Flatness after warm-up (medians, except the WAL's maxima)", "",
        checks_table(checks), "",
        *rss_slope_lines(samples, checks),
    ]
    if last:
        out += ["## At the end", "",
                f"- acked {last['acked']} of {last['sent']} sent ({last['non_2xx']} non-2xx, "
                f"{last['errors']} errors, {last['late']} sent > 1 s late)",
                f"- events: {last['queued']} queued, {last['retrying']} retrying, "
                f"{last['delivered']} delivered, {last['failed']} failed, "
                f"{last['expired']} expired; {last['attempts']} attempts logged",
                f"- receiver: {last['receiver_200']} × 200, {last['receiver_500']} × 500, "
                f"{last['receiver_hang']} hangs",
                f"- server CPU {last['cpu_s']} s; peak RSS (VmHWM) {_mib(last['hwm_kib'])} MiB", ""]
    return "\n".join(out)
