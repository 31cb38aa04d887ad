// RAII over libpq and the PostgreSQL -> Status mapping, for the PostgreSQL back
// end of Store (pg_store.h).
//
// Statements are sent with parameters (never spliced into SQL): text values in
// text format, byte strings (Bytes: payloads, response bodies) in binary format
// as BYTEA, so every byte arrives as sent. Results come back in binary format,
// read by Row (bigint, integer, boolean, text and bytea columns).
// Each Connection prepares a statement once per distinct SQL text and keeps it
// (like SQLite's statement cache).
// Errors: SQLSTATE 23505 (unique) -> AlreadyExists, 23503 (foreign key) ->
// NotFound (the referenced row is missing or another tenant's), 23502/23514 and
// class 22 (bad data) -> InvalidArgument, a lost or refused connection (class
// 08, 57P0x, 53xxx) and deadlocks/serialization failures -> Unavailable, the
// rest Internal.
// Threads: a Connection is used by one thread at a time; Params and Rows are
// plain values.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace promptjang::pg {

// A byte string sent as BYTEA (binary format), not as text. The bytes are
// borrowed: they must outlive the statement's execution.
struct Bytes {
  std::string_view bytes;
};

// The parameters $1..$n of one statement.
class Params {
 public:
  template <typename... Ts>
  static Params of(const Ts&... values) {
    Params p;
    (p.add(values), ...);
    return p;
  }

  void add(std::nullopt_t);
  void add(int64_t value) { add_text(std::to_string(value)); }
  void add(int value) { add(static_cast<int64_t>(value)); }
  void add(bool value) { add_text(value ? "true" : "false"); }
  void add(TimePoint value) { add(to_unix_micros(value)); }
  void add(std::string_view text);
  void add(const std::string& text) { add(std::string_view(text)); }
  void add(const char* text) { add(std::string_view(text)); }
  void add(Bytes bytes);
  template <typename T>
  void add(const std::optional<T>& value) {
    if (value) {
      add(*value);
    } else {
      add(std::nullopt);
    }
  }

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  // InvalidArgument when a text value could not be sent (it holds a NUL byte).
  const Status& error() const { return error_; }

 private:
  void add_text(std::string text);

  std::deque<std::string> owned_;  // stable addresses for the text values
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  Status error_;
};

// One row of a result, read in binary format. Column types are the server's:
// integers (int2/int4/int8), boolean, text and bytea.
class Row {
 public:
  Row(const PGresult* res, int row) : res_(res), row_(row) {}
  bool is_null(int col) const { return PQgetisnull(res_, row_, col) != 0; }
  int64_t int64(int col) const;                          // 0 for NULL
  bool boolean(int col) const;                           // false for NULL
  std::string text(int col) const;                       // "" for NULL; every byte
  std::string blob(int col) const { return text(col); }  // a bytea column, every byte
  TimePoint time(int col) const { return from_unix_micros(int64(col)); }
  std::optional<std::string> opt_text(int col) const;
  std::optional<int64_t> opt_int64(int col) const;
  std::optional<TimePoint> opt_time(int col) const;

 private:
  const PGresult* res_;
  int row_;
};

// The result of one statement: its rows and how many rows it changed.
class Rows {
 public:
  explicit Rows(PGresult* res) : res_(res, &PQclear) {}
  int size() const { return PQntuples(res_.get()); }
  Row row(int i) const { return Row(res_.get(), i); }
  int64_t affected() const;  // INSERT/UPDATE/DELETE: rows changed
  const PGresult* raw() const { return res_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> res_;
};

// The Status for a failed result `res` (may be null) of `conn`; see the top.
Status to_status(PGconn* conn, const PGresult* res, std::string_view what);

class Connection {
 public:
  // Connects with `conninfo` (a postgres:// URL or key=value pairs).
  // Unavailable when the server cannot be reached or refuses.
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements without parameters (DDL, BEGIN, SAVEPOINT...).
  Status exec(std::string_view sql);
  // Runs `sql` (prepared on first use on this connection) with `params`.
  Result<Rows> query(std::string_view sql, const Params& params);

  // The connection is lost (the server went away, a network error).
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Reconnects a broken connection (prepared statements are forgotten).
  Status reset();
  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_); }
  bool in_transaction() const { return transaction_status() == PQTRANS_INTRANS; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

// A read-only snapshot across several queries (REPEATABLE READ): begun now,
// ended when it goes out of scope.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& db)
      : db_(db), status_(db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {}
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction() {
    // Nothing was written: ROLLBACK just ends the snapshot (an aborted one too).
    if (status_.is_ok() && !db_.broken() && db_.transaction_status() != PQTRANS_IDLE) {
      (void)db_.exec("ROLLBACK");
    }
  }
  const Status& status() const { return status_; }

 private:
  Connection& db_;
  Status status_;
};

}  // namespace promptjang::pg
