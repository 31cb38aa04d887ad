// Summary, percentiles and the two output formats of pj_bench_e2e. The JSON keys
// are a contract with scripts: sent, acked, arrived, missing, duplicates,
// non_2xx, errors, arrived_before_ack, achieved_rate, ack_to_arrival_ms and
// send_to_arrival_ms ({p50, p90, p99, p999, max}); the others are extras.
#include "e2e/report.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

namespace promptjang::bench {

namespace {

double at_rank(const std::vector<double>& sorted, double p) {
  const size_t n = sorted.size();
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(n)));
  rank = std::clamp<size_t>(rank, 1, n);
  return sorted[rank - 1];
}

// Three decimals: microseconds, the clock's useful resolution here.
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

boost::json::object percentiles_json(const Percentiles& p) {
  return {{"p50", round3(p.p50)},
          {"p90", round3(p.p90)},
          {"p99", round3(p.p99)},
          {"p999", round3(p.p999)},
          {"max", round3(p.max)}};
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string row(const char* name, const Percentiles& p) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %-18s %9.3f %9.3f %9.3f %9.3f %9.3f\n", name, p.p50, p.p90,
                p.p99, p.p999, p.max);
  return buf;
}

}  // namespace

Percentiles percentiles(std::vector<double>& samples) {
  Percentiles p;
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  p.p50 = at_rank(samples, 0.50);
  p.p90 = at_rank(samples, 0.90);
  p.p99 = at_rank(samples, 0.99);
  p.p999 = at_rank(samples, 0.999);
  p.max = samples.back();
  return p;
}

Summary summarize(const Options& o, const std::string& endpoint_id, const std::string& receiver_url,
                  const SenderCounters& c, const Ledger& ledger, double drain_seconds) {
  Summary s;
  s.server = o.server;
  s.endpoint_id = endpoint_id;
  s.receiver_url = receiver_url;
  s.rate = o.rate;
  s.duration_s = o.duration_s;
  s.payload_bytes = o.payload_bytes;
  s.connections = o.connections;
  s.planned = c.planned;
  s.sent = c.sent;
  s.skipped = c.skipped;
  s.acked = ledger.acked();
  s.arrived = ledger.matched();
  s.missing = s.acked - s.arrived;
  s.duplicates = ledger.duplicates();
  s.non_2xx = c.non_2xx;
  s.errors = c.errors;
  s.unacked_arrivals = ledger.unacked_arrivals();
  s.anonymous_arrivals = ledger.anonymous_arrivals();
  s.statuses = c.statuses;
  s.errors_by_kind = c.errors_by_kind;
  s.achieved_rate = c.phase_seconds > 0 ? static_cast<double>(c.sent) / c.phase_seconds : 0;
  s.max_send_lag_ms = c.max_lag_ms;
  s.drain_seconds = drain_seconds;
  s.drained = s.missing == 0;
  LatencySamples samples = ledger.samples();
  s.arrived_before_ack = samples.arrived_before_ack;
  s.ack_to_arrival_ms = percentiles(samples.ack_to_arrival_ms);
  s.send_to_arrival_ms = percentiles(samples.send_to_arrival_ms);
  return s;
}

void print_text(std::ostream& out, const Summary& s) {
  out << "pj_bench_e2e: " << s.planned << " events at " << fixed(s.rate, 1) << "/s for "
      << fixed(s.duration_s, 1) << " s, " << s.payload_bytes << "-byte payloads, up to "
      << s.connections << " in flight\n"
      << "  server " << s.server << ", endpoint " << s.endpoint_id << ", receiver "
      << s.receiver_url << "\n"
      << "  sent " << s.sent << " (achieved " << fixed(s.achieved_rate, 1) << "/s, latest send "
      << fixed(s.max_send_lag_ms, 2) << " ms behind schedule";
  if (s.skipped > 0) out << ", " << s.skipped << " skipped: no free connection in time";
  out << ")\n"
      << "  acked " << s.acked << "  arrived " << s.arrived << "  missing " << s.missing
      << "  duplicates " << s.duplicates << "  non-2xx " << s.non_2xx << "  errors " << s.errors
      << "\n";
  for (const auto& [code, n] : s.statuses) out << "    status " << code << ": " << n << "\n";
  for (const auto& [kind, n] : s.errors_by_kind) out << "    error " << kind << ": " << n << "\n";
  if (s.unacked_arrivals > 0) {
    out << "  " << s.unacked_arrivals << " event(s) arrived that were never acknowledged\n";
  }
  if (s.anonymous_arrivals > 0) {
    out << "  " << s.anonymous_arrivals << " request(s) arrived without a webhook-id\n";
  }
  out << "  drain: " << (s.drained ? "all acknowledged events arrived" : "timed out") << " "
      << fixed(s.drain_seconds, 2) << " s after sending ended\n"
      << "  arrived before their 202 reached the client: " << s.arrived_before_ack
      << " (counted as 0 ms)\n"
      << "  latency (ms)             p50       p90       p99     p99.9       max\n"
      << row("202 -> arrival", s.ack_to_arrival_ms) << row("send -> arrival", s.send_to_arrival_ms);
}

void print_json(std::ostream& out, const Summary& s) {
  boost::json::object statuses;
  for (const auto& [code, n] : s.statuses) statuses[std::to_string(code)] = n;
  boost::json::object errors_by_kind;
  for (const auto& [kind, n] : s.errors_by_kind) errors_by_kind[kind] = n;
  boost::json::object o{
      {"sent", s.sent},
      {"acked", s.acked},
      {"arrived", s.arrived},
      {"missing", s.missing},
      {"duplicates", s.duplicates},
      {"non_2xx", s.non_2xx},
      {"errors", s.errors},
      {"arrived_before_ack", s.arrived_before_ack},
      {"achieved_rate", round3(s.achieved_rate)},
      {"ack_to_arrival_ms", percentiles_json(s.ack_to_arrival_ms)},
      {"send_to_arrival_ms", percentiles_json(s.send_to_arrival_ms)},
      {"planned", s.planned},
      {"skipped", s.skipped},
      {"unacked_arrivals", s.unacked_arrivals},
      {"anonymous_arrivals", s.anonymous_arrivals},
      {"non_2xx_by_status", std::move(statuses)},
      {"errors_by_kind", std::move(errors_by_kind)},
      {"max_send_lag_ms", round3(s.max_send_lag_ms)},
      {"drain_seconds", round3(s.drain_seconds)},
      {"rate", s.rate},
      {"duration_s", s.duration_s},
      {"payload_bytes", s.payload_bytes},
      {"connections", s.connections},
      {"server", s.server},
      {"endpoint_id", s.endpoint_id},
      {"receiver_url", s.receiver_url},
  };
  out << boost::json::serialize(o) << "\n";
}

}  // namespace promptjang::bench
