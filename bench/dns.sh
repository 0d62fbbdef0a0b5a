#!/usr/bin/env bash
# DNS benchmark: queries/s of lbaas' authoritative server (lbaas-dns, run alone by its `serve`
# example) against BIND (`named`) serving the very same records from a zone file (taken from
# lbaas by AXFR, so both answer identically), measured by dnsperf in the same run and printed as a
# ratio. Bounded: fixed duration per server, loopback only, fixed query mix (90% existing names,
# 10% NXDOMAIN).
#   bench/dns.sh [seconds] [load-balancers]   (defaults 10 and 1000)
# DNS_BENCH_PROFILE=dev builds the server without optimizations (quick check of the script only).
source "$(dirname "$0")/../scripts/lib.sh"
need_root
apt_ensure postgresql dnsutils dnsperf bind9 bc
DUR="${1:-10}"
LBS="${2:-1000}"
PG_PORT=55435
LBAAS_PORT=15353
BIND_PORT=15354
ZONE=lbaas.test.

pg_stop bench-dns-pg
rm -rf "$(readlink -f "$STATE/bench-dns-pg" 2>/dev/null || echo "$STATE/bench-dns-pg")" "$STATE/bench-dns-pg"
pg_start bench-dns-pg "$PG_PORT" >/dev/null
DB_URL="postgres://lbaas@127.0.0.1:$PG_PORT/lbaas"
work="$(mktemp -d)"
chmod 755 "$work"
dns="" named_pid=""
cleanup() {
    [ -n "$dns" ] && kill "$dns" 2>/dev/null
    [ -n "$named_pid" ] && kill "$named_pid" 2>/dev/null
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
"$CARGO_TARGET_DIR/$profile_dir/examples/serve" "$DB_URL" "127.0.0.1:$LBAAS_PORT" "$ZONE" >/dev/null &
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
};
zone "$ZONE" { type primary; file "$work/zone.db"; };
CONF
chmod 644 "$work"/*
named -g -c "$work/named.conf" -n 2 >"$work/named.log" 2>&1 &
named_pid=$!
for _ in $(seq 1 100); do
    dig +short +time=1 +tries=1 @127.0.0.1 -p "$BIND_PORT" "$last" A 2>/dev/null | grep -q . && break
    sleep 0.1
done
dig +short @127.0.0.1 -p "$BIND_PORT" "$last" A | grep -q . || { cat "$work/named.log" >&2; exit 1; }

# 90% names that exist, 10% that do not (NXDOMAIN with SOA), shuffled.
for i in $(seq 1 "$LBS"); do
    echo "lb$i.web.bench.$ZONE A"
    if [ $((i % 9)) = 0 ]; then echo "missing$i.web.bench.$ZONE A"; fi
done | shuf --random-source=<(yes) >"$work/queries"

run_dnsperf() {
    dnsperf -q 200 -c 4 -T 2 -l "$DUR" -s 127.0.0.1 -p "$1" -d "$work/queries" 2>/dev/null |
        awk '/Queries per second/ {qps=$4} /Queries lost/ {lost=$3} END {print qps, lost}'
}
log "dnsperf against lbaas-dns, ${DUR}s"
read -r lbaas_qps lbaas_lost < <(run_dnsperf "$LBAAS_PORT")
log "dnsperf against BIND $(named -v | awk '{print $2}'), ${DUR}s"
read -r bind_qps bind_lost < <(run_dnsperf "$BIND_PORT")

printf '\n%-22s %12s %10s %8s\n' "server" "queries/s" "lost" "x BIND"
printf '%-22s %12.0f %10s %8.2f\n' "lbaas-dns ($profile_dir)" "$lbaas_qps" "$lbaas_lost" "$(echo "$lbaas_qps / $bind_qps" | bc -l)"
printf '%-22s %12.0f %10s %8s\n' "BIND (reference)" "$bind_qps" "$bind_lost" "1.00"
