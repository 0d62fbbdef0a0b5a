#!/usr/bin/env bash
# DNS benchmark: queries/s of lbaas' authoritative server (lbaas-dns, run alone by its `serve`
# example) against Knot DNS (`knotd`, the reference: the fastest of the two) and BIND (`named`),
# both serving the very same records from a zone file (taken from lbaas by AXFR, so all three
# answer identically), measured by dnsperf in the same run and printed as ratios. Bounded: fixed duration per server, loopback only, fixed query mix (90% existing names,
# 10% NXDOMAIN).
#   bench/dns.sh [seconds] [load-balancers] [rounds]   (defaults 10, 1000 and 1)
# With several rounds the servers take turns (lbaas, Knot, BIND, lbaas, ...) and the median round
# of each is reported, so a neighbour's burst on this shared machine hits both alike.
#
# Fairness: the same dnsperf command for all (2 threads, 4 clients, 200 queries outstanding);
# every server answers UDP with 2 threads (named -n 2, knotd udp-workers 2, lbaas-dns udp-threads
# 2); lbaas-dns and BIND with a 4 MiB UDP receive buffer (lbaas-dns' default; BIND's
# udp-receive-buffer; Knot has no such setting, and its socket per worker drops nothing here). With BIND's default buffer the
# start-of-run burst overflows its socket: its "lost" queries were those drops (the socket's drop
# counter in /proc/net/udp grew by exactly as many), not the bench's start or end.
# DNS_BENCH_PROFILE=dev builds the server without optimizations (quick check of the script only).
source "$(dirname "$0")/../scripts/lib.sh"
need_root
apt_ensure postgresql dnsutils dnsperf bind9 knot bc
DUR="${1:-10}"
LBS="${2:-1000}"
ROUNDS="${3:-1}"
THREADS=2
RCVBUF=$((4 << 20))
PG_PORT=55435
LBAAS_PORT=15353
BIND_PORT=15354
KNOT_PORT=15356
ZONE=lbaas.test.

pg_stop bench-dns-pg
rm -rf "$(readlink -f "$STATE/bench-dns-pg" 2>/dev/null || echo "$STATE/bench-dns-pg")" "$STATE/bench-dns-pg"
pg_start bench-dns-pg "$PG_PORT" >/dev/null
DB_URL="postgres://lbaas@127.0.0.1:$PG_PORT/lbaas"
work="$(mktemp -d)"
chmod 755 "$work"
dns="" named_pid="" knot_pid=""
cleanup() {
    [ -n "$dns" ] && kill "$dns" 2>/dev/null
    [ -n "$named_pid" ] && kill "$named_pid" 2>/dev/null
    [ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null
    wait 2>/dev/null
    pg_stop bench-dns-pg
    rm -rf "$work"
}
trap cleanup EXIT

if [ "${DNS_BENCH_PROFILE:-release}" = dev ]; then
    profile_flag="" profile_dir=debug
else
    profile_flag="--release" profile_dir=release
fi
log "building lbaas-dns serve example ($profile_dir)"
(cd "$ROOT" && cargo build -q $profile_flag -p lbaas-dns --example serve)
"$CARGO_TARGET_DIR/$profile_dir/examples/serve" "$DB_URL" "127.0.0.1:$LBAAS_PORT" "$ZONE" "$THREADS" >/dev/null &
dns=$!
for _ in $(seq 1 100); do
    dig +short +time=1 +tries=1 @127.0.0.1 -p "$LBAAS_PORT" "$ZONE" SOA 2>/dev/null | grep -q . && break
    sleep 0.1
done

log "inserting $LBS load balancers with 2 ACTIVE nodes each"
"$PG_BIN/psql" -q -v ON_ERROR_STOP=1 "$DB_URL" >/dev/null <<SQL
INSERT INTO tenant (id, name) VALUES (gen_random_uuid(), 'bench');
INSERT INTO project (id, tenant_id, name) SELECT gen_random_uuid(), id, 'web' FROM tenant;
INSERT INTO subnet (id, tenant_id, project_id, name, cidr, gateway)
    SELECT gen_random_uuid(), tenant_id, id, 'net', '10.0.0.0/8', '10.0.0.1' FROM project;
INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name, provisioning_status)
    SELECT gen_random_uuid(), tenant_id, project_id, id, 'lb' || i, 'ACTIVE'
      FROM subnet, generate_series(1, $LBS) i;
INSERT INTO node (id, tenant_id, load_balancer_id, name, vip, status)
    SELECT gen_random_uuid(), lb.tenant_id, lb.id, lb.name || '-' || k,
           ('10.0.0.0'::inet + (row_number() OVER () + 1)), 'ACTIVE'
      FROM load_balancer lb, generate_series(1, 2) k;
SQL
last="lb$LBS.web.bench.$ZONE"
for _ in $(seq 1 100); do
    [ "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$LBAAS_PORT" "$last" A | wc -l)" = 2 ] && break
    sleep 0.1
done
[ "$(dig +short @127.0.0.1 -p "$LBAAS_PORT" "$last" A | wc -l)" = 2 ] || { echo "lbaas-dns never served $last" >&2; exit 1; }

# serving PORT LOG: waits (10 s at most) until the server on PORT answers the last name; else
# shows its log and gives up.
serving() {
    for _ in $(seq 1 100); do
        dig +short +time=1 +tries=1 @127.0.0.1 -p "$1" "$last" A 2>/dev/null | grep -q . && return
        sleep 0.1
    done
    cat "$2" >&2
    exit 1
}

