-- Keycloak peer: POST /realms/bench/protocol/openid-connect/token, form
-- grant_type=client_credentials with BENCH_CLIENT_ID / BENCH_CLIENT_SECRET. Expects 200.
-- Compared with Latchkey's api-key login (a secret in, a fresh token out).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&client_id=" .. bench_env("BENCH_CLIENT_ID") ..
  "&client_secret=" .. bench_env("BENCH_CLIENT_SECRET")
