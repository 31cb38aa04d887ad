-- wrk script for scripts/bench (bench/run_bench.py): every request POSTs one
-- JSON event of PJ_BODY_BYTES bytes (default 300) to the URL on wrk's command
-- line, with "Authorization: Bearer $PJ_KEY" when PJ_KEY is set (nginx, the
-- ceiling, ignores it; PromptJang's ingest needs it).
--
-- done() prints one parseable line:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D
--          non2xx=E connect_err=F read_err=G write_err=H timeout_err=I
-- non2xx is wrk's errors.status (answers with a status above 399). Latencies
-- are wrk's own: from the write of a request to the read of its answer.

local bytes = tonumber(os.getenv("PJ_BODY_BYTES") or "300")
local fixed = '{"event":"bench.ingest","data":{"pad":""}}'
assert(bytes >= #fixed, "PJ_BODY_BYTES must be at least " .. #fixed)
local body = '{"event":"bench.ingest","data":{"pad":"' ..
             string.rep("x", bytes - #fixed) .. '"}}'
assert(#body == bytes, "body is " .. #body .. " bytes")

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("PJ_KEY")
if key ~= nil and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f" ..
    " max_ms=%.3f non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
