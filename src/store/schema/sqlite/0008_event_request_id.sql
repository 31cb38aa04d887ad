-- 0008: the id of the ingest request that stored each event (issue 9: the
-- X-Request-Id answered to it, the id of its log line), so an attempt's log
-- line, and the event in the API, name the request that made it. NULL for the
-- events stored before.
ALTER TABLE events ADD COLUMN request_id TEXT;
