-- Shared by the abuse floods (bench/run.sh --abuse; loaded by the *-flood.lua scripts beside
-- it, after common.lua). Run with as many wrk threads as connections (-tN -cN): each thread
-- then drives one connection, its requests and answers alternate, and every answer's latency
-- is timed here per status (wrk's own latency mixes all statuses). The script defines
-- flood_request() (the next request) and may define flood_response(status, body).
-- Adds to the BENCH_RESULT line:
--   "by_status": {"429": {"n":..,"p50_us":..,"p99_us":..,"max_us":..}, ...}
--   "refused": {"n":..,"p50_us":..,"p99_us":..,"max_us":..}   the 429 and 503 answers together
-- Latencies are kept in buckets 1 % wide; a percentile is its bucket's upper edge.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *ts);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local function bucket(us)
  return math.floor(math.log(us + 1) * 100)
end
local function bucket_top_us(b)
  return math.exp((b + 1) / 100) - 1
end

-- Per thread: status * 10000 + bucket -> count (flat: wrk's thread:get cannot copy nested
-- tables), and status -> slowest answer; both copied out in done().
timed = {}
slowest = {}
local sent_at = nil

local count_status = response

function request()
  sent_at = now_us()
  return flood_request()
end

function response(status, headers, body)
  count_status(status, headers, body)
  if sent_at ~= nil then
    local us = now_us() - sent_at
    sent_at = nil
    local k = status * 10000 + math.min(bucket(us), 9999)
    timed[k] = (timed[k] or 0) + 1
    if (slowest[status] or 0) < us then slowest[status] = us end
  end
  if flood_response ~= nil then
    flood_response(status, body)
  end
end

local function summary_json(hist, max_us)
  local n, keys = 0, {}
  for b, c in pairs(hist) do
    n = n + c
    table.insert(keys, b)
  end
  table.sort(keys)
  local function pct(p)
    local want, seen = math.ceil(n * p / 100), 0
    for _, b in ipairs(keys) do
      seen = seen + hist[b]
      if seen >= want then return bucket_top_us(b) end
    end
    return 0
  end
  return string.format('{"n":%.0f,"p50_us":%.0f,"p99_us":%.0f,"max_us":%.0f}',
    n, pct(50), pct(99), max_us)
end

-- Merges the threads' buckets; flood_result_extra(threads), when the script defines it, adds more.
function bench_result_extra(threads)
  local per, top, refused, refused_top = {}, {}, {}, 0
  for _, t in ipairs(threads) do
    for k, c in pairs(t:get("timed") or {}) do
      local status, b = math.floor(k / 10000), k % 10000
      per[status] = per[status] or {}
      per[status][b] = (per[status][b] or 0) + c
      if status == 429 or status == 503 then refused[b] = (refused[b] or 0) + c end
    end
    for status, us in pairs(t:get("slowest") or {}) do
      if (top[status] or 0) < us then top[status] = us end
      if (status == 429 or status == 503) and refused_top < us then refused_top = us end
    end
  end
  local parts = {}
  for status, h in pairs(per) do
    table.insert(parts, json_string(tostring(status)) .. ":" .. summary_json(h, top[status] or 0))
  end
  return ',"by_status":{' .. table.concat(parts, ",") .. '},"refused":' ..
    summary_json(refused, refused_top) .. (flood_result_extra and flood_result_extra(threads) or "")
end
