"""The soak test's verdict: are the server's resources flat under a steady
load once it has warmed up? Pure functions of the samples (dicts with `t_s`
and the figures of probe.server_sample), so they are tested on made-up series
(verdict_test.py).

The run is cut in thirds by time: the first is warm-up (caches, pools and the
allocator's arenas fill up; nothing is judged), the second (A) is the
reference, the last (B) is judged against it. A figure is flat when both
  - step:  median(B) - median(A) <= its allowance, and
  - slope: the least-squares line through every sample of A and B rises by at
           most the allowance over A and B together
hold. For a steady leak the slope's rise is about twice the step, so the slope
rule catches a slow leak and the step rule a jump late in the run.

Allowances (the `strict` ones judge the 30-minute run; `coarse` ones, four
times looser, only keep the 1-minute smoke from flaking on a busy machine):
  rss_kib      max(5 % of median(A), 8 MiB). At 200 events/s a third of 30 min
               is 120,000 events, so 8 MiB catches a leak of ~70 bytes per
               event (a lost string, header or attempt record is more), while
               allowing the allocator and SQLite's page cache their noise.
  fds,
  connections  max(10 % of median(A), 8). The load keeps a fixed number of
               inbound connections; outbound ones churn with the receiver's
               timeouts (a few in flight at any moment). One descriptor lost
               per 15,000 events, or per 500 failed attempts, breaks it.
  threads      2: the thread count is fixed by configuration.
  wal_bytes    WAL growth means checkpoints are starved: max(B) may exceed
               max(A) by 8 MiB, two auto-checkpoints' worth (the WAL file keeps
               its high-water size, so once warm it is normally exactly flat).
  pending      QUEUED + RETRYING: delivery keeps up when the backlog is not
               growing; max(25 % of median(A), 2 s of the offered rate).
Latency is reported, not judged: on a shared 2-core machine it measures the
neighbours as much as the server.
"""

import statistics

MIB_KIB = 1024


def _median(xs):
    return statistics.median(xs) if xs else 0.0


def rise_of_fit(points):
    """How much the least-squares line through (t, y) points rises from the
    first t to the last (0 for fewer than two distinct times)."""
    if len(points) < 2:
        return 0.0
    ts = [t for t, _ in points]
    ys = [y for _, y in points]
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    var = sum((t - mt) ** 2 for t in ts)
    if var == 0:
        return 0.0
    slope = sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / var
    return slope * (max(ts) - min(ts))


def allowances(rate, coarse=False):
    """metric -> (description of the rule, function of A's values -> allowance)."""
    k = 4 if coarse else 1
    return {
        "rss_kib": ("max(5% of A, 8 MiB)" if not coarse else "max(20% of A, 32 MiB)",
                    lambda a: max(0.05 * k * _median(a), 8 * k * MIB_KIB)),
        "fds": ("max(10% of A, 8)" if not coarse else "max(40% of A, 32)",
                lambda a: max(0.10 * k * _median(a), 8 * k)),
        "connections": ("max(10% of A, 8)" if not coarse else "max(40% of A, 32)",
                        lambda a: max(0.10 * k * _median(a), 8 * k)),
        "threads": ("2" if not coarse else "8", lambda a: 2 * k),
        "pending": (f"max(25% of A, {2 * k * rate:g} events)",
                    lambda a: max(0.25 * k * _median(a), 2 * k * rate)),
    }


def derived(row):
    """The judged figures that are sums of sampled ones."""
    return {
        "connections": row["in_established"] + row["in_other"] + row["out_established"]
        + row["out_other"],
        "pending": row["queued"] + row["retrying"],
    }


def judge(samples, duration_s, rate, coarse=False):
    """A list of checks, each a dict: metric, rule, a, b, step, slope_rise,
    allowance, ok. The samples taken after the load stopped are ignored."""
    rows = [dict(s, **derived(s)) for s in samples if s["t_s"] <= duration_s + 1e-6]
    a = [r for r in rows if duration_s / 3 <= r["t_s"] < 2 * duration_s / 3]
    b = [r for r in rows if r["t_s"] >= 2 * duration_s / 3]
    checks = []
    for metric, (rule, allowance_of) in allowances(rate, coarse).items():
        av = [r[metric] for r in a]
        bv = [r[metric] for r in b]
        allowance = allowance_of(av)
        step = _median(bv) - _median(av)
        rise = rise_of_fit([(r["t_s"], r[metric]) for r in a + b])
        ok = bool(av) and bool(bv) and step <= allowance and rise <= allowance
        checks.append({"metric": metric, "rule": rule, "a": _median(av), "b": _median(bv),
                       "step": step, "slope_rise": rise, "allowance": allowance, "ok": ok})
    wal_a = max((r["wal_bytes"] for r in a), default=0)
    wal_b = max((r["wal_bytes"] for r in b), default=0)
    k = 4 if coarse else 1
    wal_allow = 8 * k * 1024 * 1024
    checks.append({"metric": "wal_bytes", "rule": f"max(B) - max(A) <= {8 * k} MiB",
                   "a": wal_a, "b": wal_b, "step": wal_b - wal_a,
                   "slope_rise": None, "allowance": wal_allow,
                   "ok": bool(a) and bool(b) and wal_b - wal_a <= wal_allow})
    return checks


def flat(checks):
    return all(c["ok"] for c in checks)
