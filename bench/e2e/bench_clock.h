// The one clock of pj_bench_e2e: std::chrono::steady_clock, read by the sender
// (send and 202 times) and by the receiver (arrival times) in the same process,
// so their differences are latencies. Never wall-clock time: NTP steps and slews
// would show up as latency. Read from any thread.
#pragma once

#include <chrono>

namespace promptjang::bench {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

}  // namespace promptjang::bench
