// The figures pj_bench_e2e prints: counts from the sender and the ledger, and
// percentiles of both latencies, as text (default) or as one JSON object.
// Plain values and pure functions; no threads involved.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "e2e/ledger.h"
#include "e2e/load_sender.h"
#include "e2e/options.h"

namespace promptjang::bench {

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // milliseconds; all 0 when no sample
};

// Nearest-rank percentiles (the smallest sample with at least p of them at or
// below it). Sorts `samples`.
Percentiles percentiles(std::vector<double>& samples);

struct Summary {
  // What was asked.
  std::string server;
  std::string endpoint_id;
  std::string receiver_url;
  double rate = 0;
  double duration_s = 0;
  size_t payload_bytes = 0;
  size_t connections = 0;
  // What happened.
  uint64_t planned = 0, sent = 0, skipped = 0, acked = 0, arrived = 0, missing = 0;
  uint64_t duplicates = 0, non_2xx = 0, errors = 0, arrived_before_ack = 0;
  uint64_t unacked_arrivals = 0, anonymous_arrivals = 0;
  std::map<int, uint64_t> statuses;
  std::map<std::string, uint64_t> errors_by_kind;
  double achieved_rate = 0;
  double max_send_lag_ms = 0;
  double drain_seconds = 0;  // from the end of sending until all arrived (or the timeout)
  bool drained = false;      // every acknowledged event arrived
  Percentiles ack_to_arrival_ms;
  Percentiles send_to_arrival_ms;
};

Summary summarize(const Options& o, const std::string& endpoint_id, const std::string& receiver_url,
                  const SenderCounters& c, const Ledger& ledger, double drain_seconds);

void print_text(std::ostream& out, const Summary& s);
void print_json(std::ostream& out, const Summary& s);  // one object, one line

}  // namespace promptjang::bench
