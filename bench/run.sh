#!/usr/bin/env bash
# Throughput, latency, CPU per request, memory and start-up time of gatehouse, optionally side
# by side with the peer (panva's oidc-provider, ../../shared/bench/peers/oidc-provider).
#
#   bench/run.sh            build a Release gatehouse into build-bench/, measure it
#   bench/run.sh --peer     the same, then the peer with the same wrk settings, and ratios
#   bench/run.sh --no-build use build-bench/gatehouse as it is
#
# Cases a-d (the same as the peer's bench.sh):
#   a  GET  /.well-known/openid-configuration                        (the HTTP floor)
#   b  POST /oauth2/token client_credentials, client with access_token_strategy opaque
#   c  POST /oauth2/token client_credentials + resource=https://api.example.test, JWT ES256
#   d  POST /oauth2/introspect of an opaque token issued just before, as its client
# Cases e-f (the authorization-code flow of a user with a login session and a remembered
# consent; the peer runs bench/peer/flow-server.mjs for them):
#   e  complete flows: GET /oauth2/auth (session cookie, PKCE S256) -> 302 with a code, then
#      POST /oauth2/token authorization_code -> access, ID (ES256) and refresh token
#   f  refresh-token rotation: POST /oauth2/token refresh_token, each chain using the token the
#      previous response returned
# Every case is checked once with curl (status and body) before any timing; under load the
# Lua scripts check every response (bench/wrk/bench.lua, bench/wrk/flow.lua).
#
# Environment (all optional): DURATION=10s WARMUP=3s THREADS=2 CONNECTIONS=32
#   CASES="a b c d e f" PORT=4480 ADMIN_PORT=4481 PEER_PORT=3100 PEER_FLOW_PORT=3101
#   BUILD_DIR=build-bench GATEHOUSE=<binary> (skips the build)
#   PERF=1: record gatehouse's timed runs with perf (logs/<stamp>/perf-<case>.data and a flat
#   profile by symbol, perf-<case>.txt); PERF_CALLGRAPH=dwarf|fp adds call graphs
# Output: markdown tables on stdout (also saved under bench/logs/, git-ignored, with the raw
# wrk output and the server logs). Exit status: 0 ok; 1 setup or check failure; 2 non-2xx,
# wrong bodies, failed flows or socket errors under load.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

PEER=0
BUILD=1
for arg in "$@"; do
  case $arg in
    --peer) PEER=1 ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$arg' (see --help)" >&2; exit 1 ;;
  esac
done

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
CASES=${CASES:-"a b c d e f"}
PORT=${PORT:-4480}
ADMIN_PORT=${ADMIN_PORT:-4481}
PEER_PORT=${PEER_PORT:-3100}
PEER_FLOW_PORT=${PEER_FLOW_PORT:-3101}
BUILD_DIR=${BUILD_DIR:-build-bench}
PERF=${PERF:-0}
PERF_CALLGRAPH=${PERF_CALLGRAPH:-}

BASE="http://127.0.0.1:${PORT}"
ADMIN="http://127.0.0.1:${ADMIN_PORT}"
RESOURCE=https://api.example.test
SCOPE='dns:read dns:write logs:read'
SCOPE_Q='dns%3Aread%20dns%3Awrite%20logs%3Aread'
RESOURCE_Q='https%3A%2F%2Fapi.example.test'
# e, f: the client's redirect URI (never visited: the 302 is where a flow's first half ends),
# the scope asked for, and one fixed PKCE pair (RFC 7636: verifier 43-128 unreserved
# characters, challenge = base64url(SHA-256(verifier))); the server's work is what counts.
REDIRECT_URI=https://app.example.test/cb
REDIRECT_Q='https%3A%2F%2Fapp.example.test%2Fcb'
FLOW_SCOPE='openid offline_access dns:read'
FLOW_SCOPE_Q='openid%20offline_access%20dns%3Aread'
FLOW_STATE=bench-state-0123456789
PKCE_VERIFIER=bench-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
PEER_FLOW_SECRET=bench-only-secret-not-for-production-use-0123456789 # bench/peer/flow-server.mjs

die() { echo "bench/run.sh: FAIL: $*" >&2; exit 1; }
log() { echo "bench/run.sh: $*" >&2; }

for c in $CASES; do
  case $c in a|b|c|d|e|f) ;; *) die "unknown case '$c' (cases: a b c d e f)" ;; esac
done
CASES_AD=""; CASES_EF=""
for c in $CASES; do
  case $c in e|f) CASES_EF="$CASES_EF $c" ;; *) CASES_AD="$CASES_AD $c" ;; esac
