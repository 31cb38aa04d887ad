// OpenLoopSender: the ingest side of pj_bench_e2e. Sends event i at t0 + i/rate
// (open loop: the schedule never waits for answers) through an HttpClient, with
// at most `connections` requests in flight, and records for every 202 its event
// id, the steady-clock time the request was handed to the client and the time
// its answer reached the callback.
//
// Threads: run() executes on one sender thread of the caller's; it sleeps until
// each scheduled time, then calls HttpClient::send() (which returns at once).
// Answers arrive on the client's thread, which records them under a mutex and
// frees an in-flight slot. take_acks() and counters() may be called from any
// thread at any time.
//
// Invariants: every request handed to send() gets exactly one callback (the
// HttpClient contract), so sent == acked + non_2xx + errors + in_flight.
// A send waits for a free slot only until the end of the sending phase; sends
// still unsent then are `skipped`, so run() ends by t0 + duration (plus one
// scheduling step), whatever the server does.
// Lifetime: the client must outlive run(), and this object must outlive every
// callback: destroy the client (which completes pending sends) before it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <semaphore>
#include <string>
#include <vector>

#include "delivery/http_client.h"
#include "e2e/bench_clock.h"

namespace promptjang::bench {

struct Ack {
  std::string event_id;
  uint64_t seq = 0;
  SteadyTime sent;   // just before HttpClient::send()
  SteadyTime acked;  // when the 202 reached the callback
};

struct SenderCounters {
  uint64_t planned = 0;
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t non_2xx = 0;  // an answer other than 202
  uint64_t errors = 0;   // no usable answer, or a 202 without an event id
  uint64_t skipped = 0;  // planned but never sent (no free slot before the end)
  uint64_t in_flight = 0;
  std::map<int, uint64_t> statuses;                // the non-202 answers, by status code
  std::map<std::string, uint64_t> errors_by_kind;  // timeout, connection, bad_ack_body, ...
  double phase_seconds = 0;  // t0 to the end of sending (at least the duration)
  double max_lag_ms = 0;     // the latest a send went out after its scheduled time
  bool done = false;         // run() has returned
};

class OpenLoopSender {
 public:
  struct Plan {
    std::string ingest_url;  // {server}/api/v1/e/{endpoint_id}
    std::string api_key;
    double rate = 1000;
    double duration_s = 10;
    uint64_t events = 0;
    size_t payload_bytes = 300;
    size_t connections = 64;
  };

  OpenLoopSender(Plan plan, HttpClient& client);
  OpenLoopSender(const OpenLoopSender&) = delete;
  OpenLoopSender& operator=(const OpenLoopSender&) = delete;

  // The sending phase; returns when every planned event was sent or skipped.
  void run();

  // The 202s recorded since the previous call.
  std::vector<Ack> take_acks();
  SenderCounters counters();

  // {"event":"bench.e2e","seq":SEQ,"pad":"xxx..."}, padded to `bytes` when the
  // rest is shorter.
  static std::string make_body(uint64_t seq, size_t bytes);

 private:
  void on_answer(uint64_t seq, SteadyTime sent, OutboundResult r);

  static constexpr std::ptrdiff_t kMaxSlots = 1 << 20;

  const Plan plan_;
  HttpClient& client_;
  const std::vector<std::pair<std::string, std::string>> headers_;
  std::counting_semaphore<kMaxSlots> slots_;

  std::mutex mu_;
  std::vector<Ack> acks_;    // guarded by mu_
  SenderCounters counters_;  // guarded by mu_
};

}  // namespace promptjang::bench
