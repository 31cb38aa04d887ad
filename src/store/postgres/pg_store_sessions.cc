// PgStore: dashboard sessions (store.h "dashboard sessions"). A session is
// keyed by the SHA-256 of its token; the token never reaches here.
// Threads: reads borrow a pooled connection on the caller's thread; writes go
// through the writer (run_sync: the caller waits for the commit), batched with
// ingest. Deleting expired sessions is one short statement of at most `limit`
// rows, found through sessions_by_expiry.
#include <string>

#include "pg_pool.h"
#include "pg_query.h"
#include "pg_store.h"
#include "pg_writer.h"
#include "store/rows.h"

namespace promptjang {

using pg::Connection;

Status PgStore::create_session(const Session& session) {
  return writer_->run_sync([&session](Connection& db) {
    return pg::with_context(
        pg::execute(db,
                    "INSERT INTO sessions (token_hash, user_id, account_id, csrf_token,"
                    " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    session.token_hash, session.user_id, session.account_id, session.csrf_token,
                    session.created_at, session.expires_at)
            .status(),
        "create session of user " + session.user_id);
  });
}

Result<Session> PgStore::find_session_by_hash(std::string_view token_hash, TimePoint now) {
  static const std::string kSql = "SELECT " + std::string(rows::kSessionColumns) +
                                  " FROM sessions WHERE token_hash = $1 AND expires_at > $2";
  auto db = pool_->acquire();
  if (!db) return db.status();
  return pg::query_one(**db, kSql, "session", rows::read_session, token_hash, now);
}

Status PgStore::delete_session(std::string_view token_hash) {
  return writer_->run_sync([&](Connection& db) {
    return pg::execute_one(db, "DELETE FROM sessions WHERE token_hash = $1", "session", token_hash);
  });
}

Result<int64_t> PgStore::delete_sessions_of_user(std::string_view user_id) {
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = pg::execute(db, "DELETE FROM sessions WHERE user_id = $1", user_id);
    if (!changed) {
      return pg::with_context(changed.status(), "delete sessions of user " + std::string(user_id));
    }
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

Result<int64_t> PgStore::delete_expired_sessions(TimePoint now, int limit) {
  if (limit <= 0) return int64_t{0};
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = pg::execute(db,
                               "DELETE FROM sessions WHERE token_hash IN"
                               " (SELECT token_hash FROM sessions WHERE expires_at <= $1"
                               " ORDER BY expires_at LIMIT $2)",
                               now, limit);
    if (!changed) return pg::with_context(changed.status(), "delete expired sessions");
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

}  // namespace promptjang
