-- 0004: due work found per endpoint.
--
-- The claim of 0001 walked the oldest due events in one index (events_due) and
-- kept a few of each endpoint: with one endpoint's backlog in front, each claim
-- read thousands of rows to lease a handful, and once that endpoint was held
-- to its cap the walk crossed the whole backlog to find nothing (measured: a
-- 368,000-event backlog drained at 2,000 events/s with the writer at 100%).
-- Claims now walk the live endpoints and take the first due events of each
-- from this index: the work is the endpoints plus the rows claimed, whatever
-- the backlog. It also serves delete_endpoint's failing of pending events.
DROP INDEX events_due;
CREATE INDEX events_due_by_endpoint ON events (endpoint_id, next_attempt_at, id)
  WHERE status IN ('QUEUED', 'RETRYING');
