// SqliteStore: opening (pragmas, migrations, the writer and the reader pool),
// shutdown and the operational methods; see sqlite_store.h. The Store methods
// live in sqlite_store_{accounts,endpoints,events,replay,usage}.cc.
#include "sqlite_store.h"

#include <filesystem>
#include <utility>

#include "migrations.h"
#include "query_helpers.h"
#include "reader_pool.h"
#include "sqlite_db.h"
#include "write_queue.h"

namespace promptjang {
namespace {

using sqlite::Connection;

// The writer connection: WAL (readers never block the writer, nor it them),
// synchronous=FULL (a commit is on disk when COMMIT returns: SPEC §4's 202),
// and temporary files in memory: each op of a group commit runs in a savepoint,
// whose statement journal (the pages' old contents, ~16 KiB per ingested event)
// otherwise spills to a file in /var/tmp; measured: 94% of the writer's
// pwrite() calls, 16 per event. It lives for one op, so memory stays small.
Status configure_writer(Connection& db, const std::string& path) {
  PJ_RETURN_IF_ERROR(db.exec("PRAGMA temp_store = MEMORY"));
  auto mode = db.query("PRAGMA journal_mode = WAL");
  if (!mode) return mode.status();
  auto row = mode->step();
  if (!row) return row.status();
  if (!*row || mode->text(0) != "wal") {
    return unavailable("cannot put SQLite database '" + path + "' in WAL mode (journal mode is '" +
                       (*row ? mode->text(0) : std::string()) + "')");
  }
  return db.exec("PRAGMA synchronous = FULL");
}

// Failing to open or configure the file means the store cannot be reached.
Status open_error(const Status& st, const std::string& path) {
  if (st.code() == StatusCode::kUnavailable) return st;
  return unavailable("cannot open SQLite database '" + path + "': " + st.message());
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options,
                                                       Logger& logger) {
  if (options.path.empty()) return invalid_argument("SQLite database path is empty");
  auto writer_db = Connection::open(
      options.path, sqlite::OpenOptions{.read_only = false, .busy_timeout = options.busy_timeout});
  if (!writer_db) return writer_db.status();
  if (Status st = configure_writer(**writer_db, options.path); !st) {
    return open_error(st, options.path);
  }
  if (Status st = sqlite::run_migrations(**writer_db, sqlite::embedded_migrations(), logger); !st) {
    if (st.code() == StatusCode::kFailedPrecondition) return st;
    return Status(st.code(), "SQLite database '" + options.path + "': " + st.message());
  }
  auto version = sqlite::schema_version(**writer_db);
  if (!version) return open_error(version.status(), options.path);

  auto readers = sqlite::ReaderPool::open(options.path, options.readers, options.busy_timeout);
  if (!readers) return open_error(readers.status(), options.path);

  auto writer = sqlite::make_write_queue(std::move(*writer_db), options.max_batch, logger);
  logger.info("sqlite: opened {} (schema version {}, {} readers)", options.path, *version,
              options.readers);
  std::unique_ptr<SqliteStore> store(
      new SqliteStore(std::move(*readers), std::move(writer), logger));
  store->secrets_ = options.secrets;
  store->path_ = options.path;
  return store;
}

SqliteStore::SqliteStore(std::unique_ptr<sqlite::ReaderPool> readers,
                         std::unique_ptr<sqlite::WriteQueue> writer, Logger& logger)
    : readers_(std::move(readers)), writer_(std::move(writer)), logger_(logger) {}

SqliteStore::~SqliteStore() {
  writer_->close();  // drains and commits every write submitted so far, then stops
  // The writer's connection closes last: as the file's last connection it
  // checkpoints the WAL into the database and removes it.
  readers_.reset();
  writer_.reset();
  logger_.debug("sqlite: closed");
}

Status SqliteStore::ping() {
  auto db = readers_->acquire();
  auto version = sqlite::schema_version(*db);
  if (!version) return unavailable("SQLite store does not answer: " + version.status().message());
  return Status::ok();
}

void SqliteStore::flush() { writer_->flush(); }

Result<EventCounts> SqliteStore::count_events_by_status() {
  auto db = readers_->acquire();
  auto rows = sqlite::query_all(
      *db, "SELECT status, count(*) FROM events GROUP BY status",
      [](const sqlite::Query& q) { return std::make_pair(q.text(0), q.int64(1)); });
  if (!rows) return rows.status();
  EventCounts counts;
  for (const auto& [name, n] : *rows)
    if (auto status = parse_event_status(name)) counts.by_status[static_cast<int>(*status)] = n;
  return counts;
}

void SqliteStore::set_commit_observer(CommitObserver* observer) { writer_->set_observer(observer); }

uint64_t SqliteStore::commit_count() const { return writer_->commit_count(); }

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options, Logger& logger) {
  auto store = SqliteStore::open(options, logger);
  if (!store) return store.status();
  return std::unique_ptr<Store>(std::move(*store));
}

Result<SchemaStatus> read_sqlite_schema_status(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    SchemaStatus fresh;
    auto m = sqlite::embedded_migrations();
    fresh.known = m.empty() ? 0 : m.back().version;
    for (const auto& migration : m) fresh.pending.emplace_back(migration.name);
    return fresh;
  }
  auto db = Connection::open(path, sqlite::OpenOptions{.read_only = true});
  if (!db) return db.status();
  return sqlite::read_schema_status(**db, sqlite::embedded_migrations());
}

}  // namespace promptjang
