//! How many spare VMs to keep booted (ARCHITECTURE §4). A fixed pool runs dry under a burst: ten
//! creates in a row against four spares left six waiting for a TCG boot (`bench/create.sh`, max
//! 9-14 s). So the pool follows demand: every node made in the last [`WarmPool::WINDOW`] (a
//! claim, or a boot because no spare was ready) asks for one more spare on top of the operator's
//! base size, up to a cap. The cap is the operator's maximum, and never more spares than half of
//! the host's available memory holds: spares wait idle, and memory is what they cost (and some
//! CPU: an idle TCG guest took ~3 % of a core with Debian's kernel; one of the project's
//! tickless 100 Hz kernel measured under 0.1 % over 20 s, before its agent's heartbeats. The
//! default maximum stays twice the base; see `--spare-nodes-max`).
//!
//! Only the sizing lives here (pure, unit-tested); the reconciler makes and drops the spares.
//! Nothing is persisted: after a restart the pool starts from the base size again.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct WarmPool {
    /// Spares kept with no demand at all (`--spare-nodes`).
    base: usize,
    /// Never more than this (`--spare-nodes-max`).
    max: usize,
    /// What one spare costs the host, MiB (guest memory plus QEMU's own).
    node_cost_mib: u64,
    demand: VecDeque<Instant>,
}

impl WarmPool {
    /// How long a node made counts as demand.
    pub const WINDOW: Duration = Duration::from_secs(120);

    pub fn new(base: usize, max: usize, guest_mib: u32) -> WarmPool {
        // QEMU under TCG holds ~65-75 MiB besides the guest's RAM: the 16 MiB translation
        // cache, the kernel and initramfs it maps, its own code and heap (bench/create.sh:
        // 111-121 MiB RSS for a 48 MiB guest); 80 leaves a margin.
        let node_cost_mib = u64::from(guest_mib) + 80;
        WarmPool { base, max: max.max(base), node_cost_mib, demand: VecDeque::new() }
    }

    /// A node was made for a load balancer (from a spare or by a boot).
    pub fn node_made(&mut self, now: Instant) {
        self.demand.push_back(now);
    }

    /// The pool size wanted now. `mem_available_mib`: the host's available memory, when known.
    pub fn target(&mut self, now: Instant, mem_available_mib: Option<u64>) -> usize {
        while self.demand.front().is_some_and(|t| now.duration_since(*t) > Self::WINDOW) {
            self.demand.pop_front();
        }
        let by_memory = mem_available_mib
            .map(|m| (m / 2 / self.node_cost_mib.max(1)) as usize)
            .unwrap_or(usize::MAX);
        // The base is the operator's explicit choice: memory only limits what demand adds.
        let cap = self.max.min(by_memory).max(self.base);
        (self.base + self.demand.len()).min(cap)
    }
}

/// `MemAvailable` from `/proc/meminfo`, MiB.
pub fn mem_available_mib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_grows_the_pool_up_to_the_cap_and_it_shrinks_back() {
        let t0 = Instant::now();
        let mut p = WarmPool::new(4, 10, 96);
        assert_eq!(p.target(t0, Some(24_000)), 4);
        for i in 0..3 {
            p.node_made(t0 + Duration::from_secs(i));
        }
        assert_eq!(p.target(t0 + Duration::from_secs(3), Some(24_000)), 7);
        for i in 0..10 {
            p.node_made(t0 + Duration::from_secs(4 + i));
        }
        assert_eq!(p.target(t0 + Duration::from_secs(14), Some(24_000)), 10, "capped by max");
        let later = t0 + WarmPool::WINDOW + Duration::from_secs(15);
        assert_eq!(p.target(later, Some(24_000)), 4, "demand forgotten after the window");
    }

    #[test]
    fn memory_limits_what_demand_adds_but_not_the_base() {
        let t0 = Instant::now();
        let mut p = WarmPool::new(2, 20, 96);
        for _ in 0..10 {
            p.node_made(t0);
        }
        // 2 GiB available: half of it holds 5 nodes of 176 MiB.
        assert_eq!(p.target(t0, Some(2048)), 5);
        assert_eq!(p.target(t0, Some(100)), 2, "the base stays");
        assert_eq!(p.target(t0, None), 12);
    }
}
