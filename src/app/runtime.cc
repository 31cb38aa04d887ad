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

namespace {

Status check_secrets(Store& store, const SecretsAtRest& secrets, Logger& logger) {
  auto check = store.check_endpoint_secrets(secrets.seal);
  if (!check) return check.status();
  if (check->sealed_now > 0)
    logger.info("endpoint secrets: sealed {} stored in plaintext with the master key",
                check->sealed_now);
  if (check->resealed > 0)
    logger.info(
        "endpoint secrets: sealed {} again with the new master key (they were sealed "
        "with the previous one)",
        check->resealed);
  if (secrets.master_key)
    logger.info("endpoint secrets: sealed at rest with the master key ({} of {} stored sealed)",
                check->sealed, check->values);
  else
    logger.info("endpoint secrets: stored in plaintext (no master key configured)");
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::open(const std::string& database_url, Logger& logger,
                                               const SecretsAtRest& secrets) {
  auto db = parse_database_url(database_url);
  if (!db) return db.status();
  if (db->kind == DatabaseUrl::Kind::kPostgres) {
    PgOptions options;
    options.conninfo = db->target;
    options.secrets = secrets.master_key;
    auto store = open_pg_store(options, logger);
    if (!store) return store.status();
    PJ_RETURN_IF_ERROR(check_secrets(**store, secrets, logger));
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
  options.secrets = secrets.master_key;
  auto store = open_sqlite_store(options, logger);
  if (!store) return store.status();
  PJ_RETURN_IF_ERROR(check_secrets(**store, secrets, logger));
  rt->store_ = std::move(*store);
  return rt;
}

std::unique_ptr<Runtime> Runtime::with_store(std::unique_ptr<Store> store) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->store_ = std::move(store);
  return rt;
}

}  // namespace promptjang
