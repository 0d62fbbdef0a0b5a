#!/usr/bin/env bash
# Schema fuzz run: schemathesis generates requests from openapi/lbaas.json against a real
# lbaas-api on loopback (own database), with a tenant's token and seeded resources so paths
# resolve. Every response is checked against the spec (status code, content type, body schema)
# and must not be a 5xx; passes with no failure and >= 2000 requests (counted by the server).
source "$(dirname "$0")/lib.sh"
: "${LBAAS_TEST_DATABASE_URL:?run through scripts/test.sh}"
VENV="${LBAAS_VENV:-$STATE/venv}"
api_start fuzz "${LBAAS_FUZZ_PORT:-18080}"
work="$API_WORK" BASE="$API_BASE"
trap api_stop EXIT

admin="$API_ADMIN"
tok="$(curl -fsS -H "Authorization: Bearer $admin" -d '{"name":"fuzz"}' "$BASE/v1/tenants" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
H=(-H "Authorization: Bearer $tok")
curl -fsS "${H[@]}" -d '{"name":"demo"}' "$BASE/v1/projects" >/dev/null
curl -fsS "${H[@]}" -d '{"action":"create","type":"instance","info":{"project":"demo","name":"web",
  "traffic_type":"http","subnet":"10.10.0.0/24","backend":{"entities":["10.10.0.11:8080"]}}}' \
  "$BASE/v1/requests" >/dev/null

# Realistic path values, so generated requests reach the handlers rather than stop at 404.
st_run() {
    "$VENV/bin/schemathesis" run "$ROOT/openapi/lbaas.json" --url "$BASE" "${H[@]}" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples 60 --workers 2 --max-time 60 \
        --phases examples,coverage,fuzzing --suppress-health-check all --warnings off \
        --no-color >"$work/st.log" 2>&1
}
if ! st_run; then
    # CPython 3.11 < 3.11.8 can raise this inside hypothesis' own ast.parse when threads race
    # (python/cpython#106905): a crash of the tool, not a finding about the API. Such a run has
    # no failed check; it is run once more. Any other failure fails the test.
    if grep -q 'SystemError: AST constructor recursion depth mismatch' "$work/st.log" &&
        ! grep -qE '^=+ FAILURES =+' "$work/st.log"; then
        log "schemathesis crashed inside CPython (cpython#106905); running it again"
        st_run || { head -120 "$work/st.log"; echo "schemathesis failed"; exit 1; }
    else
        head -120 "$work/st.log"; echo "schemathesis failed"; exit 1
    fi
fi
tail -25 "$work/st.log"

total=$(grep -c 'finished processing request' "$work/api.log" || true)
errors=$(grep 'finished processing request' "$work/api.log" | grep -cE 'status=5[0-9][0-9]' || true)
echo "fuzz: $total requests served, $errors with a 5xx status"
if [ "$total" -lt 2000 ]; then echo "fuzz: fewer than 2000 requests" >&2; exit 1; fi
if [ "$errors" -ne 0 ]; then grep -B2 'status=5' "$work/api.log" | head -40; exit 1; fi