done
CASES_AD=${CASES_AD# }; CASES_EF=${CASES_EF# }
tools="wrk curl jq base64 awk getconf"
[ "$PERF" = 0 ] || tools="$tools perf"
[ -z "$CASES_EF" ] || tools="$tools python3 openssl"
for tool in $tools; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (Debian: apt-get install wrk curl jq python3 openssl)"
done

mkdir -p "$here/logs"
STAMP=$(date +%Y%m%d-%H%M%S)
LOGDIR="$here/logs/$STAMP"
mkdir -p "$LOGDIR"
CLK_TCK=$(getconf CLK_TCK)

# --- build ----------------------------------------------------------------------------
if [ -n "${GATEHOUSE:-}" ]; then
  BIN=$GATEHOUSE
elif [ "$BUILD" = 1 ]; then
  log "building a Release gatehouse in $BUILD_DIR/"
  (cd "$root" && cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DGH_TESTS=OFF >"$LOGDIR/cmake.log" 2>&1 \
    && cmake --build "$BUILD_DIR" -j2 --target gatehouse >>"$LOGDIR/cmake.log" 2>&1) \
    || { tail -n 30 "$LOGDIR/cmake.log" >&2; die "build failed (log: $LOGDIR/cmake.log)"; }
  BIN="$root/$BUILD_DIR/gatehouse"
else
  BIN="$root/$BUILD_DIR/gatehouse"
fi
[ -x "$BIN" ] || die "$BIN is not an executable"

# --- the server -----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
export GATEHOUSE_CONFIG="$here/gatehouse.bench.yaml"
export GATEHOUSE_DSN="sqlite://$WORK/gatehouse.db"
export GATEHOUSE_ISSUER="$BASE"
export GATEHOUSE_PUBLIC_LISTEN="127.0.0.1:$PORT"
export GATEHOUSE_ADMIN_LISTEN="127.0.0.1:$ADMIN_PORT"
GATEHOUSE_SECRETS_SYSTEM=$(head -c 48 /dev/urandom | base64 -w0)
GATEHOUSE_ADMIN_KEY=bench-admin-$(head -c 24 /dev/urandom | base64 -w0 | tr '+/' '-_')
export GATEHOUSE_SECRETS_SYSTEM GATEHOUSE_ADMIN_KEY

SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    log "server $SERVER_PID did not stop on SIGTERM; sending SIGKILL"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# One GET /health/ready over bash's /dev/tcp (no process spawned per poll, so the start-up
# time is not blurred by curl's own start); true on a 200.
ready_once() {
  local line
  { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
  printf 'GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 || { exec 3>&-; return 1; }
  IFS= read -r -t 2 line <&3 || line=""
  exec 3>&-
  [[ $line == "HTTP/1."?" 200"* ]]
}

READY_MS=""
start_server() { # $1 = log name
  port_busy "$PORT" && die "port $PORT is in use (set PORT=...)"
  port_busy "$ADMIN_PORT" && die "port $ADMIN_PORT is in use (set ADMIN_PORT=...)"
  local t0 t1 i
  t0=${EPOCHREALTIME/[.,]/}
  "$BIN" serve >"$LOGDIR/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 1 200000); do
    if ready_once; then
      t1=${EPOCHREALTIME/[.,]/}
      READY_MS=$(( (10#$t1 - 10#$t0) / 1000 ))
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$LOGDIR/server-$1.log" >&2; die "server exited during start-up"; }
    t1=${EPOCHREALTIME/[.,]/}
    [ $(( (10#$t1 - 10#$t0) / 1000000 )) -lt 30 ] || die "server not ready after 30 s"
  done
  die "server not ready"
}

# Bytes the server has handed to write(2) and friends so far (/proc/PID/io wchar): for e and f,
# what a flow or a refresh costs in WAL writes and checkpoint copies.
written_bytes_of() { awk '$1 == "wchar:" {print $2}' "/proc/$1/io" 2>/dev/null || echo 0; }
server_cpu_ticks() { sed 's/^.*) //' "/proc/$SERVER_PID/stat" | awk '{print $12 + $13}'; }
server_mem_mib() { awk -v f="$1:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status"; }

# PERF=1: a perf recording of the gatehouse process around one timed run.
PERF_PID=""
perf_start() { # $1 case
  [ "$PERF" = 1 ] || return 0
  local cg=()
  [ -z "$PERF_CALLGRAPH" ] || cg=(--call-graph "$PERF_CALLGRAPH")
  perf record -q -F 1999 "${cg[@]}" -p "$SERVER_PID" -o "$LOGDIR/perf-$1.data" >"$LOGDIR/perf-$1.log" 2>&1 &
  PERF_PID=$!
  sleep 0.3
}
perf_stop() { # $1 case
  [ -n "$PERF_PID" ] || return 0
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=""
  perf report -i "$LOGDIR/perf-$1.data" --stdio --no-children --sort dso,symbol 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -n 80 >"$LOGDIR/perf-$1.txt" || true
  log "perf profile of case $1: $LOGDIR/perf-$1.txt"
}

# First start on an empty database (migrations, key generation), clients made with the CLI,
# then a restart on the same database: the timed runs use the restarted server, so its peak
# RSS covers the benchmark only.
log "starting gatehouse on a fresh database"
start_server fresh
READY_FRESH=$READY_MS
make_client() { # $1 client_id, $2 strategy
  "$BIN" clients create --from-json - <<EOF
{"client_id":"$1","client_name":"$1","grant_types":["client_credentials"],"response_types":[],
 "scope":"$SCOPE","token_endpoint_auth_method":"client_secret_basic","access_token_strategy":"$2"}
EOF
}
JWT_CLIENT=$(make_client bench-agent jwt) || die "clients create bench-agent failed"
OPAQUE_CLIENT=$(make_client bench-agent-opaque opaque) || die "clients create bench-agent-opaque failed"
basic_of() { # client JSON -> Basic header value (ids and secrets here need no form-encoding)
  printf 'Basic %s' "$(printf '%s:%s' "$(jq -r .client_id <<<"$1")" "$(jq -r .client_secret <<<"$1")" | base64 -w0)"
}
AUTH_JWT=$(basic_of "$JWT_CLIENT")
AUTH_OPAQUE=$(basic_of "$OPAQUE_CLIENT")
if [ -n "$CASES_EF" ]; then
  # e, f: a built-in user and a confidential web client (ES256 ID tokens: the RS256 default
  # would measure RSA signing; opaque access tokens, as the peer issues without a resource)
  BENCH_USER=bench-user
  BENCH_PASSWORD=bench-pw-$(head -c 18 /dev/urandom | base64 -w0 | tr '+/' '-_')
  "$BIN" users create "$BENCH_USER" --password-stdin <<<"$BENCH_PASSWORD" >/dev/null \
    || die "users create $BENCH_USER failed"
  WEB_CLIENT=$("$BIN" clients create --from-json - <<EOF
{"client_id":"bench-web","client_name":"Bench web app","grant_types":["authorization_code","refresh_token"],
 "response_types":["code"],"redirect_uris":["$REDIRECT_URI"],"scope":"$FLOW_SCOPE",
 "token_endpoint_auth_method":"client_secret_basic","id_token_signed_response_alg":"ES256",
 "access_token_strategy":"opaque"}
EOF
) || die "clients create bench-web failed"
  AUTH_WEB=$(basic_of "$WEB_CLIENT")
fi
stop_server
log "restarting on the same database"
start_server bench
READY_RESTART=$READY_MS
VERSION=$("$BIN" --version 2>/dev/null | head -n1 || true)

# --- one-shot checks with curl --------------------------------------------------------
post() { # $1 path, $2 auth, $3 body -> body \n status
  curl -s --max-time 5 -w '\n%{http_code}' -H "Authorization: $2" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$3" "$BASE$1"
}
status_of() { tail -n1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }
issue_opaque() {
  local r
  r=$(post /oauth2/token "$AUTH_OPAQUE" "grant_type=client_credentials&scope=$SCOPE_Q")
  [ "$(status_of "$r")" = 200 ] || die "opaque token request: HTTP $(status_of "$r"): $(body_of "$r")"
  jq -r .access_token <<<"$(body_of "$r")"
}
check_case() { # $1 case, $2 token (d)
  local r b hdr
  case $1 in
    a)
      r=$(curl -s --max-time 5 -w '\n%{http_code}' "$BASE/.well-known/openid-configuration")
      [ "$(status_of "$r")" = 200 ] || die "case a: HTTP $(status_of "$r")"
      [ "$(body_of "$r" | jq -r .issuer)" = "$BASE" ] || die "case a: issuer is not $BASE: $(body_of "$r")"
      ;;
    b)
      r=$(post /oauth2/token "$AUTH_OPAQUE" "grant_type=client_credentials&scope=$SCOPE_Q")
      [ "$(status_of "$r")" = 200 ] || die "case b: HTTP $(status_of "$r"): $(body_of "$r")"
      b=$(body_of "$r")
      jq -e '(.access_token | startswith("gh_at_")) and (.access_token | contains(".") | not)
             and (.token_type | ascii_downcase) == "bearer"
             and (.scope | split(" ") | sort) == ["dns:read","dns:write","logs:read"]' <<<"$b" >/dev/null \
        || die "case b: unexpected body: $b"
      ;;
    c)
      r=$(post /oauth2/token "$AUTH_JWT" "grant_type=client_credentials&scope=$SCOPE_Q&resource=$RESOURCE_Q")
      [ "$(status_of "$r")" = 200 ] || die "case c: HTTP $(status_of "$r"): $(body_of "$r")"
      b=$(body_of "$r")
      hdr=$(jq -r '.access_token | split(".")[0] | gsub("-";"+") | gsub("_";"/") | . + ("=" * ((4 - length % 4) % 4)) | @base64d' <<<"$b") \
        || die "case c: access token is not a JWT: $b"
      [ "$(jq -r .alg <<<"$hdr")" = ES256 ] || die "case c: JWT alg is not ES256: $hdr"
      [ "$(jq -r .typ <<<"$hdr")" = at+jwt ] || die "case c: JWT typ is not at+jwt: $hdr"
      local payload
      payload=$(jq -r '.access_token | split(".")[1] | gsub("-";"+") | gsub("_";"/") | . + ("=" * ((4 - length % 4) % 4)) | @base64d' <<<"$b")
      jq -e --arg r "$RESOURCE" '(.aud == $r or .aud == [$r]) and .client_id == "bench-agent"' <<<"$payload" >/dev/null \
        || die "case c: JWT claims: $payload"
      ;;
    d)
      r=$(post /oauth2/introspect "$AUTH_OPAQUE" "token=$2&token_type_hint=access_token")
      [ "$(status_of "$r")" = 200 ] || die "case d: HTTP $(status_of "$r"): $(body_of "$r")"
      jq -e '.active == true and .client_id == "bench-agent-opaque"' <<<"$(body_of "$r")" >/dev/null \
        || die "case d: unexpected body: $(body_of "$r")"
      ;;
    *) die "unknown case '$1'" ;;
  esac
}

# --- wrk ------------------------------------------------------------------------------
to_ms() { # wrk time ("812.00us", "1.23ms", "1.02s", "1.50m") -> ms
  awk -v t="$1" 'BEGIN {
    if (t ~ /us$/) { sub(/us$/, "", t); printf "%.2f", t / 1000 }
    else if (t ~ /ms$/) { sub(/ms$/, "", t); printf "%.2f", t }
    else if (t ~ /s$/) { sub(/s$/, "", t); printf "%.2f", t * 1000 }
    else if (t ~ /m$/) { sub(/m$/, "", t); printf "%.2f", t * 60000 }
    else printf "?" }'
}
run_wrk() { # $1 duration, $2 path, $3 outfile
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --latency -s "$here/wrk/bench.lua" "$BASE$2" >"$3" 2>&1 \
    || { cat "$3" >&2; die "wrk failed"; }
}

UNEXPECTED=0
declare -A RPS P50 P99 CPU NON2XX BAD SOCK LABEL
LABEL[a]="a discovery GET"
LABEL[b]="b token cc opaque"
LABEL[c]="c token cc JWT ES256"
LABEL[d]="d introspect opaque"

bench_case() { # $1 case, $2 token (d)
  local c=$1 path out t0 t1 n line
  export BENCH_METHOD=POST BENCH_AUTH="" BENCH_BODY="" BENCH_EXPECT="" BENCH_REJECT=""
  case $c in
    a) path=/.well-known/openid-configuration; BENCH_METHOD=GET
       BENCH_EXPECT="\"issuer\":\"$(sed 's/[.-]/%&/g' <<<"$BASE")\"" ;;
    b) path=/oauth2/token; BENCH_AUTH=$AUTH_OPAQUE; BENCH_BODY="grant_type=client_credentials&scope=$SCOPE_Q"
       BENCH_EXPECT='"access_token":"gh_at_[%w_%-]+"' ;;
    c) path=/oauth2/token; BENCH_AUTH=$AUTH_JWT
       BENCH_BODY="grant_type=client_credentials&scope=$SCOPE_Q&resource=$RESOURCE_Q"
       BENCH_EXPECT='"access_token":"eyJ[%w_%-]+%.[%w_%-]+%.[%w_%-]+"' ;;
    d) path=/oauth2/introspect; BENCH_AUTH=$AUTH_OPAQUE; BENCH_BODY="token=$2&token_type_hint=access_token"
       BENCH_EXPECT='"active":true' ;;
  esac
  out="$LOGDIR/wrk-$c.txt"
  if [ "$WARMUP" != 0 ]; then run_wrk "$WARMUP" "$path" "$out.warmup"; fi
  perf_start "$c"
  t0=$(server_cpu_ticks)
  run_wrk "$DURATION" "$path" "$out"
  t1=$(server_cpu_ticks)
  perf_stop "$c"
  n=$(awk '/ requests in / {print $1; exit}' "$out")
  [ -n "$n" ] && [ "$n" -gt 0 ] || die "case $c: wrk completed no requests: $(cat "$out")"
  CPU[$c]=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$n" 'BEGIN {printf "%.1f", d * 1e6 / hz / n}')
  RPS[$c]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  P50[$c]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  P99[$c]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  line=$(grep '^BENCH ' "$out") || die "case $c: no BENCH line in $out"
  NON2XX[$c]=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$line")
  BAD[$c]=$(sed -E 's/.*badbody=([0-9]+).*/\1/' <<<"$line")
  SOCK[$c]=$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$line")
  if [ "${NON2XX[$c]}" != 0 ] || [ "${BAD[$c]}" != 0 ] || [ "${SOCK[$c]}" != 0 ]; then UNEXPECTED=1; fi
  log "$(printf '%-22s %8s req/s  p50 %s ms  p99 %s ms  cpu %s us/req  non2xx %s  badbody %s  sockerr %s' \
    "${LABEL[$c]}" "${RPS[$c]}" "${P50[$c]}" "${P99[$c]}" "${CPU[$c]}" "${NON2XX[$c]}" "${BAD[$c]}" "${SOCK[$c]}")"
}

