// Telemetry; see telemetry.h.
#include "app/telemetry.h"

#include "metrics/process_metrics.h"

namespace promptjang {
namespace {

// promptjang_delivery_attempts_total's outcomes: success (2xx), http_error
// (any other answer), then the errors of OutboundResult.
constexpr std::array<const char*, 7> kOutcomes = {
    "success", "http_error", "timeout", "connection", "dns", "tls", "refused_by_policy"};

std::vector<double> batch_buckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}; }

double seconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1e6; }

// The index in kOutcomes of an attempt's result.
size_t outcome_index(const OutboundResult& res) {
  if (res.status_code) return *res.status_code >= 200 && *res.status_code < 300 ? 0 : 1;
  for (size_t i = 2; i < kOutcomes.size(); ++i)
    if (res.error && *res.error == kOutcomes[i]) return i;
  return 3;  // connection: what an error of no known kind is closest to
}

bool is_ops_path(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

bool is_ingest(std::string_view method, std::string_view path) {
  return method == "POST" && path.starts_with("/api/v1/e/");
}

}  // namespace

Telemetry::Telemetry(Logger& logger, const Clock& clock)
    : logger_(logger),
      clock_(clock),
      http_duration_(
          registry_.histogram("promptjang_http_request_duration_seconds",
                              "Seconds from a request's header read to its answer written.",
                              metrics::latency_buckets())),
      delivery_latency_(registry_.histogram(
          "promptjang_delivery_latency_seconds",
          "Seconds from an event's acceptance (its 202) to the answer to its first attempt.",
          metrics::latency_buckets())),
      attempt_duration_(registry_.histogram("promptjang_attempt_duration_seconds",
                                            "Seconds each delivery attempt took.",
                                            metrics::latency_buckets())),
      commit_seconds_(registry_.histogram(
          "promptjang_store_commit_seconds",
          "Seconds each group-commit write transaction took, BEGIN to COMMIT done.",
          metrics::latency_buckets())),
      commit_batch_(registry_.histogram("promptjang_store_commit_batch_size",
                                        "Writes per committed group-commit transaction.",
                                        batch_buckets())) {
  registry_
      .gauge("promptjang_build_info", "PromptJang's version (the value is always 1).", {"version"},
             {PJ_VERSION})
      .set(1);
  metrics::add_process_metrics(registry_, static_cast<double>(to_unix_micros(clock_.now())) / 1e6);
  for (size_t i = 0; i < kOutcomes.size(); ++i)
    attempts_by_outcome_[i] =
        &registry_.counter("promptjang_delivery_attempts_total", "Delivery attempts, by outcome.",
                           {"outcome"}, {kOutcomes[i]});
  // Made now so that they are there before the first request.
  by_code(ingest_by_code_, "promptjang_ingest_requests_total",
          "Ingest requests (POST /api/v1/e/{endpoint_id}), by the status answered.", 202);
  by_code(http_by_code_, "promptjang_http_requests_total",
          "HTTP requests answered, by status code.", 200);
}

void Telemetry::watch_requests(std::function<size_t()> in_flight,
                               std::function<size_t()> connections) {
  registry_.gauge_callback(
      "promptjang_http_requests_in_flight",
      "HTTP requests whose header was read and whose answer is not yet written.", {},
      [f = std::move(in_flight)] {
        return std::vector<metrics::Registry::Sample>{{{}, static_cast<double>(f())}};
      });
  registry_.gauge_callback(
      "promptjang_http_connections_open", "Open HTTP connections.", {},
      [f = std::move(connections)] {
        return std::vector<metrics::Registry::Sample>{{{}, static_cast<double>(f())}};
      });
}

void Telemetry::watch_deliveries(std::function<size_t()> in_flight) {
  registry_.gauge_callback(
      "promptjang_delivery_in_flight", "Delivery attempts in flight on this node.", {},
      [f = std::move(in_flight)] {
        return std::vector<metrics::Registry::Sample>{{{}, static_cast<double>(f())}};
      });
}

void Telemetry::watch_events(Store& store, Micros max_age) {
  store_ = &store;
  counts_max_age_ = max_age;
  registry_.gauge_callback(
      "promptjang_events",
      "Events stored, by status (every account's; counted at most every few seconds).", {"status"},
      [this] { return event_counts(); });
}

