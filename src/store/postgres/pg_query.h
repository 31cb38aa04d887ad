// Small templates over Connection for the PostgreSQL store's one-statement
// reads and writes: run with parameters, read rows, count changes. Internal to
// the PostgreSQL back end. Threads: as the Connection they are given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "pg_conn.h"
#include "store/sql_util.h"

namespace promptjang::pg {

template <typename Read>
using RowType = decltype(std::declval<Read>()(std::declval<const Row&>()));

// The first row of `sql` read with `read`; NotFound(`what`) when there is none.
template <typename Read, typename... Args>
Result<RowType<Read>> query_one(Connection& db, std::string_view sql, std::string_view what,
                                Read read, const Args&... args) {
  auto rows = db.query(sql, Params::of(args...));
  if (!rows) return rows.status();
  if (rows->size() == 0) return not_found(std::string(what));
  return read(rows->row(0));
}

// Every row of `sql`, read with `read`.
template <typename Read, typename... Args>
Result<std::vector<RowType<Read>>> query_all(Connection& db, std::string_view sql, Read read,
                                             const Args&... args) {
  auto rows = db.query(sql, Params::of(args...));
  if (!rows) return rows.status();
  std::vector<RowType<Read>> out;
  out.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) out.push_back(read(rows->row(i)));
  return out;
}

// Runs a statement that returns no rows; the number of rows it changed.
template <typename... Args>
Result<int64_t> execute(Connection& db, std::string_view sql, const Args&... args) {
  auto rows = db.query(sql, Params::of(args...));
  if (!rows) return rows.status();
  return rows->affected();
}

// Runs a statement that must change a row: NotFound(`what`) when it changed none.
template <typename... Args>
Status execute_one(Connection& db, std::string_view sql, std::string_view what,
                   const Args&... args) {
  auto changed = execute(db, sql, args...);
  if (!changed) return changed.status();
  if (*changed == 0) return not_found(std::string(what));
  return Status::ok();
}

using sql::clamp_limit;
using sql::with_context;

}  // namespace promptjang::pg
