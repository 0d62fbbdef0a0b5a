#!/usr/bin/env bash
# API benchmark: envelope `info` and REST GET of one load balancer, requests/s and p99 from wrk
# (bounded: fixed duration, fixed connections, loopback only), printed beside `pgbench -S` on the
# same PostgreSQL cluster in the same run, as a ratio, with the SQL statements per request
# counted by pg_stat_statements. Goal: >= 0.5x pgbench -S TPS, p99 <= 10 ms. Both workloads
# run twice: with every read from PostgreSQL (`--read-cache-ms 0`), then as shipped (the hot
# reads' answers kept 1 s and dropped on any change: api/src/read_cache.rs).
#   bench/api.sh [seconds]   (default 10)
source "$(dirname "$0")/../scripts/lib.sh"
need_root
# Beside a running `make run`: metrics on ports of their own, not the defaults.
export LBAAS_API_METRICS_LISTEN=127.0.0.1:0 LBAAS_CONTROLLER_METRICS_LISTEN=127.0.0.1:0
"$ROOT/scripts/setup.sh"
apt_ensure wrk bc
DUR="${1:-10}"
CONNS=16
THREADS=2
PORT=55434
API_PORT=18081

pg_stop bench-pg
rm -rf "$(readlink -f "$STATE/bench-pg" 2>/dev/null || echo "$STATE/bench-pg")" "$STATE/bench-pg"
ADMIN_URL="$(PG_OPTS="-c shared_preload_libraries=pg_stat_statements" pg_start bench-pg "$PORT")"
DB_URL="postgres://lbaas@127.0.0.1:$PORT/lbaas"
work="$(mktemp -d)"
api=""
cleanup() { [ -n "$api" ] && kill "$api" 2>/dev/null; wait 2>/dev/null; pg_stop bench-pg; rm -rf "$work"; }
# start_api CACHE_MS: the API as `make run` starts it, its hot-read cache kept CACHE_MS (0: none).
start_api() {
    [ -n "$api" ] && { kill "$api" 2>/dev/null; wait "$api" 2>/dev/null || true; }
    RUST_LOG=warn LBAAS_READ_CACHE_MS="$1" "$CARGO_TARGET_DIR/release/lbaas-api" --listen "127.0.0.1:$API_PORT" \
        --database-url "$DB_URL" --admin-token-file "$work/admin" &
    api=$!
    for _ in $(seq 1 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
}
trap cleanup EXIT

log "building lbaas-api (release)"
(cd "$ROOT" && cargo build -q --release -p lbaas-api)
echo "lbt_bench_admin" >"$work/admin"
BASE="http://127.0.0.1:$API_PORT"
start_api 0
"$PG_BIN/psql" -q "$DB_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null

tok="$(curl -fsS -H "Authorization: Bearer lbt_bench_admin" -d '{"name":"bench"}' "$BASE/v1/tenants" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
curl -fsS -H "Authorization: Bearer $tok" -d '{"name":"demo"}' "$BASE/v1/projects" >/dev/null
curl -fsS -H "Authorization: Bearer $tok" -d '{"action":"create","type":"instance","info":{"project":"demo",
  "name":"web","traffic_type":"http","subnet":"10.10.0.0/24","backend":{"entities":["10.10.0.11:8080","10.10.0.12:8080"]}}}' \
  "$BASE/v1/requests" >/dev/null

cat >"$work/envelope.lua" <<LUA
wrk.method = "GET"
wrk.body = '{"action":"info","type":"instance","info":{"project":"demo","name":"web"}}'
wrk.headers["Authorization"] = "Bearer $tok"
wrk.headers["Content-Type"] = "application/json"
LUA
cat >"$work/rest.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $tok"
LUA

