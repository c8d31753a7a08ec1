-- Abuse flood (bench/run.sh --abuse): a client that presents every access token once. Each
-- connection alternates POST /api/client/v2.0/auth/session with the refresh token
-- (BENCH_TOKEN; 201 {access_token}) and GET /api/client/v2.0/auth/profile with the access
-- token it just got (200), so the server meets a new token at every profile request and the
-- cache of verified tokens sees one distinct token per refresh. Run with -tN -cN (flood.lua).
-- With BENCH_TOKENS_PER_THREAD and BENCH_DONE_DIR, a thread that has presented that many tokens
-- stops and leaves the file thread-<n> in that folder (run.sh then ends wrk with SIGINT, so that
-- wrk's duration is the real one).
-- Adds to the BENCH_RESULT line:
--   "tokens": {"presented":..,"distinct":..,"accepted":..}   profile requests sent, distinct
--   tokens among them (by signature, over all threads), profile answers 200
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "flood.lua")

local refresh, profile_path, quota, done_dir
local access = nil      -- the access token to present next
local asked = nil       -- "refresh" or "profile": what the request in flight is
presented = 0
accepted = 0
seen = {}               -- signature part of every token presented -> true

function init(args)
  refresh = wrk.format("POST", "/api/client/v2.0/auth/session",
    { ["Authorization"] = "Bearer " .. bench_env("BENCH_TOKEN") }, nil)
  profile_path = "/api/client/v2.0/auth/profile"
  quota = tonumber(os.getenv("BENCH_TOKENS_PER_THREAD") or "")
  done_dir = os.getenv("BENCH_DONE_DIR")
end

function flood_request()
  if access == nil then
    asked = "refresh"
    return refresh
  end
  local token = access
  access = nil
  asked = "profile"
  presented = presented + 1
  seen[token:match("[^.]*$")] = true
  return wrk.format("GET", profile_path, { ["Authorization"] = "Bearer " .. token }, nil)
end

function flood_response(status, body)
  if asked == "refresh" and status == 201 then
    access = body:match('"access_token"%s*:%s*"([^"]+)"')
  elseif asked == "profile" and status == 200 then
    accepted = accepted + 1
  end
  if asked == "profile" and quota ~= nil and done_dir ~= nil and presented == quota then
    local f = io.open(done_dir .. "/thread-" .. tostring(thread_no), "w")
    if f ~= nil then f:close() end
    wrk.thread:stop()
  end
  asked = nil
end

function flood_result_extra(threads)
  local p, a, d, all = 0, 0, 0, {}
  for _, t in ipairs(threads) do
    p = p + (t:get("presented") or 0)
    a = a + (t:get("accepted") or 0)
    for sig in pairs(t:get("seen") or {}) do
      if not all[sig] then
        all[sig] = true
        d = d + 1
      end
    end
  end
  return string.format(',"tokens":{"presented":%.0f,"distinct":%.0f,"accepted":%.0f}', p, d, a)
end
