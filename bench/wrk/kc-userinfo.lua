-- Keycloak peer: GET /realms/bench/protocol/openid-connect/userinfo with a user's bearer
-- access token (BENCH_TOKEN). Expects 200. Compared with Latchkey's GET /auth/api_keys
-- (a token checked against a live session, a small read answered).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. bench_env("BENCH_TOKEN")
