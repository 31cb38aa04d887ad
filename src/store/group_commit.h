// GroupCommit: the one writer thread of a store and its group commit, shared by
// the SQLite and PostgreSQL back ends (each gives its Transactions: how its
// connection begins, savepoints, commits and rolls back).
//
// Every write of a store is a Work (a function run against the writer's
// connection) queued here. The thread takes every queued op (up to max_batch),
// runs them in ONE transaction, each inside its own savepoint so that a failing
// op (a unique violation, say) rolls back only itself, commits once (one fsync
// or WAL flush for the whole batch), and only then runs each op's callback with
// its own Status. If the transaction is lost (the commit fails, the back end
// rolls the whole transaction back after an I/O error, the connection drops)
// every op of the batch gets Unavailable, those that had failed too: their
// failure may have rested on an earlier op's writes (a duplicate key of a row
// that is now not stored).
// Threads: submit/run_sync may be called from any thread; callbacks run on the
// writer thread, in submission order, and must not block. run_sync from the
// writer thread (inside a callback) fails instead of deadlocking.
// Invariant: an op's callback runs after the commit that holds its writes, and
// ops are committed in submission order (flush relies on it).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "store/store.h"

namespace promptjang {

// A back end's transactions on its writer connection. Used by the writer
// thread only.
template <typename Connection>
class Transactions {
 public:
  // What an op's work left behind.
  enum class AfterOp {
    kOpen,          // the transaction is open and usable
    kFailedStatus,  // a statement failed (the op cannot have succeeded); the
                    // savepoint can still undo it
    kLost,          // the whole transaction is gone
  };

  virtual ~Transactions() = default;
  virtual Connection& connection() = 0;
  // "sqlite", "postgres": the prefix of the writer's log lines.
  virtual std::string_view name() const = 0;
  // Opens the batch's transaction (reconnecting first where the back end can).
  virtual Status begin() = 0;
  virtual Status savepoint() = 0;  // SAVEPOINT op
  virtual AfterOp after_op() = 0;  // checked after each op's work
  virtual Status release() = 0;    // RELEASE op
  // RELEASE op, then SAVEPOINT op for the next op: one round trip where the
  // back end has them to save (PostgreSQL).
  virtual Status release_and_savepoint() = 0;
  // ROLLBACK TO op: undoes the op's writes and keeps the savepoint open for the
  // next op (both SQLite and PostgreSQL keep it).
  virtual Status rollback_to() = 0;
  // Unavailable when the transaction already ended. COMMIT releases a
  // savepoint still open.
  virtual Status commit() = 0;
  virtual void abort() = 0;  // ROLLBACK, where a transaction is still open
};

template <typename Connection>
class GroupCommit {
 public:
  // Runs inside the op's savepoint; a non-ok Status rolls back the op's writes.
  using Work = std::function<Status(Connection&)>;
  using Callback = std::function<void(Status)>;

