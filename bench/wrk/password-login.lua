-- Latchkey: POST /api/client/v2.0/app/<app>/auth/providers/local-userpass/login
-- {"username": BENCH_EMAIL, "password": BENCH_PASSWORD}. Expects 200. Slow by design
-- (PBKDF2, 600k rounds): run.sh drives it with fewer connections.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"' .. bench_env("BENCH_EMAIL") .. '","password":"' ..
  bench_env("BENCH_PASSWORD") .. '"}'
