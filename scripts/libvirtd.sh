#!/usr/bin/env bash
# Starts libvirtd (under tini, a subreaper) when it is not running; `restart` restarts it (running
# VMs are not affected). The set-up uses the same function; the restart tests call this.
#   scripts/libvirtd.sh [restart]
source "$(dirname "$0")/lib.sh"
need_root
libvirtd_ensure ${1:+"asked to"}
