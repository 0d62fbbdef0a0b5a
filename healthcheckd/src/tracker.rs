//! The threshold rule of ARCHITECTURE §7, pure: a target turns DOWN after `fall` consecutive failures
//! and UP after `rise` consecutive successes; only transitions are reported (and written).

/// One target's streaks and state. `None`: not decided yet (a member never checked, a
/// monitor just added): the first streak that reaches its threshold decides.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    pub up: Option<bool>,
    ok_streak: u32,
    fail_streak: u32,
}

impl Tracker {
    pub fn new(up: Option<bool>) -> Self {
        Tracker { up, ok_streak: 0, fail_streak: 0 }
    }

    /// Records one result; returns the new state when this result changed it.
    pub fn observe(&mut self, ok: bool, rise: u32, fall: u32) -> Option<bool> {
        if ok {
            self.ok_streak += 1;
            self.fail_streak = 0;
            if self.up != Some(true) && self.ok_streak >= rise.max(1) {
                self.up = Some(true);
                return self.up;
            }
        } else {
            self.fail_streak += 1;
            self.ok_streak = 0;
            if self.up != Some(false) && self.fail_streak >= fall.max(1) {
                self.up = Some(false);
                return self.up;
            }
        }
        None
    }

    /// The state was changed from outside (another writer, a restart): streaks start over.
    pub fn reset_to(&mut self, up: Option<bool>) {
        *self = Tracker::new(up);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_after_fall_failures_up_after_rise_successes() {
        let mut t = Tracker::new(Some(true));
        assert_eq!(t.observe(false, 2, 3), None);
        assert_eq!(t.observe(false, 2, 3), None);
        assert_eq!(t.observe(false, 2, 3), Some(false));
        assert_eq!(t.observe(false, 2, 3), None, "only transitions are reported");
        assert_eq!(t.observe(true, 2, 3), None);
        assert_eq!(t.observe(true, 2, 3), Some(true));
        assert_eq!(t.observe(true, 2, 3), None);
    }

    #[test]
    fn a_success_breaks_a_failure_streak() {
        let mut t = Tracker::new(Some(true));
        for _ in 0..5 {
            assert_eq!(t.observe(false, 2, 2), None);
            assert_eq!(t.observe(true, 2, 2), None);
        }
        assert_eq!(t.up, Some(true));
    }

    #[test]
    fn undecided_goes_either_way() {
        let mut t = Tracker::new(None);
        assert_eq!(t.observe(true, 1, 3), Some(true));
        let mut t = Tracker::new(None);
        assert_eq!(t.observe(false, 3, 1), Some(false));
    }

    #[test]
    fn thresholds_of_zero_act_as_one() {
        let mut t = Tracker::new(Some(true));
        assert_eq!(t.observe(false, 0, 0), Some(false));
    }
}
