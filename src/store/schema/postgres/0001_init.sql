-- 0001: the initial schema of the PostgreSQL back end: the SQLite schema as
-- it stands after its migrations 0001..0006, in PostgreSQL's types, plus the
-- lease owner of work sharing (ARCHITECTURE: many nodes over one database).
--
-- Times are BIGINT unix microseconds (core/clock.h to_unix_micros), as in
-- SQLite. Ids are the time-sortable text ids of core/ids.h; every text key is
-- COLLATE "C" so that ORDER BY id and id < cursor compare bytes, exactly as
-- SQLite does, whatever the database's locale. Payloads and response bodies
-- are BYTEA: byte for byte, NULs and invalid UTF-8 included.
-- Applied in one transaction under an advisory lock (pg_migrations.cc). This
-- file is embedded into the binary at build time; never edit it once
-- released: add 0002_... instead.

CREATE TABLE accounts (
  id         TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT NOT NULL,
  plan       TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL
);
-- Retention walks the accounts of one plan (delete_events_before).
CREATE INDEX accounts_by_plan ON accounts (plan);

CREATE TABLE users (
  id            TEXT COLLATE "C" PRIMARY KEY,
  account_id    TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
  email         TEXT COLLATE "C" NOT NULL UNIQUE,  -- lowercased by the store
  password_hash TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE INDEX users_by_account ON users (account_id);

CREATE TABLE api_keys (
  id           TEXT COLLATE "C" PRIMARY KEY,
  account_id   TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  hash         TEXT COLLATE "C" NOT NULL UNIQUE,  -- lowercase hex SHA-256 of the key
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at   BIGINT
);
CREATE INDEX api_keys_by_account ON api_keys (account_id, id);

CREATE TABLE endpoints (
  id                         TEXT COLLATE "C" PRIMARY KEY,
  account_id                 TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
  url                        TEXT NOT NULL,
  description                TEXT NOT NULL,
  enabled                    BOOLEAN NOT NULL,
  secret                     TEXT NOT NULL,
  previous_secret            TEXT,
  previous_secret_expires_at BIGINT,
  created_at                 BIGINT NOT NULL,
  updated_at                 BIGINT NOT NULL,
  deleted_at                 BIGINT,  -- soft delete: its events stay readable
  -- Lists go by (account_id, id); events reference the pair, so an event can
  -- never point at another tenant's endpoint.
  UNIQUE (account_id, id)
);

CREATE TABLE events (
  id              TEXT COLLATE "C" PRIMARY KEY,
  account_id      TEXT COLLATE "C" NOT NULL,
  endpoint_id     TEXT COLLATE "C" NOT NULL,
  event_type      TEXT COLLATE "C",
  status          TEXT COLLATE "C" NOT NULL
                  CHECK (status IN ('QUEUED', 'RETRYING', 'DELIVERED', 'FAILED', 'EXPIRED')),
  payload         BYTEA NOT NULL,  -- the body as received, byte for byte
  created_at      BIGINT NOT NULL,
  next_attempt_at BIGINT,
  attempt_count   INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT COLLATE "C",
  -- cycle_base is attempt_count when the current attempt cycle began (SPEC §6).
  cycle_base      INTEGER NOT NULL DEFAULT 0,
  lease_until     BIGINT,  -- a claimed event is not handed out again before this
  lease_owner     TEXT,    -- the node holding the lease: only it renews it (renew_leases)
  FOREIGN KEY (account_id, endpoint_id) REFERENCES endpoints (account_id, id)
);
CREATE INDEX events_by_account ON events (account_id, id);
CREATE INDEX events_by_account_endpoint ON events (account_id, endpoint_id, id);
CREATE INDEX events_by_account_status ON events (account_id, status, id);
-- Due work per endpoint, oldest due first; only events that may still be
-- delivered. Claims walk the live endpoints and take the first due events of
-- each from here (FOR UPDATE SKIP LOCKED).
CREATE INDEX events_due_by_endpoint ON events (endpoint_id, next_attempt_at, id)
  WHERE status IN ('QUEUED', 'RETRYING');
-- For the Idempotency-Key lookup of SPEC §4 (same key, same endpoint).
CREATE INDEX events_by_idempotency_key ON events (endpoint_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- Bulk replay ("every EXPIRED event of this endpoint in a time range").
CREATE INDEX events_replayable ON events (endpoint_id, status, created_at)
  WHERE status = 'EXPIRED' OR status = 'FAILED';

CREATE TABLE attempts (
  event_id           TEXT COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  number             INTEGER NOT NULL,  -- 1-based over the life of the event
  started_at         BIGINT NOT NULL,
  duration_ms        BIGINT NOT NULL,
  status_code        INTEGER,           -- none when no HTTP answer came
  error              TEXT,              -- timeout | connection | dns | tls | refused_by_policy
  response_headers   TEXT NOT NULL,     -- a JSON object
  response_body      BYTEA NOT NULL,    -- the first 64 KiB, byte for byte
  response_truncated BOOLEAN NOT NULL,
  PRIMARY KEY (event_id, number)
);

-- Per account and UTC month ('YYYY-MM'): insert_event adds 1 in the
-- transaction that stores the event. Retention deletes events, never counts.
-- `shard` is the writing connection's backend pid (pg_backend_pid()): each
-- node's writer counts in rows of its own, so nodes never queue on (or
-- deadlock over) one hot row per account; reads sum the shards.
CREATE TABLE usage (
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
  month      TEXT COLLATE "C" NOT NULL,
  shard      INTEGER NOT NULL,
  events     BIGINT NOT NULL,
  PRIMARY KEY (account_id, month, shard)
);

-- Dashboard sessions (SPEC §9), keyed by the SHA-256 of their token.
CREATE TABLE sessions (
  token_hash TEXT COLLATE "C" PRIMARY KEY,
  user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id),
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Delivery statistics (docs/dashboard.md): one row per account and 10-minute
-- bucket; record_attempt upserts it in the attempt's transaction. h0..h14
-- count the attempts by duration (model/delivery_stats.h).
CREATE TABLE delivery_stats (
  account_id   TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
  bucket_start BIGINT NOT NULL,
  shard        INTEGER NOT NULL,  -- the writer's backend pid, as in usage
  attempts     BIGINT NOT NULL DEFAULT 0,
  succeeded    BIGINT NOT NULL DEFAULT 0,
  h0  BIGINT NOT NULL DEFAULT 0,
  h1  BIGINT NOT NULL DEFAULT 0,
  h2  BIGINT NOT NULL DEFAULT 0,
  h3  BIGINT NOT NULL DEFAULT 0,
  h4  BIGINT NOT NULL DEFAULT 0,
  h5  BIGINT NOT NULL DEFAULT 0,
  h6  BIGINT NOT NULL DEFAULT 0,
  h7  BIGINT NOT NULL DEFAULT 0,
  h8  BIGINT NOT NULL DEFAULT 0,
  h9  BIGINT NOT NULL DEFAULT 0,
  h10 BIGINT NOT NULL DEFAULT 0,
  h11 BIGINT NOT NULL DEFAULT 0,
  h12 BIGINT NOT NULL DEFAULT 0,
  h13 BIGINT NOT NULL DEFAULT 0,
  h14 BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, bucket_start, shard)
);
CREATE INDEX delivery_stats_by_start ON delivery_stats (bucket_start);
