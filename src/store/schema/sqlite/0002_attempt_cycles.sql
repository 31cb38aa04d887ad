-- 0002: attempt cycles and replay (SPEC §6).
--
-- cycle_base is attempt_count when the event's current attempt cycle began: 0
-- until a replay, then the count at the last replay. The retry schedule is
-- indexed by attempt_count + 1 - cycle_base, so a replayed event gets the full
-- schedule again while its attempt numbers go on counting (7, 8, ...).
-- Existing events are in their first cycle: the default 0 is right for them.
ALTER TABLE events ADD COLUMN cycle_base INTEGER NOT NULL DEFAULT 0;

-- Bulk replay ("every EXPIRED event of this endpoint in a time range"): only
-- events that can be replayed are in it, so ingest (QUEUED) never writes it.
-- Written with OR, not IN: SQLite proves that `status = 'EXPIRED'` implies an
-- OR of terms, not an IN list, and would otherwise never use the index.
CREATE INDEX events_replayable ON events (endpoint_id, status, created_at)
  WHERE status = 'EXPIRED' OR status = 'FAILED';
