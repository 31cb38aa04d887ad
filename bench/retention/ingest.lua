-- wrk script for bench/retention/run.sh: every request POSTs one 300-byte JSON
-- event to the URL given on wrk's command line (/api/v1/e/EP), authenticated by
-- the API key in the environment variable PJ_KEY.
--
-- done() prints one parseable line:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D
--          non2xx=E connect_err=F read_err=G write_err=H timeout_err=I
-- non2xx is wrk's errors.status: responses with a status above 399 (wrk counts
-- 3xx as success; the ingest route never answers 3xx). Latencies are wrk's own
-- (per request, measured from the write of the request to the read of the
-- answer); rps is completed requests over the run's wall time.

local key = os.getenv("PJ_KEY")
if key == nil or key == "" then
  io.stderr:write("ingest.lua: set PJ_KEY to the API key\n")
  os.exit(2)
end

-- 300 bytes exactly: the fixed part is 39 bytes, the pad fills the rest.
local fixed = '{"event":"bench.ingest","data":{"pad":""}}'
local body = '{"event":"bench.ingest","data":{"pad":"' ..
             string.rep("x", 300 - #fixed) .. '"}}'
assert(#body == 300, "body is " .. #body .. " bytes")

wrk.method = "POST"
wrk.body = body
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"

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
