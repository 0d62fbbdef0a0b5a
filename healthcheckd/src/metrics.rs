//! healthcheckd's Prometheus series: probes by target kind and outcome, health transitions,
//! failovers, autoscale decisions, targets watched, and whether this replica leads.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProbeLabels {
    /// `member` or `node`.
    pub target: &'static str,
    /// `ok`, `failed` or `skipped` (nothing observed: the namespace to probe from is missing).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TransitionLabels {
    pub target: &'static str,
    /// The status entered: ONLINE / OFFLINE for members, ACTIVE / DOWN for nodes.
    pub to: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DirectionLabels {
    pub direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TargetLabels {
    pub target: &'static str,
}

#[derive(Default)]
pub struct HealthMetrics {
    pub probes: Family<ProbeLabels, Counter>,
    pub transitions: Family<TransitionLabels, Counter>,
    pub failovers: Counter,
    pub scale_decisions: Family<DirectionLabels, Counter>,
    pub targets: Family<TargetLabels, Gauge>,
    pub leader: Gauge,
}

impl HealthMetrics {
    pub fn new() -> (Arc<HealthMetrics>, Registry) {
        let m = HealthMetrics::default();
        let mut reg = Registry::with_prefix("lbaas_healthcheckd");
        reg.register("probes", "Probes by target kind and outcome", m.probes.clone());
        reg.register("transitions", "Health transitions written", m.transitions.clone());
        reg.register(
            "failovers",
            "Nodes declared DOWN (the controller replaces each)",
            m.failovers.clone(),
        );
        reg.register(
            "scale_decisions",
            "Autoscale decisions written, by direction",
            m.scale_decisions.clone(),
        );
        reg.register("targets", "Members and nodes watched", m.targets.clone());
        reg.register("leader", "1 while this replica holds the leader lock", m.leader.clone());
        (Arc::new(m), reg)
    }

    pub fn transition(&self, target: &'static str, to: &'static str) {
        self.transitions.get_or_create(&TransitionLabels { target, to }).inc();
    }
}
