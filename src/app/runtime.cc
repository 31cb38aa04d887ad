// Runtime; see runtime.h.
#include "app/runtime.h"

#include <filesystem>
#include <system_error>

#include "app/config.h"
#include "store/postgres/pg_notifier.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace promptjang {

Result<SchemaStatus> read_schema_status(const std::string& database_url) {
  auto db = parse_database_url(database_url);
  if (!db) return db.status();
  if (db->kind == DatabaseUrl::Kind::kPostgres) return read_pg_schema_status(db->target);
  return read_sqlite_schema_status(db->target);
}

Result<std::unique_ptr<Runtime>> Runtime::open(const std::string& database_url, Logger& logger) {
  auto db = parse_database_url(database_url);
  if (!db) return db.status();
  if (db->kind == DatabaseUrl::Kind::kPostgres) {
    PgOptions options;
    options.conninfo = db->target;
    auto store = open_pg_store(options, logger);
    if (!store) return store.status();
    std::unique_ptr<Runtime> rt(new Runtime());
    rt->store_ = std::move(*store);
    rt->signal_ = std::make_unique<pg::Notifier>(options.conninfo, logger);
    return rt;
  }
  std::filesystem::path path(db->target);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  std::unique_ptr<Runtime> rt(new Runtime());
  SqliteOptions options;
  options.path = db->target;
  auto store = open_sqlite_store(options, logger);
  if (!store) return store.status();
  rt->store_ = std::move(*store);
  return rt;
}

std::unique_ptr<Runtime> Runtime::with_store(std::unique_ptr<Store> store) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->store_ = std::move(store);
  return rt;
}

}  // namespace promptjang
