#!/usr/bin/env bash
# The dashboard's browser test (api/ui/tests/test_dashboard.py): Debian's Chromium driven by
# Playwright against a throwaway lbaas-api. Run by `make test` after the client tests.
source "$(dirname "$0")/lib.sh"
VENV="${LBAAS_VENV:-$STATE/venv}"
api_start ui "${LBAAS_UI_TEST_PORT:-18092}"
export LBAAS_URL="$API_BASE" LBAAS_ADMIN_TOKEN="$API_ADMIN"
"$VENV/bin/python" "$ROOT/api/ui/tests/test_dashboard.py" -v 2>&1 | tail -40 ||
    { tail -20 "$API_LOG"; api_stop; exit 1; }
api_stop
log "dashboard: the browser test passed against a live lbaas-api"
