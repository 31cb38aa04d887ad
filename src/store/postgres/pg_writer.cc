// The group-commit writer thread of the PostgreSQL store; see pg_writer.h.
#include "pg_writer.h"

#include <algorithm>
#include <exception>
#include <future>
#include <string>
#include <utility>

namespace promptjang::pg {

Writer::Writer(std::unique_ptr<Connection> db, int max_batch, Logger& logger)
    : db_(std::move(db)),
      max_batch_(static_cast<size_t>(std::max(max_batch, 1))),
      logger_(logger),
      thread_([this] { loop(); }),
      writer_id_(thread_.get_id()) {}

Writer::~Writer() { close(); }

void Writer::close() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::submit(Work work, Callback done) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      queue_.push_back(Op{std::move(work), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(unavailable("the PostgreSQL store is closed"));
}

Status Writer::run_sync(Work work) {
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

void Writer::flush() {
  if (std::this_thread::get_id() == writer_id_) return;  // cannot wait on itself
  (void)run_sync(nullptr);  // an op without work is a marker: no transaction
}

void Writer::loop() {
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

void Writer::run_batch(std::vector<Op>& batch) {
  std::vector<Status> statuses(batch.size());
  if (std::none_of(batch.begin(), batch.end(), [](const Op& op) { return op.work != nullptr; })) {
    finish(batch, statuses);
    return;
  }
  if (db_->broken()) {
    if (Status st = db_->reset(); !st) {
      logger_.warn("postgres: writer cannot reconnect: {}", st.message());
      fail_all(batch, statuses, st);
      return;
    }
    logger_.info("postgres: writer reconnected");
  }
  if (Status begin = db_->exec("BEGIN"); !begin) {
    logger_.warn("postgres: cannot begin a write transaction: {}", begin.message());
    fail_all(batch, statuses, unavailable("cannot begin a write transaction: " + begin.message()));
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].work || run_op(batch[i], &statuses[i])) continue;
    logger_.error("postgres: write transaction lost: {}", statuses[i].message());
    // Every op's outcome, a failure included, may rest on writes now gone.
    fail_all(batch, statuses, unavailable("write transaction lost: " + statuses[i].message()));
    return;
  }
  Status commit = db_->in_transaction()
                      ? db_->exec("COMMIT")
                      : unavailable("the write transaction ended before its commit");
  if (!commit) {
    logger_.error("postgres: commit failed: {}", commit.message());
    if (!db_->broken() && db_->transaction_status() != PQTRANS_IDLE) (void)db_->exec("ROLLBACK");
    fail_all(batch, statuses, unavailable("commit failed: " + commit.message()));
    return;
  }
  commit_count_.fetch_add(1, std::memory_order_relaxed);
  finish(batch, statuses);
}

bool Writer::run_op(Op& op, Status* status) {
  if (Status sp = db_->exec("SAVEPOINT op"); !sp) {
    *status = std::move(sp);
    return false;
  }
  try {
    *status = op.work(*db_);
  } catch (const std::exception& e) {
    *status = internal_error(std::string("store write failed: ") + e.what());
  }
  switch (db_->transaction_status()) {
    case PQTRANS_INTRANS:
      break;
    case PQTRANS_INERROR:
      // A statement failed: the op cannot have succeeded, whatever it said.
      if (status->is_ok()) *status = internal_error("a store write ignored a failed statement");
      break;
    default:  // the connection or the transaction is gone
      if (status->is_ok()) *status = unavailable("the write transaction ended unexpectedly");
      return false;
  }
  if (status->is_ok()) {
    Status released = db_->exec("RELEASE op");
    if (released) return true;
    *status = std::move(released);
  }
  // ROLLBACK TO recovers a transaction a failed statement aborted.
  if (db_->exec("ROLLBACK TO op") && db_->exec("RELEASE op")) return true;
  return false;
}

void Writer::fail_all(std::vector<Op>& batch, std::vector<Status>& statuses, const Status& error) {
  if (!db_->broken() && db_->transaction_status() != PQTRANS_IDLE) (void)db_->exec("ROLLBACK");
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].work) statuses[i] = error;
  }
  finish(batch, statuses);
}

void Writer::finish(std::vector<Op>& batch, std::vector<Status>& statuses) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    try {
      batch[i].done(std::move(statuses[i]));
    } catch (const std::exception& e) {
      logger_.error("postgres: a store callback threw: {}", e.what());
    } catch (...) {
      logger_.error("postgres: a store callback threw");
    }
  }
}

}  // namespace promptjang::pg
