#!/usr/bin/env bash
# The generated clients (clients/) against a live lbaas-api: first a check that they are what
# the generators make of openapi/lbaas.json today, then each client's test walking a tenant's
# life through it (clients/tests/test_python.py, clients/typescript/test/live.test.ts).
source "$(dirname "$0")/lib.sh"
VENV="${LBAAS_VENV:-$STATE/venv}"
"$ROOT/scripts/clients.sh" check

"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$ROOT/clients/python"
"$VENV/bin/pip" install -q --disable-pip-version-check "$ROOT/clients/python"
TS="$ROOT/clients/typescript"
[ -x "$TS/node_modules/.bin/tsc" ] || (cd "$TS" && npm ci --silent --no-audit --no-fund)

for client in python typescript; do
    api_start "client${client:0:2}" "${LBAAS_CLIENT_TEST_PORT:-18090}"
    export LBAAS_URL="$API_BASE" LBAAS_ADMIN_TOKEN="$API_ADMIN"
    case "$client" in
    python) "$VENV/bin/python" "$ROOT/clients/tests/test_python.py" -v 2>&1 | tail -4 ;;
    typescript) (cd "$TS" && rm -rf dist && npm test --silent) ;;
    esac || { tail -20 "$API_LOG"; api_stop; exit 1; }
    api_stop
done
log "clients: python and typescript passed against a live lbaas-api"
