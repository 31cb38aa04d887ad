#!/usr/bin/env python3
"""Unit tests of the soak test's verdict (CTest bench_soak_verdict_test) on
made-up series: a flat run with noise is flat; a slow RSS leak, an fd leak, a
late jump in connections, a growing thread count, a growing WAL and a backlog
that does not drain are each caught."""

import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verdict  # noqa: E402

DURATION = 1800
RATE = 200


def series(**over):
    """Samples every 10 s of a healthy run; `over` maps a figure to a function
    (t, value) -> value."""
    rng = random.Random(7)
    out = []
    for t in range(0, DURATION + 1, 10):
        s = {"t_s": t, "rss_kib": 60_000 + rng.randint(-1500, 1500), "fds": 60 + rng.randint(-8, 8),
             "threads": 9, "in_established": 8, "in_other": 0,
             "out_established": 30 + rng.randint(-8, 8), "out_other": rng.randint(0, 2),
             "queued": 20 + rng.randint(0, 30), "retrying": 200 + rng.randint(-40, 40),
             "wal_bytes": 4_300_000}
        for k, f in over.items():
            s[k] = f(t, s[k])
        out.append(s)
    return out


def failed(samples):
    return sorted(c["metric"] for c in verdict.judge(samples, DURATION, RATE) if not c["ok"])


class VerdictTest(unittest.TestCase):
    def test_a_noisy_flat_run_is_flat(self):
        checks = verdict.judge(series(), DURATION, RATE)
        self.assertTrue(verdict.flat(checks), checks)

    def test_warm_up_growth_is_not_judged(self):
        warm = series(rss_kib=lambda t, v: v - max(0, 600 - t) * 50)  # grows 30 MB, then flat
        self.assertEqual(failed(warm), [])

    def test_a_slow_rss_leak_is_caught(self):
        # 100 bytes per event at 200/s: about 23 MiB over the judged 20 minutes.
        leak = series(rss_kib=lambda t, v: v + t * RATE * 100 // 1024)
        self.assertEqual(failed(leak), ["rss_kib"])

    def test_an_fd_leak_is_caught(self):
        leak = series(fds=lambda t, v: v + t // 60)  # one a minute
        self.assertEqual(failed(leak), ["fds"])

    def test_a_late_jump_in_connections_is_caught(self):
        jump = series(out_other=lambda t, v: v + (40 if t >= 1300 else 0))  # CLOSE_WAITs pile up
        self.assertEqual(failed(jump), ["connections"])

    def test_growing_threads_wal_and_backlog_are_caught(self):
        bad = series(threads=lambda t, v: v + t // 300,
                     wal_bytes=lambda t, v: v + t * 20_000,
                     retrying=lambda t, v: v + t)
        self.assertEqual(failed(bad), ["pending", "threads", "wal_bytes"])

    def test_samples_after_the_load_are_ignored(self):
        after = series() + [dict(series()[-1], t_s=DURATION + 30, fds=10_000)]
        self.assertEqual(failed(after), [])

    def test_the_fitted_rise_of_a_line(self):
        self.assertAlmostEqual(verdict.rise_of_fit([(0, 1), (10, 3), (20, 5)]), 4)
        self.assertEqual(verdict.rise_of_fit([(5, 1)]), 0)


if __name__ == "__main__":
    unittest.main()
