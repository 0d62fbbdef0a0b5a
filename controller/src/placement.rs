//! Placement (ARCHITECTURE §14): which hypervisor a new node goes to, and which nodes must move.
//!
//! Pure: the reconciler reads [`HypervisorLoad`]s and the ready spares once per pass, builds a
//! [`Plan`], and asks it for each node it makes; the plan counts what it handed out, so one pass
//! never overfills a hypervisor.
//!
//! The rules, in order:
//! 1. only ENABLED hypervisors that their controller reached lately take new nodes, and only
//!    while nodes + spares stay within `capacity_nodes` (claiming a spare there adds nothing);
//! 2. the fewest nodes of the same load balancer already there (anti-affinity: one hypervisor
//!    lost takes as few of its nodes as it can; two nodes share one only when no other has
//!    room);
//! 3. a ready spare there (no boot on the critical path);
//! 4. the most free capacity; then the name, so the choice is stable.
//!
//! A node on a DRAINING hypervisor, or on one its controller has not reached lately, is
//! *leaving*: it is replaced elsewhere first and retired through SUNDOWN once its replacement
//! serves. A DISABLED hypervisor keeps what runs on it.

use lbaas_common::types::HypervisorState;
use lbaas_db::hypervisor::HypervisorLoad;
use lbaas_db::spare::SpareRow;
use uuid::Uuid;

/// How [`Plan::why_none`]'s reasons start (a load balancer's `status_reason`, cleared once a
/// node is placed).
pub const NO_ROOM: &str = "no hypervisor can take a node";

#[derive(Debug, Clone)]
struct Slot {
    id: Uuid,
    name: String,
    state: HypervisorState,
    reachable: bool,
    /// Capacity left for a freshly booted node (may be negative after a capacity cut).
    free: i64,
}

impl Slot {
    fn placeable(&self) -> bool {
        self.state == HypervisorState::Enabled && self.reachable
    }
}

/// Where one new node goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// Claim this ready spare (its VM runs already on its hypervisor).
    Spare { id: Uuid, name: String, hypervisor: Uuid },
    /// Boot a fresh VM here.
    Fresh(Uuid),
}

