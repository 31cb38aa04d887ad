// The group-commit writer thread; see write_queue.h.
#include "write_queue.h"

#include <algorithm>
#include <exception>
#include <future>
#include <string>
#include <utility>

namespace promptjang::sqlite {

WriteQueue::WriteQueue(std::unique_ptr<Connection> db, int max_batch, Logger& logger)
    : db_(std::move(db)),
      max_batch_(static_cast<size_t>(std::max(max_batch, 1))),
      logger_(logger),
      thread_([this] { loop(); }),
      writer_id_(thread_.get_id()) {}

WriteQueue::~WriteQueue() { close(); }

void WriteQueue::close() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WriteQueue::submit(Work work, Callback done) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      queue_.push_back(Op{std::move(work), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(unavailable("the SQLite store is closed"));
}

Status WriteQueue::run_sync(Work work) {
  if (std::this_thread::get_id() == writer_id_) {
    return failed_precondition(
        "a synchronous store write from a store callback would deadlock the writer");
  }
  // Shared: the writer may still be inside set_value when this thread wakes.
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  submit(std::move(work), [promise](Status st) { promise->set_value(std::move(st)); });
  return future.get();
}

void WriteQueue::flush() {
  if (std::this_thread::get_id() == writer_id_) return;  // cannot wait on itself
  // An op without work is a marker: it needs no transaction.
  (void)run_sync(nullptr);
}

void WriteQueue::loop() {
  std::vector<Op> batch;
  batch.reserve(max_batch_);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) {
        closed_ = true;  // stopping and drained
        return;
      }
      size_t n = std::min(queue_.size(), max_batch_);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(batch);
    batch.clear();  // frees the ops' captures (payloads) now, not at the next batch
  }
}

void WriteQueue::run_batch(std::vector<Op>& batch) {
  std::vector<Status> statuses(batch.size());
  bool any_work =
      std::any_of(batch.begin(), batch.end(), [](const Op& op) { return op.work != nullptr; });
  if (!any_work) {
    finish(batch, statuses);
    return;
  }

  Status begin = db_->run("BEGIN IMMEDIATE");
  if (!begin) {
    logger_.warn("sqlite: cannot begin a write transaction: {}", begin.message());
    Status err(begin.code(), "cannot begin a write transaction: " + begin.message());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].work) statuses[i] = err;
    }
    finish(batch, statuses);
    return;
  }

  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].work) continue;
    if (run_op(batch[i], &statuses[i])) continue;
    // SQLite rolled the whole transaction back (I/O error, disk full, ...):
    // nothing of this batch is stored.
    logger_.error("sqlite: write transaction lost: {}", statuses[i].message());
    Status lost = unavailable("write transaction rolled back: " + statuses[i].message());
    // Every other op's outcome, a failure included, may rest on writes now
    // gone (an Idempotency-Key found in an earlier op of the batch, say).
    for (size_t j = 0; j < batch.size(); ++j) {
      if (j != i && batch[j].work) statuses[j] = lost;
    }
    finish(batch, statuses);
    return;
  }

  Status commit = db_->run("COMMIT");
  if (commit) {
    commit_count_.fetch_add(1, std::memory_order_relaxed);
  } else {
    logger_.error("sqlite: commit failed: {}", commit.message());
    if (db_->in_transaction()) (void)db_->run("ROLLBACK");
    Status err = unavailable("commit failed: " + commit.message());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].work) statuses[i] = err;  // failures too: they saw the lost writes
    }
  }
  finish(batch, statuses);
}

bool WriteQueue::run_op(Op& op, Status* status) {
  Status savepoint = db_->run("SAVEPOINT op");
  if (!savepoint) {
    *status = std::move(savepoint);
    return db_->in_transaction();
  }
  try {
    *status = op.work(*db_);
  } catch (const std::exception& e) {
    *status = internal_error(std::string("store write failed: ") + e.what());
  }
  if (!db_->in_transaction()) {
    if (status->is_ok()) *status = unavailable("the write transaction ended unexpectedly");
    return false;
  }
  if (status->is_ok()) {
    Status released = db_->run("RELEASE op");
    if (released) return true;
    *status = std::move(released);
  }
  if (db_->run("ROLLBACK TO op") && db_->run("RELEASE op")) return true;
  // The op's writes cannot be undone alone: drop the whole transaction.
  (void)db_->run("ROLLBACK");
  return false;
}

void WriteQueue::finish(std::vector<Op>& batch, std::vector<Status>& statuses) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    try {
      batch[i].done(std::move(statuses[i]));
    } catch (const std::exception& e) {
      logger_.error("sqlite: a store callback threw: {}", e.what());
    } catch (...) {
      logger_.error("sqlite: a store callback threw");
    }
  }
}

}  // namespace promptjang::sqlite
