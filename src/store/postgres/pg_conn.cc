// RAII over libpq and the PostgreSQL -> Status mapping; see pg_conn.h.
#include "pg_conn.h"

#include <endian.h>

#include <cstring>
#include <utility>

namespace promptjang::pg {
namespace {

// Type OIDs of pg_type.h (stable across PostgreSQL versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

// The server's message without its trailing newline.
std::string trimmed(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

StatusCode code_of_sqlstate(std::string_view state) {
  if (state == "23505") return StatusCode::kAlreadyExists;
  if (state == "23503") return StatusCode::kNotFound;
  if (state == "23502" || state == "23514" || state.starts_with("22")) {
    return StatusCode::kInvalidArgument;
  }
  // Connection exceptions, shutdowns, insufficient resources, and transactions
  // the server rolled back to break a deadlock or a serialization conflict:
  // each may succeed when retried.
  if (state.starts_with("08") || state.starts_with("57P") || state.starts_with("53") ||
      state == "40P01" || state == "40001") {
    return StatusCode::kUnavailable;
  }
  return StatusCode::kInternal;
}

}  // namespace

// --- Params ---

void Params::add(std::nullopt_t) {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
}

void Params::add_text(std::string text) {
  owned_.push_back(std::move(text));
  values_.push_back(owned_.back().c_str());
  lengths_.push_back(0);  // ignored for text: NUL-terminated
  formats_.push_back(0);
}

void Params::add(std::string_view text) {
  // A text parameter travels NUL-terminated: a NUL inside would cut it short.
  if (text.find('\0') != std::string_view::npos && error_.is_ok()) {
    error_ = invalid_argument("parameter $" + std::to_string(values_.size() + 1) +
                              ": text must not contain a NUL byte");
  }
  add_text(std::string(text));
}

void Params::add(Bytes bytes) {
  // libpq reads `length` bytes; a null pointer would mean SQL NULL.
  values_.push_back(bytes.bytes.data() != nullptr ? bytes.bytes.data() : "");
  lengths_.push_back(static_cast<int>(bytes.bytes.size()));
  formats_.push_back(1);
}

// --- Row ---

int64_t Row::int64(int col) const {
  if (is_null(col)) return 0;
  const char* p = PQgetvalue(res_, row_, col);
  switch (PQftype(res_, col)) {
    case kInt8Oid: {
      uint64_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<int64_t>(be64toh(v));
    }
    case kInt4Oid: {
      uint32_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<int32_t>(be32toh(v));
    }
    case kInt2Oid: {
      uint16_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<int16_t>(be16toh(v));
    }
    case kBoolOid:
      return *p != 0 ? 1 : 0;
    default:
      return 0;  // not an integer column: the store's SQL never reads one so
  }
}

bool Row::boolean(int col) const { return int64(col) != 0; }

std::string Row::text(int col) const {
  if (is_null(col)) return {};
  return std::string(PQgetvalue(res_, row_, col),
                     static_cast<size_t>(PQgetlength(res_, row_, col)));
}

std::optional<std::string> Row::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::optional<int64_t> Row::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<TimePoint> Row::opt_time(int col) const {
  if (is_null(col)) return std::nullopt;
  return time(col);
}

int64_t Rows::affected() const {
  const char* n = PQcmdTuples(res_.get());
  return n != nullptr && *n != '\0' ? std::stoll(n) : 0;
}

// --- errors ---

Status to_status(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string message(what);
  message += ": ";
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (res != nullptr && *PQresultErrorMessage(res) != '\0') {
    message += trimmed(PQresultErrorMessage(res));
  } else {
    message += trimmed(PQerrorMessage(conn));
  }
  if (state == nullptr) {
    // No answer from the server: the connection is gone (or never was).
    if (PQstatus(conn) != CONNECTION_OK) return unavailable(std::move(message));
    return internal_error(std::move(message));
  }
  return Status(code_of_sqlstate(state), std::move(message));
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status st = unavailable("cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return st;
  }
  // Server notices ("relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() { PQfinish(conn_); }

Status Connection::reset() {
  prepared_.clear();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return unavailable("cannot reconnect to PostgreSQL: " + trimmed(PQerrorMessage(conn_)));
  }
  return Status::ok();
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  Rows res(PQexec(conn_, text.c_str()));
  const PGresult* raw = res.raw();
  const ExecStatusType st = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::ok();
  constexpr size_t kShown = 60;  // a migration is a whole file: name its start only
  return to_status(conn_, raw, text.size() > kShown ? text.substr(0, kShown) + "..." : text);
}

Result<Rows> Connection::query(std::string_view sql, const Params& params) {
  PJ_RETURN_IF_ERROR(params.error());
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "pj" + std::to_string(prepared_.size());
    Rows prepared(PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr));
    if (prepared.raw() == nullptr || PQresultStatus(prepared.raw()) != PGRES_COMMAND_OK) {
      return to_status(conn_, prepared.raw(), "prepare " + key);
    }
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  Rows res(PQexecPrepared(conn_, it->second.c_str(), params.size(), params.values(),
                          params.lengths(), params.formats(), /*resultFormat=*/1));
  const ExecStatusType st = res.raw() != nullptr ? PQresultStatus(res.raw()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
  return to_status(conn_, res.raw(), it->first);
}

}  // namespace promptjang::pg
