#!/usr/bin/env bash
# Data-plane benchmark: the same two-member HTTP (and TCP) pool served by HAProxy, nginx and
# lbaas-agent, plus a direct run against one member, measured with wrk in the same run (bounded:
# fixed duration, fixed connections, loopback only). Prints req/s, p99, non-2xx, the ratios to
# HAProxy and to the direct run, and the agent's RSS.
#   bench/dataplane.sh [seconds] [rounds]   (defaults 10 and 5)
# Then head to head: the agent and HAProxy take turns (agent, HAProxy, agent, …) for `rounds`
# rounds at 1 and at 2 workers each (AB_WORKERS, default "1 2"), and the medians of req/s and of
# p99 are compared: on two shared cores one run is noise, a median of alternating rounds is a
# figure. Each round runs, agent then HAProxy for each:
#   HTTP keep-alive   wrk, CONNS connections held open.
#   HTTPS keep-alive  wrk over TLS 1.3 on the same CONNS connections held open: the HTTP row plus
#                     record encryption (one handshake per connection, at the start).
#   HTTPS handshakes  every request on a new TCP connection with a full TLS 1.3 handshake, so
#                     req/s = handshakes/s (see run_handshakes for how, and why h2load).
#   HTTP L7 rules     the HTTP row on a listener with three L7 rules (host; path prefix and a
#                     header; a cookie) choosing between pools, HAProxy with the same rules as
#                     ACLs; wrk's requests match none, so every rule is evaluated each time.
# Both proxies serve one certificate: an ECDSA P-256 leaf signed by a throwaway P-256 CA, the
# chain (leaf, CA) and key made here with the openssl CLI; HAProxy reads them concatenated in one
# PEM (`bind … ssl crt`), the agent gets them in its HTTPS listener's `tls.certificates`. Both
# offer ALPN h2,http/1.1 and add X-Forwarded-For and X-Forwarded-Proto. The negotiated
# version, suite and key exchange of each are printed before the rounds.
# MODE=http runs what this script ran before HTTPS (the first table and the HTTP rows); MODE=https
# only the HTTPS rows (no first table), e.g. `MODE=https AB_WORKERS=1 bench/dataplane.sh 5 3`;
# MODE=l7 only the L7 rows.
# Every proxy runs WORKERS event-loop threads/processes (default: one per CPU): HAProxy
# `nbthread`, nginx `worker_processes`, lbaas-agent `--workers` (and `--runtime $AGENT_RUNTIME` when
# set: shared or per-thread; unset, the agent's default). AGENT_FLAGS adds flags to the agent's
# command line, e.g. AGENT_FLAGS=--no-http1-fast-path for the hyper path alone. PROFILE=1 also records the
# agent with `perf` (files left in the current directory): its HTTP run of the first table
# (perf.data) and, in the first head-to-head round of each worker count, the agent's and
# HAProxy's HTTPS runs (perf-https-agent-1w.data, perf-handshakes-haproxy-1w.data, …).
source "$(dirname "$0")/../scripts/lib.sh"
need_root
DUR="${1:-10}"
ROUNDS="${2:-5}"
CONNS="${CONNS:-32}"
THREADS=2
WORKERS="${WORKERS:-$(nproc)}"
AGENT_RUNTIME="${AGENT_RUNTIME:-}"
AGENT_FLAGS="${AGENT_FLAGS:-}"
AB_WORKERS="${AB_WORKERS:-1 2}"
PROFILE="${PROFILE:-}"
MODE="${MODE:-all}"
case $MODE in
    all) TESTS="http https handshakes l7" ;;
    http) TESTS="http" ;;
    https) TESTS="https handshakes" ;;
    l7) TESTS="l7" ;;
    *) echo "MODE must be all, http, https or l7 (not $MODE)" >&2; exit 2 ;;
esac
B1=18101 B2=18102 HAP=18110 NGX=18111 AGT=18112 HAP_TCP=18120 AGT_TCP=18122 HAP_AB=18130 AGT_AB=18132
HAP_TLS_AB=18131 AGT_TLS_AB=18133 HAP_L7_AB=18134 AGT_L7_AB=18135

