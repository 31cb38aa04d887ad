// The pool of PostgreSQL connections; see pg_pool.h.
#include "pg_pool.h"

#include <algorithm>

namespace promptjang::pg {

Result<std::unique_ptr<Pool>> Pool::open(const std::string& conninfo, int size) {
  std::unique_ptr<Pool> pool(new Pool(conninfo, static_cast<size_t>(std::max(size, 1))));
  auto conn = Connection::open(conninfo);
  if (!conn) return conn.status();
  pool->idle_.push_back(conn->get());
  pool->all_.push_back(std::move(*conn));
  return pool;
}

Result<Pool::Lease> Pool::acquire() {
  Connection* conn = nullptr;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty() || all_.size() + opening_ < size_; });
    if (!idle_.empty()) {
      conn = idle_.back();
      idle_.pop_back();
    } else {
      ++opening_;  // a slot of the bound, filled outside the lock
    }
  }
  if (conn == nullptr) {
    auto opened = Connection::open(conninfo_);
    if (!opened) {
      unreserve();
      return opened.status();
    }
    conn = opened->get();
    std::lock_guard lock(mu_);
    --opening_;
    all_.push_back(std::move(*opened));
  }
  Lease lease(this, conn);  // returns the connection whatever happens below
  if (conn->broken()) PJ_RETURN_IF_ERROR(conn->reset());
  // A borrower that failed mid-transaction may have left one open: the next
  // borrower starts clean.
  if (conn->transaction_status() != PQTRANS_IDLE) PJ_RETURN_IF_ERROR(conn->exec("ROLLBACK"));
  return lease;
}

void Pool::unreserve() {
  {
    std::lock_guard lock(mu_);
    --opening_;
  }
  cv_.notify_one();
}

void Pool::release(Connection* conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(conn);
  }
  cv_.notify_one();
}

}  // namespace promptjang::pg
