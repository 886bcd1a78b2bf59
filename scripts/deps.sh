#!/usr/bin/env bash
# Installs the Debian 12 packages gatehouse needs to build, run and test.
# Idempotent: packages already present are left alone. Run as root.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libssl-dev
    libsqlite3-dev libpq-dev libsodium-dev libcyaml-dev libyaml-dev sqlite3
    libcurl4-openssl-dev)
# libcurl4-openssl-dev: the resource-server kit (rs/) fetches JWKS, metadata and introspection
# answers and posts tool-call reports with libcurl (timeouts, size bounds, thread-safe handles)
# chromium: the browser test drives Debian's chromium with playwright-core (no browser download)
test_pkgs=(libcmocka-dev clang jq curl wrk python3-authlib python3-requests chromium)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
    want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (with npm bundled); only ask apt when absent.
if [ "${1:-}" = "--test" ]; then
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
