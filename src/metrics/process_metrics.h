// The process's own gauges under their conventional names (as Prometheus'
// client libraries export them): process_start_time_seconds,
// process_resident_memory_bytes (from /proc/self/statm) and process_open_fds
// (the entries of /proc/self/fd), read at scrape time.
// Thread safety: as Registry's.
#pragma once

#include "metrics/registry.h"

namespace promptjang::metrics {

// `start_time` in seconds since the Unix epoch (the caller's clock).
void add_process_metrics(Registry& registry, double start_time);

}  // namespace promptjang::metrics
