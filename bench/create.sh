#!/usr/bin/env bash
# Create benchmark: 10 load balancers one after another, then 4 at once. For each: seconds from
# the create call to (a) ACTIVE and (b) the VIP serving a request from the public namespace;
# p50 and max; guest memory and the qemu process RSS per node. Goals (TCG, issue 12): serving
# p50 <= 1 s and max <= 3 s one after another, p50 <= 2 s four at once; with no spare (`0`)
# serving <= 2.5 s; qemu RSS <= 128 MiB. Reference: OpenStack Octavia reports 40-60 s to ACTIVE.
# Runs its own PostgreSQL, API and controller with prefix `lbb`; removes everything at the end.
#   bench/create.sh [spares] [max]   warm pool size (default 4; 0 = every node boots on demand),
#                                    and what demand may grow it to (default: the controller's)
source "$(dirname "$0")/../scripts/lib.sh"
need_root
# Beside a running `make run`: metrics on ports of their own, not the defaults.
export LBAAS_API_METRICS_LISTEN=127.0.0.1:0 LBAAS_CONTROLLER_METRICS_LISTEN=127.0.0.1:0
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/vm-image.sh"
PREFIX=lbb PORT=55435 API_PORT=18082 DNS_PORT=15354 SPARES="${1:-4}" SPARES_MAX="${2:-}"
# Before each measured phase the warm pool is given time to fill (boot + agent hello).
pool_fill() {
    [ "$SPARES" -gt 0 ] || return 0
    for _ in $(seq 1 120); do
        n="$(virsh -c qemu:///system list --name | grep -c "^$PREFIX-n-" || true)"
        [ "$n" -ge "$(( $1 + SPARES ))" ] && break
        sleep 0.5
    done
    sleep 8
}
work="$(mktemp -d)"
pg_stop bench-pg-c
rm -rf "$(readlink -f "$STATE/bench-pg-c" 2>/dev/null || echo "$STATE/bench-pg-c")" "$STATE/bench-pg-c"
pg_start bench-pg-c "$PORT" >/dev/null
DB_URL="postgres://lbaas@127.0.0.1:$PORT/lbaas"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null
    "$ROOT/scripts/backend.sh" del "$PREFIX-be1"
    for d in $(virsh -c qemu:///system list --name | grep "^$PREFIX-"); do virsh -c qemu:///system destroy "$d" >/dev/null; done
    for n in $(ls /run/netns 2>/dev/null | grep "^$PREFIX-"); do ip netns del "$n"; done
    cp "$work/ctl.log" /tmp/create-ctl.log 2>/dev/null; pg_stop bench-pg-c; rm -rf "$work"
}
trap cleanup EXIT
(cd "$ROOT" && cargo build -q -p lbaas-api -p lbaas-controller)
BIN="$CARGO_TARGET_DIR/debug"
echo lbt_bench_admin >"$work/admin"
"$BIN/lbaas-api" --listen "127.0.0.1:$API_PORT" --database-url "$DB_URL" --admin-token-file "$work/admin" >"$work/api.log" 2>&1 & pids+=($!)
BASE="http://127.0.0.1:$API_PORT"
for _ in $(seq 1 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
"$BIN/lbaas-controller" --database-url "$DB_URL" --prefix "$PREFIX" --image-dir "$VARDIR/image" \
    --run-dir "$work/run" --dns-listen "127.0.0.1:$DNS_PORT" --spare-nodes "$SPARES" ${SPARES_MAX:+--spare-nodes-max "$SPARES_MAX"} >"$work/ctl.log" 2>&1 & pids+=($!)
tok="$(curl -fsS -H "Authorization: Bearer lbt_bench_admin" -d '{"name":"bench","quotas":{"load_balancers":100,"nodes":100}}' "$BASE/v1/tenants" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
H=(-H "Authorization: Bearer $tok")
curl -fsS "${H[@]}" -d '{"name":"demo"}' "$BASE/v1/projects" >/dev/null

# create NAME [noserve] → prints "active_s serving_s"
create() {
    local name="$1" t0 t1 t2 vip st body
    t0=$(date +%s.%N)
    curl -fsS "${H[@]}" -o /dev/null -d "{\"action\":\"create\",\"type\":\"instance\",\"info\":{\"project\":\"demo\",
      \"name\":\"$name\",\"traffic_type\":\"http\",\"subnet\":\"10.10.0.0/24\",\"backend\":{\"entities\":[\"10.10.0.11:8080\"]}}}" \
      "$BASE/v1/requests"
    for _ in $(seq 1 600); do
        # grep, not python: four pollers starting an interpreter ten times a second each took
        # most of a core from the host being measured.
        body="$(curl -fsS "${H[@]}" "$BASE/v1/projects/demo/load-balancers/$name")"
        st="$(grep -o '"provisioning_status":"[A-Z_]*"' <<<"$body" | cut -d'"' -f4 || true) $(grep -o '"vips":\["[0-9.]*"' <<<"$body" | cut -d'"' -f4 || true)"
        case "$st" in ACTIVE*|ERROR*) break ;; esac
        sleep 0.1
    done
    t1=$(date +%s.%N); vip="${st#* }"
    # The warm-up has no backend yet: its VIP cannot serve a 200, so do not wait for one.
    [ "${2:-}" = noserve ] && { echo "$(echo "$t1 - $t0" | bc) 0"; return; }
    for _ in $(seq 1 300); do
        ip netns exec "$PREFIX-pub" curl -sf -o /dev/null -m 1 "http://$vip/" && break
        sleep 0.05
    done
    t2=$(date +%s.%N)
    echo "$(echo "$t1 - $t0" | bc) $(echo "$t2 - $t0" | bc)"
}
stats() { sort -n | awk '{a[NR]=$1} END {printf "p50 %.2f s  max %.2f s  (n=%d)", a[int((NR+1)/2)], a[NR], NR}'; }

# A warm-up load balancer (not measured) makes the project network; then a real backend joins
# it, so "serving" below means a 200 from the backend through the VIP.
create warm noserve >/dev/null
pid_="$(curl -fsS "${H[@]}" "$BASE/v1/projects/demo" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
"$ROOT/scripts/backend.sh" add "$("$ROOT/scripts/backend.sh" project-ns "$PREFIX" "$pid_")" "$PREFIX-be1" 10.10.0.11/24 8080
pool_fill 1
log "10 load balancers one after another (warm pool: $SPARES)"
for i in $(seq 1 10); do create "seq$i"; done >"$work/seq"
pool_fill 11
log "4 at once"
jobs_=()
for i in 1 2 3 4; do create "par$i" >"$work/par$i" & jobs_+=($!); done
wait "${jobs_[@]}"
cat "$work"/par? >"$work/par"

rss="$(ps -o rss= -C qemu-system-x86_64 | awk '{s+=$1; n++} END {printf "%.0f MiB avg over %d", s/n/1024, n}')"
printf '\n%-24s %-40s %-40s\n' "run" "create -> ACTIVE" "create -> VIP serving"
printf '%-24s %-40s %-40s\n' "sequential (10)" "$(awk '{print $1}' "$work/seq" | stats)" "$(awk '{print $2}' "$work/seq" | stats)"
printf '%-24s %-40s %-40s\n' "concurrent (4)" "$(awk '{print $1}' "$work/par" | stats)" "$(awk '{print $2}' "$work/par" | stats)"
echo "guest RAM per node: $(grep -o 'LBAAS_NODE_MEMORY_MIB", default_value_t = [0-9]*' "$ROOT/controller/src/main.rs" | grep -o '[0-9]*$') MiB; qemu RSS: $rss"
echo "warm pool: $SPARES spare VMs, grown by demand up to ${SPARES_MAX:-the controller default} (bench/create.sh 0: every node boots on demand)"
echo "reference: OpenStack Octavia reports 40-60 s to ACTIVE"
