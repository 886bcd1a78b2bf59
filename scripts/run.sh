#!/usr/bin/env bash
# run.sh - what `make run` runs after building: a demo gatehouse on SQLite under ./var/.
#
# First run: creates ./var/, a system secret (var/system.secret) and an admin key
# (var/admin.key), migrates the database, registers the demo confidential client
# "demo-agent" (client_credentials; dns:read dns:write logs:read) and prints its secret once,
# registers the public client "demo-web" (authorization code with PKCE, redirect URI
# http://127.0.0.1:8765/callback), and creates the demo user "demo" with a generated password,
# printed once and kept in var/demo-user.password. Later runs reuse all of it. Then it prints
# where to go (an authorization URL for demo-web with a fresh PKCE pair, the account page) and
# runs `gatehouse serve` together with the demo DNS API (examples/dns-api, the resource server
# http://127.0.0.1:8081, its client demo-api's secret kept in
# var/demo-api.secret); Ctrl-C stops both.
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

# base64url without padding, from base64 on stdin.
b64url() {
    tr '+/' '-_' | tr -d '=\n'
}

# register_client ID JSON: registers a demo client once, through the same validation as the
# admin API. Sets created_client to the printed JSON when it was created now, else to "".
register_client() {
    local id=$1 json=$2 rc
    created_client=
    set +e
    created_client=$(printf '%s\n' "$json" | "$BIN" clients create --from-json - 2>var/.create.err)
    rc=$?
    set -e
    if [ $rc -ne 0 ]; then
        created_client=
        if ! grep -q conflict var/.create.err; then
            echo "run.sh: cannot register the demo client $id:" >&2
            cat var/.create.err >&2
            rm -f var/.create.err
            exit 1
        fi
    fi
    rm -f var/.create.err
}

# The demo machine client (client_credentials); its secret is shown once.
register_client demo-agent '{"client_id":"demo-agent","client_name":"Demo agent",
  "grant_types":["client_credentials"],"scope":"dns:read dns:write logs:read",
  "token_endpoint_auth_method":"client_secret_basic"}'
demo_secret=
if [ -n "$created_client" ]; then
    demo_secret=$(printf '%s\n' "$created_client" | sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p')
    echo
    echo "Demo client registered (its secret is shown only this once):"
    echo "  client_id:     demo-agent"
    echo "  client_secret: $demo_secret"
else
    echo
    echo "Demo client demo-agent already exists (its secret was shown when it was created;"
    echo "\`$BIN clients delete demo-agent\` and run again to get a new one)."
fi

# The demo web app: a public client (no secret) of the authorization code flow with PKCE. Its
# redirect URI is a loopback address where nothing listens: the browser shows the code in
# its address bar.
demo_redirect=http://127.0.0.1:8765/callback
register_client demo-web '{"client_id":"demo-web","client_name":"Demo web app",
  "client_uri":"https://example.com/","grant_types":["authorization_code","refresh_token"],
  "response_types":["code"],"redirect_uris":["'"$demo_redirect"'"],
  "scope":"openid profile email offline_access dns:read dns:write logs:read",
  "token_endpoint_auth_method":"none"}'

# The demo user. The password is generated once and kept in var/demo-user.password, so reruns
# neither fail nor change it; if the file is lost, the next run sets a new one.
new_password=0
if [ ! -s var/demo-user.password ]; then
    random_b64 18 | b64url >var/demo-user.password
    new_password=1
fi
demo_password=$(cat var/demo-user.password)
set +e
printf '%s\n' "$demo_password" | "$BIN" users create demo --password-stdin --name "Demo User" \
    --email demo@example.com --email-verified >/dev/null 2>var/.user.err
rc=$?
set -e
if [ $rc -eq 0 ]; then
    echo
    echo "Demo user created (its password is shown only this once; it is kept in"
    echo "var/demo-user.password):"
    echo "  username: demo"
    echo "  password: $demo_password"
elif grep -q taken var/.user.err; then
    if [ $new_password -eq 1 ]; then
        if ! printf '%s\n' "$demo_password" | "$BIN" users passwd demo --password-stdin \
            2>var/.user.err; then
            cat var/.user.err >&2
            rm -f var/.user.err var/demo-user.password
            exit 1
        fi
        echo
        echo "Demo user demo: var/demo-user.password was missing, so the password is new:"
        echo "  username: demo"
        echo "  password: $demo_password"
    else
        echo
        echo "Demo user demo already exists (its password is in var/demo-user.password)."
    fi
