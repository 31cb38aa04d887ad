-- 0002: the id of the ingest request that stored each event (issue 9: the
-- X-Request-Id answered to it, the id of its log line), so an attempt's log
-- line, and the event in the API, name the request that made it. NULL for the
-- events stored before. Adding a nullable column without a default rewrites
-- nothing: instant on a table of any size.
ALTER TABLE events ADD COLUMN request_id text;
