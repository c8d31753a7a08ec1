-- Latchkey: GET /api/client/v2.0/auth/profile with the access token (BENCH_TOKEN).
-- Expects 200.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. bench_env("BENCH_TOKEN")
