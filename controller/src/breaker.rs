//! The mass-failover breaker (ARCHITECTURE §10). When many nodes go DOWN together, the likely
//! cause is the network or the hypervisor, not the nodes: replacing them all would double the
//! fleet into the same fault (and empty the warm pool, and the quotas). So when more than
//! `share` of the nodes (ACTIVE or DOWN) went DOWN within `window`, and at least `min` did, the
//! breaker opens: no replacement is built for a DOWN node and no DOWN node is deleted. It
//! closes when the share of DOWN nodes falls to `share` or below (they came back), never just
//! because time passed: a partition that lasts past the window is still a partition. An event
//! and a metric say so each way.
//!
//! Only the judgement lives here (pure, unit-tested); the reconciler holds it across passes.

use std::time::Duration;

use lbaas_common::types::NodeStatus;

#[derive(Debug, Clone, Copy)]
pub struct BreakerPolicy {
    /// Share of nodes (0..1) that must go DOWN within the window to open it.
    pub share: f64,
    /// And at least this many: a fleet of three losing two is not a mass failure.
    pub min: usize,
    pub window: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy { share: 0.5, min: 3, window: Duration::from_secs(60) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Opened {
        down: usize,
        of: usize,
    },
    Closed {
        down: usize,
        of: usize,
    },
    /// Closed because an operator resumed failovers, though the share is still over.
    Resumed {
        down: usize,
        of: usize,
    },
}

#[derive(Debug, Default)]
pub struct Breaker {
    pub policy: BreakerPolicy,
    pub open: bool,
}

impl Breaker {
    pub fn new(policy: BreakerPolicy) -> Breaker {
        Breaker { policy, open: false }
    }

    /// Judges the fleet: each node's status and how long it has had it (seconds).
    /// `resumed_age`: seconds since an operator resumed failovers, if one did; the nodes that
    /// were DOWN by then are accepted (replaced as usual) and no longer count.
    pub fn judge<'a>(
        &mut self,
        nodes: impl Iterator<Item = (&'a str, f64)>,
        resumed_age: Option<f64>,
    ) -> Option<Change> {
        let (mut of, mut down, mut counted, mut recent) = (0usize, 0usize, 0usize, 0usize);
        for (status, age) in nodes {
            if status == NodeStatus::Active.as_str() {
                of += 1;
            } else if status == NodeStatus::Down.as_str() {
                of += 1;
                down += 1;
                if resumed_age.is_some_and(|r| age >= r) {
                    continue;
                }
                counted += 1;
                if age < self.policy.window.as_secs_f64() {
                    recent += 1;
                }
            }
        }
        let over = |n: usize| n >= self.policy.min && n as f64 > self.policy.share * of as f64;
        if !self.open && over(recent) {
            self.open = true;
            return Some(Change::Opened { down: recent, of });
        }
        if self.open && !over(counted) {
            self.open = false;
            if over(down) {
                return Some(Change::Resumed { down, of });
            }
            return Some(Change::Closed { down, of });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Breaker {
        fn judge_now(
            &mut self,
            nodes: impl Iterator<Item = (&'static str, f64)>,
        ) -> Option<Change> {
            self.judge(nodes, None)
        }
    }

    #[test]
    fn an_operator_resume_accepts_the_nodes_down_by_then_and_judges_new_ones() {
        let mut b = Breaker::new(BreakerPolicy::default());
        assert!(matches!(b.judge(fleet(3, 5, 0).into_iter(), None), Some(Change::Opened { .. })));
        // Resumed 2 s ago: the five went DOWN 5 s ago, before it: accepted.
        assert_eq!(
            b.judge(fleet(3, 5, 0).into_iter(), Some(2.0)),
            Some(Change::Resumed { down: 5, of: 8 })
        );
        assert!(!b.open);
        assert_eq!(b.judge(fleet(3, 5, 0).into_iter(), Some(3.0)), None, "stays closed");
        // Three more go DOWN after the resume (1 s ago): judged again, it opens.
        let mut v = fleet(0, 0, 0);
        v.extend(vec![("DOWN", 5.0); 5]);
        v.extend(vec![("DOWN", 1.0); 3]);
        v.push(("ACTIVE", 300.0));
        assert_eq!(b.judge(v.into_iter(), Some(3.0)), None, "3 of 9 is not more than half");
        let mut v = vec![("DOWN", 5.0); 5];
        v.extend(vec![("DOWN", 1.0); 7]);
        v.push(("ACTIVE", 300.0));
        assert_eq!(b.judge(v.into_iter(), Some(3.0)), Some(Change::Opened { down: 7, of: 13 }));
    }

    fn fleet(active: usize, down_recent: usize, down_old: usize) -> Vec<(&'static str, f64)> {
        let mut v = vec![("ACTIVE", 300.0); active];
        v.extend(vec![("DOWN", 5.0); down_recent]);
        v.extend(vec![("DOWN", 600.0); down_old]);
        v
    }

    #[test]
    fn opens_on_a_mass_failure_only_and_closes_when_nodes_come_back() {
        let mut b = Breaker::new(BreakerPolicy::default());
        // One or two DOWN: ordinary failovers.
        assert_eq!(b.judge_now(fleet(8, 2, 0).into_iter()), None);
        // Two of three: a small fleet, under `min`.
        assert_eq!(b.judge_now(fleet(1, 2, 0).into_iter()), None);
        assert_eq!(
            b.judge_now(fleet(3, 5, 0).into_iter()),
            Some(Change::Opened { down: 5, of: 8 })
        );
        assert!(b.open);
        // Past the window the partition still holds: stays open.
        assert_eq!(b.judge_now(fleet(3, 0, 5).into_iter()), None);
        assert!(b.open);
        // Nodes come back: the share falls, it closes.
        assert_eq!(
            b.judge_now(fleet(6, 0, 2).into_iter()),
            Some(Change::Closed { down: 2, of: 8 })
        );
        assert!(!b.open);
        // Old DOWN nodes alone do not open it again.
        assert_eq!(b.judge_now(fleet(3, 0, 5).into_iter()), None);
    }
}
