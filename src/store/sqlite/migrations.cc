// Applies the embedded schema migrations; see migrations.h.
#include "migrations.h"

#include <string>

namespace promptjang::sqlite {
namespace {

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY NOT NULL,"
    " applied_at INTEGER NOT NULL) STRICT";

// applied_at from SQLite's own clock: below app/ nothing reads the system clock.
constexpr std::string_view kRecordMigration =
    "INSERT INTO schema_migrations (version, applied_at)"
    " VALUES (?, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))";

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

Status too_new(int found, int known) {
  return failed_precondition("database schema version " + std::to_string(found) +
                             " is newer than this binary knows (" + std::to_string(known) +
                             "); run a newer promptjang");
}

// Applies `m` unless already there (another process may have just applied
// it), in one write transaction; `*applied` tells whether this call did.
Status apply_one(Connection& db, const Migration& m, int known, bool* applied) {
  *applied = false;
  PJ_RETURN_IF_ERROR(db.run("BEGIN IMMEDIATE"));
  auto fail = [&db](Status st) {
    if (db.in_transaction()) (void)db.run("ROLLBACK");
    return st;
  };
  auto current = schema_version(db);
  if (!current) return fail(current.status());
  if (*current > known) return fail(too_new(*current, known));
  if (*current >= m.version) return db.run("COMMIT");

  Status st = db.exec(m.sql);
  if (!st) {
    return fail(internal_error("schema migration " + std::string(m.name) + ": " + st.message()));
  }
  auto record = db.query(kRecordMigration);
  if (!record) return fail(record.status());
  record->bind_all(m.version);
  st = record->run();
  if (!st) return fail(st);
  st = db.run("COMMIT");
  if (!st) return fail(st);
  *applied = true;
  return Status::ok();
}

}  // namespace

Result<int> schema_version(Connection& db) {
  auto q = db.query("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!q) return q.status();
  auto row = q->step();
  if (!row) return row.status();
  return static_cast<int>(q->int64(0));
}

Result<SchemaStatus> read_schema_status(Connection& db, std::span<const Migration> migrations) {
  PJ_RETURN_IF_ERROR(check_numbering(migrations));
  SchemaStatus out;
  out.known = migrations.back().version;
  auto exists = db.query(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists) return exists.status();
  auto row = exists->step();
  if (!row) return row.status();
  if (exists->int64(0) > 0) {
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
  PJ_RETURN_IF_ERROR(db.exec(kCreateMigrationsTable));
  const int known = migrations.back().version;

  auto before = schema_version(db);
  if (!before) return before.status();
  if (*before > known) return too_new(*before, known);

  for (const Migration& m : migrations) {
    if (m.version <= *before) continue;
    bool applied = false;
    PJ_RETURN_IF_ERROR(apply_one(db, m, known, &applied));
    if (applied) logger.info("sqlite: applied schema migration {}", m.name);
  }
  return Status::ok();
}

}  // namespace promptjang::sqlite
