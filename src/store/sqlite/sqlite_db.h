// A thin RAII layer over the SQLite C API: connections, cached prepared
// statements, typed binding and reading, and the one mapping from SQLite result
// codes to Status.
//
// Threads: a Connection is used by one thread at a time (it is opened with
// SQLITE_OPEN_NOMUTEX); the writer thread owns one, the reader pool lends the
// others. Invariants: every statement in a Connection's cache is reset and
// unbound when not in use (a Query resets its statement when it goes out of
// scope), so a read never holds a snapshot open longer than its Query.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"

namespace promptjang::sqlite {

// The Status for result code `rc` of a call on `db` (extended codes on):
// unique/primary key -> AlreadyExists, foreign key -> NotFound (the referenced
// row is missing or another tenant's), not-null/check -> InvalidArgument,
// busy/locked/I/O/full/can't open/read-only -> Unavailable, others Internal.
// The message is "`what`: <sqlite3_errmsg>".
Status to_status(sqlite3* db, int rc, std::string_view what);

// A byte string bound as a BLOB (payloads, response bodies), not as TEXT.
// `borrowed` skips SQLite's copy: the bytes must then outlive the Query's steps.
struct Blob {
  std::string_view bytes;
  bool borrowed = false;
};

// One use of a cached prepared statement: bind, step, read columns. Resets and
// unbinds the statement on destruction. Bound text and blobs are copied
// (except borrowed Blobs).
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query(Query&& other) noexcept;
  ~Query();

  // Binds `values` to parameters 1..n. A binding error is reported by the next step().
  template <typename... Ts>
  Query& bind_all(const Ts&... values) {
    int index = 0;
    (bind(++index, values), ...);
    return *this;
  }
  void bind(int index, std::nullopt_t);
  void bind(int index, int64_t value);
  void bind(int index, int value) { bind(index, static_cast<int64_t>(value)); }
  void bind(int index, bool value) { bind(index, static_cast<int64_t>(value ? 1 : 0)); }
  void bind(int index, TimePoint value) { bind(index, to_unix_micros(value)); }
  void bind(int index, std::string_view text);
  void bind(int index, const std::string& text) { bind(index, std::string_view(text)); }
  void bind(int index, const char* text) { bind(index, std::string_view(text)); }
  void bind(int index, Blob blob);
  template <typename T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bind(index, std::nullopt);
    }
  }

  // Advances to the next row: true when there is one, false when done.
  Result<bool> step();
  // Steps to the end, for statements that return no rows (or whose rows are ignored).
  Status run();
  // Rows changed by the last INSERT/UPDATE/DELETE of this connection.
  int64_t changes() const { return sqlite3_changes64(db_); }

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool boolean(int col) const { return int64(col) != 0; }
  std::string text(int col) const;  // "" for NULL
  std::string blob(int col) const;  // every byte, NULs included
  TimePoint time(int col) const { return from_unix_micros(int64(col)); }
  std::optional<std::string> opt_text(int col) const;
  std::optional<int64_t> opt_int64(int col) const;
  std::optional<TimePoint> opt_time(int col) const;

 private:
  void note_bind_error(int rc, int index);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // the first binding error, reported by step()
  int bind_index_ = 0;
};

struct OpenOptions {
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};
};

// One SQLite connection with its statement cache.
class Connection {
 public:
  // Opens (and, unless read-only, creates) the database file `path` with
  // extended result codes, the busy timeout and foreign keys on.
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  const OpenOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* handle() const { return db_; }
  // Runs one or more statements that take no parameters (pragmas, DDL, BEGIN).
  Status exec(std::string_view sql);
  // The cached statement for `sql` (prepared on first use). One Query per
  // statement at a time: the same SQL must not be used by two live Queries.
  Result<Query> query(std::string_view sql);
  // Runs one parameterless statement through the cache (BEGIN, SAVEPOINT, ...).
  Status run(std::string_view sql);
  // True when a transaction is open on this connection.
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A read transaction (one snapshot across several queries): BEGIN now, COMMIT
// (or ROLLBACK) when it goes out of scope.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& db) : db_(db), status_(db.run("BEGIN")) {}
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction();
  const Status& status() const { return status_; }

 private:
  Connection& db_;
  Status status_;
};

}  // namespace promptjang::sqlite
