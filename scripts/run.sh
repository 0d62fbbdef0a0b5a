#!/usr/bin/env bash
# `make run`: everything on embedded defaults, one command, no config. Installs what is missing,
# starts (or reuses) PostgreSQL under .lbaas/pg unless DATABASE_URL is set, writes the admin
# token to .lbaas/admin-token (0600, printed once), builds and runs every lbaas process.
# Ctrl-C stops every child, PostgreSQL included.
source "$(dirname "$0")/lib.sh"
need_root
"$ROOT/scripts/setup.sh"

OWN_PG=""
if [ -z "${DATABASE_URL:-}" ]; then
    pg_start pg "${LBAAS_PG_PORT:-5433}" >/dev/null
    export DATABASE_URL="postgres://lbaas@127.0.0.1:${LBAAS_PG_PORT:-5433}/lbaas"
    OWN_PG=1
fi

TOKEN_FILE="$STATE/admin-token"
if [ ! -s "$TOKEN_FILE" ]; then
    (umask 077 && echo "lbt_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$TOKEN_FILE")
    chmod 600 "$TOKEN_FILE"
    log "admin token (shown once, kept in $TOKEN_FILE): $(cat "$TOKEN_FILE")"
else
    log "admin token: in $TOKEN_FILE"
fi

log "building"
(cd "$ROOT" && cargo build -q --bins)
BIN="$CARGO_TARGET_DIR/debug"
export LBAAS_IMAGE_DIR="$VARDIR/image" LBAAS_RUN_DIR="$VARDIR/run"
"$ROOT/scripts/vm-image.sh"
# Nothing says "up" before an LB VM has really booted here (or the reason it cannot has been
# printed): a stalled hypervisor must never look like a working service.
virt_type="$("$ROOT/scripts/preflight.sh")"
export LBAAS_VIRT_TYPE="${LBAAS_VIRT_TYPE:-$virt_type}"

pids=()
cleanup() {
    trap - INT TERM EXIT
    log "stopping"
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "$OWN_PG" ] && pg_stop pg
    exit 0
}
trap cleanup INT TERM EXIT

# The operator's key that seals TLS private keys in PostgreSQL: made once, kept with the state
# (lose it and the stored keys cannot be opened; re-upload the certificates then).
SECRET_FILE="$STATE/secret.key"
if [ ! -s "$SECRET_FILE" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET_FILE")
    log "made the key that encrypts TLS private keys at rest: $SECRET_FILE (back it up)"
fi
export LBAAS_SECRET_KEY_FILE="$SECRET_FILE"

export LBAAS_ASSETS_DIR="$ROOT/vendor/swagger-ui" LBAAS_UI_ASSETS_DIR="$ROOT/vendor/ui"
"$BIN/lbaas-api" --admin-token-file "$TOKEN_FILE" & pids+=($!)
# The API runs the migrations; the others wait until it answers.
for _ in $(seq 1 100); do
    curl -fsS http://127.0.0.1:${LBAAS_LISTEN_PORT:-8080}/healthz >/dev/null 2>&1 && break
    sleep 0.1
done
"$BIN/lbaas-controller" & pids+=($!)
"$BIN/lbaas-healthcheckd" & pids+=($!)
log "lbaas is up: API http://127.0.0.1:8080 (docs: /docs), metrics on 127.0.0.1:9101-9103, Ctrl-C stops everything"
wait -n "${pids[@]}" || true
