// SQLite's transactions for the group commit; see write_queue.h.
#include "write_queue.h"

#include <utility>

namespace promptjang::sqlite {
namespace {

class SqliteTransactions final : public Transactions<Connection> {
 public:
  explicit SqliteTransactions(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Connection& connection() override { return *db_; }
  std::string_view name() const override { return "sqlite"; }
  // IMMEDIATE: the write lock is taken now, not at the first write, so another
  // process's writer makes BEGIN wait (busy_timeout), not a later statement.
  Status begin() override { return db_->run("BEGIN IMMEDIATE"); }
  Status savepoint() override { return db_->run("SAVEPOINT op"); }
  // SQLite has no "aborted but open" state: a failed statement leaves the
  // transaction usable, or SQLite rolled all of it back.
  AfterOp after_op() override { return db_->in_transaction() ? AfterOp::kOpen : AfterOp::kLost; }
  Status release() override { return db_->run("RELEASE op"); }
  // In-process: two statements cost no more than one.
  Status release_and_savepoint() override {
    PJ_RETURN_IF_ERROR(db_->run("RELEASE op"));
    return db_->run("SAVEPOINT op");
  }
  Status rollback_to() override { return db_->run("ROLLBACK TO op"); }
  Status commit() override {
    if (!db_->in_transaction()) return unavailable("the write transaction ended before its commit");
    return db_->run("COMMIT");
  }
  void abort() override {
    if (db_->in_transaction()) (void)db_->run("ROLLBACK");
  }

 private:
  std::unique_ptr<Connection> db_;
};

}  // namespace

std::unique_ptr<WriteQueue> make_write_queue(std::unique_ptr<Connection> db, int max_batch,
                                             Logger& logger) {
  return std::make_unique<WriteQueue>(std::make_unique<SqliteTransactions>(std::move(db)),
                                      max_batch, logger);
}

}  // namespace promptjang::sqlite
