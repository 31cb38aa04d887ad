// Backup and restore of the embedded SQLite database, with SQLite's online
// backup API (sqlite3_backup_*), while a server may be writing to it.
//
// backup_database copies the live database in one step, which is one read
// transaction: in WAL mode a reader blocks no writer, so the server keeps
// ingesting meanwhile, and the copy is the database as of one commit (a
// stepwise copy would restart on every commit of another process and might
// never finish under load). The copy goes to a temporary file beside `to`,
// is checked (PRAGMA integrity_check), synced, and only then renamed to `to`:
// a crash or a failure never leaves a half backup under the backup's name.
//
// restore_database checks that `from` is a sound PromptJang database, then
// copies it into a new database at `to` through the same API (so `to` gets a
// proper WAL-mode file). It never overwrites: an existing `to` is refused,
// since it may be the database of a running server.
//
// Threads: plain blocking functions; each opens and closes its own connections.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace promptjang::sqlite {

struct CopyReport {
  int64_t pages = 0;
  int64_t bytes = 0;
  int schema_version = 0;  // the newest migration the copy holds
};

// Copies the database at `from` (it must exist) to the new file `to`.
// AlreadyExists if `to` exists; NotFound if `from` does not; Unavailable or
// Internal with SQLite's message otherwise.
Result<CopyReport> backup_database(const std::string& from, const std::string& to);

// Makes a new database at `to` from the backup `from`. AlreadyExists if `to`
// exists; InvalidArgument if `from` is not a sound PromptJang database.
Result<CopyReport> restore_database(const std::string& from, const std::string& to);

}  // namespace promptjang::sqlite
