// PgStore: opening (connections, session settings, migrations, the writer and
// the pool), shutdown and the operational methods; see pg_store.h. The Store
// methods live in pg_store_{accounts,endpoints,events,replay,usage,stats}.cc.
#include "pg_store.h"

#include <utility>

#include "pg_migrations.h"
#include "pg_pool.h"
#include "pg_query.h"
#include "pg_writer.h"

namespace promptjang {

Result<std::unique_ptr<PgStore>> PgStore::open(const PgOptions& options, Logger& logger) {
  if (options.conninfo.empty()) return invalid_argument("PostgreSQL connection URL is empty");
  auto writer_db = pg::Connection::open(options.conninfo);
  if (!writer_db) return writer_db.status();
  // Durability is the product: a commit returns once its WAL is flushed,
  // whatever the server's or the role's default says.
  PJ_RETURN_IF_ERROR((*writer_db)->exec("SET synchronous_commit = on"));
  if (Status st = pg::run_migrations(**writer_db, pg::embedded_migrations(), logger); !st) {
    if (st.code() == StatusCode::kFailedPrecondition) return st;
    return Status(st.code(), "PostgreSQL migrations: " + st.message());
  }
  auto version = pg::schema_version(**writer_db);
  if (!version) return version.status();
  auto pool = pg::Pool::open(options.conninfo, options.connections);
  if (!pool) return pool.status();
  auto writer = pg::make_writer(std::move(*writer_db), options.max_batch, logger);
  logger.info("postgres: connected (schema version {}, {} pooled connections)", *version,
              options.connections);
  std::unique_ptr<PgStore> store(new PgStore(std::move(*pool), std::move(writer), logger));
  store->secrets_ = options.secrets;
  return store;
}

PgStore::PgStore(std::unique_ptr<pg::Pool> pool, std::unique_ptr<pg::Writer> writer, Logger& logger)
    : pool_(std::move(pool)), writer_(std::move(writer)), logger_(logger) {}

PgStore::~PgStore() {
  writer_->close();  // drains and commits every write submitted so far, then stops
  writer_.reset();
  pool_.reset();
  logger_.debug("postgres: closed");
}

Status PgStore::ping() {
  auto db = pool_->acquire();
  if (!db) return unavailable("PostgreSQL store does not answer: " + db.status().message());
  auto version = pg::schema_version(**db);
  if (!version)
    return unavailable("PostgreSQL store does not answer: " + version.status().message());
  return Status::ok();
}

void PgStore::flush() { writer_->flush(); }

Result<EventCounts> PgStore::count_events_by_status() {
  auto db = pool_->acquire();
  if (!db) return db.status();
  auto rows = pg::query_all(**db, "SELECT status, count(*) FROM events GROUP BY status",
                            [](const pg::Row& r) { return std::make_pair(r.text(0), r.int64(1)); });
  if (!rows) return rows.status();
  EventCounts counts;
  for (const auto& [name, n] : *rows)
    if (auto status = parse_event_status(name)) counts.by_status[static_cast<int>(*status)] = n;
  return counts;
}

void PgStore::set_commit_observer(CommitObserver* observer) { writer_->set_observer(observer); }

uint64_t PgStore::commit_count() const { return writer_->commit_count(); }

Result<std::unique_ptr<Store>> open_pg_store(const PgOptions& options, Logger& logger) {
  auto store = PgStore::open(options, logger);
  if (!store) return store.status();
  return std::unique_ptr<Store>(std::move(*store));
}

Result<SchemaStatus> read_pg_schema_status(const std::string& conninfo) {
  auto db = pg::Connection::open(conninfo);
  if (!db) return db.status();
  return pg::read_schema_status(**db, pg::embedded_migrations());
}

}  // namespace promptjang
