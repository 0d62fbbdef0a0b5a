//! Member selection for one pool (a listener's default pool, or one its L7 policies forward to):
//! the four algorithms of [`Algorithm`], the `up` flag the control plane sets, and passive health
//! (ejection after consecutive failures).
//!
//! A [`Pool`] is immutable once built and is swapped whole (arc-swap) on every config change, so
//! a request sees one consistent member list from pick to finish. The mutable part of a member
//! (counters, EWMA, ejection) lives in [`MemberState`] behind an `Arc` that the next pool inherits
//! by member id: reweighting or adding a neighbour neither resets a member's statistics nor
//! forgets that it is ejected. Invariants: a member with `up == false` or `weight == 0` never gets
//! a new pick; an ejected member gets one only when every eligible member is ejected ("panic
//! mode", as Envoy does: better to try a suspect member than to fail for sure).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lbaas_proto::{Algorithm, MemberConfig, MemberStats};

use crate::stats::{now_ms, Histogram};

/// Passive health parameters.
#[derive(Debug, Clone, Copy)]
pub struct HealthPolicy {
    /// Consecutive failures (connect errors, timeouts, 5xx) that eject a member.
    pub failures_to_eject: u32,
    /// First ejection period; it doubles with each re-ejection up to `max_ejection`.
    pub base_ejection: Duration,
    pub max_ejection: Duration,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy {
            failures_to_eject: 3,
            base_ejection: Duration::from_secs(2),
            max_ejection: Duration::from_secs(30),
        }
    }
}

/// Per-member state that survives config swaps.
#[derive(Debug, Default)]
pub struct MemberState {
    pub id: String,
    requests: AtomicU64,
    errors: AtomicU64,
    /// In-flight requests (HTTP) or open connections (TCP) to this member.
    active: AtomicU64,
    consecutive_failures: AtomicU32,
    /// Ejections since the last success; non-zero means "on probation": one failure re-ejects.
    ejections: AtomicU32,
    ejected_until_ms: AtomicU64,
    /// EWMA of latency in microseconds as f64 bits; 0 = no sample yet.
    ewma_us: AtomicU64,
    latency: Histogram,
}

/// Pools up to this size pick without allocating.
const INLINE_MEMBERS: usize = 32;

/// Weight of a new latency sample in the EWMA: reacts within a handful of requests while one slow
/// outlier moves it only a fifth of the way.
const EWMA_ALPHA: f64 = 0.2;

impl MemberState {
    fn new(id: &str) -> Self {
        MemberState { id: id.to_owned(), ..Default::default() }
    }

    /// Counts a request or connection as started; the guard ends it.
    pub fn begin(self: &Arc<Self>) -> ActiveGuard {
        self.requests.fetch_add(1, Relaxed);
        self.active.fetch_add(1, Relaxed);
        ActiveGuard(self.clone())
    }

    pub fn active(&self) -> u64 {
        self.active.load(Relaxed)
    }

    pub fn ewma_us(&self) -> f64 {
        f64::from_bits(self.ewma_us.load(Relaxed))
    }

    pub fn is_ejected_at(&self, now: u64) -> bool {
        self.ejected_until_ms.load(Relaxed) > now
    }

    /// A successful exchange: records latency and clears the failure streak and probation.
    pub fn record_success(&self, latency: Duration) {
        self.observe_latency(latency);
        self.consecutive_failures.store(0, Relaxed);
        self.ejections.store(0, Relaxed);
    }

    /// A failed exchange; `latency` is the time it cost (a connect timeout is expensive, and the
    /// EWMA should say so, so LeastLatency avoids the member even before it is ejected).
    pub fn record_failure(&self, latency: Duration, policy: &HealthPolicy) {
        self.record_failure_at(latency, policy, now_ms())
    }

