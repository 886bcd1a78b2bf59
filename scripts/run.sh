#!/usr/bin/env bash
# run.sh - what `make run` runs after building: a demo gatehouse on SQLite under ./var/.
#
# First run: creates ./var/, a system secret (var/system.secret) and an admin key
# (var/admin.key), migrates the database, registers the demo confidential client
# "demo-agent" (client_credentials; dns:read dns:write logs:read) and prints its secret once.
# Later runs reuse all of it. Then it prints where to go and replaces itself with
# `gatehouse serve` (stop it with Ctrl-C).
#
# Environment overrides are honoured: GATEHOUSE_CONFIG, GATEHOUSE_DSN, GATEHOUSE_ISSUER,
# GATEHOUSE_PUBLIC_LISTEN, GATEHOUSE_ADMIN_LISTEN; GATEHOUSE_BIN names the binary.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${GATEHOUSE_BIN:-build/gatehouse}
if [ ! -x "$BIN" ]; then
    echo "run.sh: $BIN is missing; run \`make\` first" >&2
    exit 1
fi

umask 077
mkdir -p var

# A random value of n bytes, base64 on one line.
random_b64() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -base64 "$1" | tr -d '\n'
    else
        head -c "$1" /dev/urandom | base64 | tr -d '\n'
    fi
}

# The system secret seals the signing keys: made once, never changed afterwards.
if [ ! -s var/system.secret ]; then
    random_b64 48 >var/system.secret
    echo "run.sh: created var/system.secret"
fi
# The admin key protects the admin listener.
if [ ! -s var/admin.key ]; then
    random_b64 32 | tr '+/' '-_' | tr -d '=' >var/admin.key
    echo "run.sh: created var/admin.key"
fi

export GATEHOUSE_CONFIG=${GATEHOUSE_CONFIG:-gatehouse.example.yaml}
export GATEHOUSE_DSN=${GATEHOUSE_DSN:-sqlite://./var/gatehouse.db}
GATEHOUSE_SECRETS_SYSTEM=$(cat var/system.secret)
GATEHOUSE_ADMIN_KEY=$(cat var/admin.key)
export GATEHOUSE_SECRETS_SYSTEM GATEHOUSE_ADMIN_KEY

public_listen=${GATEHOUSE_PUBLIC_LISTEN:-127.0.0.1:4444}
admin_listen=${GATEHOUSE_ADMIN_LISTEN:-127.0.0.1:4445}
issuer=${GATEHOUSE_ISSUER:-http://$public_listen}
issuer=${issuer%/}
export GATEHOUSE_ISSUER=$issuer
admin_url=http://$admin_listen

"$BIN" migrate

# The demo client, registered once through the same validation as the admin API.
demo_json='{"client_id":"demo-agent","client_name":"Demo agent",
  "grant_types":["client_credentials"],"scope":"dns:read dns:write logs:read",
  "token_endpoint_auth_method":"client_secret_basic"}'
demo_secret=
set +e
created=$(printf '%s\n' "$demo_json" | "$BIN" clients create --from-json - 2>var/.create.err)
rc=$?
set -e
if [ $rc -eq 0 ]; then
    demo_secret=$(printf '%s\n' "$created" | sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p')
    echo
    echo "Demo client registered (its secret is shown only this once):"
    echo "  client_id:     demo-agent"
    echo "  client_secret: $demo_secret"
elif grep -q conflict var/.create.err; then
    echo
    echo "Demo client demo-agent already exists (its secret was shown when it was created;"
    echo "\`$BIN clients delete demo-agent\` and run again to get a new one)."
else
    cat var/.create.err >&2
    rm -f var/.create.err
    exit 1
fi
rm -f var/.create.err

echo
echo "gatehouse is starting:"
echo "  issuer:     $issuer"
echo "  discovery:  $issuer/.well-known/openid-configuration"
echo "  admin API:  $admin_url/admin/clients (Authorization: Bearer \$(cat var/admin.key))"
echo
echo "Get a token for the demo client:"
echo "  curl -s -u 'demo-agent:${demo_secret:-<client_secret>}' \\"
echo "    -d grant_type=client_credentials -d 'scope=dns:read logs:read' \\"
echo "    $issuer/oauth2/token"
echo
echo "List the clients on the admin API:"
echo "  curl -s -H \"Authorization: Bearer \$(cat var/admin.key)\" $admin_url/admin/clients"
echo
exec "$BIN" serve
