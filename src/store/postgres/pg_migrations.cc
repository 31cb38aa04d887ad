// Applies the embedded schema migrations under an advisory lock; see
// pg_migrations.h.
#include "pg_migrations.h"

#include <string>

namespace promptjang::pg {
namespace {

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " applied_at BIGINT NOT NULL)";

// applied_at from the server's clock: below app/ nothing reads the system clock.
constexpr std::string_view kRecordMigration =
    "INSERT INTO schema_migrations (version, applied_at)"
    " VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)";

Status check_numbering(std::span<const Migration> migrations) {
  if (migrations.empty()) return internal_error("no schema migrations embedded");
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return internal_error("schema migration " + std::string(migrations[i].name) +
                            " is out of sequence: expected version " + std::to_string(i + 1));
    }
  }
  return Status::ok();
}

// Inside the locked transaction: applies what is missing.
Status apply_pending(Connection& db, std::span<const Migration> migrations, Logger& logger) {
  auto lock = db.query("SELECT pg_advisory_xact_lock($1::bigint)", Params::of(kMigrationLock));
  if (!lock) return lock.status();
  // Created under the lock: concurrent CREATE ... IF NOT EXISTS may collide.
  PJ_RETURN_IF_ERROR(db.exec(kCreateMigrationsTable));
  auto current = schema_version(db);
  if (!current) return current.status();
  const int known = migrations.back().version;
  if (*current > known) {
    return failed_precondition("database schema version " + std::to_string(*current) +
                               " is newer than this binary knows (" + std::to_string(known) +
                               "); run a newer promptjang");
  }
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    if (Status st = db.exec(m.sql); !st) {
      return internal_error("schema migration " + std::string(m.name) + ": " + st.message());
    }
    auto record = db.query(kRecordMigration, Params::of(m.version));
    if (!record) return record.status();
    logger.info("postgres: applying schema migration {}", m.name);
  }
  return Status::ok();
}

}  // namespace

Result<int> schema_version(Connection& db) {
  auto rows = db.query("SELECT coalesce(max(version), 0) FROM schema_migrations", Params());
  if (!rows) return rows.status();
  return static_cast<int>(rows->row(0).int64(0));
}

Result<SchemaStatus> read_schema_status(Connection& db, std::span<const Migration> migrations) {
  PJ_RETURN_IF_ERROR(check_numbering(migrations));
  SchemaStatus out;
  out.known = migrations.back().version;
  auto exists = db.query("SELECT (to_regclass('schema_migrations') IS NOT NULL)::int", Params());
  if (!exists) return exists.status();
  if (exists->row(0).int64(0) != 0) {
    auto v = schema_version(db);
    if (!v) return v.status();
    out.current = *v;
  }
  for (const Migration& m : migrations)
    if (m.version > out.current) out.pending.emplace_back(m.name);
  return out;
}

Status run_migrations(Connection& db, std::span<const Migration> migrations, Logger& logger) {
  PJ_RETURN_IF_ERROR(check_numbering(migrations));
  PJ_RETURN_IF_ERROR(db.exec("BEGIN"));
  Status st = apply_pending(db, migrations, logger);
  if (st) st = db.exec("COMMIT");
  if (!st && !db.broken() && db.transaction_status() != PQTRANS_IDLE) (void)db.exec("ROLLBACK");
  return st;
}

}  // namespace promptjang::pg