# Debian starts daemons from postinst; keep the packaged services off (we run our own) with the
# standard policy-rc.d, only if the host has none.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
# nghttp2-client: h2load (the handshake test); jq: the agent's config with PEMs in JSON strings.
apt_ensure wrk haproxy nginx-light bc openssl nghttp2-client jq ${PROFILE:+linux-perf}
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

log "building lbaas-agent (profile vm, as the VM image ships it: fat LTO, panic=abort)"
(cd "$ROOT" && cargo build -q --profile vm -p lbaas-agent)
AGENT_BIN="$CARGO_TARGET_DIR/vm/lbaas-agent"

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

# Waits up to 10 s for an HTTP(S) answer on `url`, else prints the logs and fails.
wait_http() {
    local url="$1"
    for _ in $(seq 1 100); do curl -fsk -o /dev/null "$url" && return 0; sleep 0.1; done
    curl -fsSk -o /dev/null "$url" || { echo "$url not answering" >&2; cat "$work"/*.log >&2; exit 1; }
}

for port in $B1 $B2; do wait_http "http://127.0.0.1:$port/"; done

if [ "$MODE" = all ] || [ "$MODE" = http ]; then
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
    --workers "$WORKERS" ${AGENT_RUNTIME:+--runtime "$AGENT_RUNTIME"} --admin-listen 127.0.0.1:18199 $AGENT_FLAGS &
agent=$!
pids+=("$agent")

for port in $NGX $HAP $AGT $HAP_TCP $AGT_TCP; do wait_http "http://127.0.0.1:$port/"; done

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
# The first table's proxies are done; the head to head starts its own.
kill "$agent" "${pids[0]}" 2>/dev/null; wait "$agent" "${pids[0]}" 2>/dev/null || true
pids=()
fi

# ---- Head to head: agent vs HAProxy, proxies of each worker count started afresh -------------

# The certificate both proxies serve: ECDSA P-256 (the cheap signature of the two usual kinds,
# so the handshake row measures the TLS stacks more than the curve arithmetic), leaf + CA chain.
tls="$work/tls"
mkdir -p "$tls"
(
    cd "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
        -out ca.pem -days 2 -subj /CN=lbaas-bench-ca \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:bench.lbaas.test,IP:127.0.0.1\n' >leaf.ext
    openssl req -new -key leaf.key -subj /CN=bench.lbaas.test -out leaf.csr
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -out leaf.pem -extfile leaf.ext 2>/dev/null
    cat leaf.pem ca.pem >chain.pem
    cat chain.pem leaf.key >haproxy.pem
)

jq -n --rawfile chain "$tls/chain.pem" --rawfile key "$tls/leaf.key" \
    --argjson b1 "$B1" --argjson b2 "$B2" --argjson http "$AGT_AB" --argjson https "$AGT_TLS_AB" \
    --argjson l7 "$AGT_L7_AB" '
    [{id: "b1", address: "127.0.0.1", port: $b1}, {id: "b2", address: "127.0.0.1", port: $b2}] as $members
    | {listeners: [
        {name: "web", protocol: "HTTP", port: $http, algorithm: "ROUND_ROBIN", members: $members},
        {name: "web-l7", protocol: "HTTP", port: $l7, algorithm: "ROUND_ROBIN", members: $members,
         pools: [{id: "a", algorithm: "ROUND_ROBIN", members: [$members[0]]},
                 {id: "b", algorithm: "ROUND_ROBIN", members: [$members[1]]}],
         policies: [
           {id: "api", rules: [{kind: "HOST_NAME", compare: "EQUAL_TO", value: "api.example"}],
            action: {type: "forward", pool: "a"}},
           {id: "static", rules: [{kind: "PATH", compare: "STARTS_WITH", value: "/static"},
                                  {kind: "HEADER", compare: "CONTAINS", key: "x-variant", value: "b"}],
            action: {type: "forward", pool: "b"}},
           {id: "gold", rules: [{kind: "COOKIE", compare: "EQUAL_TO", key: "tier", value: "gold"}],
            action: {type: "forward", pool: "b"}}]},
        {name: "web-tls", protocol: "HTTPS", port: $https, algorithm: "ROUND_ROBIN", members: $members,
         tls: {certificates: [{id: "bench", names: ["bench.lbaas.test"], chain_pem: $chain, key_pem: $key}]}}]}' \
    >"$work/agent-ab.json"

# `haproxy_ab_cfg W`: the same two frontends as the agent's listeners, W threads.
haproxy_ab_cfg() {
    cat <<HAP
global
    maxconn 4096
    nbthread $1
defaults
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend web
    mode http
    bind 127.0.0.1:$HAP_AB
    option forwardfor
    default_backend pool
frontend web-tls
    mode http
    bind 127.0.0.1:$HAP_TLS_AB ssl crt $tls/haproxy.pem alpn h2,http/1.1
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    default_backend pool
frontend web-l7
    mode http
    bind 127.0.0.1:$HAP_L7_AB
    option forwardfor
    acl api req.hdr(host),field(1,:) -i api.example
    acl static path_beg /static
    acl variant req.hdr(x-variant) -m sub b
    acl gold req.cook(tier) -m str gold
    use_backend pool_a if api
    use_backend pool_b if static variant
    use_backend pool_b if gold
    default_backend pool
backend pool
    mode http
    balance roundrobin
    http-reuse always
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
backend pool_a
    mode http
    http-reuse always
    server b1 127.0.0.1:$B1
backend pool_b
    mode http
    http-reuse always
    server b2 127.0.0.1:$B2
HAP
}

# TCP connections the kernel accepted so far, on every port (all traffic here is loopback).
passive_opens() {
    awk '$1 == "Tcp:" { if (!col) { for (i = 2; i <= NF; i++) if ($i == "PassiveOpens") col = i }
         else { print $col; exit } }' /proc/net/snmp
}

# New TLS handshakes/s: h2load (nghttp2-client) over HTTP/1.1 with `Connection: close`, so each
# request is answered and the connection closed, and h2load's client opens a new one for the
# next request. h2load makes a fresh OpenSSL SSL object for every connection and never calls
# SSL_set_session: every handshake is a full one (ECDHE + certificate + signature), never a
# resumption. Rejected: wrk with `Connection: close` (it keeps one SSL object per connection slot
# and SSL_clear()s it, so its reconnects offer the previous session: resumed handshakes), and
# `openssl s_time -new` (one connection at a time: it measures one client's latency, not what the
# proxy can accept). The client pays about as much per handshake as the server (X25519 and an
# ECDSA verify against an ECDSA sign) on the same two cores, so absolute figures understate the
# proxies; the ratio compares them under the same client. Suite pinned to the one wrk gets
# (TLS_AES_256_GCM_SHA384) so both proxies run the same one.
# A fixed number of requests (HS_REQUESTS, set per worker count from a calibration run to last
# about DUR seconds), not h2load's -D: with -D and `Connection: close`, h2load 1.52 stops its
# clients at the end and then never exits. Bounded by the count and by `timeout`.
# Prints req/s (= handshakes/s), failed requests, and TCP accepts per completed request (all
# ports: ~1.00 means one client connection per request and no new backend connections).
run_handshakes() {
    local url="$1" n="$2" out rps ok failed opens0 opens1
    opens0="$(passive_opens)"
    out="$(timeout $((4 * DUR + 30)) h2load --h1 -t"$THREADS" -c"$CONNS" -n"$n" \
        --tls13-ciphers=TLS_AES_256_GCM_SHA384 -H 'Connection: close' "$url" 2>&1)" || true
    opens1="$(passive_opens)"
    rps="$(echo "$out" | awk '/^finished in/ {print $4}')"
    ok="$(echo "$out" | awk '/^requests:/ {for (i = 2; i <= NF; i++) if ($(i + 1) ~ /^succeeded/) print $i}')"
    failed="$(echo "$out" | awk '/^requests:/ {for (i = 2; i <= NF; i++) if ($(i + 1) ~ /^failed/) print $i}')"
    if [ -z "$rps" ] || [ -z "$ok" ] || [ "$ok" = 0 ]; then
        echo "  $url: h2load gave no figure:" >&2; echo "$out" | tail -20 >&2
        echo "0 - 0 0"; return
    fi
    echo "$rps - ${failed:-0} $(echo "($opens1 - $opens0) / $ok" | bc -l)"
}

# What each proxy negotiates with an OpenSSL client, on one line.
tls_params() {
    timeout 5 openssl s_client -connect "127.0.0.1:$1" -brief </dev/null 2>&1 |
        awk -F': ' '/^(Protocol version|Ciphersuite|Signature type|Hash used|Server Temp Key)/ {printf "%s%s", sep, $2; sep = ", "}'
}

# a / b, 0 when b is 0 (a run that gave no figure).
ratio() { echo "if ($2 == 0) 0 else $1 / $2" | bc -l; }
median() { sort -g | awk '{r[NR] = $0} END {print r[int((NR + 1) / 2)]}'; }
# wrk's latency with its unit → milliseconds.
ms() { awk '{v = $1; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}; printf "%.3f\n", v}'; }

# One test, one proxy: "req/s p99ms|- extra", where extra is the handshake row's check.
run_test() {
    local test="$1" who="$2" r p bad opens port
    case $test/$who in
        http/agent) port=$AGT_AB ;; http/haproxy) port=$HAP_AB ;;
        l7/agent) port=$AGT_L7_AB ;; l7/haproxy) port=$HAP_L7_AB ;;
        */agent) port=$AGT_TLS_AB ;; */haproxy) port=$HAP_TLS_AB ;;
    esac
    case $test in
        http|l7) read -r r p _ < <(run_wrk "http://127.0.0.1:$port/"); echo "$r $(echo "$p" | ms) -" ;;
        https) read -r r p _ < <(run_wrk "https://127.0.0.1:$port/"); echo "$r $(echo "$p" | ms) -" ;;
        handshakes)
            read -r r p bad opens < <(run_handshakes "https://127.0.0.1:$port/" "$HS_REQUESTS")
            echo "$r - $(printf '%s/%.2f' "$bad" "$opens")" ;;
    esac
}