    fn record_failure_at(&self, latency: Duration, policy: &HealthPolicy, now: u64) {
        self.errors.fetch_add(1, Relaxed);
        self.observe_latency(latency);
        let streak = self.consecutive_failures.fetch_add(1, Relaxed) + 1;
        let on_probation = self.ejections.load(Relaxed) > 0;
        if streak >= policy.failures_to_eject.max(1) || on_probation {
            if self.is_ejected_at(now) {
                return; // Failures of requests picked before the ejection; already counted.
            }
            let n = self.ejections.fetch_add(1, Relaxed).min(16);
            let period = policy.base_ejection.saturating_mul(1 << n).min(policy.max_ejection);
            self.ejected_until_ms.store(now + period.as_millis() as u64, Relaxed);
            self.consecutive_failures.store(0, Relaxed);
            tracing::warn!(member = %self.id, period_ms = period.as_millis() as u64,
                "member ejected by passive health");
        }
    }

    fn observe_latency(&self, d: Duration) {
        self.latency.record(d);
        let sample = d.as_secs_f64() * 1e6;
        let _ = self.ewma_us.fetch_update(Relaxed, Relaxed, |bits| {
            let old = f64::from_bits(bits);
            let new = if old == 0.0 { sample } else { old + EWMA_ALPHA * (sample - old) };
            Some(new.max(1.0).to_bits())
        });
    }

    /// The member's statistics for a heartbeat; decays the latency histogram.
    pub fn stats(&self) -> MemberStats {
        self.stats_with(self.latency.quantiles_and_decay())
    }

    /// The same, leaving the histogram alone (local readers).
    pub fn snapshot(&self) -> MemberStats {
        self.stats_with(self.latency.quantiles())
    }

    fn stats_with(&self, (p50_ms, p99_ms): (f64, f64)) -> MemberStats {
        MemberStats {
            id: self.id.clone(),
            requests: self.requests.load(Relaxed),
            errors: self.errors.load(Relaxed),
            active: self.active.load(Relaxed),
            p50_ms,
            p99_ms,
            ejected: self.is_ejected_at(now_ms()),
        }
    }

    #[cfg(test)]
    pub(crate) fn set_ewma_us(&self, us: f64) {
        self.ewma_us.store(us.to_bits(), Relaxed);
    }
}

/// Holds one unit of a member's `active` count.
#[derive(Debug)]
pub struct ActiveGuard(Arc<MemberState>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Relaxed);
    }
}

#[derive(Debug)]
pub struct Member {
    pub config: MemberConfig,
    pub addr: SocketAddr,
    pub state: Arc<MemberState>,
    /// The `x-lbaas-member` value, built once (`None` if the id is not a valid header value).
    pub id_header: Option<hyper::header::HeaderValue>,
}

/// One pool's member list and algorithm, immutable apart from the algorithms' cursors.
#[derive(Debug)]
pub struct Pool {
    pub algorithm: Algorithm,
    pub members: Vec<Member>,
    pub policy: HealthPolicy,
    cursor: AtomicUsize,
    /// nginx's smooth weighted round robin "current weights", one per member.
    swrr: Mutex<Vec<i64>>,
}

impl Pool {
    /// Builds a pool of `members` (a listener's default pool or one of its L7 pools), inheriting
    /// member state by id from `previous`.
    pub fn new(
        algorithm: Algorithm,
        members: &[MemberConfig],
        previous: Option<&Pool>,
        policy: HealthPolicy,
    ) -> Pool {
        let old: HashMap<&str, &Arc<MemberState>> = previous
            .map(|p| p.members.iter().map(|m| (m.config.id.as_str(), &m.state)).collect())
            .unwrap_or_default();
        let members: Vec<Member> = members
            .iter()
            .map(|m| Member {
                config: m.clone(),
                addr: SocketAddr::new(m.address, m.port),
                id_header: hyper::header::HeaderValue::from_str(&m.id).ok(),
                state: old
                    .get(m.id.as_str())
                    .map(|s| (*s).clone())
                    .unwrap_or_else(|| Arc::new(MemberState::new(&m.id))),
            })
            .collect();
        let n = members.len();
        Pool {
            algorithm,
            members,
            policy,
            // Start new pools at a different member than the last one started at, so frequent
            // swaps do not keep sending the first request of each pool to member 0.
            cursor: AtomicUsize::new(previous.map(|p| p.cursor.load(Relaxed)).unwrap_or(0)),
            swrr: Mutex::new(vec![0; n]),
        }
    }

