// ReaderPool: a fixed set of read-only connections lent out one reader at a time.
//
// WAL lets readers run beside the writer (and beside other processes) without
// blocking; each connection keeps its own cache of prepared statements.
// Threads: acquire() may be called from any thread; it waits while every
// connection is lent out. A Lease must not outlive its pool.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "sqlite_db.h"

namespace promptjang::sqlite {

class ReaderPool {
 public:
  // A connection on loan, returned to the pool when the Lease is destroyed.
  class Lease {
   public:
    Lease(ReaderPool& pool, Connection* conn) : pool_(pool), conn_(conn) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.release(conn_); }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    ReaderPool& pool_;
    Connection* conn_;
  };

  // Opens `size` read-only connections to `path` (at least one).
  static Result<std::unique_ptr<ReaderPool>> open(const std::string& path, int size,
                                                  std::chrono::milliseconds busy_timeout);

  Lease acquire();

 private:
  ReaderPool() = default;
  void release(Connection* conn);

  std::vector<std::unique_ptr<Connection>> all_;  // fixed after open
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection*> idle_;  // guarded by mu_
};

}  // namespace promptjang::sqlite
