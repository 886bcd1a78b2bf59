-- wrk script for bench/run.sh cases e and f, the same for gatehouse and the peer (paths,
-- credentials and the session cookie come from the environment):
--
--   FLOW_MODE=code     case e: complete authorization-code flows. Each flow is two requests:
--                      GET <FLOW_AUTH_PATH> with the session cookie -> 302/303 whose Location is
--                      FLOW_REDIRECT_URI?code=...&state=FLOW_STATE&iss=FLOW_ISS_Q, then
--                      POST <FLOW_TOKEN_PATH> grant_type=authorization_code with that code, the
--                      redirect_uri and the PKCE verifier -> 200 with access_token, id_token and
--                      refresh_token. A flow counts when its token response is right.
--   FLOW_MODE=refresh  case f: refresh-token rotation. Every request is POST <FLOW_TOKEN_PATH>
--                      grant_type=refresh_token with a refresh token the previous response of
--                      its chain returned -> 200 with a new refresh_token, which the chain uses
--                      next. The chains start from FLOW_RT_FILE (one refresh token a line,
--                      obtained by bench/run.sh with curl before the run): one chain per
--                      connection plus one spare per thread, because wrk calls request() once
--                      before the run to inspect it (thread 0) and that token is never sent.
--
-- wrk gives a script no connection identity (request() and response() take none), so the
-- "state machine per connection" is a queue per wrk thread: an authorization response puts its
-- code in the thread's queue and the next request() of any connection of that thread takes it;
-- likewise a refresh response puts its new refresh token back. A connection never has more than
-- one request in flight, so the queue never holds more codes (or tokens) than the thread has
-- connections, and every code is exchanged once, by the next request the thread sends.
--
-- Other settings: FLOW_COOKIE (Cookie header of /auth), FLOW_BASIC (Authorization header of the
-- token endpoint), FLOW_REDIRECT_Q (redirect_uri form-encoded, for the code exchange),
-- FLOW_VERIFIER (the PKCE code_verifier whose S256 challenge is in FLOW_AUTH_PATH: one fixed
-- pair, it is the server's work that is measured), FLOW_THREADS (wrk -t, to split FLOW_RT_FILE).
--
-- Every response is checked. done() prints one machine-readable line:
--   FLOW mode=M ok=N fail=N auth_fail=N token_fail=N socket_errors=N duration_us=N requests=N
-- ok = completed flows (e) or successful rotations (f); auth_fail = authorization responses
-- that were not a redirect with code, state and iss (or a request sent without a code to send);
-- token_fail = token responses that were not 200 with the expected members.
local mode = os.getenv("FLOW_MODE") or "code"

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function plain_find(s, needle)
  return string.find(s, needle, 1, true) ~= nil
end

local function header(headers, name)
  local v = headers[name]
  if v then return v end
  local lname = string.lower(name)
  for k, val in pairs(headers) do
    if string.lower(k) == lname then return val end
  end
  return nil
end

function init(args)
  ok = 0
  fail = 0
  auth_fail = 0
  token_fail = 0

  token_path = os.getenv("FLOW_TOKEN_PATH") or "/oauth2/token"
  basic = os.getenv("FLOW_BASIC") or ""
  token_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if basic ~= "" then token_headers["Authorization"] = basic end

  -- a FIFO per thread: q[head..tail-1]
  q = {}
  head, tail = 1, 1

  if mode == "code" then
    local auth_path = os.getenv("FLOW_AUTH_PATH") or error("FLOW_AUTH_PATH not set")
    local cookie = os.getenv("FLOW_COOKIE") or ""
    local h = {}
    if cookie ~= "" then h["Cookie"] = cookie end
    auth_request = wrk.format("GET", auth_path, h, nil)
    redirect_uri = os.getenv("FLOW_REDIRECT_URI") or error("FLOW_REDIRECT_URI not set")
    state_part = "state=" .. (os.getenv("FLOW_STATE") or error("FLOW_STATE not set"))
    iss_part = "iss=" .. (os.getenv("FLOW_ISS_Q") or error("FLOW_ISS_Q not set"))
    exchange_tail = "&redirect_uri=" .. (os.getenv("FLOW_REDIRECT_Q") or "") ..
      "&code_verifier=" .. (os.getenv("FLOW_VERIFIER") or "")
  else
    local file = os.getenv("FLOW_RT_FILE") or error("FLOW_RT_FILE not set")
    local nthreads = tonumber(os.getenv("FLOW_THREADS") or "1")
    local i = 0
    for line in io.lines(file) do
      if line ~= "" then
        if i % nthreads == id then
          q[tail] = line
          tail = tail + 1
        end
        i = i + 1
      end
    end
    if tail == head then error("no refresh tokens for thread " .. id .. " in " .. file) end
  end
end

function request()
  if mode == "code" then
    if head < tail then
      local code = q[head]
      q[head] = nil
      head = head + 1
      return wrk.format("POST", token_path, token_headers,
        "grant_type=authorization_code&code=" .. code .. exchange_tail)
    end
    return auth_request
  end
  local rt
  if head < tail then
    rt = q[head]
    q[head] = nil
    head = head + 1
  else
    -- a chain of this thread broke (counted as a failure already): send a token the server
    -- must refuse, so that the loss stays visible. Never a token already sent: reusing a
    -- rotated token would (rightly) revoke its whole family on the server.
    rt = "bench-chain-broken"
  end
  return wrk.format("POST", token_path, token_headers, "grant_type=refresh_token&refresh_token=" .. rt)
end

local function token_ok(status, body)
  return status == 200 and plain_find(body, '"access_token":"') and
    plain_find(body, '"refresh_token":"') and (mode == "refresh" or plain_find(body, '"id_token":"'))
end

function response(status, headers, body)
  if mode == "code" then
    if status == 302 or status == 303 then
      local loc = header(headers, "Location") or ""
      local code = string.match(loc, "[?&]code=([^&]+)")
      if code and string.sub(loc, 1, #redirect_uri) == redirect_uri and
          plain_find(loc, state_part) and plain_find(loc, iss_part) then
        q[tail] = code
        tail = tail + 1
      else
        auth_fail = auth_fail + 1
        fail = fail + 1
      end
    elseif token_ok(status, body) then
      ok = ok + 1
    elseif string.sub(body, 1, 1) == "{" then
      token_fail = token_fail + 1
      fail = fail + 1
    else
      auth_fail = auth_fail + 1
      fail = fail + 1
    end
    return
  end
  if token_ok(status, body) then
    local rt = string.match(body, '"refresh_token":"([^"]+)"')
    q[tail] = rt
    tail = tail + 1
    ok = ok + 1
  else
    token_fail = token_fail + 1
    fail = fail + 1
  end
end

function done(summary, latency, requests)
  local n, f, af, tf = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("ok") or 0)
    f = f + (t:get("fail") or 0)
    af = af + (t:get("auth_fail") or 0)
    tf = tf + (t:get("token_fail") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "FLOW mode=%s ok=%d fail=%d auth_fail=%d token_fail=%d socket_errors=%d duration_us=%d requests=%d\n",
    mode, n, f, af, tf, e.connect + e.read + e.write + e.timeout, summary.duration, summary.requests))
end
