-- 0003: usage counting and retention (SPEC §1), and the Idempotency-Key
-- check of SPEC §4.
--
-- usage holds one row per account and UTC month ('YYYY-MM'): insert_event
-- adds 1 in the transaction that stores the event, so the count is exactly
-- the events ingested. Retention deletes events, never counts.
-- The Idempotency-Key check needs no new index: events_by_idempotency_key
-- (0001) finds the events of one endpoint with one key.
CREATE TABLE usage (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  month      TEXT NOT NULL,  -- 'YYYY-MM', the UTC month of the events' created_at
  events     INTEGER NOT NULL,
  PRIMARY KEY (account_id, month)
) STRICT, WITHOUT ROWID;

-- The events already stored count in the month they were created (integer
-- division floors: created_at is positive unix microseconds).
INSERT INTO usage (account_id, month, events)
  SELECT account_id, strftime('%Y-%m', created_at / 1000000, 'unixepoch'), count(*)
  FROM events GROUP BY 1, 2;

-- Retention walks the accounts of one plan (delete_events_before).
CREATE INDEX accounts_by_plan ON accounts (plan);
