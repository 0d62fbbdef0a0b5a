#!/usr/bin/env bash
# Starts libvirtd (under tini, a subreaper) when it is not running; `restart` restarts it (running
# VMs are not affected). The set-up uses the same function; the restart tests call this.
# `second NAME` starts a second, independent libvirtd (a second hypervisor for placement tests;
# see libvirtd_second_ensure) unless it answers, and prints its URI; `second-stop NAME` ends it
# (its VMs keep running).
#   scripts/libvirtd.sh [restart]
#   scripts/libvirtd.sh second NAME | second-stop NAME
source "$(dirname "$0")/lib.sh"
need_root
case "${1:-}" in
    second) libvirtd_second_ensure "${2:?usage: $0 second NAME}" && libvirtd_second_uri "$2" ;;
    second-stop) libvirtd_second_stop "${2:?usage: $0 second-stop NAME}" ;;
    *) libvirtd_ensure ${1:+"asked to"} ;;
esac
