#!/usr/bin/env bash
# Data-plane benchmark: the same two-member HTTP (and TCP) pool served by HAProxy, nginx and
# lbaas-agent, plus a direct run against one member, measured with wrk in the same run (bounded:
# fixed duration, fixed connections, loopback only). Prints req/s, p99, non-2xx, the ratios to
# HAProxy and to the direct run, and the agent's RSS.
#   bench/dataplane.sh [seconds] [rounds]   (defaults 10 and 5)
# Then HTTP head to head: the agent and HAProxy take turns (agent, HAProxy, agent, …) for
# `rounds` rounds at 1 and at 2 workers each, and the medians of req/s and of p99 are compared:
# on two shared cores one run is noise, a median of alternating rounds is a figure.
# Every proxy runs WORKERS event-loop threads/processes (default: one per CPU): HAProxy
# `nbthread`, nginx `worker_processes`, lbaas-agent `--workers`. PROFILE=1 also records the
# agent's HTTP run with `perf` (perf.data left in the current directory).
source "$(dirname "$0")/../scripts/lib.sh"
need_root
DUR="${1:-10}"
ROUNDS="${2:-5}"
CONNS="${CONNS:-32}"
THREADS=2
WORKERS="${WORKERS:-$(nproc)}"
PROFILE="${PROFILE:-}"
B1=18101 B2=18102 HAP=18110 NGX=18111 AGT=18112 HAP_TCP=18120 AGT_TCP=18122 HAP_AB=18130 AGT_AB=18132

# Debian starts daemons from postinst; keep the packaged services off (we run our own) with the
# standard policy-rc.d, only if the host has none.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
apt_ensure wrk haproxy nginx-light bc ${PROFILE:+linux-perf}
[ -n "$own_policy" ] && rm -f "$policy"

work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

log "building lbaas-agent (release, fat LTO, one codegen unit, panic=abort)"
# The profile the VM image should ship (TODO: move it to the workspace [profile.release]); it is
# worth 10-20 % req/s here over the default release profile.
(cd "$ROOT" && CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
    CARGO_PROFILE_RELEASE_PANIC=abort cargo build -q --release -p lbaas-agent)
AGENT_BIN="$CARGO_TARGET_DIR/release/lbaas-agent"

# One nginx: the two members (a fixed 2-byte answer) and the nginx load balancer in front.
cat >"$work/nginx.conf" <<NGX
worker_processes $WORKERS;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000;
    server { listen 127.0.0.1:$B1; location / { return 200 "b1"; } }
    server { listen 127.0.0.1:$B2; location / { return 200 "b2"; } }
    upstream pool { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 64; }
    server {
        listen 127.0.0.1:$NGX;
        location / {
            proxy_pass http://pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
NGX
nginx -c "$work/nginx.conf" -e "$work/nginx-error.log"

cat >"$work/haproxy.cfg" <<HAP
global
    maxconn 4096
    nbthread $WORKERS
defaults
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend web
    mode http
    bind 127.0.0.1:$HAP
    option forwardfor
    default_backend pool
backend pool
    mode http
    balance roundrobin
    http-reuse always
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
listen tcp
    mode tcp
    bind 127.0.0.1:$HAP_TCP
    balance roundrobin
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
HAP
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)

cat >"$work/agent.json" <<JSON
{"listeners": [
  {"name": "web", "protocol": "HTTP", "port": $AGT, "algorithm": "ROUND_ROBIN", "members": [
    {"id": "b1", "address": "127.0.0.1", "port": $B1}, {"id": "b2", "address": "127.0.0.1", "port": $B2}]},
  {"name": "tcp", "protocol": "TCP", "port": $AGT_TCP, "algorithm": "ROUND_ROBIN", "members": [
    {"id": "b1", "address": "127.0.0.1", "port": $B1}, {"id": "b2", "address": "127.0.0.1", "port": $B2}]}
]}
JSON
RUST_LOG=warn "$AGENT_BIN" --config "$work/agent.json" --listen 127.0.0.1 --node bench \
    --workers "$WORKERS" --admin-listen 127.0.0.1:18199 &
agent=$!
pids+=("$agent")

for port in $B1 $B2 $NGX $HAP $AGT $HAP_TCP $AGT_TCP; do
    for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/" || { echo "port $port not answering" >&2; cat "$work"/*.log >&2; exit 1; }
done

# wrk prints "Requests/sec: N" and, with --latency, "99%  X(ms|us|s)".
run_wrk() {
    local url="$1" out rps p99 bad
    out="$(wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency "$url")"
    rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    p99="$(echo "$out" | awk '$1 == "99%" {print $2}')"
    bad="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
    errs="$(echo "$out" | awk '/Socket errors/ {print $0}')"
    [ -n "$errs" ] && echo "  $url: $errs" >&2
    echo "$rps $p99 ${bad:-0}"
}

declare -A RPS P99 BAD
for name in direct haproxy nginx agent haproxy-tcp agent-tcp; do
    case $name in
        direct) port=$B1 ;; haproxy) port=$HAP ;; nginx) port=$NGX ;; agent) port=$AGT ;;
        haproxy-tcp) port=$HAP_TCP ;; agent-tcp) port=$AGT_TCP ;;
    esac
    log "$name: wrk ${DUR}s, $CONNS connections, $THREADS threads"
    perf_pid=""
    if [ -n "$PROFILE" ] && [ "$name" = agent ]; then
        perf record -F 999 -g -p "$agent" -o perf.data -- sleep "$DUR" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    read -r RPS[$name] P99[$name] BAD[$name] < <(run_wrk "http://127.0.0.1:$port/")
    [ -n "$perf_pid" ] && wait "$perf_pid"
