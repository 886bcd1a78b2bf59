-- wrk script for every bench/run.sh case. Configured through the environment:
--   BENCH_METHOD  GET or POST (default GET)
--   BENCH_BODY    application/x-www-form-urlencoded request body (POST)
--   BENCH_AUTH    value of the Authorization header (client_secret_basic)
--   BENCH_EXPECT  Lua pattern (string.find) every 2xx response body must match
--   BENCH_REJECT  optional Lua pattern no 2xx body may match
-- Every response is checked under load, not only the status: a server answering 200 with the
-- wrong body counts as bad. done() prints one machine-readable line:
--   BENCH non2xx=N badbody=N socket_errors=N
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local auth = os.getenv("BENCH_AUTH") or ""

wrk.method = method
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
if auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expect = os.getenv("BENCH_EXPECT") or ""
  reject = os.getenv("BENCH_REJECT") or ""
  non2xx = 0
  badbody = 0
end

function response(status, headers, resp_body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif expect ~= "" and not string.find(resp_body, expect) then
    badbody = badbody + 1
  elseif reject ~= "" and string.find(resp_body, reject) then
    badbody = badbody + 1
  end
end

function done(summary, latency, requests)
  local n, b = 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("non2xx") or 0)
    b = b + (t:get("badbody") or 0)
  end
  local e = summary.errors
  io.write(string.format("BENCH non2xx=%d badbody=%d socket_errors=%d\n",
    n, b, e.connect + e.read + e.write + e.timeout))
end
