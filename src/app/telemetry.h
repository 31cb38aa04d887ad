// Telemetry: what a node tells its operator. It hears every answered request
// (RequestObserver), every delivery attempt (AttemptObserver) and every store
// commit (CommitObserver), and turns each into a log line and metrics; it owns
// the metrics registry that GET /metrics renders (docs/operations.md lists every
// line and family).
//
// Logs: one line per request (request_id, method, path, status, duration_ms,
// bytes, remote, and what the handler added: account_id, event_id) at info —
// debug for /healthz, /readyz and /metrics, warn for a 5xx — and one per attempt
// (event_id, endpoint_id, attempt, outcome, status_code or error, duration_ms,
// the status it leads to and when the next attempt is due) at info. No header,
// payload or secret is ever logged.
//
// Threads: the observer methods run on I/O, client and writer threads
// concurrently and touch only atomics (children looked up once) and the
// thread-safe logger; render() runs on the scraping thread.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

#include "api/server.h"
#include "core/clock.h"
#include "core/log.h"
#include "delivery/attempt_observer.h"
#include "metrics/registry.h"
#include "store/store.h"

namespace promptjang {

class Telemetry final : public RequestObserver, public AttemptObserver, public CommitObserver {
 public:
  Telemetry(Logger& logger, const Clock& clock);
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  // Gauges read at scrape time; each source must outlive the scrapes (the Node
  // stops its servers before it destroys what these read).
  void watch_requests(std::function<size_t()> in_flight, std::function<size_t()> connections);
  void watch_deliveries(std::function<size_t()> in_flight);
  // Events by status, counted at most every `max_age` (a count scans an index).
  void watch_events(Store& store, Micros max_age = std::chrono::seconds(5));

  // The body of GET /metrics.
  std::string render() const { return registry_.render(); }
  metrics::Registry& registry() { return registry_; }

  void on_request(const RequestRecord& record) noexcept override;
  void on_attempt(const AttemptReport& report) noexcept override;
  void on_commit(size_t writes, std::chrono::microseconds took) noexcept override;

 private:
  // The counter child of `family` for an HTTP status (made on first use).
  metrics::Counter& by_code(std::array<std::atomic<metrics::Counter*>, 1000>& cache,
                            const char* family, const char* help, int status);
  std::vector<metrics::Registry::Sample> event_counts();

  Logger& logger_;
  const Clock& clock_;
  metrics::Registry registry_;

  std::array<std::atomic<metrics::Counter*>, 1000> http_by_code_{};
  std::array<std::atomic<metrics::Counter*>, 1000> ingest_by_code_{};
  metrics::Histogram& http_duration_;
  std::array<metrics::Counter*, 7> attempts_by_outcome_{};  // in kOutcomes' order
  metrics::Histogram& delivery_latency_;
  metrics::Histogram& attempt_duration_;
  metrics::Histogram& commit_seconds_;
  metrics::Histogram& commit_batch_;

  Store* store_ = nullptr;  // events by status; null until watch_events
  Micros counts_max_age_{0};
  std::mutex counts_mu_;  // serializes recounts; guards the two below
  std::optional<TimePoint> counted_at_;
  EventCounts counts_;
};

}  // namespace promptjang
