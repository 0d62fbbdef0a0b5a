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

# The LB VM image the end-to-end tests boot, where QEMU's user can read it; and a boot of it,
# so a machine that cannot run a VM says so (and why) before any test waits on one.
export LBAAS_IMAGE_DIR="$VARDIR/image"
"$ROOT/scripts/vm-image.sh"
virt_type="$("$ROOT/scripts/preflight.sh")"
export LBAAS_VIRT_TYPE="${LBAAS_VIRT_TYPE:-$virt_type}"
export LBAAS_TEST_DATABASE_URL="$URL"
# Tests start many API, controller and healthcheckd processes at once: each serves its metrics
# on a port of its own choosing, not on the fixed defaults (a test that reads them says where).
export LBAAS_API_METRICS_LISTEN=127.0.0.1:0 LBAAS_CONTROLLER_METRICS_LISTEN=127.0.0.1:0 \
    LBAAS_HEALTHCHECKD_METRICS_LISTEN=127.0.0.1:0
export LBAAS_VENV="$STATE/venv"
# Leftovers of an earlier run that was killed; and, whatever happens, of this one.
"$ROOT/scripts/sweep.sh"
trap '"$ROOT/scripts/sweep.sh"; pg_stop test-pg' EXIT
cd "$ROOT"
# The end-to-end tests run the workspace's binaries (`lbaas`, `lbaas-api`, ...) from the target
# directory. `cargo test` builds a package's binaries only for that package's own integration
# tests, so the CLI (whose tests live in tests/) would be missing on a cold target directory.
log "cargo build (every binary)"
cargo build --workspace --bins 2>&1
log "cargo test"
cargo test --workspace --no-fail-fast 2>&1
log "schema fuzz run"
"$ROOT/scripts/fuzz.sh"
log "generated clients"
"$ROOT/scripts/clients-test.sh"
log "dashboard in a browser"
"$ROOT/scripts/ui-test.sh"
log "all tests passed"