impl Choice {
    pub fn hypervisor(&self) -> Uuid {
        match self {
            Choice::Spare { hypervisor, .. } | Choice::Fresh(hypervisor) => *hypervisor,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    slots: Vec<Slot>,
}

impl Plan {
    pub fn new(loads: &[HypervisorLoad]) -> Plan {
        let slots = loads
            .iter()
            .map(|h| Slot {
                id: h.id,
                name: h.name.clone(),
                state: h.state.parse().unwrap_or(HypervisorState::Disabled),
                reachable: h.reachable,
                free: i64::from(h.capacity_nodes) - h.used,
            })
            .collect();
        Plan { slots }
    }

    fn slot(&self, id: Uuid) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }

    pub fn name(&self, id: Uuid) -> String {
        self.slot(id).map_or_else(|| id.to_string(), |s| s.name.clone())
    }

    /// Why a node on `hv` must move, if it must: the hypervisor is DRAINING, unreachable, or
    /// gone from the table.
    pub fn leaving(&self, hv: Uuid) -> Option<String> {
        match self.slot(hv) {
            None => Some(format!("hypervisor {hv} is gone")),
            Some(s) if s.state == HypervisorState::Draining => {
                Some(format!("hypervisor {} is DRAINING", s.name))
            }
            Some(s) if !s.reachable => Some(format!(
                "hypervisor {} is unreachable (its controller has not listed its domains for {} s)",
                s.name,
                lbaas_db::hypervisor::SEEN_WITHIN.as_secs()
            )),
            Some(_) => None,
        }
    }

    /// A spare placement may claim: ready, on a hypervisor that takes new nodes.
    pub fn spare_usable(&self, sp: &SpareRow) -> bool {
        sp.ready && self.takes_nodes(sp.hypervisor_id)
    }

    /// Whether hypervisor `hv` takes new nodes (enabled, reachable).
    pub fn takes_nodes(&self, hv: Uuid) -> bool {
        self.slot(hv).is_some_and(Slot::placeable)
    }

    /// Where the next node of a load balancer goes, given the hypervisors its other nodes
    /// (those staying) run on and the ready spares; `None` when no hypervisor can take it.
    pub fn choose(&self, siblings: &[Uuid], ready: &[SpareRow]) -> Option<Choice> {
        let spare_on = |hv: Uuid| ready.iter().find(|sp| sp.hypervisor_id == hv && sp.ready);
        self.slots
            .iter()
            .filter(|s| s.placeable())
            .filter(|s| s.free > 0 || spare_on(s.id).is_some())
            .min_by_key(|s| {
                let together = siblings.iter().filter(|h| **h == s.id).count();
                (together, spare_on(s.id).is_none(), -s.free, s.name.clone())
            })
            .map(|s| match spare_on(s.id) {
                Some(sp) => Choice::Spare { id: sp.id, name: sp.name.clone(), hypervisor: s.id },
                None => Choice::Fresh(s.id),
            })
    }

    /// Counts a fresh node placed on `hv` (a claimed spare was counted already).
    pub fn took_fresh(&mut self, hv: Uuid) {
        if let Some(s) = self.slots.iter_mut().find(|s| s.id == hv) {
            s.free -= 1;
        }
    }

    /// Why [`Plan::choose`] found nothing, for the load balancer's `status_reason`.
    pub fn why_none(&self) -> String {
        if self.slots.is_empty() {
            return format!("{NO_ROOM} (none is registered)");
        }
        let each: Vec<String> = self
            .slots
            .iter()
            .map(|s| {
                let why = if s.state != HypervisorState::Enabled {
                    s.state.as_str().to_string()
                } else if !s.reachable {
                    "unreachable".into()
                } else {
                    "full".into()
                };
                format!("{} {why}", s.name)
            })
            .collect();
        format!("{NO_ROOM} ({})", each.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, state: &str, capacity: i32, used: i64, reachable: bool) -> HypervisorLoad {
        HypervisorLoad {
            id: Uuid::new_v4(),
            name: name.into(),
            state: state.into(),
            capacity_nodes: capacity,
            reachable,
            used,
        }
    }

    fn spare(hv: Uuid) -> SpareRow {
        let id = Uuid::new_v4();
        SpareRow { id, hypervisor_id: hv, name: format!("sp-{id}"), ready: true, age_seconds: 1.0 }
    }

    #[test]
    fn spreads_a_load_balancer_before_filling_the_emptiest() {
        let a = load("a", "ENABLED", 10, 1, true);
        let b = load("b", "ENABLED", 10, 5, true);
        let plan = Plan::new(&[a.clone(), b.clone()]);
        assert_eq!(plan.choose(&[], &[]), Some(Choice::Fresh(a.id)), "most free");
        assert_eq!(plan.choose(&[a.id], &[]), Some(Choice::Fresh(b.id)), "anti-affinity first");
        assert_eq!(
            plan.choose(&[a.id, b.id], &[]),
            Some(Choice::Fresh(a.id)),
            "a third node shares with one: the emptier"
        );
    }

    #[test]
    fn a_ready_spare_wins_over_free_capacity_but_not_over_anti_affinity() {
        let a = load("a", "ENABLED", 10, 1, true);
        let b = load("b", "ENABLED", 10, 8, true);
        let plan = Plan::new(&[a.clone(), b.clone()]);
        let sp = spare(b.id);
        let got = plan.choose(&[], std::slice::from_ref(&sp));
        assert_eq!(got, Some(Choice::Spare { id: sp.id, name: sp.name.clone(), hypervisor: b.id }));
        assert_eq!(plan.choose(&[b.id], &[sp]), Some(Choice::Fresh(a.id)));
    }

    #[test]
    fn never_on_a_draining_disabled_unreachable_or_full_hypervisor() {
        let loads = [
            load("drain", "DRAINING", 10, 0, true),
            load("off", "DISABLED", 10, 0, true),
            load("lost", "ENABLED", 10, 0, false),
            load("full", "ENABLED", 2, 2, true),
        ];
        let mut plan = Plan::new(&loads);
        assert_eq!(plan.choose(&[], &[]), None);
        assert_eq!(
            plan.why_none(),
            "no hypervisor can take a node (drain DRAINING, off DISABLED, lost unreachable, full full)"
        );
        // A full hypervisor can still hand over a spare it holds (no new VM).
        let sp = spare(loads[3].id);
        assert!(matches!(plan.choose(&[], &[sp]), Some(Choice::Spare { .. })));
        // Capacity is counted as nodes are handed out within one pass.
        let roomy = load("roomy", "ENABLED", 1, 0, true);
        plan = Plan::new(std::slice::from_ref(&roomy));
        assert_eq!(plan.choose(&[], &[]), Some(Choice::Fresh(roomy.id)));
        plan.took_fresh(roomy.id);
        assert_eq!(plan.choose(&[], &[]), None);
    }

    #[test]
    fn nodes_leave_draining_unreachable_and_unknown_hypervisors_only() {
        let loads = [
            load("a", "ENABLED", 10, 0, true),
            load("b", "DISABLED", 10, 0, true),
            load("c", "DRAINING", 10, 0, true),
            load("d", "ENABLED", 10, 0, false),
        ];
        let plan = Plan::new(&loads);
        assert_eq!(plan.leaving(loads[0].id), None);
        assert_eq!(plan.leaving(loads[1].id), None, "a cordon keeps what runs");
        assert_eq!(plan.leaving(loads[2].id).unwrap(), "hypervisor c is DRAINING");
        assert!(plan.leaving(loads[3].id).unwrap().contains("unreachable"));
        assert!(plan.leaving(Uuid::new_v4()).unwrap().contains("gone"));
    }
}
