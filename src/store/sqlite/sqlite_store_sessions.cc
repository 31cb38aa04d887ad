// SqliteStore: dashboard sessions (store.h "dashboard sessions", schema 0005).
// A session is keyed by the SHA-256 of its token; the token never reaches here.
// Threads: reads borrow a pooled reader on the caller's thread; writes go through
// the writer queue (run_sync: the caller waits for the commit), so they are
// batched with ingest like every other write. Deleting expired sessions is one
// short transaction of at most `limit` rows, found through sessions_by_expiry.
#include <string>

#include "query_helpers.h"
#include "reader_pool.h"
#include "sqlite_store.h"
#include "store/rows.h"
#include "write_queue.h"

namespace promptjang {

using sqlite::Connection;

Status SqliteStore::create_session(const Session& session) {
  return writer_->run_sync([&session](Connection& db) {
    return sqlite::with_context(
        sqlite::execute(db,
                        "INSERT INTO sessions (token_hash, user_id, account_id, csrf_token,"
                        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                        session.token_hash, session.user_id, session.account_id, session.csrf_token,
                        session.created_at, session.expires_at)
            .status(),
        "create session of user " + session.user_id);
  });
}

Result<Session> SqliteStore::find_session_by_hash(std::string_view token_hash, TimePoint now) {
  static const std::string kSql = "SELECT " + std::string(rows::kSessionColumns) +
                                  " FROM sessions WHERE token_hash = ? AND expires_at > ?";
  auto db = readers_->acquire();
  return sqlite::query_one(*db, kSql, "session", rows::read_session, token_hash, now);
}

Status SqliteStore::delete_session(std::string_view token_hash) {
  return writer_->run_sync([&](Connection& db) {
    return sqlite::execute_one(db, "DELETE FROM sessions WHERE token_hash = ?", "session",
                               token_hash);
  });
}

Result<int64_t> SqliteStore::delete_sessions_of_user(std::string_view user_id) {
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = sqlite::execute(db, "DELETE FROM sessions WHERE user_id = ?", user_id);
    if (!changed) {
      return sqlite::with_context(changed.status(),
                                  "delete sessions of user " + std::string(user_id));
    }
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

Result<int64_t> SqliteStore::delete_expired_sessions(TimePoint now, int limit) {
  if (limit <= 0) return int64_t{0};
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = sqlite::execute(db,
                                   "DELETE FROM sessions WHERE token_hash IN"
                                   " (SELECT token_hash FROM sessions WHERE expires_at <= ?"
                                   " ORDER BY expires_at LIMIT ?)",
                                   now, limit);
    if (!changed) return sqlite::with_context(changed.status(), "delete expired sessions");
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

}  // namespace promptjang
