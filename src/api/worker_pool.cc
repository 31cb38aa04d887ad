// WorkerPool; see worker_pool.h.
#include "api/worker_pool.h"

#include <algorithm>
#include <exception>

namespace promptjang {

WorkerPool::WorkerPool(int threads, size_t max_queued, Logger& logger)
    : max_queued_(max_queued), logger_(logger) {
  const int n = std::max(1, threads);
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::try_post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  std::deque<std::function<void()>> discarded;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    discarded.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  // Destroyed here, outside the lock: a closure's destructor may do work
  // (an unanswered Respond answers 500).
  discarded.clear();
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    // The thread's root: an exception ends this task, not the process.
    try {
      task();
    } catch (const std::exception& e) {
      logger_.error("worker: task failed: {}", e.what());
    } catch (...) {
      logger_.error("worker: task failed with an unknown exception");
    }
  }
}

}  // namespace promptjang
