-- Latchkey: POST /api/client/v2.0/app/<app>/auth/providers/api-key/login {"key": ...}
-- rotating over the API keys in BENCH_KEYS (space-separated). Expects 200.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local reqs, n = {}, 0

function init(args)
  for key in string.gmatch(bench_env("BENCH_KEYS"), "%S+") do
    table.insert(reqs, wrk.format("POST", nil, { ["Content-Type"] = "application/json" },
      '{"key":"' .. key .. '"}'))
  end
end

function request()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end
