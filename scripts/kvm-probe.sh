#!/usr/bin/env bash
# Prints the libvirt domain type LB VMs should use: `kvm` only when a KVM guest really boots
# the lbaas image here (on these machines /dev/kvm exists but guests hang), else `qemu` (TCG).
# The answer is cached in .lbaas/virt-type; delete it to probe again.
source "$(dirname "$0")/lib.sh"
CACHE="$STATE/virt-type"
[ -s "$CACHE" ] && { cat "$CACHE"; exit 0; }
IMG="${LBAAS_IMAGE_DIR:-$STATE/image}"
answer=qemu
if [ -c /dev/kvm ] && [ -f "$IMG/initramfs.gz" ]; then
    name="lbaas-kvmprobe-$$" log="$(mktemp)"
    chmod 666 "$log"
    cat >"$log.xml" <<XML
<domain type='kvm'><name>$name</name><memory unit='MiB'>96</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>$IMG/vmlinuz</kernel>
<initrd>$IMG/initramfs.gz</initrd><cmdline>console=ttyS0 panic=-1 lbaas.node=probe</cmdline></os>
<devices><serial type='file'><source path='$log'/><target port='0'/></serial>
<memballoon model='none'/></devices></domain>
XML
    if virsh -c qemu:///system create "$log.xml" >/dev/null 2>&1; then
        for _ in $(seq 1 50); do grep -q 'lbaas-init:' "$log" 2>/dev/null && { answer=kvm; break; }; sleep 0.2; done
        virsh -c qemu:///system destroy "$name" >/dev/null 2>&1 || true
    fi
    rm -f "$log" "$log.xml"
fi
mkdir -p "$STATE"; echo "$answer" >"$CACHE"; echo "$answer"
