//! Autoscale decisions (ARCHITECTURE §7), pure: from the load the serving nodes report, with
//! thresholds, a sustain window and a cooldown, one node at a time within min..max.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ScalePolicy {
    /// Average agent CPU (0..1 per core) above which load is high.
    pub cpu_high: f64,
    /// ... and below which it is low.
    pub cpu_low: f64,
    /// Average requests/s per node above which load is high (None: CPU only).
    pub rps_high: Option<f64>,
    /// Average requests/s per node below which load is low (None: CPU only).
    pub rps_low: Option<f64>,
    /// High load must last this long before a node is added ...
    pub out_after: Duration,
    /// ... and low load this long before one is removed (longer: scale-in costs a drain).
    pub in_after: Duration,
    /// No decision this soon after the previous one: the new node must first take its share.
    pub cooldown: Duration,
}

impl Default for ScalePolicy {
    fn default() -> Self {
        ScalePolicy {
            cpu_high: 0.7,
            cpu_low: 0.2,
            rps_high: None,
            rps_low: None,
            out_after: Duration::from_secs(10),
            in_after: Duration::from_secs(60),
            cooldown: Duration::from_secs(60),
        }
    }
}

/// What one load balancer looks like now.
#[derive(Debug, Clone)]
pub struct ScaleInput {
    pub min: i32,
    pub max: i32,
    pub desired: i32,
    pub serving: i64,
    pub changing: i64,
    pub since_scaled: Option<Duration>,
    pub avg_cpu: f64,
    pub avg_rps: f64,
}

/// Since when load has been high or low, per load balancer (in memory: after a restart the
/// windows start again, which only delays a decision).
#[derive(Debug, Clone, Default)]
pub struct ScaleState {
    high_since: Option<Instant>,
    low_since: Option<Instant>,
}

/// The new desired count and why, when a step is due.
pub fn decide(
    p: &ScalePolicy,
    st: &mut ScaleState,
    i: &ScaleInput,
    now: Instant,
) -> Option<(i32, String)> {
    // Only judge a settled load balancer: every node it should run serves and reports.
    if i.changing > 0 || i.serving < i64::from(i.desired) || i.serving == 0 {
        *st = ScaleState::default();
        return None;
    }
    let high = i.avg_cpu > p.cpu_high || p.rps_high.is_some_and(|h| i.avg_rps > h);
    let low = i.avg_cpu < p.cpu_low && p.rps_low.is_none_or(|l| i.avg_rps < l);
    st.high_since = if high { st.high_since.or(Some(now)) } else { None };
    st.low_since = if low { st.low_since.or(Some(now)) } else { None };
    if i.since_scaled.is_some_and(|s| s < p.cooldown) {
        return None;
    }
    let figures = format!("cpu {:.2}, {:.1} req/s per node", i.avg_cpu, i.avg_rps);
    if let Some(t) = st.high_since {
        if now.duration_since(t) >= p.out_after && i.desired < i.max {
            *st = ScaleState::default();
            return Some((
                i.desired + 1,
                format!("high load for {}s ({figures})", p.out_after.as_secs()),
            ));
        }
    }
    if let Some(t) = st.low_since {
        if now.duration_since(t) >= p.in_after && i.desired > i.min {
            *st = ScaleState::default();
            return Some((
                i.desired - 1,
                format!("low load for {}s ({figures})", p.in_after.as_secs()),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(desired: i32, cpu: f64, rps: f64) -> ScaleInput {
        ScaleInput {
            min: 1,
            max: 3,
            desired,
            serving: i64::from(desired),
            changing: 0,
            since_scaled: None,
            avg_cpu: cpu,
            avg_rps: rps,
        }
    }

    fn policy() -> ScalePolicy {
        ScalePolicy {
            out_after: Duration::from_secs(10),
            in_after: Duration::from_secs(30),
            cooldown: Duration::from_secs(20),
            ..Default::default()
        }
    }

    #[test]
    fn sustained_high_load_adds_one_node() {
        let (p, mut st, t0) = (policy(), ScaleState::default(), Instant::now());
        assert_eq!(decide(&p, &mut st, &input(1, 0.9, 0.0), t0), None);
        assert_eq!(decide(&p, &mut st, &input(1, 0.9, 0.0), t0 + Duration::from_secs(5)), None);
        let d = decide(&p, &mut st, &input(1, 0.9, 0.0), t0 + Duration::from_secs(10));
        assert_eq!(d.map(|d| d.0), Some(2));
    }

    #[test]
    fn a_dip_restarts_the_window() {
        let (p, mut st, t0) = (policy(), ScaleState::default(), Instant::now());
        decide(&p, &mut st, &input(1, 0.9, 0.0), t0);
        decide(&p, &mut st, &input(1, 0.5, 0.0), t0 + Duration::from_secs(6));
        assert_eq!(decide(&p, &mut st, &input(1, 0.9, 0.0), t0 + Duration::from_secs(11)), None);
    }

    #[test]
    fn never_beyond_max_or_below_min() {
        let (p, mut st, t0) = (policy(), ScaleState::default(), Instant::now());
        decide(&p, &mut st, &input(3, 0.9, 0.0), t0);
        assert_eq!(decide(&p, &mut st, &input(3, 0.9, 0.0), t0 + Duration::from_secs(60)), None);
        decide(&p, &mut st, &input(1, 0.0, 0.0), t0);
        assert_eq!(decide(&p, &mut st, &input(1, 0.0, 0.0), t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn sustained_low_load_removes_one_node_after_the_cooldown() {
        let (p, mut st, t0) = (policy(), ScaleState::default(), Instant::now());
        let mut i = input(2, 0.05, 0.0);
        i.since_scaled = Some(Duration::from_secs(5));
        decide(&p, &mut st, &i, t0);
        assert_eq!(decide(&p, &mut st, &i, t0 + Duration::from_secs(40)), None, "cooldown");
        i.since_scaled = Some(Duration::from_secs(45));
        let d = decide(&p, &mut st, &i, t0 + Duration::from_secs(40));
        assert_eq!(d.map(|d| d.0), Some(1));
    }

    #[test]
    fn requests_per_second_thresholds() {
        let p = ScalePolicy { rps_high: Some(100.0), rps_low: Some(10.0), ..policy() };
        let (mut st, t0) = (ScaleState::default(), Instant::now());
        decide(&p, &mut st, &input(1, 0.0, 500.0), t0);
        let d = decide(&p, &mut st, &input(1, 0.0, 500.0), t0 + Duration::from_secs(10));
        assert_eq!(d.map(|d| d.0), Some(2), "high rps scales out even with idle CPU");
        let mut st = ScaleState::default();
        decide(&p, &mut st, &input(2, 0.0, 50.0), t0);
        assert_eq!(decide(&p, &mut st, &input(2, 0.0, 50.0), t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn no_decision_while_a_step_is_under_way() {
        let (p, mut st, t0) = (policy(), ScaleState::default(), Instant::now());
        let mut i = input(2, 0.9, 0.0);
        i.serving = 1;
        i.changing = 1;
        decide(&p, &mut st, &i, t0);
        assert_eq!(decide(&p, &mut st, &i, t0 + Duration::from_secs(60)), None);
    }
}
