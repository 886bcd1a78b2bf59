#!/usr/bin/env bash
# Throughput, latency, CPU per request, memory and start-up time of gatehouse, optionally side
# by side with the peer (panva's oidc-provider, ../../shared/bench/peers/oidc-provider).
#
#   bench/run.sh            build a Release gatehouse into build-bench/, measure it
#   bench/run.sh --peer     the same, then the peer with the same wrk settings, and ratios
#   bench/run.sh --no-build use build-bench/gatehouse as it is
#
# Cases (the same as the peer's bench.sh):
#   a  GET  /.well-known/openid-configuration                        (the HTTP floor)
#   b  POST /oauth2/token client_credentials, client with access_token_strategy opaque
#   c  POST /oauth2/token client_credentials + resource=https://api.example.test, JWT ES256
#   d  POST /oauth2/introspect of an opaque token issued just before, as its client
# Every case is checked once with curl (status and body) before any timing; under load the
# Lua script checks every response body (bench/wrk/bench.lua).
#
# Environment (all optional): DURATION=10s WARMUP=3s THREADS=2 CONNECTIONS=32
#   CASES="a b c d" PORT=4480 ADMIN_PORT=4481 PEER_PORT=3100 BUILD_DIR=build-bench
#   GATEHOUSE=<binary> (skips the build)
# Output: a markdown table on stdout (also saved under bench/logs/, git-ignored, with the raw
# wrk output and the server log). Exit status: 0 ok; 1 setup or check failure; 2 non-2xx,
# wrong bodies or socket errors under load.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

PEER=0
BUILD=1
for arg in "$@"; do
  case $arg in
    --peer) PEER=1 ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$arg' (see --help)" >&2; exit 1 ;;
  esac
done

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
CASES=${CASES:-"a b c d"}
PORT=${PORT:-4480}
ADMIN_PORT=${ADMIN_PORT:-4481}
PEER_PORT=${PEER_PORT:-3100}
BUILD_DIR=${BUILD_DIR:-build-bench}

BASE="http://127.0.0.1:${PORT}"
ADMIN="http://127.0.0.1:${ADMIN_PORT}"
RESOURCE=https://api.example.test
SCOPE='dns:read dns:write logs:read'
SCOPE_Q='dns%3Aread%20dns%3Awrite%20logs%3Aread'
RESOURCE_Q='https%3A%2F%2Fapi.example.test'

die() { echo "bench/run.sh: FAIL: $*" >&2; exit 1; }
log() { echo "bench/run.sh: $*" >&2; }

for tool in wrk curl jq base64 awk getconf; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (Debian: apt-get install wrk curl jq)"
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

server_cpu_ticks() { sed 's/^.*) //' "/proc/$SERVER_PID/stat" | awk '{print $12 + $13}'; }
server_mem_mib() { awk -v f="$1:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status"; }

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
  t0=$(server_cpu_ticks)
  run_wrk "$DURATION" "$path" "$out"
  t1=$(server_cpu_ticks)
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

for c in $CASES; do [ "$c" = d ] || check_case "$c"; done
for c in $CASES; do
  tok=""
  if [ "$c" = d ]; then
    tok=$(issue_opaque)
    check_case d "$tok"
  fi
  load=$(awk '{print $1}' /proc/loadavg)
  log "case $c (load $load)"
  bench_case "$c" "$tok"
done
HWM=$(server_mem_mib VmHWM)
RSS=$(server_mem_mib VmRSS)
stop_server

# --- the report -----------------------------------------------------------------------
# Targets (bench/README.md): req/s floor per case, p99 <= 10 ms, RSS <= 64 MiB, ready <= 100 ms.
declare -A TARGET=([a]=80000 [b]=20000 [c]=30000 [d]=50000)
declare -A PEER_RATIO_TARGET=([a]="" [b]=2 [c]=5 [d]=5)
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { if (v == "" || v == "?") { print "?"; exit }
  ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0); print ok ? "ok" : "MISS" }'; }

REPORT="$LOGDIR/results.md"
{
  echo "${VERSION:-gatehouse} ($BIN), wrk $(wrk --version 2>&1 | head -n1 | awk '{print $2}'): $THREADS threads, $CONNECTIONS connections, $DURATION per case (warm-up $WARMUP)"
  echo "host: $(nproc) CPUs, $(uname -sr), load $(awk '{print $1, $2, $3}' /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "| case | req/s | target | p50 ms | p99 ms (<= 10) | CPU µs/req | non-2xx | bad body | sock err |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
  for c in $CASES; do
    printf '| %s | %s | >= %s %s | %s | %s %s | %s | %s | %s | %s |\n' "${LABEL[$c]}" "${RPS[$c]}" \
      "${TARGET[$c]}" "$(verdict "${RPS[$c]}" "${TARGET[$c]}" ">=")" "${P50[$c]}" \
      "${P99[$c]}" "$(verdict "${P99[$c]}" 10 "<=")" "${CPU[$c]}" "${NON2XX[$c]}" "${BAD[$c]}" "${SOCK[$c]}"
  done
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
if [ "$PEER" = 1 ]; then
  peer_src="$root/../shared/bench/peers/oidc-provider"
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
  log "running the peer (oidc-provider), same wrk settings"
  peer_status=0
  (cd "$peer" && CASES="$CASES" WORKERS_LIST=1 REPEAT=1 DURATION="$DURATION" WARMUP="$WARMUP" \
    THREADS="$THREADS" CONNECTIONS="$CONNECTIONS" PORT="$PEER_PORT" ./bench.sh) >"$LOGDIR/peer.txt" 2>&1 || peer_status=$?
  [ "$peer_status" = 0 ] || [ "$peer_status" = 2 ] || { tail -n 30 "$LOGDIR/peer.txt" >&2; die "the peer's bench.sh failed ($peer_status)"; }
  declare -A PRPS PP99 PCPU
  for c in $CASES; do
    row=$(grep -E "^\| 1 +\| ${c} " "$LOGDIR/peer.txt" | tail -n1) || die "no row for case $c in the peer's output"
    PRPS[$c]=$(awk -F'|' '{gsub(/ /, "", $4); print $4}' <<<"$row")
    PP99[$c]=$(awk -F'|' '{gsub(/ /, "", $7); print $7}' <<<"$row")
    PCPU[$c]=$(awk -F'|' '{gsub(/ /, "", $8); print $8}' <<<"$row")
  done
  PHWM=$(sed -nE 's/^workers=1: peak RSS \(VmHWM\) ([0-9.]+) MiB.*/\1/p' "$LOGDIR/peer.txt" | tail -n1)
  PVER=$(head -n1 "$LOGDIR/peer.txt")
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "?") printf "%.2f", a / b; else printf "?" }'; }
  {
    echo
    echo "Side by side with the peer: $PVER"
    echo
    echo "| case | gatehouse req/s | peer req/s | ratio gh/peer | target ratio | gatehouse p99 ms | peer p99 ms | gatehouse CPU µs/req | peer CPU µs/req | CPU ratio peer/gh |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"
    for c in $CASES; do
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

log "results saved to $REPORT"
exit $((UNEXPECTED * 2))
