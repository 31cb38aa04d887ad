// Versioned schema migrations of the PostgreSQL back end.
//
// The source of truth is src/store/schema/postgres/NNNN_name.sql; the build
// embeds those files (../sqlite/embed_migrations.cmake -> embedded_migrations()).
// Applied versions are recorded in schema_migrations (version, applied_at in
// unix microseconds), in the schema first on the connection's search_path.
// All pending migrations are applied in ONE transaction that first takes
// pg_advisory_xact_lock(kMigrationLock) and then re-reads the version: when
// several nodes start at once, one applies them and the others, waiting on the
// lock, find them applied. DDL is transactional in PostgreSQL, so a failing
// migration leaves the schema as it was.
// Threads: run_migrations uses the connection it is given, before the store's
// threads start.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/log.h"
#include "core/status.h"
#include "pg_conn.h"
#include "store/schema_status.h"

namespace promptjang::pg {

struct Migration {
  int version;            // NNNN of the file name; 1, 2, 3, ... without gaps
  std::string_view name;  // the file name without ".sql"
  std::string_view sql;
};

// The advisory lock key of migrations ("PJMIGRAT"): the same in every node.
inline constexpr int64_t kMigrationLock = 0x504A4D4947524154;

// The migrations embedded into this binary, in version order.
std::span<const Migration> embedded_migrations();

// The highest version recorded, or 0 for a schema without migrations.
Result<int> schema_version(Connection& db);

// Where the database stands against `migrations` (reads only; a database
// without the migrations table is at version 0).
Result<SchemaStatus> read_schema_status(Connection& db, std::span<const Migration> migrations);

// Brings the database up to the last of `migrations`. FailedPrecondition when
// it is at a newer version than the last one known (a newer binary wrote it);
// Internal when `migrations` are not numbered 1, 2, 3, ...
Status run_migrations(Connection& db, std::span<const Migration> migrations, Logger& logger);

}  // namespace promptjang::pg
