# Shared shell helpers for the set-up, run and test scripts. Sourced, not run.
# Everything here is idempotent: running any script twice is safe.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${LBAAS_STATE:-$ROOT/.lbaas}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lbaas-target}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
# What QEMU opens (kernel, initramfs, console logs) must be reachable by the QEMU user
# (libvirt-qemu) along its whole path, and a checkout under a 0700 directory (root's home) is
# not: VM images and run dirs live under /var/lib/lbaas/<key>/, one key per state dir, so two
# checkouts never share (or clobber) one image.
VARDIR="${LBAAS_VAR_DIR:-/var/lib/lbaas/$(printf '%s' "$STATE" | sha256sum | cut -c1-12)}"

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

# A command as `postgres`, from a directory it can enter (the checkout may not be one).
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# pg_start NAME PORT: a PostgreSQL cluster of our own, owned by the `postgres` user (the server
# refuses to run as root), listening on 127.0.0.1:PORT only, trust auth (loopback, dev/test).
# Prints the admin URL on stdout.
# PG_OPTS: more server options (`-c name=value …`) for a cluster started here.
pg_start() {
    local name="$1" port="$2" dir="$STATE/$1"
    mkdir -p "$STATE"
    # The data dir must be reachable by `postgres`; a checkout under /root is not, so the
    # cluster then lives under /var/tmp and .lbaas/<name> links to it.
    if ! as_postgres test -x "$STATE" 2>/dev/null; then
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
        as_postgres "$PG_BIN/initdb" -D "$dir" -U lbaas --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_postgres "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        log "starting PostgreSQL ($name) on 127.0.0.1:$port"
        as_postgres "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off ${PG_OPTS:-}" \
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
    if as_postgres "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        log "stopping PostgreSQL ($1)"
        as_postgres "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
}

# Makes /dev/kvm what Debian's udev rule makes it (root:kvm 0660; no udev runs here) and the
# QEMU user a member of `kvm`. A root-only /dev/kvm is not just "no KVM": libvirtd sees the kvm
# capability in the QEMU binary, sees that its QEMU user cannot open the device, calls its
# capability cache invalid at every lookup and probes QEMU again, and every domain create waits
# on those probes for minutes (docs/ARCHITECTURE.md §5). Prints "changed" when it changed it.
kvm_consistent() {
    [ -c /dev/kvm ] || return 0
    getent group kvm >/dev/null || groupadd --system kvm
    if id libvirt-qemu >/dev/null 2>&1 && ! id -nG libvirt-qemu | grep -qw kvm; then
        usermod -a -G kvm libvirt-qemu
    fi
    if [ "$(stat -c '%G %a' /dev/kvm)" != "kvm 660" ]; then
        log "/dev/kvm was $(stat -c '%U:%G %a' /dev/kvm): setting root:kvm 0660, as udev would"
        chgrp kvm /dev/kvm
        chmod 660 /dev/kvm
        echo changed
    fi
}

