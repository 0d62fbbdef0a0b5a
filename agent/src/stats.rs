//! Counters the agent reports in its heartbeat: a fixed-bucket latency histogram per member, node
//! totals, and the process's CPU use read from `/proc/self/stat`.
//!
//! Everything here is lock-free atomics on the hot path; readers (the heartbeat, once or twice a
//! second) tolerate the small skew of reading several atomics that are not updated together.
//! Nothing is persisted: a restarted agent starts from zero and the controller sees `uptime_ms`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Upper bounds of the histogram buckets, in microseconds; a last, open bucket catches the rest.
/// Roughly 1-2.5-5 per decade: enough for a p50/p99 that tells 1 ms from 10 ms from 1 s, which is
/// what balancing and autoscaling decisions need. Exact quantiles were rejected: they need
/// per-sample storage or a sketch, and this goes into a ~MB initramfs.
const BOUNDS_US: [u64; 16] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

/// A latency histogram whose counts decay by half at every [`Histogram::quantiles_and_decay`], so
/// the reported quantiles follow recent traffic (an exponential window of a few heartbeats)
/// rather than the whole lifetime.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS_US.len() + 1],
}

impl Histogram {
    pub fn record(&self, d: Duration) {
        let us = d.as_micros().min(u64::MAX as u128) as u64;
        let i = BOUNDS_US.iter().position(|&b| us <= b).unwrap_or(BOUNDS_US.len());
        self.buckets[i].fetch_add(1, Relaxed);
    }

    /// Returns (p50, p99) in milliseconds (a bucket's upper bound; 0 with no samples) and halves
    /// every bucket.
    pub fn quantiles_and_decay(&self) -> (f64, f64) {
        let q = self.quantiles();
        for b in &self.buckets {
            let _ = b.fetch_update(Relaxed, Relaxed, |v| Some(v / 2));
        }
        q
    }

    /// (p50, p99) without decaying: for readers other than the heartbeat (the admin endpoint),
    /// which must not shorten the heartbeat's window.
    pub fn quantiles(&self) -> (f64, f64) {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Relaxed)).collect();
        (quantile(&counts, 0.50), quantile(&counts, 0.99))
    }
}

fn quantile(counts: &[u64], q: f64) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let rank = ((total as f64) * q).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, c) in counts.iter().enumerate() {
        seen += c;
        if seen >= rank {
            // The open bucket reports twice the last bound: "more than 10 s" is all we know.
            let us = BOUNDS_US.get(i).copied().unwrap_or(2 * BOUNDS_US[BOUNDS_US.len() - 1]);
            return us as f64 / 1000.0;
        }
    }
    0.0
}

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct NodeStats {
    /// Client connections currently open (TCP and HTTP listeners alike).
    pub active_connections: AtomicU64,
    /// HTTP requests plus TCP connections served since start.
    pub requests_total: AtomicU64,
    /// Requests answered from a listener's response cache, and cacheable requests that were not.
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
}

/// Decrements a counter when dropped, so an early return or a panic cannot leak a count.
pub struct Gauge<'a>(&'a AtomicU64);

impl<'a> Gauge<'a> {
    pub fn enter(c: &'a AtomicU64) -> Self {
        c.fetch_add(1, Relaxed);
        Gauge(c)
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// Turns monotonic totals (requests, CPU ticks) into rates between two heartbeats.
#[derive(Debug)]
pub struct RateMeter {
    last: Mutex<(Instant, u64, Option<u64>)>,
}

impl Default for RateMeter {
    fn default() -> Self {
        RateMeter { last: Mutex::new((Instant::now(), 0, cpu_ticks())) }
    }
}

impl RateMeter {
    /// Returns (requests per second, CPU share) since the previous call.
    pub fn sample(&self, requests_total: u64) -> (f64, f64) {
        let now = Instant::now();
        let ticks = cpu_ticks();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let secs = now.duration_since(last.0).as_secs_f64();
        if secs < 0.001 {
            return (0.0, 0.0);
        }
        let rps = requests_total.saturating_sub(last.1) as f64 / secs;
        let cpu = match (ticks, last.2) {
            (Some(t), Some(l)) => t.saturating_sub(l) as f64 / CLK_TCK / secs,
            _ => 0.0,
        };
        *last = (now, requests_total, ticks);
        (rps, cpu)
    }
}

/// `sysconf(_SC_CLK_TCK)` is 100 on every Linux architecture we ship for; reading it would need
/// libc, and the workspace denies unsafe code.
const CLK_TCK: f64 = 100.0;

/// utime + stime of this process in clock ticks, from `/proc/self/stat`; `None` off Linux.
fn cpu_ticks() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_cpu_ticks(&s)
}

fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' start
    // at field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Milliseconds since the agent's first call here: a cheap monotonic clock that fits in an atomic.
pub fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_buckets_and_decay() {
        let h = Histogram::default();
        for _ in 0..98 {
            h.record(Duration::from_micros(800));
        }
        h.record(Duration::from_millis(40));
        h.record(Duration::from_millis(40));
        let (p50, p99) = h.quantiles_and_decay();
        assert_eq!((p50, p99), (1.0, 50.0));
        // Halved, not cleared: the shape survives a heartbeat.
        assert_eq!(h.quantiles_and_decay(), (1.0, 50.0));
        assert_eq!(Histogram::default().quantiles_and_decay(), (0.0, 0.0));
    }

    #[test]
    fn parses_proc_stat_with_odd_command_names() {
        let s = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 1 1 1";
        assert_eq!(parse_cpu_ticks(s), Some(12));
        assert!(cpu_ticks().is_some());
    }
}
