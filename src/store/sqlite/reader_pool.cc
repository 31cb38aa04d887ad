// The pool of read-only connections; see reader_pool.h.
#include "reader_pool.h"

#include <algorithm>

namespace promptjang::sqlite {

Result<std::unique_ptr<ReaderPool>> ReaderPool::open(const std::string& path, int size,
                                                     std::chrono::milliseconds busy_timeout) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  for (int i = 0; i < std::max(size, 1); ++i) {
    auto conn =
        Connection::open(path, OpenOptions{.read_only = true, .busy_timeout = busy_timeout});
    if (!conn) return conn.status();
    pool->idle_.push_back(conn->get());
    pool->all_.push_back(std::move(*conn));
  }
  return pool;
}

ReaderPool::Lease ReaderPool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !idle_.empty(); });
  Connection* conn = idle_.back();
  idle_.pop_back();
  return Lease(*this, conn);
}

void ReaderPool::release(Connection* conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(conn);
  }
  cv_.notify_one();
}

}  // namespace promptjang::sqlite
