// PostgreSQL's transactions for the group commit; see pg_writer.h.
#include "pg_writer.h"

#include <utility>

namespace promptjang::pg {
namespace {

class PgTransactions final : public Transactions<Connection> {
 public:
  PgTransactions(std::unique_ptr<Connection> db, Logger& logger)
      : db_(std::move(db)), logger_(logger) {}

  Connection& connection() override { return *db_; }
  std::string_view name() const override { return "postgres"; }
  Status begin() override {
    if (db_->broken()) {
      PJ_RETURN_IF_ERROR(db_->reset());
      logger_.info("postgres: writer reconnected");
    }
    return db_->exec("BEGIN");
  }
  Status savepoint() override { return db_->exec("SAVEPOINT op"); }
  AfterOp after_op() override {
    switch (db_->transaction_status()) {
      case PQTRANS_INTRANS:
        return AfterOp::kOpen;
      case PQTRANS_INERROR:
        return AfterOp::kFailedStatus;  // ROLLBACK TO recovers it
      default:
        return AfterOp::kLost;  // the connection or the transaction is gone
    }
  }
  Status release() override { return db_->exec("RELEASE op"); }
  // One simple-query message, one round trip: ops are round-trip bound here.
  Status release_and_savepoint() override { return db_->exec("RELEASE op; SAVEPOINT op"); }
  // ROLLBACK TO also recovers a transaction a failed statement aborted.
  Status rollback_to() override { return db_->exec("ROLLBACK TO op"); }
  Status commit() override {
    if (!db_->in_transaction()) return unavailable("the write transaction ended before its commit");
    return db_->exec("COMMIT");
  }
  void abort() override {
    if (!db_->broken() && db_->transaction_status() != PQTRANS_IDLE) (void)db_->exec("ROLLBACK");
  }

 private:
  std::unique_ptr<Connection> db_;
  Logger& logger_;
};

}  // namespace

std::unique_ptr<Writer> make_writer(std::unique_ptr<Connection> db, int max_batch, Logger& logger) {
  return std::make_unique<Writer>(std::make_unique<PgTransactions>(std::move(db), logger),
                                  max_batch, logger);
}

}  // namespace promptjang::pg
