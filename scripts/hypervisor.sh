#!/usr/bin/env bash
# A second hypervisor on this machine, beside `make run` (docs/ARCHITECTURE.md §14): starts an
# independent libvirtd for NAME (scripts/libvirtd.sh second NAME), registers it through the API
# unless it is registered, and runs its controller in the foreground with make run's settings.
# Ctrl-C stops the controller; the libvirtd and its VMs stay (the next controller adopts them).
# `lbaas hypervisor drain NAME --wait`, then `scripts/libvirtd.sh second-stop NAME`, remove it.
#   scripts/hypervisor.sh NAME [CAPACITY]     (CAPACITY: nodes, default 8)
source "$(dirname "$0")/lib.sh"
need_root
name="${1:?usage: scripts/hypervisor.sh NAME [CAPACITY]}"
capacity="${2:-8}"
api="http://127.0.0.1:${LBAAS_LISTEN_PORT:-8080}"
curl -fsS "$api/healthz" >/dev/null 2>&1 || {
    echo "the API does not answer at $api: start \`make run\` first" >&2
    exit 1
}
BIN="$CARGO_TARGET_DIR/debug"
libvirtd_second_ensure "$name"
uri="$(libvirtd_second_uri "$name")"
cli=("$BIN/lbaas" --api "$api" --token-file "$STATE/admin-token")
if ! "${cli[@]}" hypervisor show "$name" >/dev/null 2>&1; then
    "${cli[@]}" hypervisor add "$name" --uri "$uri" --capacity "$capacity" >/dev/null
    log "hypervisor $name registered ($uri, $capacity nodes)"
fi
log "controller of hypervisor $name (Ctrl-C stops it; its VMs keep running)"
# make run's settings (scripts/run.sh); DNS is served by the first controller (each would
# publish the same zone, ARCHITECTURE §6, but not on the same port).
export DATABASE_URL="${DATABASE_URL:-postgres://lbaas@127.0.0.1:${LBAAS_PG_PORT:-5433}/lbaas}"
export LBAAS_IMAGE_DIR="$VARDIR/image" LBAAS_RUN_DIR="$VARDIR/run"
export LBAAS_SECRET_KEY_FILE="$STATE/secret.key"
export LBAAS_VIRT_TYPE="${LBAAS_VIRT_TYPE:-$(cat "$STATE/virt-type" 2>/dev/null || echo qemu)}"
exec "$BIN/lbaas-controller" --hypervisor "$name" --dns-listen off --metrics-listen off