# run_test, under `perf record` of `pid` into perf-<test>-<who><suffix>.data when given a suffix.
profiled_run() {
    local test="$1" who="$2" pid="$3" suffix="$4" perf_pid=""
    if [ -n "$suffix" ]; then
        perf record -F 999 -g -p "$pid" -o "perf-$test-$who$suffix.data" -- sleep "$DUR" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    run_test "$test" "$who"
    if [ -n "$perf_pid" ]; then wait "$perf_pid" || true; fi
}

declare -A LABEL=([http]="HTTP keep-alive" [https]="HTTPS keep-alive" [handshakes]="HTTPS new handshakes"
    [l7]="HTTP L7 rules")
ab_rows="" checks=""
for w in $AB_WORKERS; do
    haproxy_ab_cfg "$w" >"$work/haproxy-ab.cfg"
    haproxy -f "$work/haproxy-ab.cfg" -db >"$work/haproxy-ab.log" 2>&1 &
    hap_ab=$!
    RUST_LOG=warn "$AGENT_BIN" --config "$work/agent-ab.json" --listen 127.0.0.1 --node bench-ab \
        --workers "$w" ${AGENT_RUNTIME:+--runtime "$AGENT_RUNTIME"} --admin-listen 127.0.0.1:18198 $AGENT_FLAGS \
        2>"$work/agent-ab.log" &
    agt_ab=$!
    pids+=("$hap_ab" "$agt_ab")
    for url in "http://127.0.0.1:$HAP_AB/" "http://127.0.0.1:$AGT_AB/" \
        "https://127.0.0.1:$HAP_TLS_AB/" "https://127.0.0.1:$AGT_TLS_AB/" \
        "http://127.0.0.1:$HAP_L7_AB/" "http://127.0.0.1:$AGT_L7_AB/"; do
        wait_http "$url"
    done
    case " $TESTS " in *" https "*|*" handshakes "*)
        log "TLS negotiated: agent: $(tls_params "$AGT_TLS_AB")"
        log "TLS negotiated: HAProxy: $(tls_params "$HAP_TLS_AB")" ;;
    esac
    case " $TESTS " in *" handshakes "*)
        # The same count for both proxies and every round: about DUR seconds at the agent's rate
        # (its second run: the first, on a fresh process, is slower).
        for _ in 1 2; do read -r r _ < <(run_handshakes "https://127.0.0.1:$AGT_TLS_AB/" $((CONNS * 50))); done
        HS_REQUESTS="$(echo "r = $r * $DUR; if (r < $CONNS * 10) r = $CONNS * 10; scale = 0; r / 1" | bc)"
        log "HTTPS new handshakes: $HS_REQUESTS requests per run (calibration: $r/s)" ;;
    esac
    declare -A A_RPS=() A_P99=() H_RPS=() H_P99=()
    for round in $(seq 1 "$ROUNDS"); do
        for test in $TESTS; do
            log "$w worker(s), round $round/$ROUNDS, ${LABEL[$test]}: agent, then HAProxy, ${DUR}s each"
            record=""
            [ -n "$PROFILE" ] && [ "$round" = 1 ] && [ "$test" != http ] && record="-${w}w"
            read -r r p extra < <(profiled_run "$test" agent "$agt_ab" "$record")
            log "  agent:   $r req/s, p99 $p ms"
            A_RPS[$test]+="$r"$'\n' A_P99[$test]+="$p"$'\n'
            [ "$extra" != - ] && checks+="  $w worker(s), round $round, agent:   failed/accepts per request $extra"$'\n'
            read -r r p extra < <(profiled_run "$test" haproxy "$hap_ab" "$record")
            log "  HAProxy: $r req/s, p99 $p ms"
            H_RPS[$test]+="$r"$'\n' H_P99[$test]+="$p"$'\n'
            [ "$extra" != - ] && checks+="  $w worker(s), round $round, HAProxy: failed/accepts per request $extra"$'\n'
        done
    done
    kill "$hap_ab" "$agt_ab" 2>/dev/null; wait "$hap_ab" "$agt_ab" 2>/dev/null || true
    pids=()
    for test in $TESTS; do
        ar="$(printf '%s' "${A_RPS[$test]}" | median)" hr="$(printf '%s' "${H_RPS[$test]}" | median)"
        row="$(printf '%-21s %7s %12.0f %12.0f %8.2f' "${LABEL[$test]}" "$w" "$ar" "$hr" "$(ratio "$ar" "$hr")")"
        if [ "$test" = handshakes ]; then
            # h2load gives no latency percentiles; the time per request here is mostly the
            # handshake, and is CONNS / req/s on average (Little's law): no new information.
            row+="$(printf ' %11s %11s %8s' - - -)"
        else
            ap="$(printf '%s' "${A_P99[$test]}" | median)" hp="$(printf '%s' "${H_P99[$test]}" | median)"
            row+="$(printf ' %11.2f %11.2f %8.2f' "$ap" "$hp" "$(ratio "$ap" "$hp")")"
        fi
        ab_rows+="$row"$'\n'
    done
done
printf '\nagent vs HAProxy: medians of %s alternating rounds, %ss each, %s connections\n' "$ROUNDS" "$DUR" "$CONNS"
printf '%-21s %7s %12s %12s %8s %11s %11s %8s\n' "test" "workers" "agent req/s" "HAProxy" "x req/s" "agent p99ms" "HAProxy p99" "x p99"
printf '%s' "$ab_rows"
if [ -n "$checks" ]; then
    printf 'HTTPS new handshakes, per run: failed requests / TCP accepts per completed request (~1.00 = one new connection each)\n%s' "$checks"
fi
case " $TESTS " in *" http "*) echo "goal (HTTP): x req/s >= 1.0 and x p99 <= 1.2 at 1 and 2 workers" ;; esac
