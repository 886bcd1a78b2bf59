#!/usr/bin/env bash
# Black-box tests of a real gatehouse binary with independent OAuth client libraries
# (oauth4webapi, openid-client and jose from npm, python3-authlib from Debian), Ory's @ory/client
# SDK for the Hydra-compatible admin API, and, for the built-in pages, Debian's chromium driven
# by playwright-core.
#
#   tests/e2e/run.sh <path-to-gatehouse> [test files...]
#
# Installs the pinned npm dependencies (npm ci into tests/e2e/node_modules) when they are
# missing or older than package-lock.json (likewise for examples/login-consent, which
# hydra_example.test.mjs starts, and examples/mcp-agent, which mcp_agent.test.mjs runs), then runs node's built-in test runner over every
# *.test.mjs here (or the files given). Each test file starts its own gatehouse on free
# loopback ports with a fresh SQLite file; server logs go to tests/e2e/artifacts/.
# The output ends with node's standard summary (# tests, # pass, # fail, ...); the exit
# status is non-zero when any test fails.
#
# Environment: GATEHOUSE_E2E_CONCURRENCY (test files run at once, default 2),
# GATEHOUSE_E2E_PYTHON (default /usr/bin/python3), GATEHOUSE_E2E_CHROMIUM (the browser
# browser.test.mjs drives with playwright-core; default Debian's /usr/bin/chromium, never a
# downloaded one), GATEHOUSE_E2E_REPORTER (node's reporter; default: node's own choice, tap
# when the output is not a terminal).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ]; then
  echo "usage: $0 <path-to-gatehouse> [test files...]" >&2
  exit 2
fi
bin=$1
shift
case $bin in /*) ;; *) bin="$PWD/$bin" ;; esac
if [ ! -x "$bin" ]; then
  echo "run.sh: $bin is not an executable" >&2
  exit 2
fi
command -v node >/dev/null || { echo "run.sh: node not found (Node.js >= 20)" >&2; exit 2; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "run.sh: Node.js >= 20 needed, found $(node --version)" >&2
  exit 2
fi

# test files given relative to the caller's directory stay found after the cd below
args=()
for f in "$@"; do
  case $f in /*) args+=("$f") ;; *) if [ -e "$f" ]; then args+=("$PWD/$f"); else args+=("$f"); fi ;; esac
done
set -- "${args[@]}"

cd "$here"
stamp=node_modules/.gatehouse-e2e-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "run.sh: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi
# the examples the tests run have their own pinned dependencies (package-lock.json): the login
# and consent app that hydra_example.test.mjs starts, the MCP agent that mcp_agent.test.mjs runs
for name in login-consent mcp-agent; do
  example="$here/../../examples/$name"
  [ -f "$example/package-lock.json" ] || continue
  estamp="$example/node_modules/.gatehouse-e2e-installed"
  if [ ! -f "$estamp" ] || [ "$example/package-lock.json" -nt "$estamp" ]; then
    echo "run.sh: npm ci in examples/$name" >&2
    (cd "$example" && npm ci --no-audit --no-fund --loglevel=error) >&2
    touch "$estamp"
  fi
done

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=(*.test.mjs)
fi
# the browser test needs a Chromium on this machine: say so before any test starts
for f in "${files[@]}"; do
  if [ "$(basename "$f")" = browser.test.mjs ]; then
    chromium=${GATEHOUSE_E2E_CHROMIUM:-/usr/bin/chromium}
    if [ ! -x "$chromium" ]; then
      echo "run.sh: $chromium not found: browser.test.mjs needs Debian's chromium" \
        "(scripts/deps.sh --test, or apt-get install chromium), or GATEHOUSE_E2E_CHROMIUM=<path>" >&2
      exit 2
    fi
    export GATEHOUSE_E2E_CHROMIUM="$chromium"
  fi
done
mkdir -p artifacts
export GATEHOUSE_BIN="$bin"
reporter=()
if [ -n "${GATEHOUSE_E2E_REPORTER:-}" ]; then reporter=(--test-reporter="$GATEHOUSE_E2E_REPORTER"); fi
exec node --test "${reporter[@]}" --test-concurrency="${GATEHOUSE_E2E_CONCURRENCY:-2}" "${files[@]}"