std::vector<metrics::Registry::Sample> Telemetry::event_counts() {
  std::lock_guard lock(counts_mu_);
  const TimePoint now = clock_.now();
  if (!counted_at_ || now - *counted_at_ >= counts_max_age_) {
    auto counts = store_->count_events_by_status();
    if (counts) {
      counts_ = *counts;
      counted_at_ = now;
    } else {
      // The last count stands (the store is down: /readyz says so).
      logger_.warn("metrics: events by status not counted: {}", counts.status().to_string());
    }
  }
  std::vector<metrics::Registry::Sample> out;
  for (int s = 0; s < 5; ++s)
    out.push_back({{std::string(event_status_name(static_cast<EventStatus>(s)))},
                   static_cast<double>(counts_.by_status[s])});
  return out;
}

metrics::Counter& Telemetry::by_code(std::array<std::atomic<metrics::Counter*>, 1000>& cache,
                                     const char* family, const char* help, int status) {
  const size_t i = status >= 100 && status <= 999 ? static_cast<size_t>(status) : 0;
  if (metrics::Counter* c = cache[i].load(std::memory_order_acquire)) return *c;
  // Registry::counter returns the same child for the same code, whoever asks first.
  metrics::Counter& c = registry_.counter(family, help, {"code"}, {std::to_string(status)});
  cache[i].store(&c, std::memory_order_release);
  return c;
}

void Telemetry::on_request(const RequestRecord& r) noexcept {
  try {
    by_code(http_by_code_, "promptjang_http_requests_total",
            "HTTP requests answered, by status code.", r.status)
        .inc();
    if (is_ingest(r.method, r.path))
      by_code(ingest_by_code_, "promptjang_ingest_requests_total",
              "Ingest requests (POST /api/v1/e/{endpoint_id}), by the status answered.", r.status)
          .inc();
    http_duration_.observe(seconds(r.duration));

    const auto level = r.status >= 500       ? spdlog::level::warn
                       : is_ops_path(r.path) ? spdlog::level::debug
                                             : spdlog::level::info;
    if (!logger_.should_log(level)) return;
    LogFields line("request");
    line.add("request_id", r.request_id)
        .add("method", r.method.empty() ? std::string_view("-") : r.method)
        .add("path", r.path.empty() ? std::string_view("-") : r.path)
        .add("status", r.status)
        .add_fixed("duration_ms", static_cast<double>(r.duration.count()) / 1000.0, 3)
        .add("bytes_in", static_cast<uint64_t>(r.bytes_in))
        .add("bytes_out", static_cast<uint64_t>(r.bytes_out))
        .add("remote", r.remote_address);
    if (r.log_fields)
      for (const auto& [key, value] : *r.log_fields) line.add(key, value);
    log_event(logger_, level, line);
  } catch (...) {
    // Telemetry never fails a request (an allocation failure, at worst).
  }
}

void Telemetry::on_attempt(const AttemptReport& a) noexcept {
  try {
    const OutboundResult& res = a.result;
    const size_t outcome = outcome_index(res);
    attempts_by_outcome_[outcome]->inc();
    const auto took =
        std::chrono::duration_cast<std::chrono::microseconds>(res.ended_at - res.started_at);
    attempt_duration_.observe(seconds(took));
    if (a.number == 1)
      delivery_latency_.observe(seconds(std::chrono::duration_cast<std::chrono::microseconds>(
          res.ended_at - a.event.created_at)));

    if (!logger_.should_log(spdlog::level::info)) return;
    LogFields line("attempt");
    line.add("event_id", a.event.id);
    if (a.event.request_id) line.add("request_id", *a.event.request_id);
    line.add("endpoint_id", a.event.endpoint_id)
        .add("account_id", a.event.account_id)
        .add("attempt", a.number)
        .add("outcome", kOutcomes[outcome]);
    if (res.status_code) line.add("status_code", *res.status_code);
    if (res.error) line.add("error", *res.error);
    if (!res.error_detail.empty()) line.add("detail", res.error_detail);
    line.add_fixed("duration_ms", static_cast<double>(took.count()) / 1000.0, 3)
        .add("event_status", event_status_name(a.decision.status));
    if (a.decision.next_attempt_at) {
      const auto wait = *a.decision.next_attempt_at - res.ended_at;
      line.add_fixed("next_attempt_in_s", static_cast<double>(wait.count()) / 1e6, 3);
    }
    if (a.decision.disable_endpoint) line.add("endpoint_disabled", "true");
    log_event(logger_, spdlog::level::info, line);
  } catch (...) {
    // As above: never fails an attempt.
  }
}

void Telemetry::on_commit(size_t writes, std::chrono::microseconds took) noexcept {
  commit_seconds_.observe(seconds(took));
  commit_batch_.observe(static_cast<double>(writes));
}

}  // namespace promptjang
