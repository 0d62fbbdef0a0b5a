#!/usr/bin/env bash
# Builds the LB VM's kernel from Debian's kernel source and image/kernel.config (allnoconfig
# plus that fragment: everything built in, no modules) and prints the path of the result, an
# uncompressed ELF `vmlinux` that QEMU boots through its PVH entry.
#
# Why our own kernel (issue 12, figures in docs/ARCHITECTURE.md §5): Debian's cloud kernel
# took 3.2 s under TCG to reach /init and needed 96 MiB of guest RAM to decompress itself;
# this one takes ~1.3 s and boots in 48 MiB, so a node's qemu stays under 128 MiB RSS.
#
# The build takes ~4 min on two cores, so the result is kept under /var/cache/lbaas/kernel/
# keyed by the source version and the fragment: every checkout on the machine shares it, and
# a second run (or a fresh clone on a warm machine) builds nothing.
source "$(dirname "$0")/lib.sh"
need_root
# Bump when the build steps below change what they make (the fragment is keyed by content).
RECIPE=1
BASE=/var/cache/lbaas/kernel
mkdir -p "$BASE"
# Two checkouts may set up at once: one installs and builds, the other waits for its result.
exec 9>"$BASE/lock"
if ! flock -n 9; then
    log "waiting for another set-up building the VM kernel"
    flock 9
fi
apt_ensure linux-source build-essential flex bison bc libelf-dev libssl-dev

SRC="$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1 || true)"
[ -n "$SRC" ] || { echo "no /usr/src/linux-source-*.tar.xz after installing linux-source" >&2; exit 1; }
PKG="$(basename "$SRC" .tar.xz)"
SRCVER="$(dpkg-query -W -f '${Version}' "$PKG" 2>/dev/null || echo unknown)"
FRAG="$ROOT/image/kernel.config"
KEY="$(printf '%s\n' "$PKG" "$SRCVER" "$RECIPE" "$(sha256sum "$FRAG" | awk '{print $1}')" | sha256sum | cut -c1-16)"
OUT="$BASE/$KEY"

if [ ! -s "$OUT/vmlinux" ]; then
    log "building the LB VM kernel ($PKG $SRCVER, ~4 min on two cores; once per machine)"
    build="$BASE/build-$KEY"
    # A failed or interrupted build leaves neither its tree (over 1 GiB) nor a half result.
    trap 'rm -rf "$build" "$OUT.new"' EXIT
    rm -rf "$build"; mkdir -p "$build"
    tar -xJf "$SRC" -C "$build" --strip-components=1
    (
        cd "$build"
        make -s allnoconfig
        scripts/kconfig/merge_config.sh -m .config "$FRAG" >/dev/null
        make -s olddefconfig
        # A symbol the fragment turns on that Kconfig dropped (renamed, or missing a
        # dependency) would silently build a different kernel: refuse instead. (One it turns
        # off and that no longer exists is off anyway.)
        while IFS= read -r line; do
            case "$line" in CONFIG_*=n) k="${line%%=*}"
                grep -qE "^$k=" .config && { echo "kernel config: $k is set, the fragment wants it off" >&2; exit 1; } ;;
            CONFIG_*=*) grep -qxF "$line" .config || { echo "kernel config: $line did not stick ($(grep -E "^(# )?${line%%=*}[= ]" .config || echo absent))" >&2; exit 1; } ;;
            esac
        done <"$FRAG"
        make -s -j"$(nproc)" vmlinux
    ) >&2 # stdout is the result's path, for vm-image.sh
    mkdir -p "$OUT.new"
    # Symbols are of no use to QEMU's loader; the guest's own table (kallsyms) is built in.
    strip --strip-all -o "$OUT.new/vmlinux" "$build/vmlinux"
    cp "$build/.config" "$OUT.new/config"
    rm -rf "$OUT"; mv "$OUT.new" "$OUT"
    rm -rf "$build"
    trap - EXIT
    # Earlier keys' kernels are no longer referenced by this checkout; others may still use them,
    # so only builds older than a week go.
    find "$BASE" -mindepth 1 -maxdepth 1 -type d -name '????????????????' -mtime +7 ! -name "$KEY" -exec rm -rf {} + 2>/dev/null || true
fi
touch "$OUT" # in use: kept by the clean-up above
echo "$OUT/vmlinux"