# --- cases e, f: the authorization-code flow, on either side -----------------------------
# The side being measured is described by F_NAME (gatehouse|peer), F_BASE (its issuer),
# F_PID (its server process), F_AUTH and F_TOKEN (endpoint paths), F_BASIC (the web client's
# Authorization header) and F_JAR (a curl cookie jar); flow_check sets F_COOKIE (the Cookie
# header /auth gets under load, read from the jar) and F_ISS_Q (iss as the server writes it).
PKCE_CHALLENGE=$(printf '%s' "$PKCE_VERIFIER" | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')
cpu_ticks_of() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
flow_auth_path() {
  printf '%s?response_type=code&client_id=bench-web&redirect_uri=%s&scope=%s&state=%s&nonce=bench-nonce&code_challenge=%s&code_challenge_method=S256' \
    "$F_AUTH" "$REDIRECT_Q" "$FLOW_SCOPE_Q" "$FLOW_STATE" "$PKCE_CHALLENGE"
}
query_param() { # $1 name, $2 URL -> the value as it is in the URL (still percent-encoded)
  local q=${2#*\?}
  q=${q%%#*}
  tr '&' '\n' <<<"$q" | sed -n "s/^$1=//p" | head -n1
}
urldecode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote_plus(sys.argv[1]))' "$1"; }
b64url_json() { # $1 one JWT segment -> its JSON
  jq -rn --arg s "$1" '$s | gsub("-";"+") | gsub("_";"/") | . + ("=" * ((4 - length % 4) % 4)) | @base64d'
}
jar_cookies() { # the cookies of the jar a browser would send to any path of the issuer
  awk -F'\t' -v now="$(date +%s)" 'NF == 7 && $3 == "/" && ($5 == 0 || $5 > now) {
    printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$F_JAR"
}
flow_get() { # $1 URL, $2 page file -> "status redirect_url"
  curl -s --max-time 10 -b "$F_JAR" -c "$F_JAR" -o "$2" -w '%{http_code} %{redirect_url}' "$1" \
    || die "$F_NAME: GET $1 failed"
}

# Walks one authorization request as a browser would, through whatever pages the server shows
# (the login form, the consent form: bench/formfill.py fills them in by DESIGN.md's form
# contract, ticking every scope and "remember"), with curl and the cookie jar, up to the
# redirect to the client; prints that URL.
walk_flow() { # $1 the authorization URL
  local url=$1 page resp status loc form kind submitted="" step method action body
  page=$(mktemp "$WORK/page.XXXXXX")
  resp=$(flow_get "$url" "$page")
  for step in $(seq 1 12); do
    status=${resp%% *}
    loc=${resp#* }
    case $status in
      301|302|303|307)
        if [[ $loc == "$REDIRECT_URI"* ]]; then
          echo "$loc"
          return 0
        fi
        url=$loc
        resp=$(flow_get "$url" "$page")
        ;;
      200)
        if form=$(python3 "$here/formfill.py" login --base "$url" --username "$BENCH_USER" \
                    --password "$BENCH_PASSWORD" <"$page" 2>/dev/null); then
          kind=login
        elif form=$(python3 "$here/formfill.py" consent --base "$url" <"$page" 2>/dev/null); then
          kind=consent
        else
          die "$F_NAME: the page at $url has neither a login nor a consent form: $(head -c 800 "$page")"
        fi
        [[ " $submitted " != *" $kind "* ]] \
          || die "$F_NAME: the $kind page came back after it was submitted: $(grep -o 'class="error"[^<]*<' "$page" || head -c 800 "$page")"
        submitted="$submitted $kind"
        { read -r method; read -r action; read -r body; } <<<"$form"
        [ "$method" = POST ] || die "$F_NAME: the $kind form's method is $method"
        log "$F_NAME: $kind page at ${url%%\?*}: submitting its form"
        url=$action
        resp=$(curl -s --max-time 10 -b "$F_JAR" -c "$F_JAR" -o "$page" -w '%{http_code} %{redirect_url}' \
          -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$action") \
          || die "$F_NAME: POST $action failed"
        ;;
      *) die "$F_NAME: HTTP $status from $url: $(head -c 800 "$page")" ;;
    esac
  done
  die "$F_NAME: no redirect to $REDIRECT_URI after 12 steps (last: $url)"
}

flow_post() { # $1 form body -> body \n status
  curl -s --max-time 5 -w '\n%{http_code}' -H "Authorization: $F_BASIC" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$1" "$F_BASE$F_TOKEN"
}
exchange_body() { echo "grant_type=authorization_code&code=$1&redirect_uri=$REDIRECT_Q&code_verifier=$PKCE_VERIFIER"; }
flow_code() { # one authorization with the session cookie alone -> the code (dies without one)
  local resp
  resp=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' -H "Cookie: $F_COOKIE" "$F_BASE$(flow_auth_path)") \
    || die "$F_NAME: authorization request failed (curl $?)"
  [[ ${resp#* } == "$REDIRECT_URI?"*code=* ]] || die "$F_NAME: authorization with the session cookie: HTTP $resp"
  query_param code "${resp#* }"
}

# Checks, with the session cookie alone: the authorization answers at once with a code, state
# and iss; the code exchange returns access, refresh and ES256 ID token; the refresh token
# rotates twice. Sets F_COOKIE and F_ISS_Q.
flow_check() {
  local hdrs status loc code r b rt rt2 rt3 idt
  F_COOKIE=$(jar_cookies)
  [ -n "$F_COOKIE" ] || die "$F_NAME: no cookie in the jar after the login"
  hdrs=$(curl -s --max-time 5 -D - -o /dev/null -H "Cookie: $F_COOKIE" "$F_BASE$(flow_auth_path)" | tr -d '\r')
  status=$(head -n1 <<<"$hdrs" | awk '{print $2}')
  loc=$(grep -i '^location:' <<<"$hdrs" | head -n1 | sed 's/^[^:]*: *//')
  [[ $status == 302 || $status == 303 ]] \
    || die "$F_NAME: an authorization with the session cookie did not redirect (HTTP $status): $hdrs"
  [[ $loc == "$REDIRECT_URI?"* ]] \
    || die "$F_NAME: an authorization with the session cookie went to $loc, not straight back with a code"
  code=$(query_param code "$loc")
  [ -n "$code" ] || die "$F_NAME: no code in $loc"
  [ "$(query_param state "$loc")" = "$FLOW_STATE" ] || die "$F_NAME: state not returned: $loc"
  F_ISS_Q=$(query_param iss "$loc")
  [ "$(urldecode "$F_ISS_Q")" = "$F_BASE" ] || die "$F_NAME: iss is not $F_BASE: $loc"
  log "$F_NAME: the session cookie alone gets a code (HTTP $status, iss $F_ISS_Q)"

  r=$(flow_post "$(exchange_body "$code")")
  [ "$(status_of "$r")" = 200 ] || die "$F_NAME: code exchange: HTTP $(status_of "$r"): $(body_of "$r")"
  b=$(body_of "$r")
  jq -e '(.access_token | type) == "string" and (.refresh_token | type) == "string"
         and (.id_token | type) == "string" and (.token_type | ascii_downcase) == "bearer"' <<<"$b" >/dev/null \
    || die "$F_NAME: code exchange: unexpected body: $b"
  idt=$(jq -r .id_token <<<"$b")
  [ "$(b64url_json "${idt%%.*}" | jq -r .alg)" = ES256 ] || die "$F_NAME: the ID token is not ES256: $(b64url_json "${idt%%.*}")"
  b64url_json "$(cut -d. -f2 <<<"$idt")" | jq -e --arg iss "$F_BASE" \
    '.iss == $iss and (.aud == "bench-web" or (.aud | index("bench-web"))) and .nonce == "bench-nonce" and .sub != null' >/dev/null \
    || die "$F_NAME: ID token claims: $(b64url_json "$(cut -d. -f2 <<<"$idt")")"
  log "$F_NAME: code exchange: scope '$(jq -r .scope <<<"$b")', ES256 ID token, refresh token"
  rt=$(jq -r .refresh_token <<<"$b")

  r=$(flow_post "grant_type=refresh_token&refresh_token=$rt")
  [ "$(status_of "$r")" = 200 ] || die "$F_NAME: refresh: HTTP $(status_of "$r"): $(body_of "$r")"
  rt2=$(body_of "$r" | jq -r '.refresh_token // empty')
  [ -n "$rt2" ] && [ "$rt2" != "$rt" ] || die "$F_NAME: refresh did not rotate: $(body_of "$r")"
  log "$F_NAME: refresh: scope '$(body_of "$r" | jq -r .scope)', ID token $(body_of "$r" | jq -r 'if .id_token then "yes" else "no" end'), new refresh token"
  r=$(flow_post "grant_type=refresh_token&refresh_token=$rt2")
  [ "$(status_of "$r")" = 200 ] || die "$F_NAME: second refresh: HTTP $(status_of "$r"): $(body_of "$r")"
  rt3=$(body_of "$r" | jq -r '.refresh_token // empty')
  [ -n "$rt3" ] && [ "$rt3" != "$rt2" ] || die "$F_NAME: second refresh did not rotate: $(body_of "$r")"
}

# The login session still answers with a code, or else the flow is walked again (the peer's
# in-memory store holds 1,000 entries, least recently used first out: a refresh run never
# reads the session, so the tokens it inserts push the session out).
ensure_session() {
  local resp
  resp=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' -H "Cookie: $F_COOKIE" "$F_BASE$(flow_auth_path)") \
    || die "$F_NAME: authorization request failed"
  [[ ${resp#* } == "$REDIRECT_URI?"*code=* ]] && return 0
  log "$F_NAME: the session no longer answers with a code (HTTP $resp): logging in again"
  walk_flow "$F_BASE$(flow_auth_path)" >/dev/null
  F_COOKIE=$(jar_cookies)
}

refresh_tokens() { # $1 count, $2 file: that many chains, each from its own code
  local i code r
  : >"$2"
  ensure_session
  for i in $(seq 1 "$1"); do
    code=$(flow_code)
    [ -n "$code" ] || die "$F_NAME: no code for refresh chain $i"
    r=$(flow_post "$(exchange_body "$code")")
    [ "$(status_of "$r")" = 200 ] || die "$F_NAME: code exchange for refresh chain $i: HTTP $(status_of "$r"): $(body_of "$r")"
    body_of "$r" | jq -r .refresh_token >>"$2"
  done
}

# CPU time (µs) of this shell's waited-for children so far: around one wrk run, wrk's own CPU
# (it shares the cores with the server, so what it costs is part of the picture).
# Sets CHILDREN_US; must run in this shell, not in a $(...) subshell.
children_cpu_us() {
  times >"$WORK/times"
  CHILDREN_US=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60 + a[2] }
    printf "%.0f", t * 1e6 }' "$WORK/times")
}
run_flow_wrk() { # $1 duration, $2 outfile (FLOW_* exported)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --latency -s "$here/wrk/flow.lua" "$F_BASE/" >"$2" 2>&1 \
    || { cat "$2" >&2; die "wrk failed"; }
}

declare -A FOPS FRPS FP50 FP99 FCPU FFAIL FSOCK FWRK FKIB
LABEL[e]="e auth code flow"
LABEL[f]="f refresh rotation"
bench_flow() { # $1 case e|f; results keyed "$F_NAME:$1"
  local c=$1 k="$F_NAME:$1" out="$LOGDIR/wrk-$F_NAME-$1.txt" t0 t1 w0 w1 b0 b1 line ok fail sock dur nrt
  export FLOW_MODE FLOW_AUTH_PATH FLOW_TOKEN_PATH="$F_TOKEN" FLOW_COOKIE="$F_COOKIE" FLOW_BASIC="$F_BASIC" \
    FLOW_REDIRECT_URI="$REDIRECT_URI" FLOW_REDIRECT_Q="$REDIRECT_Q" FLOW_STATE FLOW_ISS_Q="$F_ISS_Q" \
    FLOW_VERIFIER="$PKCE_VERIFIER" FLOW_THREADS="$THREADS" FLOW_RT_FILE="$WORK/rt-$F_NAME"
  FLOW_AUTH_PATH=$(flow_auth_path)
  case $c in e) FLOW_MODE=code ;; f) FLOW_MODE=refresh ;; esac
  nrt=$((CONNECTIONS + THREADS)) # a chain per connection and a spare per thread (flow.lua)
  if [ "$WARMUP" != 0 ]; then
    [ "$c" = e ] || refresh_tokens "$nrt" "$FLOW_RT_FILE"
    run_flow_wrk "$WARMUP" "$out.warmup"
  fi
  [ "$c" = e ] || refresh_tokens "$nrt" "$FLOW_RT_FILE"
  log "$F_NAME case $c (load $(awk '{print $1}' /proc/loadavg))"
  [ "$F_NAME" != gatehouse ] || perf_start "$c"
  t0=$(cpu_ticks_of "$F_PID")
  b0=$(written_bytes_of "$F_PID")
  children_cpu_us
  w0=$CHILDREN_US
  run_flow_wrk "$DURATION" "$out"
  children_cpu_us
  w1=$CHILDREN_US
  t1=$(cpu_ticks_of "$F_PID")
  b1=$(written_bytes_of "$F_PID")
  [ "$F_NAME" != gatehouse ] || perf_stop "$c"
  line=$(grep '^FLOW ' "$out") || die "$F_NAME case $c: no FLOW line in $out"
  ok=$(sed -E 's/.* ok=([0-9]+).*/\1/' <<<"$line")
  fail=$(sed -E 's/.* fail=([0-9]+).*/\1/' <<<"$line")
  sock=$(sed -E 's/.* socket_errors=([0-9]+).*/\1/' <<<"$line")
  dur=$(sed -E 's/.* duration_us=([0-9]+).*/\1/' <<<"$line")
  [ "$ok" -gt 0 ] || die "$F_NAME case $c: nothing completed under load: $line"
  FOPS[$k]=$(awk -v n="$ok" -v d="$dur" 'BEGIN {printf "%.0f", n * 1e6 / d}')
  FCPU[$k]=$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$ok" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  FWRK[$k]=$(awk -v t=$((w1 - w0)) -v n="$ok" 'BEGIN {printf "%.1f", t / n}')
  FKIB[$k]=$(awk -v b=$((b1 - b0)) -v n="$ok" 'BEGIN {printf "%.1f", b / 1024 / n}')
  FRPS[$k]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  FP50[$k]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  FP99[$k]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  FFAIL[$k]=$fail
  FSOCK[$k]=$sock
  if [ "$fail" != 0 ] || [ "$sock" != 0 ]; then UNEXPECTED=1; fi
  log "$(printf '%-9s %-20s %7s ops/s  %7s req/s  p50 %s ms  p99 %s ms  cpu %s us/op (wrk %s)  wrote %s KiB/op  failed %s  sockerr %s  (%s)' \
    "$F_NAME" "${LABEL[$c]}" "${FOPS[$k]}" "${FRPS[$k]}" "${FP50[$k]}" "${FP99[$k]}" "${FCPU[$k]}" "${FWRK[$k]}" "${FKIB[$k]}" "$fail" "$sock" "$line")"
}

for c in $CASES_AD; do [ "$c" = d ] || check_case "$c"; done
if [ -n "$CASES_EF" ]; then
  F_NAME=gatehouse F_BASE=$BASE F_PID=$SERVER_PID F_AUTH=/oauth2/auth F_TOKEN=/oauth2/token
  F_BASIC=$AUTH_WEB F_JAR="$WORK/jar-gatehouse"
  log "gatehouse: logging in and consenting once through the built-in pages"
  walk_flow "$F_BASE$(flow_auth_path)" >/dev/null
  flow_check
fi
for c in $CASES_AD; do
  tok=""
  if [ "$c" = d ]; then
    tok=$(issue_opaque)
    check_case d "$tok"
  fi
  load=$(awk '{print $1}' /proc/loadavg)
  log "case $c (load $load)"
  bench_case "$c" "$tok"
done
for c in $CASES_EF; do bench_flow "$c"; done
HWM=$(server_mem_mib VmHWM)
RSS=$(server_mem_mib VmRSS)
stop_server

# --- the report -----------------------------------------------------------------------
# Targets (bench/README.md): req/s floor per case, p99 <= 10 ms, RSS <= 64 MiB, ready <= 100 ms;
# e, f: completed flows (rotations) per second.
declare -A TARGET=([a]=80000 [b]=20000 [c]=30000 [d]=50000 [e]=3000 [f]=8000)
declare -A PEER_RATIO_TARGET=([a]="" [b]=2 [c]=5 [d]=5 [e]=3 [f]=3)
declare -A UNIT=([e]="flows/s" [f]="refreshes/s")
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { if (v == "" || v == "?") { print "?"; exit }
  ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0); print ok ? "ok" : "MISS" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "?" && a != "") printf "%.2f", a / b; else printf "?" }'; }

REPORT="$LOGDIR/results.md"
{
  echo "${VERSION:-gatehouse} ($BIN), wrk $(wrk --version 2>&1 | head -n1 | awk '{print $2}'): $THREADS threads, $CONNECTIONS connections, $DURATION per case (warm-up $WARMUP)"
  echo "host: $(nproc) CPUs, $(uname -sr), load $(awk '{print $1, $2, $3}' /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if [ -n "$CASES_AD" ]; then
    echo
    echo "| case | req/s | target | p50 ms | p99 ms (<= 10) | CPU µs/req | non-2xx | bad body | sock err |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
    for c in $CASES_AD; do
      printf '| %s | %s | >= %s %s | %s | %s %s | %s | %s | %s | %s |\n' "${LABEL[$c]}" "${RPS[$c]}" \
        "${TARGET[$c]}" "$(verdict "${RPS[$c]}" "${TARGET[$c]}" ">=")" "${P50[$c]}" \
        "${P99[$c]}" "$(verdict "${P99[$c]}" 10 "<=")" "${CPU[$c]}" "${NON2XX[$c]}" "${BAD[$c]}" "${SOCK[$c]}"
    done
  fi
  if [ -n "$CASES_EF" ]; then
    echo
    echo "| case | ops/s | target | HTTP req/s | p50 ms | p99 ms | CPU µs/op | wrk CPU µs/op | written KiB/op | failed | sock err |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for c in $CASES_EF; do
      k="gatehouse:$c"
      printf '| %s | %s %s | >= %s %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$c]}" "${FOPS[$k]}" "${UNIT[$c]}" \
        "${TARGET[$c]}" "$(verdict "${FOPS[$k]}" "${TARGET[$c]}" ">=")" "${FRPS[$k]}" "${FP50[$k]}" \
        "${FP99[$k]}" "${FCPU[$k]}" "${FWRK[$k]}" "${FKIB[$k]}" "${FFAIL[$k]}" "${FSOCK[$k]}"
    done
    echo "(e: one op = GET /oauth2/auth + POST /oauth2/token; f: one op = one refresh; p50/p99 per HTTP request;"
    echo " wrk CPU = the load generator's own CPU on the same cores)"
  fi
  echo
  echo "| server | value | target |"
  echo "|---|---:|---|"
  echo "| peak RSS (VmHWM), MiB | $HWM | <= 64 $(verdict "$HWM" 64 "<=") |"
  echo "| RSS after the runs (VmRSS), MiB | $RSS | |"
  echo "| start to ready, existing database, ms | $READY_RESTART | <= 100 $(verdict "$READY_RESTART" 100 "<=") |"
  echo "| start to ready, empty database (migrations, key generation), ms | $READY_FRESH | |"
} >"$REPORT"
cat "$REPORT"

# --- the peer -------------------------------------------------------------------------
peer=""
ensure_peer() { # a writable copy of the peer with its node_modules, in $peer
  local peer_src="$root/../shared/bench/peers/oidc-provider"
  [ -d "$peer_src" ] || peer_src=/work/shared/bench/peers/oidc-provider
  peer="$root/var/peer-oidc-provider"
  [ -f "$peer_src/bench.sh" ] || die "peer not found at $peer_src"
  if [ ! -f "$peer/bench.sh" ] || ! cmp -s "$peer_src/bench.sh" "$peer/bench.sh" \
     || ! cmp -s "$peer_src/package-lock.json" "$peer/package-lock.json"; then
    log "copying the peer to $peer"
    rm -rf "$peer"
    mkdir -p "$root/var"
    cp -r "$peer_src" "$peer"
    chmod -R u+w "$peer"
  fi
  if [ ! -f "$peer/node_modules/oidc-provider/package.json" ]; then
    (cd "$peer" && npm ci --no-audit --no-fund >&2) || die "npm ci in $peer failed"
  fi
}

if [ "$PEER" = 1 ] && [ -n "$CASES_AD" ]; then
  ensure_peer
  log "running the peer (oidc-provider), same wrk settings"
  peer_status=0
  (cd "$peer" && CASES="$CASES_AD" WORKERS_LIST=1 REPEAT=1 DURATION="$DURATION" WARMUP="$WARMUP" \
    THREADS="$THREADS" CONNECTIONS="$CONNECTIONS" PORT="$PEER_PORT" ./bench.sh) >"$LOGDIR/peer.txt" 2>&1 || peer_status=$?
  [ "$peer_status" = 0 ] || [ "$peer_status" = 2 ] || { tail -n 30 "$LOGDIR/peer.txt" >&2; die "the peer's bench.sh failed ($peer_status)"; }
  declare -A PRPS PP99 PCPU
  for c in $CASES_AD; do
    row=$(grep -E "^\| 1 +\| ${c} " "$LOGDIR/peer.txt" | tail -n1) || die "no row for case $c in the peer's output"
    PRPS[$c]=$(awk -F'|' '{gsub(/ /, "", $4); print $4}' <<<"$row")
    PP99[$c]=$(awk -F'|' '{gsub(/ /, "", $7); print $7}' <<<"$row")
    PCPU[$c]=$(awk -F'|' '{gsub(/ /, "", $8); print $8}' <<<"$row")
  done
  PHWM=$(sed -nE 's/^workers=1: peak RSS \(VmHWM\) ([0-9.]+) MiB.*/\1/p' "$LOGDIR/peer.txt" | tail -n1)
  PVER=$(head -n1 "$LOGDIR/peer.txt")
  {
    echo
    echo "Side by side with the peer: $PVER"
    echo
    echo "| case | gatehouse req/s | peer req/s | ratio gh/peer | target ratio | gatehouse p99 ms | peer p99 ms | gatehouse CPU µs/req | peer CPU µs/req | CPU ratio peer/gh |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"
    for c in $CASES_AD; do
      r=$(ratio "${RPS[$c]}" "${PRPS[$c]}")
      t=${PEER_RATIO_TARGET[$c]}
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$c]}" "${RPS[$c]}" "${PRPS[$c]}" "$r" \
        "$([ -n "$t" ] && echo ">= $t $(verdict "$r" "$t" ">=")")" "${P99[$c]}" "${PP99[$c]}" \
        "${CPU[$c]}" "${PCPU[$c]}" "$(ratio "${PCPU[$c]}" "${CPU[$c]}")"
    done
    echo "| peak RSS (VmHWM) MiB | $HWM | ${PHWM:-?} | $(ratio "$HWM" "${PHWM:-0}") | | | | | | |"
  } | tee -a "$REPORT"
  [ "$peer_status" = 0 ] || log "the peer reported unexpected responses under load (see $LOGDIR/peer.txt)"
