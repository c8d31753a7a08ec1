-- Shared by every bench scenario (loaded by the per-scenario scripts beside it).
-- Counts responses per status code in each wrk thread, keeps the first body of every
-- non-2xx status as a sample, and prints one machine-readable line when wrk is done:
--   BENCH_RESULT {"requests":..,"rps":..,"p50_us":..,"p99_us":..,"non2xx":..,...}
-- run.sh reads that line; wrk's own --latency text stays in the log beside it. A script may
-- define bench_result_extra(threads), returning more JSON members (',"name":value,...') for it.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads) -- 1, 2, ...: a global in the thread's script
end

statuses = {}
samples = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (status < 200 or status > 299) and samples[status] == nil then
    samples[status] = string.sub(body or "", 1, 300)
  end
end

-- Reads a required environment variable (run.sh passes tokens and keys that way).
function bench_env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    error("bench: environment variable " .. name .. " is not set")
  end
  return v
end

function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local agg, smp = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do
      agg[k] = (agg[k] or 0) + v
    end
    for k, v in pairs(t:get("samples") or {}) do
      if smp[k] == nil then smp[k] = v end
    end
  end
  local non2xx = 0
  local st, sm = {}, {}
  for k, v in pairs(agg) do
    if k < 200 or k > 299 then non2xx = non2xx + v end
    table.insert(st, json_string(tostring(k)) .. ":" .. string.format("%.0f", v))
  end
  for k, v in pairs(smp) do
    table.insert(sm, json_string(tostring(k)) .. ":" .. json_string(v))
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'BENCH_RESULT {"requests":%.0f,"duration_s":%.3f,"rps":%.3f,"p50_us":%.0f,"p90_us":%.0f,' ..
    '"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f,"non2xx":%.0f,"errors":{"connect":%.0f,' ..
    '"read":%.0f,"write":%.0f,"timeout":%.0f,"status":%.0f},"statuses":{%s},"samples":{%s}%s}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, non2xx, e.connect, e.read, e.write, e.timeout, e.status,
    table.concat(st, ","), table.concat(sm, ","),
    bench_result_extra and bench_result_extra(threads) or ""))
end
