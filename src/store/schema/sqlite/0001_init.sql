-- 0001: the initial schema of the SQLite back end.
--
-- Times are INTEGER unix microseconds (core/clock.h to_unix_micros). Ids are the
-- time-sortable text ids of core/ids.h, so ORDER BY id is creation order and
-- "newest first" is ORDER BY id DESC. Tables are STRICT: a value of the wrong
-- type is an error, never a silent conversion (payloads stay byte for byte).
-- This file is embedded into the binary at build time; never edit it once
-- released: add 0002_... instead.

CREATE TABLE accounts (
  id         TEXT PRIMARY KEY NOT NULL,
  name       TEXT NOT NULL,
  plan       TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  id            TEXT PRIMARY KEY NOT NULL,
  account_id    TEXT NOT NULL REFERENCES accounts (id),
  email         TEXT NOT NULL UNIQUE,  -- lowercased by the store
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_account ON users (account_id);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY NOT NULL,
  account_id   TEXT NOT NULL REFERENCES accounts (id),
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE,  -- lowercase hex SHA-256 of the key
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_by_account ON api_keys (account_id, id);

CREATE TABLE endpoints (
  id                         TEXT PRIMARY KEY NOT NULL,
  account_id                 TEXT NOT NULL REFERENCES accounts (id),
  url                        TEXT NOT NULL,
  description                TEXT NOT NULL,
  enabled                    INTEGER NOT NULL,
  secret                     TEXT NOT NULL,
  previous_secret            TEXT,
  previous_secret_expires_at INTEGER,
  created_at                 INTEGER NOT NULL,
  updated_at                 INTEGER NOT NULL,
  deleted_at                 INTEGER,  -- soft delete: its events stay readable
  -- Lists go by (account_id, id); events reference the pair, so an event can
  -- never point at another tenant's endpoint.
  UNIQUE (account_id, id)
) STRICT;

CREATE TABLE events (
  id              TEXT PRIMARY KEY NOT NULL,
  account_id      TEXT NOT NULL,
  endpoint_id     TEXT NOT NULL,
  event_type      TEXT,
  status          TEXT NOT NULL
                  CHECK (status IN ('QUEUED', 'RETRYING', 'DELIVERED', 'FAILED', 'EXPIRED')),
  payload         BLOB NOT NULL,  -- the body as received, byte for byte
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER,
  attempt_count   INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  lease_until     INTEGER,  -- a claimed event is not handed out again before this
  FOREIGN KEY (account_id, endpoint_id) REFERENCES endpoints (account_id, id)
) STRICT;
CREATE INDEX events_by_account ON events (account_id, id);
CREATE INDEX events_by_account_endpoint ON events (account_id, endpoint_id, id);
CREATE INDEX events_by_account_status ON events (account_id, status, id);
-- Due work, oldest due first; only events that may still be delivered.
CREATE INDEX events_due ON events (next_attempt_at, id)
  WHERE status IN ('QUEUED', 'RETRYING');
-- For the Idempotency-Key lookup of SPEC §4 (same key, same endpoint).
CREATE INDEX events_by_idempotency_key ON events (endpoint_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE attempts (
  event_id           TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  number             INTEGER NOT NULL,  -- 1-based over the life of the event
  started_at         INTEGER NOT NULL,
  duration_ms        INTEGER NOT NULL,
  status_code        INTEGER,           -- none when no HTTP answer came
  error              TEXT,              -- timeout | connection | dns | tls | refused_by_policy
  response_headers   TEXT NOT NULL,     -- a JSON object
  response_body      BLOB NOT NULL,     -- the first 64 KiB, byte for byte
  response_truncated INTEGER NOT NULL,
  PRIMARY KEY (event_id, number)
) STRICT;
