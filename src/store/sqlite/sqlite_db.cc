// RAII over the SQLite C API and the SQLite -> Status mapping; see sqlite_db.h.
#include "sqlite_db.h"

#include <utility>

namespace promptjang::sqlite {

Status to_status(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return already_exists(std::move(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return not_found(std::move(message));
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_DATATYPE:
    case SQLITE_TOOBIG:
      return invalid_argument(std::move(message));
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return unavailable(std::move(message));
    default:
      return internal_error(std::move(message));
  }
}

// --- Query ---

Query::Query(Query&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(other.bind_rc_),
      bind_index_(other.bind_index_) {}

Query::~Query() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Query::note_bind_error(int rc, int index) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
    bind_index_ = index;
  }
}

void Query::bind(int index, std::nullopt_t) {
  note_bind_error(sqlite3_bind_null(stmt_, index), index);
}

void Query::bind(int index, int64_t value) {
  note_bind_error(sqlite3_bind_int64(stmt_, index, value), index);
}

void Query::bind(int index, std::string_view text) {
  // data() of an empty view may be null, which SQLite would bind as NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  note_bind_error(
      sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
}

void Query::bind(int index, Blob blob) {
  const char* data = blob.bytes.data() != nullptr ? blob.bytes.data() : "";
  note_bind_error(sqlite3_bind_blob64(stmt_, index, data, blob.bytes.size(),
                                      blob.borrowed ? SQLITE_STATIC : SQLITE_TRANSIENT),
                  index);
}

Result<bool> Query::step() {
  if (bind_rc_ != SQLITE_OK) {
    return to_status(db_, bind_rc_, "bind parameter " + std::to_string(bind_index_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return to_status(db_, rc, "step");
}

Status Query::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
  }
}

std::string Query::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string Query::blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (p == nullptr) return {};  // NULL or a zero-length blob
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Query::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::optional<int64_t> Query::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<TimePoint> Query::opt_time(int col) const {
  if (is_null(col)) return std::nullopt;
  return time(col);
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     const OpenOptions& options) {
  // Process-wide, once, before SQLite initialises: no memory statistics, so
  // SQLite's allocations skip a global mutex (every statement allocates). A
  // no-op (SQLITE_MISUSE) if something else initialised SQLite first.
  static const int kNoMemStatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemStatus;
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = unavailable("cannot open SQLite database '" + path +
                            "': " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return st;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  PJ_RETURN_IF_ERROR(conn->exec("PRAGMA foreign_keys = ON"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text as sqlite3_errmsg, which to_status reads
  if (rc != SQLITE_OK) {
    constexpr size_t kShown = 60;  // a migration is a whole file: name its start only
    return to_status(db_, rc, text.size() > kShown ? text.substr(0, kShown) + "..." : text);
  }
  return Status::ok();
}

Result<Query> Connection::query(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return to_status(db_, rc, "prepare " + key);
    it = cache_.emplace(std::move(key), stmt).first;
  }
  return Query(db_, it->second);
}

Status Connection::run(std::string_view sql) {
  auto q = query(sql);
  if (!q) return q.status();
  return q->run();
}

// --- ReadTransaction ---

ReadTransaction::~ReadTransaction() {
  if (!status_.is_ok() || !db_.in_transaction()) return;
  // A read-only transaction: COMMIT only ends the snapshot; ROLLBACK if it cannot.
  if (!db_.run("COMMIT").is_ok()) (void)db_.run("ROLLBACK");
}

}  // namespace promptjang::sqlite