  // Starts the writer thread; it owns `tx` (and its connection) from now on.
  GroupCommit(std::unique_ptr<Transactions<Connection>> tx, int max_batch, Logger& logger)
      : tx_(std::move(tx)),
        max_batch_(static_cast<size_t>(std::max(max_batch, 1))),
        logger_(logger),
        thread_([this] { loop(); }),
        writer_id_(thread_.get_id()) {}
  // close(), then closes the connection.
  ~GroupCommit() { close(); }
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Queues `work`; `done` runs on the writer thread after the commit.
  void submit(Work work, Callback done) {
    {
      std::lock_guard lock(mu_);
      if (!closed_) {
        queue_.push_back(Op{std::move(work), std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    if (done) done(unavailable("the " + std::string(tx_->name()) + " store is closed"));
  }

  // Queues `work` and waits for its committed Status.
  Status run_sync(Work work) {
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

  // Returns when every op submitted before the call is committed.
  void flush() {
    if (std::this_thread::get_id() == writer_id_) return;  // cannot wait on itself
    (void)run_sync(nullptr);  // an op without work is a marker: no transaction
  }

  // Drains the queue (every op submitted so far is run, committed and called
  // back) and stops the thread; later writes fail with Unavailable.
  // Idempotent; must not be called from a callback.
  void close() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Write transactions committed so far.
  uint64_t commit_count() const { return commit_count_.load(std::memory_order_relaxed); }

  // Told of each committed transaction from now on (null: nobody); see store.h.
  void set_observer(CommitObserver* observer) {
    observer_.store(observer, std::memory_order_release);
  }

 private:
  using AfterOp = typename Transactions<Connection>::AfterOp;
  struct Op {
    Work work;
    Callback done;
  };

  void loop() {
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

  void run_batch(std::vector<Op>& batch) {
    std::vector<Status> statuses(batch.size());
    if (std::none_of(batch.begin(), batch.end(), [](const Op& op) { return op.work != nullptr; })) {
      finish(batch, statuses);
      return;
    }
    const auto began = std::chrono::steady_clock::now();
    if (Status begin = tx_->begin(); !begin) {
      logger_.warn("{}: cannot begin a write transaction: {}", tx_->name(), begin.message());
      fail_all(batch, statuses,
               unavailable("cannot begin a write transaction: " + begin.message()));
      return;
    }
    savepoint_open_ = false;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].work) continue;
      const bool more = std::any_of(batch.begin() + static_cast<std::ptrdiff_t>(i) + 1, batch.end(),
                                    [](const Op& op) { return op.work != nullptr; });
      if (run_op(batch[i], more, &statuses[i])) continue;
      logger_.error("{}: write transaction lost: {}", tx_->name(), statuses[i].message());
      // Every op's outcome, a failure included, may rest on writes now gone
      // (an Idempotency-Key found in an earlier op of the batch, say).
      fail_all(batch, statuses, unavailable("write transaction lost: " + statuses[i].message()));
      return;
    }
    if (Status commit = tx_->commit(); !commit) {
      logger_.error("{}: commit failed: {}", tx_->name(), commit.message());
      fail_all(batch, statuses, unavailable("commit failed: " + commit.message()));
      return;
    }
    commit_count_.fetch_add(1, std::memory_order_relaxed);
    if (CommitObserver* observer = observer_.load(std::memory_order_acquire)) {
      const size_t writes = static_cast<size_t>(std::count_if(
          batch.begin(), batch.end(), [](const Op& op) { return op.work != nullptr; }));
      observer->on_commit(writes, std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - began));
    }
    finish(batch, statuses);
  }

  // Runs `op` in its savepoint (opened here, or left open by the previous op),
  // and leaves one open for the next op when `more` follow; false when the
  // whole transaction was lost.
  bool run_op(Op& op, bool more, Status* status) {
    if (!savepoint_open_) {
      if (Status sp = tx_->savepoint(); !sp) {
        *status = std::move(sp);
        return false;
      }
      savepoint_open_ = true;
    }
    try {
      *status = op.work(tx_->connection());
    } catch (const std::exception& e) {
      *status = internal_error(std::string("store write failed: ") + e.what());
    }
    switch (tx_->after_op()) {
      case AfterOp::kOpen:
        break;
      case AfterOp::kFailedStatus:
        if (status->is_ok()) *status = internal_error("a store write ignored a failed statement");
        break;
      case AfterOp::kLost:
        if (status->is_ok()) *status = unavailable("the write transaction ended unexpectedly");
        return false;
    }
    if (status->is_ok()) {
      Status released = more ? tx_->release_and_savepoint() : tx_->release();
      if (released) {
        savepoint_open_ = more;
        return true;
      }
      // Whether the savepoint is still there is unknown: this op and the
      // batch cannot be trusted (fail_all rolls it back).
      *status = std::move(released);
      return false;
    }
    // The op's writes undone alone (the savepoint stays for the next op);
    // when they cannot be, the whole transaction goes (fail_all rolls it back).
    return tx_->rollback_to().is_ok();
  }

  void fail_all(std::vector<Op>& batch, std::vector<Status>& statuses, const Status& error) {
    tx_->abort();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].work) statuses[i] = error;
    }
    finish(batch, statuses);
  }

  void finish(std::vector<Op>& batch, std::vector<Status>& statuses) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].done) continue;
      try {
        batch[i].done(std::move(statuses[i]));
      } catch (const std::exception& e) {
        logger_.error("{}: a store callback threw: {}", tx_->name(), e.what());
      } catch (...) {
        logger_.error("{}: a store callback threw", tx_->name());
      }
    }
  }

  std::unique_ptr<Transactions<Connection>> tx_;  // used by the writer thread only
  bool savepoint_open_ = false;                   // writer thread only
  const size_t max_batch_;
  Logger& logger_;
  std::atomic<uint64_t> commit_count_{0};
  std::atomic<CommitObserver*> observer_{nullptr};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> queue_;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  bool closed_ = false;    // guarded by mu_: the thread has drained and ended

  std::thread thread_;               // started once everything above is ready
  const std::thread::id writer_id_;  // thread_'s id, readable without racing close()
};

}  // namespace promptjang
