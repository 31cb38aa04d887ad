// WorkerPool: a few threads for CPU-heavy work that must not run on the HTTP I/O
// threads. Its user is the dashboard sign-in: an argon2id check takes tens of
// milliseconds and 64 MiB (crypto/password.h), and on an I/O thread it would
// hold up every connection that thread serves (ingest included).
//
// Bounded: at most `max_queued` tasks wait; try_post() refuses more, so a flood
// of logins is answered 503 at once instead of growing memory and latency.
// Threads: try_post() may be called from any thread; tasks run on the pool's
// threads, in order. A task that throws is logged and the thread goes on.
// stop() (and the destructor) lets running tasks finish, discards queued ones
// (their closures are destroyed unrun) and joins; try_post() then refuses.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"

namespace promptjang {

class WorkerPool {
 public:
  // `threads` below 1 is taken as 1. `logger` must outlive the pool.
  WorkerPool(int threads, size_t max_queued, Logger& logger);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and `task` dropped) when the queue is full or stopped.
  bool try_post(std::function<void()> task);
  // Idempotent.
  void stop();

  // Tasks waiting for a thread now (for tests and metrics).
  size_t queued() const;

 private:
  void run();

  const size_t max_queued_;
  Logger& logger_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::mutex lifecycle_mu_;                  // serializes stop()
  std::vector<std::thread> threads_;         // started last, in the constructor
};

}  // namespace promptjang
