-- Latchkey soak (bench/run.sh --soak): one wrk run of mixed client-API traffic, paced.
-- request() rotates through, per wrk thread:
--   GET  /auth/api_keys                                 refresh token (BENCH_REFRESH)  200
--   GET  /auth/profile                                  access token (BENCH_ACCESS)    200
--   POST /auth/session                                  refresh token, no body         201
--   POST /app/<BENCH_APP>/auth/providers/api-key/login  {"key": ...}, rotating over
--                                                       the keys in BENCH_KEYS         200
-- and every 50th request instead PUT /auth/api_keys/<BENCH_KEY_ID>/enable (refresh token,
-- no body; the key is already enabled, so it is idempotent): 204.
-- delay() waits BENCH_DELAY_MS (default 10) before each request on every connection, so the
-- rate is about connections * 1000 / (BENCH_DELAY_MS + latency ms): moderate, not the
-- maximum. Statuses and the BENCH_RESULT line come from common.lua.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local base = "/api/client/v2.0"
local mix, logins, enable = {}, {}, nil
local n, k = 0, 0
local pause = 10

function init(args)
  local refresh = "Bearer " .. bench_env("BENCH_REFRESH")
  local access = "Bearer " .. bench_env("BENCH_ACCESS")
  local app = bench_env("BENCH_APP")
  pause = tonumber(os.getenv("BENCH_DELAY_MS") or "") or 10
  table.insert(mix, wrk.format("GET", base .. "/auth/api_keys",
    { ["Authorization"] = refresh }, nil))
  table.insert(mix, wrk.format("GET", base .. "/auth/profile",
    { ["Authorization"] = access }, nil))
  table.insert(mix, wrk.format("POST", base .. "/auth/session",
    { ["Authorization"] = refresh }, nil))
  table.insert(mix, "login") -- placeholder: the next api-key login, see request()
  for key in string.gmatch(bench_env("BENCH_KEYS"), "%S+") do
    table.insert(logins, wrk.format("POST", base .. "/app/" .. app .. "/auth/providers/api-key/login",
      { ["Content-Type"] = "application/json" }, '{"key":"' .. key .. '"}'))
  end
  enable = wrk.format("PUT", base .. "/auth/api_keys/" .. bench_env("BENCH_KEY_ID") .. "/enable",
    { ["Authorization"] = refresh }, nil)
end

function request()
  n = n + 1
  if n % 50 == 0 then
    return enable
  end
  local r = mix[(n % #mix) + 1]
  if r == "login" then
    k = k + 1
    r = logins[(k % #logins) + 1]
  end
  return r
end

function delay()
  return pause
end