# wrk prints "Requests/sec: N", "N requests in" and, with --latency, "99%  X(ms|us|s)".
# Statements per request: pg_stat_statements' calls in the lbaas database during the run.
stmts() {
    "$PG_BIN/psql" -qtA "$DB_URL" -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s
        JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'lbaas'
        AND s.query NOT LIKE '%pg_stat_statements%'"
}
run_wrk() {
    local script="$1" url="$2" out
    "$PG_BIN/psql" -qtA "$DB_URL" -c "SELECT pg_stat_statements_reset()" >/dev/null
    out="$(wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s "$script" "$url")"
    local rps p99 non2xx total calls
    rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    p99="$(echo "$out" | awk '$1 == "99%" {print $2}')"
    non2xx="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
    total="$(echo "$out" | awk '/requests in/ {print $1}')"
    calls="$(stmts)"
    echo "$rps $p99 ${non2xx:-0} $(echo "scale=2; $calls / $total" | bc -l)"
}

# measure: both workloads against the API as it runs now, warmed up first (the API opens its
# read connections and PostgreSQL plans its statements on first use; a cold start otherwise
# lands in the first workload's p99). Prints "env_rps env_p99 env_bad env_q rest_rps ...".
measure() {
    for w in envelope.lua rest.lua; do
        url="$BASE/v1/requests"; [ "$w" = rest.lua ] && url="$BASE/v1/projects/demo/load-balancers/web"
        wrk -t"$THREADS" -c"$CONNS" -d2s -s "$work/$w" "$url" >/dev/null
    done
    echo "$(run_wrk "$work/envelope.lua" "$BASE/v1/requests") $(run_wrk "$work/rest.lua" "$BASE/v1/projects/demo/load-balancers/web")"
}
log "every read from PostgreSQL (--read-cache-ms 0): envelope info, REST GET, ${DUR}s each, $CONNS connections"
read -r nenv_rps nenv_p99 nenv_bad nenv_q nrest_rps nrest_p99 nrest_bad nrest_q < <(measure)
log "as shipped (hot reads cached 1 s, flushed on any change): the same"
start_api 1000
read -r env_rps env_p99 env_bad env_q rest_rps rest_p99 rest_bad rest_q < <(measure)

log "pgbench -S, ${DUR}s, $CONNS clients"
"$PG_BIN/psql" -q "$ADMIN_URL" -c "CREATE DATABASE pgbench" >/dev/null
"$PG_BIN/pgbench" -q -i -s 10 "postgres://lbaas@127.0.0.1:$PORT/pgbench" >/dev/null 2>&1
pg_tps="$("$PG_BIN/pgbench" -S -c "$CONNS" -j "$THREADS" -T "$DUR" "postgres://lbaas@127.0.0.1:$PORT/pgbench" 2>/dev/null |
    awk '/^tps/ {print $3; exit}')"

printf '\n%-28s %12s %10s %8s %10s %10s\n' "workload" "req/s" "p99" "non-2xx" "SQL/req" "x pgbench"
printf '%-28s %12.0f %10s %8s %10s %10.2f\n' "envelope info (GET+body)" "$env_rps" "$env_p99" "$env_bad" "$env_q" "$(echo "$env_rps / $pg_tps" | bc -l)"
printf '%-28s %12.0f %10s %8s %10s %10.2f\n' "REST GET load balancer" "$rest_rps" "$rest_p99" "$rest_bad" "$rest_q" "$(echo "$rest_rps / $pg_tps" | bc -l)"
printf '%-28s %12.0f %10s %8s %10s %10.2f\n' "envelope info, no cache" "$nenv_rps" "$nenv_p99" "$nenv_bad" "$nenv_q" "$(echo "$nenv_rps / $pg_tps" | bc -l)"
printf '%-28s %12.0f %10s %8s %10s %10.2f\n' "REST GET, no cache" "$nrest_rps" "$nrest_p99" "$nrest_bad" "$nrest_q" "$(echo "$nrest_rps / $pg_tps" | bc -l)"
printf '%-28s %12.0f %10s %8s %10s %10s\n' "pgbench -S (reference)" "$pg_tps" "-" "-" "1" "1.00"
