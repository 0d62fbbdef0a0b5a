#!/usr/bin/env bash
# Preflight: boots the LB VM image once, the way the controller will, and reports how long it
# took; or says within a minute (a 40 s boot limit, plus a 10 s kvm probe the first time) what
# is wrong and how to fix it. Prints the libvirt domain type
# LB VMs should use on stdout: `kvm` only when a KVM guest really boots here (on these machines
# /dev/kvm exists but guests hang), else `qemu` (TCG). The type is cached in .lbaas/virt-type
# (delete it to probe again); the boot check runs every time.
source "$(dirname "$0")/lib.sh"
need_root
IMG="${LBAAS_IMAGE_DIR:-$VARDIR/image}"
RUN="$VARDIR/run"
install -d -m 0755 "$RUN"

fail() {
    printf '\033[1;31mpreflight: %s\033[0m\n' "$1" >&2
    shift
    for line in "$@"; do printf '  %s\n' "$line" >&2; done
    exit 1
}

[ -f "$IMG/vmlinux" ] && [ -f "$IMG/initramfs.cpio" ] ||
    fail "no VM image in $IMG" "scripts/vm-image.sh builds it (make run and make test do)"
if id libvirt-qemu >/dev/null 2>&1 &&
    ! (cd / && runuser -u libvirt-qemu -- test -r "$IMG/vmlinux" -a -r "$IMG/initramfs.cpio"); then
    fail "QEMU's user (libvirt-qemu) cannot read $IMG/vmlinux" \
        "a directory on the way is not reachable by that user (a checkout under a 0700 directory?)" \
        "keep the image under a world-traversable directory: LBAAS_VAR_DIR (default /var/lib/lbaas/<key>)"
fi

# boot TYPE SECONDS: starts a throwaway domain of TYPE and waits for the image's /init to
# report. Prints the seconds it took, or (returning 1) why it did not boot in time.
boot() {
    local type="$1" limit="$2" name="lbaas-preflight-$$-$1" log="$RUN/preflight-$1.console.log"
    local t0 out rc why
    rm -f "$log"; touch "$log"; chmod 666 "$log"
    cat >"$RUN/preflight-$type.xml" <<XML
<domain type='$type'><name>$name</name><memory unit='MiB'>${LBAAS_NODE_MEMORY_MIB:-48}</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>$IMG/vmlinux</kernel>
<initrd>$IMG/initramfs.cpio</initrd><cmdline>console=ttyS0 quiet panic=-1 init_on_alloc=0 lbaas.node=preflight</cmdline></os>
<cpu mode='custom'><model>qemu64</model></cpu>
<devices><controller type='usb' model='none'/><serial type='file'><source path='$log'/><target port='0'/></serial>
<memballoon model='none'/></devices></domain>
XML
    t0=$(date +%s%N)
    out="$(timeout "$limit" virsh -c qemu:///system create "$RUN/preflight-$type.xml" 2>&1)" && rc=0 || rc=$?
    if [ "$rc" = 124 ]; then
        why="libvirt did not answer a domain create within $limit s"
    elif [ "$rc" != 0 ]; then
        why="libvirt refused the domain: $(echo "$out" | grep -v '^$' | tail -2 | tr '\n' ' ')"
    else
        while [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt "$limit" ]; do
            if grep -q 'lbaas-init:' "$log" 2>/dev/null; then
                local took=$(( $(date +%s%N) - t0 ))
                timeout 20 virsh -c qemu:///system destroy "$name" >/dev/null 2>&1 || true
                awk -v ns="$took" 'BEGIN { printf "%.1f", ns / 1e9 }'
                return 0
            fi
            sleep 0.1
        done
        why="the VM started but its /init did not report within $limit s (console: $log)"
    fi
    # A create that timed out may still complete later: never leave the probe domain behind
    # (bounded: a libvirtd that did not answer the create may not answer this either).
    timeout 5 virsh -c qemu:///system destroy "$name" >/dev/null 2>&1 || true
    echo "$why"
    return 1
}

CACHE="$STATE/virt-type"
if [ ! -s "$CACHE" ]; then
    answer=qemu
    if [ -c /dev/kvm ] && boot kvm 10 >/dev/null; then answer=kvm; fi
    mkdir -p "$STATE"; echo "$answer" >"$CACHE"
fi
type="$(cat "$CACHE")"
if out="$(boot "$type" 40)"; then
    log "preflight: an LB VM booted here in $out s (domain type $type)"
    echo "$type"
    exit 0
fi
fail "an LB VM does not boot here: $out" \
    "/dev/kvm: $( [ -c /dev/kvm ] && stat -c '%U:%G %a' /dev/kvm || echo absent) (set-up makes it root:kvm 0660)" \
    "libvirtd: $(if [ -z "$(pgrep_here libvirtd)" ]; then echo 'not running'; elif timeout 3 virsh -c qemu:///system version >/dev/null 2>&1; then echo 'running, answers'; else echo 'running, NOT answering'; fi); its log: /var/log/libvirt/lbaas-libvirtd.log; QEMU's: /var/log/libvirt/qemu/" \
    "fix: run the set-up again as root (scripts/setup.sh): it fixes /dev/kvm and restarts libvirtd"
