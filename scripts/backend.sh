#!/usr/bin/env bash
# Test backends for demos, tests and benches: an HTTP server in a namespace of its own, wired by
# a veth pair to a project's bridge, answering with its own identity so a user sees which
# backend served a request. Only ever inside namespaces lbaas made.
#   scripts/backend.sh add <project-ns> <name> <ip/len> <port>
#   scripts/backend.sh del <name>
#   scripts/backend.sh project-ns <prefix> <project-id>   (prints the project's namespace)
set -euo pipefail
cmd="${1:-}"; shift || true
case "$cmd" in
add)
    pns="$1" name="$2" addr="$3" port="$4"
    [ -e "/run/netns/$pns" ] || { echo "no namespace $pns (is the project's subnet reconciled?)" >&2; exit 1; }
    ip netns add "$name" 2>/dev/null || true
    h="$(echo "$name" | sha256sum | cut -c1-8)"
    if ! ip -n "$name" link show eth0 >/dev/null 2>&1; then
        ip link add "vb$h" type veth peer name "vp$h"
        ip link set "vb$h" netns "$name"
        ip -n "$name" link set "vb$h" name eth0
        ip link set "vp$h" netns "$pns"
        ip -n "$pns" link set "vp$h" master br0 up
    fi
    ip -n "$name" link set lo up
    ip -n "$name" addr add "$addr" dev eth0 2>/dev/null || true
    ip -n "$name" link set eth0 up
    dir="/run/lbaas-backend/$name"
    mkdir -p "$dir"
    echo "backend $name ${addr%/*}:$port" >"$dir/index.html"
    cp "$dir/index.html" "$dir/healthz"
    ip netns exec "$name" busybox httpd -p "${addr%/*}:$port" -h "$dir"
    ;;
del)
    name="$1"
    ip netns pids "$name" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$name" 2>/dev/null || true
    rm -rf "/run/lbaas-backend/$name"
    ;;
project-ns)
    prefix="$1" id="$2"
    echo "$prefix-p-$(echo "$id" | tr -d '-' | cut -c1-8)"
    ;;
*)
    sed -n '2,9p' "$0"; exit 2 ;;
esac
