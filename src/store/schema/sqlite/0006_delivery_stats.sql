-- 0006: delivery statistics (docs/dashboard.md, "Delivery statistics").
--
-- One row per account and 10-minute bucket (bucket_start: unix microseconds, a
-- multiple of 600,000,000). record_attempt adds each attempt to its account's
-- bucket of started_at in the transaction that stores the attempt, so the
-- counts are exact and the dashboard reads at most 144 rows a day instead of
-- scanning attempts. succeeded counts the 2xx answers; h0..h14 count the
-- attempts by duration: [0,1), [1,2), [2,5), [5,10), [10,20), [20,50),
-- [50,100), [100,200), [200,500), [500,1000), [1000,2000), [2000,5000),
-- [5000,10000), [10000,15000) and 15000 ms or more (model/delivery_stats.h).
-- Attempts recorded before this migration are not counted.
-- Old rows are deleted by bucket_start (delivery_stats_by_start); an upsert
-- never changes bucket_start, so the index is written once per new row.
CREATE TABLE delivery_stats (
  account_id   TEXT NOT NULL REFERENCES accounts (id),
  bucket_start INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  succeeded    INTEGER NOT NULL DEFAULT 0,
  h0  INTEGER NOT NULL DEFAULT 0,
  h1  INTEGER NOT NULL DEFAULT 0,
  h2  INTEGER NOT NULL DEFAULT 0,
  h3  INTEGER NOT NULL DEFAULT 0,
  h4  INTEGER NOT NULL DEFAULT 0,
  h5  INTEGER NOT NULL DEFAULT 0,
  h6  INTEGER NOT NULL DEFAULT 0,
  h7  INTEGER NOT NULL DEFAULT 0,
  h8  INTEGER NOT NULL DEFAULT 0,
  h9  INTEGER NOT NULL DEFAULT 0,
  h10 INTEGER NOT NULL DEFAULT 0,
  h11 INTEGER NOT NULL DEFAULT 0,
  h12 INTEGER NOT NULL DEFAULT 0,
  h13 INTEGER NOT NULL DEFAULT 0,
  h14 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, bucket_start)
) STRICT, WITHOUT ROWID;
CREATE INDEX delivery_stats_by_start ON delivery_stats (bucket_start);
