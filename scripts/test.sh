#!/usr/bin/env bash
# `make test`: the same set-up as `make run`, a throwaway PostgreSQL cluster, then every test:
# unit, DB, router and end-to-end tests (cargo test), the OpenAPI check, and the schema fuzz run.
source "$(dirname "$0")/lib.sh"
need_root
"$ROOT/scripts/setup.sh" --test

PORT="${LBAAS_TEST_PG_PORT:-55433}"
pg_stop test-pg
rm -rf "$(readlink -f "$STATE/test-pg" 2>/dev/null || echo "$STATE/test-pg")" "$STATE/test-pg"
URL="$(pg_start test-pg "$PORT")"
trap 'pg_stop test-pg' EXIT

# The LB VM image the end-to-end tests boot.
"$ROOT/scripts/vm-image.sh"
export LBAAS_IMAGE_DIR="$STATE/image"
export LBAAS_TEST_DATABASE_URL="$URL"
export LBAAS_VENV="$STATE/venv"
cd "$ROOT"
log "cargo test"
cargo test --workspace --no-fail-fast 2>&1
log "schema fuzz run"
"$ROOT/scripts/fuzz.sh"
log "all tests passed"
