#!/usr/bin/env bash
# Installs everything lbaas needs on a fresh Debian 12 machine (as root), idempotently:
# system packages, the vendored API-page assets, and (with --test) the Python test tools.
source "$(dirname "$0")/lib.sh"
need_root

apt_ensure postgresql postgresql-contrib curl ca-certificates pkg-config python3-venv dnsutils bind9
# The tests make their TLS certificates with the openssl CLI (lbaas_certs::testing).
apt_ensure openssl
# Compute: libvirt + QEMU (TCG), what the VM image build needs, tini (a subreaper for libvirtd).
apt_ensure libvirt-daemon-system qemu-system-x86 libvirt-dev busybox-static cpio binutils iproute2 tini
# The machine made consistent, whatever state it came in (README "What set-up changes"):
# /dev/kvm as udev would leave it, then libvirtd (re)started so it sees that.
kvm_changed="$(kvm_consistent)"
libvirtd_ensure ${kvm_changed:+"/dev/kvm changed"}
install -d -m 0755 /var/lib/lbaas "$VARDIR"

# These machines ship Node.js with npm from outside Debian; Debian's npm would conflict with it.
command -v npm >/dev/null || apt_ensure npm

# The API page (/docs) is served from vendored swagger-ui-dist files: no CDN at run time and no
# build-time download (utoipa-swagger-ui's default build fetches from GitHub and fails here).
ASSETS="$ROOT/vendor/swagger-ui"
if [ ! -f "$ASSETS/swagger-ui-bundle.js" ]; then
    log "vendoring swagger-ui-dist from npm"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent swagger-ui-dist@5.17.14 >/dev/null)
    tar -xzf "$tmp"/swagger-ui-dist-*.tgz -C "$tmp"
    mkdir -p "$ASSETS"
    cp "$tmp/package/swagger-ui-bundle.js" "$tmp/package/swagger-ui.css" "$ASSETS/"
    rm -rf "$tmp"
fi

# The dashboard's (/ui) chart library, the same way.
UI_ASSETS="$ROOT/vendor/ui"
if [ ! -f "$UI_ASSETS/uPlot.iife.min.js" ]; then
    log "vendoring uplot from npm"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent uplot@1.6.32 >/dev/null)
    tar -xzf "$tmp"/uplot-*.tgz -C "$tmp"
    mkdir -p "$UI_ASSETS"
    cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$UI_ASSETS/"
    rm -rf "$tmp"
fi

if [ "${1:-}" = "--test" ]; then
    # The dashboard's browser test: Debian's Chromium, driven by Playwright for Python
    # (Playwright's own browser download does not work here).
    apt_ensure chromium
    VENV="$STATE/venv"
    # The generators are pinned: `make clients` and the drift check must make the same code
    # on every machine.
    if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -x "$VENV/bin/openapi-python-client" ]; then
        log "installing schemathesis, openapi-spec-validator and openapi-python-client into $VENV"
        mkdir -p "$STATE"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check \
            'schemathesis==4.32.5' 'openapi-spec-validator==0.7.1' \
            'openapi-python-client==0.29.1' 'ruff==0.17.6'
    fi
    if [ ! -x "$VENV/bin/playwright" ]; then
        log "installing playwright into $VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check 'playwright==1.65.2'
    fi
fi
