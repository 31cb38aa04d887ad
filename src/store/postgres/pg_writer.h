// Writer: the one writer connection of a PgStore and its group commit.
//
// Every write of the store is a Work (a function run against the writer's
// connection) queued here. The thread takes every queued op (up to max_batch),
// runs them in ONE transaction, each inside its own SAVEPOINT so that a failing
// op (a unique violation, say) rolls back only itself, COMMITs once (one WAL
// flush for the whole batch: synchronous_commit is on), and only then runs each
// op's callback with its own Status. If the transaction is lost (the
// connection drops, COMMIT fails) every op of the batch gets Unavailable, those
// that had failed too: their failure may have rested on an earlier op's writes.
// A lost connection is reconnected at the next batch.
// Threads: submit/run_sync may be called from any thread; callbacks run on the
// writer thread, in submission order, and must not block. run_sync from the
// writer thread (inside a callback) fails instead of deadlocking.
// Invariant: an op's callback runs after the commit that holds its writes, and
// ops are committed in submission order (flush relies on it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "pg_conn.h"

namespace promptjang::pg {

class Writer {
 public:
  // Runs inside the op's savepoint; a non-ok Status rolls back the op's writes.
  using Work = std::function<Status(Connection&)>;
  using Callback = std::function<void(Status)>;

  // Starts the writer thread; it owns `db` from now on.
  Writer(std::unique_ptr<Connection> db, int max_batch, Logger& logger);
  // close(), then closes the connection.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues `work`; `done` runs on the writer thread after the commit.
  void submit(Work work, Callback done);
  // Queues `work` and waits for its committed Status.
  Status run_sync(Work work);
  // Returns when every op submitted before the call is committed.
  void flush();
  // Drains the queue (every op submitted so far is run, committed and called
  // back) and stops the thread; later writes fail with Unavailable.
  // Idempotent; must not be called from a callback.
  void close();

  // Write transactions committed so far.
  uint64_t commit_count() const { return commit_count_.load(std::memory_order_relaxed); }

 private:
  struct Op {
    Work work;
    Callback done;
  };

  void loop();
  void run_batch(std::vector<Op>& batch);
  // Runs `op` in its savepoint; false when the whole transaction was lost.
  bool run_op(Op& op, Status* status);
  void fail_all(std::vector<Op>& batch, std::vector<Status>& statuses, const Status& error);
  void finish(std::vector<Op>& batch, std::vector<Status>& statuses);

  std::unique_ptr<Connection> db_;  // used by the writer thread only
  const size_t max_batch_;
  Logger& logger_;
  std::atomic<uint64_t> commit_count_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> queue_;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  bool closed_ = false;    // guarded by mu_: the thread has drained and ended

  std::thread thread_;               // started once everything above is ready
  const std::thread::id writer_id_;  // thread_'s id, readable without racing close()
};

}  // namespace promptjang::pg
