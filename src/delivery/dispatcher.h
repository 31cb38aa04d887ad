// Dispatcher: turns stored events into delivery attempts (SPEC §5, §6).
//
// Work arrives two ways. The hot path: ingest hands over an event it just
// stored, already leased to this node (submit): no polling. The slow path: a
// poller claims due work from the store with a lease (claim_due_events) at
// start-up (recovery), every poll_interval, and at the precise times of this
// node's own retries (a timer heap of wake-ups within `horizon`). A retry waits
// in the store with its next_attempt_at; memory holds only wake-up times and
// the events about to be sent, so memory stays flat whatever the backlog.
//
// Fairness: in-flight attempts are capped per endpoint and in total, and each
// endpoint holds at most `max_held_per_endpoint` events ready or in flight (an
// attempt being recorded has sent its payload and no longer counts); ready
// endpoints are served round robin. A slow endpoint fills its own slots only.
//
// After an attempt, RetryPolicy decides the status; the attempt and the status
// are written together (record_attempt, batched by the store's group commit).
// A 410 disables the endpoint. Delivery is at least once: an event whose
// attempt was never recorded is claimed again when its lease ends.
//
// Threads: one dispatcher thread (starts attempts, disables endpoints) and one
// claimer thread (claims from the store: a claim waits for a group commit, a
// few milliseconds of fsync, and the sending must not stop meanwhile — it did,
// and deliveries ran at a third of the speed); results arrive on the
// HttpClient's thread and commits on the store's writer thread; all shared
// state is guarded by mu_. No store call is made while mu_ is held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "delivery/attempt_observer.h"
#include "delivery/http_client.h"
#include "delivery/retry_policy.h"
#include "store/endpoint_cache.h"
#include "store/store.h"

namespace promptjang {

struct DispatcherOptions {
  RetrySchedule schedule = default_retry_schedule();
  size_t max_in_flight = 512;
  size_t max_in_flight_per_endpoint = 16;
  size_t max_held_per_endpoint = 64;  // ready + in flight, per endpoint
  size_t claim_batch = 256;
  // Attempts started and not yet recorded (in flight, or answered and waiting
  // for their record's commit), at most: beyond it no attempt starts, so a
  // store that writes slower than receivers answer sets the pace instead of a
  // queue of records growing in memory.
  size_t max_recording = 2048;
  // A claimed event is this node's until the lease ends; while the dispatcher
  // holds it (waiting or in flight) it renews the lease every renew_interval
  // (0: a third of the lease), so a slow attempt is never sent twice while
  // this node lives, and a dead node's work returns within one lease.
  std::chrono::milliseconds lease{30000};
  std::chrono::milliseconds renew_interval{0};
  // Names this node's leases in the store (empty: leases without an owner,
  // never renewed: then the lease must outlast the longest attempt and its wait).
  std::string owner;
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds horizon{60000};  // retries sooner than this get a wake-up
  std::chrono::milliseconds drain_timeout{20000};
  std::string user_agent = "PromptJang";
  AttemptObserver* observer = nullptr;  // may be null; must outlive the dispatcher
};

class Dispatcher {
 public:
  // `endpoints`, when given, serves the endpoint reads of attempts (else the
  // store does); the dispatcher invalidates what it changes (a 410 disables).
  Dispatcher(DispatcherOptions options, Store& store, HttpClient& client, const Clock& clock,
             Logger& logger, EndpointCache* endpoints = nullptr);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the thread; its first act is a claim (recovery after a restart).
  void start();
  // Stops starting attempts, waits (up to drain_timeout) for in-flight ones to
  // be recorded, releases the leases of events it still holds, joins.
  void stop();

  // Hands over an event just stored and leased to this node (any thread).
  void submit(Event event);
  // Claims due work now (an endpoint was enabled, events were replayed).
  void poke();

  // For tests and metrics.
  size_t in_flight() const;
  size_t held() const;

 private:
  struct EndpointState {
    std::deque<Event> ready;
    size_t in_flight = 0;
    size_t held = 0;  // ready + in flight (not those being recorded: their payload is gone)
    // Work of this endpoint was left in the store for want of room: claim again
    // as soon as it has room.
    bool overflowed = false;
  };

  void run();         // the dispatcher thread
  void claim_loop();  // the claimer thread (claims, and renews the leases it holds)
  // Extends the leases of the events held now (claimer thread, mu_ not held).
  void renew_leases(std::vector<std::string> ids);
  std::chrono::milliseconds renew_interval() const;
  // Claims due work: of every endpoint, or only of `only` (a refill).
  void claim(TimePoint now, std::vector<std::string> only = {});
  // Events of one endpoint taken per claim: half its cap, the room an endpoint
  // left out of no claim always has.
  size_t claim_share() const;
  // Pops one startable event (round robin), or returns false.
  bool next_startable(Event& out);
  void start_attempt(Event event);
  Result<std::shared_ptr<const Endpoint>> endpoint_of(const Event& event);
  void on_result(Event event, int attempt_number, OutboundResult result);
  void on_recorded(const Event& event, const Decision& decision, const Status& status);
  void disable_endpoints(std::vector<std::pair<std::string, std::string>> ids);
  // An event stops counting against its endpoint's cap (sent, or dropped);
  // mu_ held by the caller.
  void release_hold(const Event& event);
  // An event is no longer this dispatcher's (recorded, or dropped); mu_ held.
  void forget(const Event& event);
  // Endpoints holding more than half their cap: left out of claims. mu_ held.
  std::vector<std::string> saturated_endpoints() const;

  const DispatcherOptions options_;
  Store& store_;
  HttpClient& client_;
  const Clock& clock_;
  Logger& logger_;
  EndpointCache* const endpoint_cache_;  // may be null

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;    // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  bool poke_ = false;       // guarded by mu_: claim at the next turn
  bool claim_all_ = false;  // guarded by mu_: the claimer is to claim of every endpoint
  // Endpoints whose backlog waits in the store and that have room again: a
  // claim of just these at the next turn (cheap: no walk of every endpoint).
  std::unordered_set<std::string> refill_;                    // guarded by mu_
  std::unordered_map<std::string, EndpointState> endpoints_;  // guarded by mu_
  std::deque<std::string> round_robin_;                       // guarded by mu_
  std::unordered_set<std::string> held_ids_;                  // guarded by mu_
  size_t in_flight_ = 0;                                      // guarded by mu_
  // Wake-ups for this node's retries, earliest first.
  std::priority_queue<TimePoint, std::vector<TimePoint>, std::greater<>> wakeups_;  // mu_
  // (account id, endpoint id) of 410 answers, disabled by the thread; guarded by mu_
  std::vector<std::pair<std::string, std::string>> to_disable_;
  size_t recording_ = 0;    // attempts answered, not yet committed; guarded by mu_
  bool work_ = false;       // something changed since the thread last looked; mu_
  bool abandoned_ = false;  // drain timed out: late results are not recorded; mu_
  std::thread thread_;
  std::thread claimer_;
};

}  // namespace promptjang