# Same records for BIND: the transfer, minus comments and the closing copy of the SOA.
dig +nocmd +nostats +nocomments @127.0.0.1 -p "$LBAAS_PORT" "$ZONE" AXFR |
    awk '!/^;/ && NF { if ($4 == "SOA") { if (soa++) next } print }' >"$work/zone.db"
log "zone file: $(wc -l <"$work/zone.db") records"
cat >"$work/named.conf" <<CONF
options {
    directory "$work";
    pid-file "$work/named.pid";
    listen-on port $BIND_PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    allow-transfer { none; };
    udp-receive-buffer $RCVBUF;
};
zone "$ZONE" { type primary; file "$work/zone.db"; };
CONF
chmod 644 "$work"/*
named -g -c "$work/named.conf" -n "$THREADS" >"$work/named.log" 2>&1 &
named_pid=$!
serving "$BIND_PORT" "$work/named.log"

mkdir -p "$work/knot"
cat >"$work/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$KNOT_PORT
    rundir: "$work/knot"
    udp-workers: $THREADS
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$work/knot"
zone:
  - domain: $ZONE
    file: "$work/zone.db"
    storage: "$work/knot"
    zonefile-sync: -1
    journal-content: none
CONF
knotd -c "$work/knot.conf" >"$work/knot.log" 2>&1 &
knot_pid=$!
serving "$KNOT_PORT" "$work/knot.log"

# 90% names that exist, 10% that do not (NXDOMAIN with SOA), shuffled.
for i in $(seq 1 "$LBS"); do
    echo "lb$i.web.bench.$ZONE A"
    if [ $((i % 9)) = 0 ]; then echo "missing$i.web.bench.$ZONE A"; fi
done | shuf --random-source=<(yes) >"$work/queries"

# Datagrams the kernel dropped on the server's UDP sockets (queue full), from /proc/net/udp.
socket_drops() {
    awk -v port="$(printf ':%04X' "$1")" '$2 ~ port"$" {d += $NF} END {print d + 0}' /proc/net/udp
}
# One dnsperf run: "qps lost avg_ms stddev_ms max_ms server_socket_drops". dnsperf 2.10 reports
# no percentiles; average, deviation and maximum are what it has.
run_dnsperf() {
    local before out
    before=$(socket_drops "$1")
    out=$(dnsperf -q 200 -c 4 -T 2 -l "$DUR" -s 127.0.0.1 -p "$1" -d "$work/queries" 2>/dev/null)
    printf '%s\n' "$out" |
        awk -v drops="$(socket_drops "$1")" -v before="$before" '
            /Queries per second/ {qps = $4}
            /Queries lost/ {lost = $3}
            /Average Latency/ {avg = $4 * 1000; max = $8 * 1000}
            /Latency StdDev/ {sd = $4 * 1000}
            END {printf "%.0f %d %.3f %.3f %.3f %d\n", qps, lost, avg, sd, max, drops - before}'
}
# The run with the median queries/s of those given, one per line.
median() { sort -n | awk '{r[NR] = $0} END {print r[int((NR + 1) / 2)]}'; }

lbaas_runs="" knot_runs="" bind_runs=""
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS: dnsperf against lbaas-dns, ${DUR}s"
    lbaas_runs+="$(run_dnsperf "$LBAAS_PORT")"$'\n'
    log "round $round/$ROUNDS: dnsperf against Knot DNS $(knotd --version | awk '{print $NF}'), ${DUR}s"
    knot_runs+="$(run_dnsperf "$KNOT_PORT")"$'\n'
    log "round $round/$ROUNDS: dnsperf against BIND $(named -v | awk '{print $2}'), ${DUR}s"
    bind_runs+="$(run_dnsperf "$BIND_PORT")"$'\n'
done
read -r lbaas_qps lbaas_lost lbaas_avg lbaas_sd lbaas_max lbaas_drops < <(printf '%s' "$lbaas_runs" | median)
read -r knot_qps knot_lost knot_avg knot_sd knot_max knot_drops < <(printf '%s' "$knot_runs" | median)
read -r bind_qps bind_lost bind_avg bind_sd bind_max bind_drops < <(printf '%s' "$bind_runs" | median)

echo
echo "dnsperf -q 200 -c 4 -T 2 -l $DUR, $(wc -l <"$work/queries") names (10% NXDOMAIN), $THREADS server threads each, median of $ROUNDS round(s)"
printf '%-22s %10s %6s %12s %10s %9s %8s %8s\n' "server" "queries/s" "lost" "avg lat ms" "stddev ms" "max ms" "x Knot" "x BIND"
row() {
    printf '%-22s %10.0f %6s %12.3f %10.3f %9.3f %8.2f %8.2f\n' "$1" "$2" "$3" "$4" "$5" "$6" \
        "$(echo "$2 / $knot_qps" | bc -l)" "$(echo "$2 / $bind_qps" | bc -l)"
}
row "lbaas-dns ($profile_dir)" "$lbaas_qps" "$lbaas_lost" "$lbaas_avg" "$lbaas_sd" "$lbaas_max"
row "Knot DNS (reference)" "$knot_qps" "$knot_lost" "$knot_avg" "$knot_sd" "$knot_max"
row "BIND" "$bind_qps" "$bind_lost" "$bind_avg" "$bind_sd" "$bind_max"
echo "datagrams dropped by the kernel on the server sockets: lbaas-dns $lbaas_drops, Knot $knot_drops, BIND $bind_drops"
