#!/usr/bin/env bash
# Scale simulation (issue 15): N load balancers in PostgreSQL, the fake hypervisor, network and
# agents (controller/tests/scale.rs), so what is measured is the control plane's own cost:
# converging N creates, a full pass (the safety net), a quiet pass (change-driven, nothing
# changed), the pass that carries one change, building the DNS zone (time, memory), and paging
# the API's list 1000 at a time.
# Goal: the quiet pass flat from 1 000 to 10 000 load balancers. Release build, a cluster of
# its own on 127.0.0.1:55435.
#   bench/scale.sh [sizes]   (default 100,1000,10000)
source "$(dirname "$0")/../scripts/lib.sh"
need_root
"$ROOT/scripts/setup.sh"
PORT=55435
pg_stop scale-pg
rm -rf "$(readlink -f "$STATE/scale-pg" 2>/dev/null || echo "$STATE/scale-pg")" "$STATE/scale-pg"
ADMIN_URL="$(pg_start scale-pg "$PORT")"
trap 'pg_stop scale-pg' EXIT
log "building the scale simulation (release)"
cd "$ROOT"
LBAAS_TEST_DATABASE_URL="$ADMIN_URL" LBAAS_SCALE_SIZES="${1:-100,1000,10000}" \
    cargo test -q --release -p lbaas-controller --test scale -- --ignored --nocapture 2>&1 |
    grep -v '^running\|^test result\|^$'
