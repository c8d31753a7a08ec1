-- Abuse flood (bench/run.sh --abuse): POST /api/client/v2.0/app/<BENCH_APP>/auth/providers/
-- local-userpass/register, every request a new email (flood-<BENCH_NONCE>-<thread>-<n>@...).
-- All from 127.0.0.1, so past LATCHKEY_THROTTLE_REGISTRATIONS (100 an hour) the answer is 429;
-- before that 201, or 503 when the password pool is full. Run with -tN -cN (flood.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "flood.lua")

local path, prefix, n

function init(args)
  path = "/api/client/v2.0/app/" .. bench_env("BENCH_APP") .. "/auth/providers/local-userpass/register"
  prefix = "flood-" .. bench_env("BENCH_NONCE") .. "-" .. tostring(thread_no) .. "-"
  n = 0
end

function flood_request()
  n = n + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" },
    '{"email":"' .. prefix .. n .. '@example.com","password":"flood-password-1"}')
end
