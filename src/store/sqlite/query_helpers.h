// Small templates over Connection/Query for the store's one-statement reads and
// writes: bind, step, read rows, count changes. Internal to the SQLite back end.
// Threads: as the Connection they are given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "sqlite_db.h"
#include "store/sql_util.h"

namespace promptjang::sqlite {

template <typename Read>
using RowType = decltype(std::declval<Read>()(std::declval<const Query&>()));

// The first row of `sql` read with `read`; NotFound(`what`) when there is none.
template <typename Read, typename... Args>
Result<RowType<Read>> query_one(Connection& db, std::string_view sql, std::string_view what,
                                Read read, const Args&... args) {
  auto q = db.query(sql);
  if (!q) return q.status();
  q->bind_all(args...);
  auto row = q->step();
  if (!row) return row.status();
  if (!*row) return not_found(std::string(what));
  return read(*q);
}

// Every row of `sql`, read with `read`.
template <typename Read, typename... Args>
Result<std::vector<RowType<Read>>> query_all(Connection& db, std::string_view sql, Read read,
                                             const Args&... args) {
  auto q = db.query(sql);
  if (!q) return q.status();
  q->bind_all(args...);
  std::vector<RowType<Read>> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back(read(*q));
  }
}

// Runs a statement that returns no rows; the number of rows it changed.
template <typename... Args>
Result<int64_t> execute(Connection& db, std::string_view sql, const Args&... args) {
  auto q = db.query(sql);
  if (!q) return q.status();
  q->bind_all(args...);
  PJ_RETURN_IF_ERROR(q->run());
  return q->changes();
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

}  // namespace promptjang::sqlite
