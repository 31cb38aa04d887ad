// Pool: a bounded set of PostgreSQL connections lent out one user at a time,
// for the store's reads and its claims (pg_store.h); writes go through the
// one writer connection (pg_writer.h).
//
// One connection is opened at once (so that a bad URL or an unreachable server
// fails the start); the others when first needed, up to the bound.
// A connection found broken when lent (the server restarted, the network
// dropped) is reconnected first; if that fails the caller gets Unavailable and
// the connection stays in the pool, to be tried again by the next borrower.
// Threads: acquire() may be called from any thread; it waits while every
// connection is lent out. A Lease must not outlive its pool.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "pg_conn.h"

namespace promptjang::pg {

class Pool {
 public:
  // A connection on loan, returned to the pool when the Lease is destroyed.
  class Lease {
   public:
    Lease(Pool* pool, Connection* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) {
      other.conn_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->release(conn_);
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    Pool* pool_;
    Connection* conn_;
  };

  // A pool of up to `size` connections (at least one) made with `conninfo`;
  // Unavailable when the first cannot be opened.
  static Result<std::unique_ptr<Pool>> open(const std::string& conninfo, int size);

  // A healthy connection (opened now if none is idle and the bound allows),
  // or Unavailable when one cannot be opened or reconnected.
  Result<Lease> acquire();

 private:
  Pool(std::string conninfo, size_t size) : conninfo_(std::move(conninfo)), size_(size) {}
  void release(Connection* conn);
  // Gives back a slot reserved for a connection that could not be opened.
  void unreserve();

  const std::string conninfo_;
  const size_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> all_;  // guarded by mu_; only grows
  size_t opening_ = 0;                            // guarded by mu_: slots being opened
  std::vector<Connection*> idle_;                 // guarded by mu_
};

}  // namespace promptjang::pg