fi

# e, f on the peer: bench/peer/flow-server.mjs next to the peer's server.mjs, the same session
# and consent set-up (walked once with curl: its interaction route logs in and grants in one
# step), the same checks and the same wrk script.
PEER_FLOW_PID=""
stop_peer_flow() {
  [ -n "$PEER_FLOW_PID" ] || return 0
  kill -TERM "$PEER_FLOW_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$PEER_FLOW_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$PEER_FLOW_PID" 2>/dev/null && kill -KILL "$PEER_FLOW_PID" 2>/dev/null || true
  wait "$PEER_FLOW_PID" 2>/dev/null || true
  PEER_FLOW_PID=""
}
start_peer_flow() {
  port_busy "$PEER_FLOW_PORT" && die "port $PEER_FLOW_PORT is in use (set PEER_FLOW_PORT=...)"
  (cd "$peer" && NODE_ENV=production PORT="$PEER_FLOW_PORT" exec node flow-server.mjs) >>"$LOGDIR/server-peer-flow.log" 2>&1 &
  PEER_FLOW_PID=$!
  local i
  for i in $(seq 1 150); do
    kill -0 "$PEER_FLOW_PID" 2>/dev/null || { cat "$LOGDIR/server-peer-flow.log" >&2; die "the peer's flow server exited"; }
    [ "$(curl -s --max-time 1 "$PEER_BASE/.well-known/openid-configuration" | jq -r .issuer 2>/dev/null)" = "$PEER_BASE" ] && return 0
    sleep 0.2
  done
  die "the peer's flow server is not ready after 30 s"
}
if [ "$PEER" = 1 ] && [ -n "$CASES_EF" ]; then
  trap 'stop_peer_flow; cleanup' EXIT
  ensure_peer
  cp "$here/peer/flow-server.mjs" "$peer/flow-server.mjs"
  PEER_BASE="http://127.0.0.1:$PEER_FLOW_PORT"
  PFHWM=0
  # A fresh peer process (and login) per case: its in-memory adapter keeps, per grant, a map
  # of every token issued under it and walks it on every save, so a peer that has just done
  # case e would run f slower than a fresh one. Measuring it fresh is the kinder comparison.
  for c in $CASES_EF; do
    log "starting the peer's flow server (oidc-provider) on port $PEER_FLOW_PORT for case $c"
    start_peer_flow
    F_NAME=peer F_BASE=$PEER_BASE F_PID=$PEER_FLOW_PID F_AUTH=/auth F_TOKEN=/token F_JAR="$WORK/jar-peer-$c"
    F_BASIC="Basic $(printf '%s' "bench-web:$PEER_FLOW_SECRET" | base64 -w0)"
    walk_flow "$F_BASE$(flow_auth_path)" >/dev/null
    flow_check
    bench_flow "$c"
    PFHWM=$(awk -v m="$PFHWM" '$1 == "VmHWM:" {v = $2 / 1024; printf "%.1f", (v > m ? v : m)}' "/proc/$PEER_FLOW_PID/status")
    stop_peer_flow
  done
  PFVER="oidc-provider $(cd "$peer" && node -p 'require("./node_modules/oidc-provider/package.json").version') on node $(node --version)"
  {
    echo
    echo "Authorization-code flow side by side with the peer: $PFVER (bench/peer/flow-server.mjs, in-memory adapter)"
    echo
    echo "| case | gatehouse ops/s | peer ops/s | ratio gh/peer | target ratio | gatehouse p50/p99 ms | peer p50/p99 ms | gatehouse CPU µs/op | peer CPU µs/op | CPU ratio peer/gh | failed gh/peer |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
    for c in $CASES_EF; do
      g="gatehouse:$c" p="peer:$c"
      r=$(ratio "${FOPS[$g]}" "${FOPS[$p]}")
      t=${PEER_RATIO_TARGET[$c]}
      printf '| %s | %s | %s | %s | >= %s %s | %s / %s | %s / %s | %s | %s | %s | %s / %s |\n' "${LABEL[$c]}" \
        "${FOPS[$g]}" "${FOPS[$p]}" "$r" "$t" "$(verdict "$r" "$t" ">=")" "${FP50[$g]}" "${FP99[$g]}" \
        "${FP50[$p]}" "${FP99[$p]}" "${FCPU[$g]}" "${FCPU[$p]}" "$(ratio "${FCPU[$p]}" "${FCPU[$g]}")" \
        "${FFAIL[$g]}" "${FFAIL[$p]}"
    done
    echo "| peak RSS (VmHWM) MiB | $HWM | $PFHWM | | | | | | | | |"
  } | tee -a "$REPORT"
fi

log "results saved to $REPORT"
exit $((UNEXPECTED * 2))
