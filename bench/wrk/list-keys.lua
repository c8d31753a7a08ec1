-- Latchkey: GET /api/client/v2.0/auth/api_keys with the refresh token (BENCH_TOKEN).
-- Expects 200 and the user's keys.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. bench_env("BENCH_TOKEN")