else
    cat var/.user.err >&2
    rm -f var/.user.err
    exit 1
fi
rm -f var/.user.err

# The demo API's resource-server client (it introspects opaque tokens); its secret stays in
# var/demo-api.secret for the API's later runs. Without that file the client is made again.
API_BIN=${GATEHOUSE_DNS_API_BIN:-$(dirname "$BIN")/gatehouse-dns-api}
api_secret=
if [ -x "$API_BIN" ]; then
    if [ ! -s var/demo-api.secret ]; then
        "$BIN" clients delete demo-api >/dev/null 2>&1 || true
        register_client demo-api '{"client_id":"demo-api","client_name":"Demo DNS API",
          "grant_types":["client_credentials"],"scope":"dns:read",
          "token_endpoint_auth_method":"client_secret_basic"}'
        printf '%s\n' "$created_client" | sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p' \
            >var/demo-api.secret
    fi
    api_secret=$(cat var/demo-api.secret)
fi

# A fresh PKCE pair (RFC 7636, S256) and state for the authorization URL printed below.
flow_url=
if command -v openssl >/dev/null 2>&1; then
    verifier=$(random_b64 32 | b64url)
    challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | b64url)
    state=$(random_b64 12 | b64url)
    flow_url="$issuer/oauth2/auth?response_type=code&client_id=demo-web"
    flow_url+="&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback"
    flow_url+="&scope=openid%20profile%20email%20offline_access%20dns%3Aread"
    flow_url+="&state=$state&code_challenge=$challenge&code_challenge_method=S256"
fi

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
if [ -n "$flow_url" ]; then
    echo "Try the authorization code flow: open this URL in a browser, sign in as demo, allow;"
    echo "the browser then lands on $demo_redirect?code=... (nothing listens there):"
    echo "  $flow_url"
    echo "and exchange the code (within 60 seconds) for tokens:"
    echo "  curl -s -d grant_type=authorization_code -d client_id=demo-web \\"
    echo "    -d redirect_uri=$demo_redirect -d code_verifier=$verifier \\"
    echo "    -d code=CODE $issuer/oauth2/token"
    echo
fi
echo "See and revoke what the demo user granted (sign in as demo):"
echo "  $issuer/ui/account"
echo
echo "List the clients on the admin API:"
echo "  curl -s -H \"Authorization: Bearer \$(cat var/admin.key)\" $admin_url/admin/clients"
echo
if [ -z "$api_secret" ]; then
    exec "$BIN" serve
fi
api_url=http://127.0.0.1:8081
echo "The demo DNS API (a resource server on the kit in rs/) runs at $api_url:"
echo "  TOKEN=\$(curl -s -u 'demo-agent:${demo_secret:-<client_secret>}' -d grant_type=client_credentials \\"
echo "    -d 'scope=dns:read logs:read' -d resource=$api_url \\"
echo "    $issuer/oauth2/token | jq -r .access_token)"
echo "  curl -s -H \"Authorization: Bearer \$TOKEN\" $api_url/zones/example.com/records"
echo "  curl -si -X POST -H \"Authorization: Bearer \$TOKEN\" -H 'content-type: application/json' \\"
echo "    -d '{\"name\":\"test\",\"type\":\"A\",\"value\":\"192.0.2.1\"}' $api_url/zones/example.com/records"
echo "    (403 insufficient_scope: the token holds dns:read only)"
echo "  MCP: POST $api_url/mcp (JSON-RPC: initialize, tools/list, tools/call); then"
echo "  $BIN audit export --type tool.called    # the calls, traced to their token"
echo
echo "An MCP agent that registers itself and asks the demo user for consent (README, Walkthrough):"
echo "  (cd examples/mcp-agent && npm ci && node agent.mjs $api_url/mcp)"
echo
"$BIN" serve &
gh_pid=$!
DNS_API_DB=var/dns-api.db DNS_API_ISSUER=$issuer DNS_API_RESOURCE=$api_url \
DNS_API_CLIENT_ID=demo-api DNS_API_CLIENT_SECRET=$api_secret "$API_BIN" &
api_pid=$!
trap 'kill -TERM $gh_pid $api_pid 2>/dev/null' INT TERM
# Whichever stops first stops the other.
wait -n $gh_pid $api_pid || true
kill -TERM $gh_pid $api_pid 2>/dev/null || true
wait $gh_pid $api_pid 2>/dev/null || true
