# Shared shell helpers for the set-up, run and test scripts. Sourced, not run.
# Everything here is idempotent: running any script twice is safe.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${LBAAS_STATE:-$ROOT/.lbaas}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lbaas-target}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "run as root: set-up installs packages, starts PostgreSQL and (later) libvirt" >&2
        exit 1
    fi
}

# apt-get install the packages that are missing, and only those.
apt_ensure() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# pg_start NAME PORT: a PostgreSQL cluster of our own, owned by the `postgres` user (the server
# refuses to run as root), listening on 127.0.0.1:PORT only, trust auth (loopback, dev/test).
# Prints the admin URL on stdout.
pg_start() {
    local name="$1" port="$2" dir="$STATE/$1"
    mkdir -p "$STATE"
    # The data dir must be reachable by `postgres`; a checkout under /root is not, so the
    # cluster then lives under /var/tmp and .lbaas/<name> links to it.
    if ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
        local real="/var/tmp/lbaas-$(echo "$STATE" | sha256sum | cut -c1-12)-$name"
        mkdir -p "$real"
        [ -L "$dir" ] || { rm -rf "$dir"; ln -s "$real" "$dir"; }
        dir="$real"
    fi
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        log "initdb $name cluster in $dir"
        runuser -u postgres -- "$PG_BIN/initdb" -D "$dir" -U lbaas --auth=trust -E UTF8 >/dev/null
    fi
    if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        log "starting PostgreSQL ($name) on 127.0.0.1:$port"
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off" \
            start >/dev/null
    fi
    local url="postgres://lbaas@127.0.0.1:$port/postgres"
    if ! "$PG_BIN/psql" -qtA "postgres://lbaas@127.0.0.1:$port/postgres" \
        -c "SELECT 1 FROM pg_database WHERE datname = 'lbaas'" | grep -q 1; then
        "$PG_BIN/psql" -q "$url" -c "CREATE DATABASE lbaas" >/dev/null
    fi
    echo "$url"
}

pg_stop() {
    local dir="$STATE/$1"
    [ -e "$dir" ] || return 0
    dir="$(readlink -f "$dir")"
    if runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        log "stopping PostgreSQL ($1)"
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
}
