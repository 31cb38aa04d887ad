// The sweeping loop and one pass of batched deletes; see retention_sweeper.h.
#include "usage/retention_sweeper.h"

#include <algorithm>
#include <exception>

namespace promptjang {

namespace {

SweeperOptions sanitized(SweeperOptions o) {
  o.batch = std::max(1, o.batch);
  return o;
}

}  // namespace

RetentionSweeper::RetentionSweeper(Store& store, const std::vector<Plan>& plans, const Clock& clock,
                                   Logger& logger, SweeperOptions options)
    : store_(store), plans_(plans), clock_(clock), logger_(logger), options_(sanitized(options)) {}

RetentionSweeper::~RetentionSweeper() { stop(); }

void RetentionSweeper::start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void RetentionSweeper::stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  // A later direct sweep_once must not see a stop meant for the thread.
  std::lock_guard lock(mu_);
  stopping_ = false;
}

void RetentionSweeper::run() {
  while (pause(options_.interval)) {
    // The thread's root: an unexpected exception ends this pass, not the process.
    try {
      const int64_t deleted = sweep_once();
      if (deleted > 0) logger_.info("retention: deleted {} expired events", deleted);
    } catch (const std::exception& e) {
      logger_.error("retention: pass failed: {}", e.what());
    }
  }
}

bool RetentionSweeper::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

int64_t RetentionSweeper::sweep_once() {
  std::lock_guard pass(pass_mu_);
  int64_t total = 0;
  for (const Plan& plan : plans_) {
    total += sweep_plan(plan);
    std::lock_guard lock(mu_);
    if (stopping_) return total;
  }
  sweep_sessions();
  sweep_delivery_stats();
  return total;
}

int64_t RetentionSweeper::sweep_plan(const Plan& plan) {
  if (plan.retention_days <= 0) return 0;
  const TimePoint cutoff = clock_.now() - std::chrono::days(plan.retention_days);
  const int64_t total = delete_in_batches("old events of plan " + plan.name, [&](int batch) {
    return store_.delete_events_before(plan.name, cutoff, batch);
  });
  deleted_total_.fetch_add(total);
  return total;
}

int64_t RetentionSweeper::sweep_sessions() {
  const TimePoint now = clock_.now();
  const int64_t total = delete_in_batches(
      "expired sessions", [&](int batch) { return store_.delete_expired_sessions(now, batch); });
  sessions_deleted_total_.fetch_add(total);
  if (total > 0) logger_.info("retention: deleted {} expired sessions", total);
  return total;
}

int64_t RetentionSweeper::sweep_delivery_stats() {
  const TimePoint cutoff = clock_.now() - kStatsRetention;
  const int64_t total = delete_in_batches("old delivery statistics", [&](int batch) {
    return store_.delete_delivery_stats_before(cutoff, batch);
  });
  stats_deleted_total_.fetch_add(total);
  if (total > 0) logger_.info("retention: deleted {} old delivery statistics buckets", total);
  return total;
}

int64_t RetentionSweeper::delete_in_batches(
    std::string_view what, const std::function<Result<int64_t>(int)>& delete_batch) {
  int64_t total = 0;
  for (;;) {
    auto started = std::chrono::steady_clock::now();
    auto deleted = delete_batch(options_.batch);
    auto took = std::chrono::steady_clock::now() - started;
    if (!deleted) {
      logger_.warn("retention: deleting {} failed: {}", what, deleted.status().to_string());
      break;
    }
    total += *deleted;
    if (*deleted < options_.batch) break;
    // Pace by what the batch cost the writer, not by a fixed pause.
    double share = std::clamp(options_.max_writer_share, 0.01, 1.0);
    auto paced = std::chrono::duration_cast<std::chrono::milliseconds>(took * (1.0 / share - 1.0));
    if (!pause(std::max(options_.pause_between_batches, paced))) break;
  }
  return total;
}

}  // namespace promptjang