    /// True if any member may be sent traffic at all (else the answer is 503).
    pub fn any_up(&self) -> bool {
        self.members.iter().any(|m| m.config.up && m.config.weight > 0)
    }

    /// Picks a member not in `tried`; `None` when no up member is left.
    pub fn pick(&self, tried: &[usize]) -> Option<usize> {
        self.pick_at(tried, now_ms())
    }

    pub fn pick_at(&self, tried: &[usize], now: u64) -> Option<usize> {
        let up = |i: usize| {
            let c = &self.members[i].config;
            c.up && c.weight > 0 && !tried.contains(&i)
        };
        // Collected on the stack for pools of ordinary size: this runs once per request.
        let (mut inline, mut heap) = ([0usize; INLINE_MEMBERS], Vec::new());
        let mut eligible = self.collect(
            |i| up(i) && !self.members[i].state.is_ejected_at(now),
            &mut inline,
            &mut heap,
        );
        if eligible.is_empty() {
            eligible = self.collect(up, &mut inline, &mut heap);
        }
        match eligible.len() {
            0 => None,
            1 => Some(eligible[0]),
            _ => Some(match self.algorithm {
                Algorithm::RoundRobin => self.round_robin(eligible),
                Algorithm::LeastConnections => self.least_connections(eligible),
                Algorithm::WeightedRoundRobin => self.smooth_weighted(eligible),
                Algorithm::LeastLatency => self.power_of_two(eligible),
            }),
        }
    }

    /// The member indexes that satisfy `keep`, in `inline` when they fit, else in `heap`.
    fn collect<'a>(
        &self,
        keep: impl Fn(usize) -> bool,
        inline: &'a mut [usize; INLINE_MEMBERS],
        heap: &'a mut Vec<usize>,
    ) -> &'a [usize] {
        let n = self.members.len();
        if n <= INLINE_MEMBERS {
            let mut len = 0;
            for i in (0..n).filter(|&i| keep(i)) {
                inline[len] = i;
                len += 1;
            }
            &inline[..len]
        } else {
            heap.clear();
            heap.extend((0..n).filter(|&i| keep(i)));
            heap
        }
    }

    fn round_robin(&self, eligible: &[usize]) -> usize {
        eligible[self.cursor.fetch_add(1, Relaxed) % eligible.len()]
    }

    /// Fewest active per unit of weight; ties go round robin so an idle pool still spreads.
    fn least_connections(&self, eligible: &[usize]) -> usize {
        let start = self.cursor.fetch_add(1, Relaxed);
        let mut best = eligible[start % eligible.len()];
        for k in 1..eligible.len() {
            let i = eligible[(start + k) % eligible.len()];
            let (a, b) = (&self.members[i], &self.members[best]);
            // a.active / a.weight < b.active / b.weight, without division.
            if (a.state.active() as u128) * (b.config.weight as u128)
                < (b.state.active() as u128) * (a.config.weight as u128)
            {
                best = i;
            }
        }
        best
    }

    /// nginx's smooth weighted round robin: every pick adds each weight to its current weight,
    /// takes the largest and subtracts the total from it. Weights 5,1,1 give a a b a c a a.
    fn smooth_weighted(&self, eligible: &[usize]) -> usize {
        let mut cw = self.swrr.lock().unwrap_or_else(|e| e.into_inner());
        let mut total = 0i64;
        let mut best = eligible[0];
        for &i in eligible {
            let w = self.members[i].config.weight as i64;
            cw[i] += w;
            total += w;
            if cw[i] > cw[best] {
                best = i;
            }
        }
        cw[best] -= total;
        best
    }

    /// Power of two choices: two random eligible members, keep the cheaper by
    /// EWMA latency × (in-flight + 1) / weight. A member without samples costs 0, so new members
    /// are tried at once. Rejected: a full scan for the global minimum, which herds every
    /// concurrent request onto the same member between two latency updates.
    fn power_of_two(&self, eligible: &[usize]) -> usize {
        let r = random();
        let n = eligible.len();
        let a = (r % n as u64) as usize;
        let b = (a + 1 + ((r >> 32) % (n as u64 - 1)) as usize) % n;
        let cost = |i: usize| {
            let m = &self.members[i];
            m.state.ewma_us() * (m.state.active() as f64 + 1.0) / m.config.weight as f64
        };
        let (a, b) = (eligible[a], eligible[b]);
        if cost(b) < cost(a) {
            b
        } else {
            a
        }
    }
}

