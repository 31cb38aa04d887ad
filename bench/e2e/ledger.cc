// Ledger: see ledger.h. One hash-map entry per event id, filled from either side.
#include "e2e/ledger.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace promptjang::bench {

namespace {

double ms_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

void Ledger::add_acks(std::vector<Ack> acks) {
  for (Ack& a : acks) {
    Record& r = by_id_[std::move(a.event_id)];
    if (r.is_acked) continue;  // the same id twice in 202s: not expected; keep the first
    r.is_acked = true;
    r.sent = a.sent;
    r.acked = a.acked;
    ++acked_;
    if (r.arrivals > 0) ++matched_;
  }
}

void Ledger::add_arrivals(std::vector<Arrival> arrivals) {
  for (Arrival& a : arrivals) {
    if (a.event_id.empty()) {
      ++anonymous_;
      continue;
    }
    Record& r = by_id_[std::move(a.event_id)];
    if (r.arrivals++ > 0) {
      ++duplicates_;
      continue;
    }
    r.first_arrival = a.at;
    ++arrived_ids_;
    if (r.is_acked) ++matched_;
  }
}

uint64_t Ledger::unacked_arrivals() const { return arrived_ids_ - matched_; }

LatencySamples Ledger::samples() const {
  LatencySamples s;
  s.ack_to_arrival_ms.reserve(matched_);
  s.send_to_arrival_ms.reserve(matched_);
  for (const auto& [id, r] : by_id_) {
    if (!r.is_acked || r.arrivals == 0) continue;
    const double ack_ms = ms_between(r.acked, r.first_arrival);
    if (ack_ms < 0) ++s.arrived_before_ack;
    s.ack_to_arrival_ms.push_back(std::max(0.0, ack_ms));
    s.send_to_arrival_ms.push_back(std::max(0.0, ms_between(r.sent, r.first_arrival)));
  }
  return s;
}

}  // namespace promptjang::bench
