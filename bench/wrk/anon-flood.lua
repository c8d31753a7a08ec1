-- Abuse flood (bench/run.sh --abuse): POST /api/client/v2.0/app/<BENCH_APP>/auth/providers/
-- anon-user/login with {}: every one that gets through makes a user and a session. All from
-- 127.0.0.1, so past LATCHKEY_THROTTLE_ANONYMOUS_LOGINS (100 an hour) the answer is 429.
-- Run with -tN -cN (flood.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "flood.lua")

local req

function init(args)
  req = wrk.format("POST", "/api/client/v2.0/app/" .. bench_env("BENCH_APP") .. "/auth/providers/anon-user/login",
    { ["Content-Type"] = "application/json" }, "{}")
end

function flood_request()
  return req
end