/// splitmix64 over a global counter: uniform enough for load balancing, no dependency, no lock.
fn random() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let mut z = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool's config: its algorithm and members `m0`, `m1`… with these weights.
    struct Cfg {
        algorithm: Algorithm,
        members: Vec<MemberConfig>,
    }

    impl Pool {
        fn of(c: &Cfg, previous: Option<&Pool>, policy: HealthPolicy) -> Pool {
            Pool::new(c.algorithm, &c.members, previous, policy)
        }
    }

    fn cfg(alg: Algorithm, weights: &[u32]) -> Cfg {
        Cfg {
            algorithm: alg,
            members: weights
                .iter()
                .enumerate()
                .map(|(i, &w)| MemberConfig {
                    id: format!("m{i}"),
                    address: "127.0.0.1".parse().unwrap(),
                    port: 1000 + i as u16,
                    weight: w,
                    up: true,
                })
                .collect(),
        }
    }

    fn counts(pool: &Pool, n: usize) -> Vec<usize> {
        let mut c = vec![0; pool.members.len()];
        for _ in 0..n {
            c[pool.pick_at(&[], 0).unwrap()] += 1;
        }
        c
    }

    #[test]
    fn round_robin_is_even_and_skips_down_members() {
        let mut c = cfg(Algorithm::RoundRobin, &[1, 1, 1]);
        let pool = Pool::of(&c, None, HealthPolicy::default());
        assert_eq!(counts(&pool, 300), vec![100, 100, 100]);
        c.members[1].up = false;
        let pool = Pool::of(&c, Some(&pool), HealthPolicy::default());
        assert_eq!(counts(&pool, 300), vec![150, 0, 150]);
        c.members[0].up = false;
        c.members[2].up = false;
        let pool = Pool::of(&c, Some(&pool), HealthPolicy::default());
        assert!(!pool.any_up());
        assert_eq!(pool.pick_at(&[], 0), None);
    }

    #[test]
    fn smooth_weighted_round_robin_matches_nginx() {
        let pool =
            Pool::of(&cfg(Algorithm::WeightedRoundRobin, &[5, 1, 1]), None, Default::default());
        let seq: Vec<usize> = (0..7).map(|_| pool.pick_at(&[], 0).unwrap()).collect();
        assert_eq!(seq, vec![0, 0, 1, 0, 2, 0, 0]);
        let pool =
            Pool::of(&cfg(Algorithm::WeightedRoundRobin, &[3, 2, 1]), None, Default::default());
        assert_eq!(counts(&pool, 600), vec![300, 200, 100]);
    }

    #[test]
    fn least_connections_fills_the_idle_member_first() {
        let pool = Pool::of(&cfg(Algorithm::LeastConnections, &[1, 1]), None, Default::default());
        let busy: Vec<ActiveGuard> = (0..10).map(|_| pool.members[0].state.begin()).collect();
        // Holding each pick open: the first ten must all go to the idle member.
        let mut held = Vec::new();
        for _ in 0..10 {
            let i = pool.pick_at(&[], 0).unwrap();
            assert_eq!(i, 1);
            held.push(pool.members[i].state.begin());
        }
        // Now balanced: the next picks alternate.
        let c = counts(&pool, 100);
        assert_eq!(c, vec![50, 50]);
        drop(busy);
        assert_eq!(pool.pick_at(&[], 0), Some(0));
        // Weights scale the share: 2:1 with equal load goes to the heavier one.
        let pool = Pool::of(&cfg(Algorithm::LeastConnections, &[2, 1]), None, Default::default());
        let _a = pool.members[0].state.begin();
        let _b = pool.members[1].state.begin();
        assert_eq!(pool.pick_at(&[], 0), Some(0));
    }

    #[test]
    fn power_of_two_prefers_the_fast_member() {
        let pool = Pool::of(&cfg(Algorithm::LeastLatency, &[1, 1, 1]), None, Default::default());
        pool.members[0].state.set_ewma_us(1_000.0);
        pool.members[1].state.set_ewma_us(50_000.0);
        pool.members[2].state.set_ewma_us(60_000.0);
        let c = counts(&pool, 3000);
        // The fast member wins every pair it is in: 2/3 of the picks.
        assert!(c[0] > 1800, "{c:?}");
        assert!(c[1] > c[2], "{c:?}");
        // In-flight requests count too: a fast but saturated member loses to an idle one.
        let _load: Vec<_> = (0..100).map(|_| pool.members[0].state.begin()).collect();
        let c = counts(&pool, 3000);
        assert!(c[0] < 100, "{c:?}");
    }

    #[test]
    fn passive_health_ejects_then_readmits_on_probation() {
        let policy = HealthPolicy {
            failures_to_eject: 3,
            base_ejection: Duration::from_millis(1000),
            max_ejection: Duration::from_millis(3000),
        };
        let pool = Pool::of(&cfg(Algorithm::RoundRobin, &[1, 1]), None, policy);
        let s = &pool.members[0].state;
        for _ in 0..2 {
            s.record_failure_at(Duration::from_millis(1), &policy, 100);
        }
        assert!(!s.is_ejected_at(100));
        s.record_failure_at(Duration::from_millis(1), &policy, 100);
        assert!(s.is_ejected_at(100) && s.is_ejected_at(1099) && !s.is_ejected_at(1100));
        assert!((0..10).all(|_| pool.pick_at(&[], 500) == Some(1)));
        // Back after the period; a single failure on probation re-ejects, for twice as long.
        s.record_failure_at(Duration::from_millis(1), &policy, 1200);
        assert!(s.is_ejected_at(3199) && !s.is_ejected_at(3200));
        // Panic mode: with every member ejected, still try one rather than fail.
        let t = &pool.members[1].state;
        for _ in 0..3 {
            t.record_failure_at(Duration::from_millis(1), &policy, 1300);
        }
        assert!(pool.pick_at(&[], 1400).is_some());
        assert_eq!(pool.pick_at(&[0, 1], 1400), None);
        // Success clears probation.
        s.record_success(Duration::from_millis(1));
        assert_eq!(s.stats().errors, 4);
    }

    #[test]
    fn state_survives_a_swap_by_member_id() {
        let c = cfg(Algorithm::RoundRobin, &[1, 1]);
        let a = Pool::of(&c, None, Default::default());
        let _g = a.members[1].state.begin();
        let mut c2 = cfg(Algorithm::LeastConnections, &[1, 1, 1]);
        c2.members.remove(0);
        let b = Pool::of(&c2, Some(&a), Default::default());
        assert_eq!(b.members[0].config.id, "m1");
        assert_eq!(b.members[0].state.active(), 1);
        assert!(Arc::ptr_eq(&a.members[1].state, &b.members[0].state));
    }
}
