// Versioned schema migrations of the SQLite back end.
//
// The source of truth is src/store/schema/sqlite/NNNN_name.sql; the build embeds
// those files (embed_migrations.cmake -> embedded_migrations()). Applied
// versions are recorded in schema_migrations (version, applied_at in unix
// microseconds). Each migration runs in its own write transaction that first
// re-reads the current version, so two processes opening the same file at once
// apply each migration exactly once.
// Threads: run_migrations uses the connection it is given, before the store's
// threads start.
#pragma once

#include <span>
#include <string_view>

#include "core/log.h"
#include "core/status.h"
#include "sqlite_db.h"
#include "store/schema_status.h"

namespace promptjang::sqlite {

struct Migration {
  int version;            // NNNN of the file name; 1, 2, 3, ... without gaps
  std::string_view name;  // the file name without ".sql"
  std::string_view sql;
};

// The migrations embedded into this binary, in version order.
std::span<const Migration> embedded_migrations();

// The highest version recorded in `db`, or 0 for a database without migrations.
Result<int> schema_version(Connection& db);

// Where `db` stands against `migrations` (reads only; a database without the
// migrations table is at version 0).
Result<SchemaStatus> read_schema_status(Connection& db, std::span<const Migration> migrations);

// Brings `db` up to the last of `migrations`. FailedPrecondition when the
// database is at a newer version than the last one known (a newer binary wrote
// it); Internal when `migrations` are not numbered 1, 2, 3, ...
Status run_migrations(Connection& db, std::span<const Migration> migrations, Logger& logger);

}  // namespace promptjang::sqlite
