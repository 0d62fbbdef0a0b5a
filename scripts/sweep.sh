#!/usr/bin/env bash
# Removes every host object a test run may have left: libvirt domains, network namespaces (with
# the processes in them: test backends) and root-namespace taps whose names start with a test
# prefix (`t` + four hex digits, see lbaas_tests::test_prefix). `make test` runs it before and
# after the suite, so even a run killed mid-way leaves nothing; each test's guard runs it with
# its own prefix (`sweep.sh t1a2b`), so parallel tests never touch each other's objects. It
# never touches the dev instance's objects (prefix `lbaas`). Prints what it removed.
#   scripts/sweep.sh [prefix]
source "$(dirname "$0")/lib.sh"
need_root
if [ -n "${1:-}" ]; then
    [[ "$1" =~ ^[a-z0-9]+$ ]] || { echo "sweep: bad prefix $1" >&2; exit 2; }
    DOM_RE="^$1-"
    TAP_RE="^${1:0:5}[0-9a-f]{8}[vp]\$"
else
    DOM_RE='^t[0-9a-f]{4}-'
    TAP_RE='^t[0-9a-f]{4}[0-9a-f]{8}[vp]$'
fi
n=0 failed=0
# A domain whose create was still in flight when its test ended may appear a moment later:
# look twice.
# Every libvirt endpoint of this host: the system one and the second ones the multi-hypervisor
# tests start (scripts/libvirtd.sh second NAME).
uris=(qemu:///system)
for sock in "${LBAAS_HV_DIR:-/var/lib/lbaas-hv}"/*/run/libvirt-sock; do
    [ -S "$sock" ] && uris+=("qemu+unix:///system?socket=$sock")
done
for round in 1 2; do
    for uri in "${uris[@]}"; do
        for d in $(timeout 10 virsh -c "$uri" list --all --name 2>/dev/null | grep -E "$DOM_RE" || true); do
            timeout 30 virsh -c "$uri" destroy "$d" >/dev/null 2>&1 || true
            timeout 30 virsh -c "$uri" undefine "$d" >/dev/null 2>&1 || true
            echo "sweep: domain $d"; n=$((n + 1))
        done
    done
    if [ "$round" = 1 ]; then sleep 1; fi
done
# A QEMU whose libvirtd is gone (a second endpoint stopped while a create was still in flight)
# is no domain any endpoint lists: end the process itself.
for pid in $(pgrep -f '^/usr/bin/qemu-system' || true); do
    guest="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -o 'guest=[^, ]*' | cut -d= -f2)"
    if [ -n "$guest" ] && [[ "$guest" =~ $DOM_RE ]]; then
        kill -9 "$pid" 2>/dev/null && { echo "sweep: orphaned QEMU of $guest"; n=$((n + 1)); }
    fi
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$DOM_RE" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    rm -rf "/run/lbaas-backend/$ns"
    if err="$(ip netns del "$ns" 2>&1)"; then
        echo "sweep: namespace $ns"; n=$((n + 1))
    else
        echo "sweep: could not remove namespace $ns: $err" >&2; failed=1
    fi
done
for t in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "$TAP_RE" || true); do
    ip link del "$t" 2>/dev/null || true
    echo "sweep: tap $t"; n=$((n + 1))
done
[ "$n" = 0 ] || log "sweep removed $n leftover test objects"
exit "$failed"
