-- Latchkey: POST /api/client/v2.0/auth/session with the refresh token (BENCH_TOKEN),
-- no body, as realm-web sends it. Expects 201 {access_token}.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. bench_env("BENCH_TOKEN")
