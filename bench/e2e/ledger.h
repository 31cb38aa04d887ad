// Ledger: pairs each acknowledged event (its 202, from the sender) with its
// arrivals (from the receiver) by event id, in whatever order the two come:
// with in-process hand-off a webhook may well arrive before its 202 is read.
//
// Counts kept as records come in: acked, matched (acked and arrived at least
// once), duplicates (every arrival of an id after its first), arrivals carrying
// an id never acknowledged (yet), and arrivals with no webhook-id at all.
// Invariant: matched <= acked; when matched == acked every 202'd event arrived.
// Thread safety: none; one thread (main) feeds and reads it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "e2e/bench_clock.h"
#include "e2e/load_sender.h"
#include "e2e/receiver.h"

namespace promptjang::bench {

struct LatencySamples {
  std::vector<double> ack_to_arrival_ms;   // clamped at 0
  std::vector<double> send_to_arrival_ms;  // never negative: the send precedes the event
  uint64_t arrived_before_ack = 0;         // how many were clamped
};

class Ledger {
 public:
  void add_acks(std::vector<Ack> acks);
  void add_arrivals(std::vector<Arrival> arrivals);

  uint64_t acked() const { return acked_; }
  uint64_t matched() const { return matched_; }
  uint64_t duplicates() const { return duplicates_; }
  uint64_t anonymous_arrivals() const { return anonymous_; }
  // Distinct ids that arrived but were never acknowledged (a 202 lost to a
  // client-side timeout, or another sender's events on the same endpoint).
  uint64_t unacked_arrivals() const;

  // One sample per matched event, from its first arrival.
  LatencySamples samples() const;

 private:
  struct Record {
    SteadyTime sent;
    SteadyTime acked;
    SteadyTime first_arrival;
    uint32_t arrivals = 0;
    bool is_acked = false;
  };
  std::unordered_map<std::string, Record> by_id_;
  uint64_t acked_ = 0;
  uint64_t matched_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t anonymous_ = 0;
  uint64_t arrived_ids_ = 0;  // distinct ids with at least one arrival
};

}  // namespace promptjang::bench
