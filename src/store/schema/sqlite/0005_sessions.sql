-- 0005: dashboard sessions (SPEC §9).
--
-- A session is found by the SHA-256 (lowercase hex) of its token, which only
-- the browser holds (in an HttpOnly cookie): as for API keys, the token itself
-- is never stored. csrf_token is stored as is: the dashboard reads it back, and
-- it is worthless without the cookie. Times are unix microseconds; a session is
-- valid while now < expires_at. Expired sessions are deleted in batches, oldest
-- expiry first (sessions_by_expiry); a user's sessions can all be ended at once
-- (sessions_by_user).
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_user ON sessions (user_id);