# Pids of the processes named $1 in this mount namespace: a second libvirtd
# (libvirtd_second_ensure) and its virtlogd run in mount namespaces of their own and are not the
# system ones, so `pgrep -x` alone would take (or kill) them for the system daemons.
pgrep_here() {
    local me p
    me="$(readlink /proc/self/ns/mnt)"
    for p in $(pgrep -x "$1"); do
        [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" != "$me" ] || echo "$p"
    done
}

# libvirtd under tini as a subreaper: QEMU processes (domains and libvirt's capability probes)
# are daemonized, and their exit must be reaped at once; PID 1 on these machines is no init and
# reaps late, and libvirt waits on a dead QEMU that is still a zombie. Started only when not
# running, or restarted (domains keep running) when asked, when it does not answer, or when it
# was started some other way (no prompt reaping then).
libvirtd_ensure() {
    local restart="${1:-}" pid parent
    mkdir -p /var/log/libvirt /var/run/libvirt
    [ -n "$(pgrep_here virtlogd)" ] || virtlogd -d
    pid="$(pgrep_here libvirtd | head -1)"
    if [ -n "$pid" ] && [ -z "$restart" ]; then
        parent="$(ps -o comm= -p "$(ps -o ppid= -p "$pid" | tr -d ' ')" 2>/dev/null || true)"
        if [ "$parent" != tini ]; then
            restart="it was not started under a subreaper"
        elif ! timeout 10 virsh -c qemu:///system version >/dev/null 2>&1; then
            restart="it did not answer within 10 s"
        fi
    fi
    if [ -n "$pid" ] && [ -n "$restart" ]; then
        log "restarting libvirtd ($restart); running VMs are not affected"
        kill $(pgrep_here libvirtd) 2>/dev/null || true
        for _ in $(seq 1 100); do [ -n "$(pgrep_here libvirtd)" ] || break; sleep 0.1; done
        kill -9 $(pgrep_here libvirtd) 2>/dev/null || true
        pid=""
    fi
    if [ -z "$pid" ]; then
        setsid -f tini -s -- libvirtd </dev/null >>/var/log/libvirt/lbaas-libvirtd.log 2>&1
    fi
    for _ in $(seq 1 100); do
        timeout 5 virsh -c qemu:///system version >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "libvirtd does not answer (see /var/log/libvirt/lbaas-libvirtd.log)" >&2
    return 1
}

# A second, independent libvirtd on this machine (a second "hypervisor" for placement tests): the
# same binaries and settings, but its own /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt, bind-mounted from LBAAS_HV_DIR/NAME/{etc,run,lib,
# cache,log} in a mount namespace of its own, and its own virtlogd and pid files. Everything else
# (kernel, images, console logs, channel sockets) it sees at the same paths as the host: the
# namespace is a slave copy of the host's. Its socket is a file on disk, so the host reaches it
# at LBAAS_HV_DIR/NAME/run/libvirt-sock; on disk, not tmpfs, also so that a restarted daemon (in
# a new namespace) finds the state of the domains still running and reconnects to them.
LBAAS_HV_DIR="${LBAAS_HV_DIR:-/var/lib/lbaas-hv}"

libvirtd_second_uri() { echo "qemu+unix:///system?socket=$LBAAS_HV_DIR/$1/run/libvirt-sock"; }

# The pid in DIR/run/$2.pid when that process lives, is named $2 and is not in our mount
# namespace (a stale pid file may name a reused pid, perhaps the system daemon's).
hv_pid() {
    local f="$1/run/$2.pid" p
    [ -s "$f" ] || return 0
    p="$(cat "$f")"
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] || return 0
    [ "$(readlink "/proc/$p/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || return 0
    echo "$p"
}

# Ends process $1 (SIGTERM, then SIGKILL after 5 s). Its QEMU processes keep running.
hv_kill() {
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
}

# libvirtd_second_ensure NAME: starts that daemon unless it answers within 5 s.
libvirtd_second_ensure() {
    local name="$1" d uri pid logd
    [[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "bad hypervisor name: '$name'" >&2; return 1; }
    d="$LBAAS_HV_DIR/$name"
    uri="$(libvirtd_second_uri "$name")"
    # Same libvirt, same trap as the system one: with a root-only /dev/kvm it probes QEMU again
    # at every create (~10 s each here, idle). Checked first: `version` still answers then.
    kvm_consistent >/dev/null
    timeout 5 virsh -c "$uri" version >/dev/null 2>&1 && return 0
    pid="$(hv_pid "$d" libvirtd)"
    if [ -n "$pid" ]; then
        log "restarting libvirtd $name (it did not answer within 5 s); running VMs are not affected"
        hv_kill "$pid"
    fi
    mkdir -p "$d"/{run,lib,cache,log/qemu,etc/qemu/networks} /etc/libvirt /run/libvirt \
        /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
    chmod 755 "$d"/{run,lib,cache,log,etc}
    # As the package makes it: QEMU runs as libvirt-qemu and keeps per-domain state in there.
    [ -d "$d/lib/qemu" ] || install -d -o libvirt-qemu -g libvirt-qemu -m 750 "$d/lib/qemu"
    # The system daemon's settings, refreshed at each start; domains, networks, pools and secrets
    # defined here stay here. No network is copied: an autostarted `default` would take virbr0
    # and 192.168.122.0/24 from the system daemon's.
    cp -a /etc/libvirt/*.conf "$d/etc/"
    for sub in nwfilter hooks; do
        [ -e "$d/etc/$sub" ] || [ ! -e "/etc/libvirt/$sub" ] || cp -a "/etc/libvirt/$sub" "$d/etc/"
    done
    # A virtlogd left from before (libvirtd killed alone) still holds the console pipes of the
    # running domains and the socket in $d/run: keep it.
    logd="$(hv_pid "$d" virtlogd)"
    log "starting libvirtd $name ($uri)"
    # Under tini -s and setsid as the system one is (see libvirtd_ensure); explicit pid files,
    # as the default ones (/run/libvirtd.pid, /run/virtlogd.pid) are the system daemons'.
    setsid -f unshare --mount --propagation slave -- sh -euc '
        d="$1"
        mount --bind "$d/etc" /etc/libvirt
        mount --bind "$d/run" /run/libvirt
        mount --bind "$d/lib" /var/lib/libvirt
        mount --bind "$d/cache" /var/cache/libvirt
        mount --bind "$d/log" /var/log/libvirt
        [ -n "$2" ] || virtlogd -d -p "$d/run/virtlogd.pid"
        exec tini -s -- libvirtd -p "$d/run/libvirtd.pid"
    ' sh "$d" "$logd" </dev/null >>"$d/log/lbaas-libvirtd.log" 2>&1
    for _ in $(seq 1 100); do
        timeout 5 virsh -c "$uri" version >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "libvirtd $name does not answer (see $d/log/lbaas-libvirtd.log)" >&2
    return 1
}

# libvirtd_second_stop NAME: ends that libvirtd and its virtlogd; its running QEMU processes and
# the system daemons are left alone. Running domains lose their console log for good: QEMU wrote
# it through a pipe to that virtlogd.
libvirtd_second_stop() {
    local d="$LBAAS_HV_DIR/$1" pid p
    for p in libvirtd virtlogd; do
        pid="$(hv_pid "$d" "$p")"
        [ -z "$pid" ] || { log "stopping $p $1 (pid $pid)"; hv_kill "$pid"; }
    done
}

# api_start NAME PORT: a throwaway lbaas-api on 127.0.0.1:PORT (for the fuzz run and the client
# tests), on a database of its own in the test cluster, with a fresh admin token. Sets
# API_BASE, API_ADMIN, API_LOG, API_PID, API_DB; logs at debug for tower_http, so every request
# is counted in $API_LOG. api_stop ends it and drops its database.
api_start() {
    local name="$1" port="$2"
    : "${LBAAS_TEST_DATABASE_URL:?run through scripts/test.sh}"
    API_WORK="$(mktemp -d)"
    API_DB="lbaas_${name}_$$"
    API_BASE="http://127.0.0.1:$port"
    API_LOG="$API_WORK/api.log"
    psql -q "$LBAAS_TEST_DATABASE_URL" -c "CREATE DATABASE $API_DB" >/dev/null
    API_ADMIN="lbt_${name}admin$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "$API_ADMIN" >"$API_WORK/admin"
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$API_WORK/secret.key"
    (cd "$ROOT" && cargo build -q -p lbaas-api)
    RUST_LOG=warn,tower_http=debug "$CARGO_TARGET_DIR/debug/lbaas-api" --listen "127.0.0.1:$port" \
        --database-url "${LBAAS_TEST_DATABASE_URL%/*}/$API_DB" --admin-token-file "$API_WORK/admin" \
        --secret-key-file "$API_WORK/secret.key" --ui-assets-dir "$ROOT/vendor/ui" \
        >"$API_LOG" 2>&1 &
    API_PID=$!
    for _ in $(seq 1 100); do curl -fsS "$API_BASE/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "lbaas-api did not come up on port $port:" >&2; tail -20 "$API_LOG" >&2; return 1
}

api_stop() {
    [ -n "${API_PID:-}" ] || return 0
    kill "$API_PID" 2>/dev/null; wait "$API_PID" 2>/dev/null || true
    psql -q "$LBAAS_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $API_DB WITH (FORCE)" >/dev/null || true
    rm -rf "$API_WORK"
    API_PID=""
}
