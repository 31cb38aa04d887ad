// promptjang backup / restore: a consistent copy of the embedded SQLite
// database while the server runs, and a new database made from such a copy
// (store/sqlite/sqlite_backup.h says how). PostgreSQL has its own tools
// (pg_dump, base backups): these commands say so instead of half-doing it.
#include <boost/json.hpp>
#include <iostream>

#include "app/config.h"
#include "cli/commands.h"
#include "store/sqlite/sqlite_backup.h"

namespace promptjang {
namespace {

int fail(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kAlreadyExists ? 2 : 1;
}

// The SQLite file of `database`, or the usage error for anything else.
Result<std::string> sqlite_path(const std::string& database, const char* command) {
  auto url = parse_database_url(database);
  if (!url) return url.status();
  if (url->kind != DatabaseUrl::Kind::kSqlite)
    return invalid_argument(std::string("`promptjang ") + command +
                            "` is for the embedded SQLite database; for PostgreSQL use pg_dump "
                            "and pg_restore, or base backups (docs/operations.md, Backups)");
  return url->target;
}

void print(const sqlite::CopyReport& r, const std::string& path, const char* verb,
           OutputOptions out) {
  if (out.json) {
    std::cout << boost::json::serialize(boost::json::object{{"path", path},
                                                            {"pages", r.pages},
                                                            {"bytes", r.bytes},
                                                            {"schema_version", r.schema_version}})
              << "\n";
  } else {
    std::cout << verb << " " << path << " (" << r.bytes << " bytes, schema version "
              << r.schema_version << ")\n";
  }
}

}  // namespace

int run_backup(const std::string& database, const std::string& to, OutputOptions out) {
  auto from = sqlite_path(database, "backup");
  if (!from) return fail(from.status());
  auto r = sqlite::backup_database(*from, to);
  if (!r) return fail(r.status());
  print(*r, to, "backed up to", out);
  return 0;
}

int run_restore(const std::string& database, const std::string& from, OutputOptions out) {
  auto to = sqlite_path(database, "restore");
  if (!to) return fail(to.status());
  auto r = sqlite::restore_database(from, *to);
  if (!r) return fail(r.status());
  print(*r, *to, "restored into", out);
  return 0;
}

}  // namespace promptjang