done
# The agent's own view of the same load, from its local admin endpoint.
curl -fsS http://127.0.0.1:18199/stats >"$work/agent-stats.json" || true
rss="$(awk '/VmRSS/ {print $2" "$3}' "/proc/$agent/status")"
hwm="$(awk '/VmHWM/ {print $2" "$3}' "/proc/$agent/status")"

printf '\n%-22s %12s %10s %8s %10s %10s\n' "path" "req/s" "p99" "non-2xx" "x haproxy" "x direct"
for name in direct haproxy nginx agent haproxy-tcp agent-tcp; do
    ref=haproxy
    case $name in *-tcp) ref=haproxy-tcp ;; esac
    printf '%-22s %12.0f %10s %8s %10.2f %10.2f\n' "$name" "${RPS[$name]}" "${P99[$name]}" "${BAD[$name]}" \
        "$(echo "${RPS[$name]} / ${RPS[$ref]}" | bc -l)" "$(echo "${RPS[$name]} / ${RPS[direct]}" | bc -l)"
done
printf '\nlbaas-agent RSS after load: %s (peak %s); binary %s bytes; %s workers per proxy\n' \
    "$rss" "$hwm" "$(stat -c %s "$AGENT_BIN")" "$WORKERS"
if [ -s "$work/agent-stats.json" ]; then
    printf 'lbaas-agent admin /stats: requests_total %s, members %s\n' \
        "$(awk -F': ' '/"requests_total"/ {gsub(",", "", $2); print $2; exit}' "$work/agent-stats.json")" \
        "$(grep -c '"p99_ms"' "$work/agent-stats.json")"
fi

# Head to head, HTTP only, proxies of 1 and then 2 workers started afresh for each count.
median() { sort -g | awk '{r[NR] = $0} END {print r[int((NR + 1) / 2)]}'; }
# wrk's latency with its unit → milliseconds.
ms() { awk '{v = $1; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}; printf "%.3f\n", v}'; }
cat >"$work/agent-ab.json" <<JSON
{"listeners": [
  {"name": "web", "protocol": "HTTP", "port": $AGT_AB, "algorithm": "ROUND_ROBIN", "members": [
    {"id": "b1", "address": "127.0.0.1", "port": $B1}, {"id": "b2", "address": "127.0.0.1", "port": $B2}]}
]}
JSON
ab_rows=""
for w in 1 2; do
    sed -e "s/nbthread $WORKERS/nbthread $w/" -e "s/127.0.0.1:$HAP\$/127.0.0.1:$HAP_AB/" \
        -e "/^listen tcp/,\$d" "$work/haproxy.cfg" >"$work/haproxy-ab.cfg"
    haproxy -f "$work/haproxy-ab.cfg" -db >"$work/haproxy-ab.log" 2>&1 &
    hap_ab=$!
    RUST_LOG=warn "$AGENT_BIN" --config "$work/agent-ab.json" --listen 127.0.0.1 --node bench-ab \
        --workers "$w" --admin-listen 127.0.0.1:18198 &
    agt_ab=$!
    pids+=("$hap_ab" "$agt_ab")
    for port in $HAP_AB $AGT_AB; do
        for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    done
    a_rps="" a_p99="" h_rps="" h_p99=""
    for round in $(seq 1 "$ROUNDS"); do
        log "$w worker(s), round $round/$ROUNDS: agent, then HAProxy, ${DUR}s each"
        read -r r p _ < <(run_wrk "http://127.0.0.1:$AGT_AB/")
        a_rps+="$r"$'\n' a_p99+="$(echo "$p" | ms)"$'\n'
        read -r r p _ < <(run_wrk "http://127.0.0.1:$HAP_AB/")
        h_rps+="$r"$'\n' h_p99+="$(echo "$p" | ms)"$'\n'
    done
    kill "$hap_ab" "$agt_ab" 2>/dev/null; wait "$hap_ab" "$agt_ab" 2>/dev/null
    ar="$(printf '%s' "$a_rps" | median)" ap="$(printf '%s' "$a_p99" | median)"
    hr="$(printf '%s' "$h_rps" | median)" hp="$(printf '%s' "$h_p99" | median)"
    ab_rows+="$(printf '%-9s %12.0f %12.0f %8.2f %11.2f %11.2f %8.2f' "$w" "$ar" "$hr" \
        "$(echo "$ar / $hr" | bc -l)" "$ap" "$hp" "$(echo "$ap / $hp" | bc -l)")"$'\n'
done
printf '\nHTTP, agent vs HAProxy: medians of %s alternating rounds, %ss each, %s connections\n' "$ROUNDS" "$DUR" "$CONNS"
printf '%-9s %12s %12s %8s %11s %11s %8s\n' "workers" "agent req/s" "HAProxy" "x req/s" "agent p99ms" "HAProxy p99" "x p99"
printf '%s' "$ab_rows"
echo "goal: x req/s >= 1.0 and x p99 <= 1.2 at 1 and 2 workers"
