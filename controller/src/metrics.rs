//! The controller's Prometheus series (ARCHITECTURE §12): reconcile passes and their duration,
//! objects by state, every hypervisor (libvirt) and netlink call's latency and outcome, the warm
//! pool, agent links; and, from the agents' heartbeats, traffic per load balancer and per member
//! labelled by tenant, project and load balancer.
//!
//! Traffic series are a snapshot rebuilt each second from the connected agents and the nodes
//! the last pass saw, so they exist only for what exists (bounded cardinality): a deleted load
//! balancer's series go with it. Counters there are the agents' own running totals summed over
//! nothing: one series per node and member, so a restarted agent shows as a counter reset.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use ipnet::IpNet;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::hypervisor::{DeadlineExceeded, Stalled};
use crate::netops::NetOps;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub call: &'static str,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: String,
}

/// Which load balancer a node serves, for its traffic series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LbLabels {
    pub tenant: String,
    pub project: String,
    pub load_balancer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MemberLabels {
    tenant: String,
    project: String,
    load_balancer: String,
    node: String,
    member: String,
}

fn histogram() -> Histogram {
    Histogram::new(lbaas_metrics::latency_buckets())
}

type Calls = Family<CallLabels, Histogram, fn() -> Histogram>;

pub struct ControllerMetrics {
    pub passes: Family<OutcomeLabels, Counter>,
    pub pass_duration: Histogram,
    pub hypervisor_calls: Calls,
    pub netlink_calls: Calls,
    pub load_balancers: Family<StatusLabels, Gauge>,
    pub nodes: Family<StatusLabels, Gauge>,
    pub spares: Family<StatusLabels, Gauge>,
    pub spares_wanted: Gauge,
    pub agent_links_up: Gauge,
    /// 1 while the mass-failover breaker holds failovers back.
    pub failover_breaker_open: Gauge,
    /// 1 while this replica holds its hypervisor's lock and reconciles; 0 standing by.
    pub leader: Gauge,
    /// Node id → its load balancer, as the last pass saw them.
    pub placements: Mutex<HashMap<String, (String, LbLabels)>>,
    traffic: Arc<Mutex<Traffic>>,
}

impl ControllerMetrics {
    /// The metrics and the registry that exposes them. Tests use the metrics alone.
    pub fn new() -> (Arc<ControllerMetrics>, Registry) {
        let m = ControllerMetrics {
            passes: Family::default(),
            pass_duration: histogram(),
            hypervisor_calls: Family::new_with_constructor(histogram),
            netlink_calls: Family::new_with_constructor(histogram),
            load_balancers: Family::default(),
            nodes: Family::default(),
            spares: Family::default(),
            spares_wanted: Gauge::default(),
            agent_links_up: Gauge::default(),
            failover_breaker_open: Gauge::default(),
            leader: Gauge::default(),
            placements: Mutex::default(),
            traffic: Arc::default(),
        };
        let mut root = Registry::default();
        root.register_collector(Box::new(TrafficCollector(m.traffic.clone())));
        let reg = root.sub_registry_with_prefix("lbaas_controller");
        reg.register("reconcile_passes", "Reconcile passes by outcome", m.passes.clone());
        reg.register(
            "reconcile_pass_duration_seconds",
            "Time one reconcile pass took",
            m.pass_duration.clone(),
        );
        reg.register(
            "hypervisor_call_duration_seconds",
            "libvirt calls (create, destroy, list) by outcome: ok, error, deadline, stalled",
            m.hypervisor_calls.clone(),
        );
        reg.register(
            "netlink_call_duration_seconds",
            "Namespace, bridge and tap operations by outcome",
            m.netlink_calls.clone(),
        );
        reg.register(
            "load_balancers",
            "Load balancers by provisioning status",
            m.load_balancers.clone(),
        );
        reg.register("nodes", "Nodes by status", m.nodes.clone());
        reg.register("spare_nodes", "Warm-pool VMs: ready or booting", m.spares.clone());
        reg.register(
            "spare_nodes_wanted",
            "The warm pool's size now, after demand",
            m.spares_wanted.clone(),
        );
        reg.register(
            "agent_links_up",
            "Agents connected with a heartbeat in the last 2 s",
            m.agent_links_up.clone(),
        );
        reg.register(
            "failover_breaker_open",
            "1 while failovers are paused because too many nodes went DOWN at once",
            m.failover_breaker_open.clone(),
        );
        reg.register(
            "leader",
            "1 while this replica holds its hypervisor's lock and reconciles; 0 standing by",
            m.leader.clone(),
        );
        (Arc::new(m), root)
    }

    /// Sets a family of per-status gauges to exactly `counts` (states absent now go to 0).
    pub fn set_states(
        family: &Family<StatusLabels, Gauge>,
        all: &[&str],
        counts: &[(String, i64)],
    ) {
        for s in all {
            let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            family.get_or_create(&StatusLabels { status: (*s).to_string() }).set(n);
        }
    }

    pub fn observe_call<T>(calls: &Calls, call: &'static str, start: Instant, r: &Result<T>) {
        let outcome = match r {
            Ok(_) => "ok",
            Err(e) if e.is::<DeadlineExceeded>() => "deadline",
            Err(e) if e.is::<Stalled>() => "stalled",
            Err(_) => "error",
        };
        calls.get_or_create(&CallLabels { call, outcome }).observe(start.elapsed().as_secs_f64());
    }

    /// Replaces the traffic snapshot with what the agents reported last.
    pub fn set_traffic(&self, nodes: Vec<NodeTraffic>) {
        let placements = self.placements.lock().unwrap();
        let mut t = Traffic::default();
        for n in nodes {
            let Some((node_name, lb)) = placements.get(&n.node) else { continue };
            let entry = t.lbs.entry(lb.clone()).or_default();
            entry.requests_per_second += n.heartbeat.requests_per_second;
            entry.active_connections += n.heartbeat.active_connections as i64;
            entry.cache_hits += n.heartbeat.cache_hits;
            entry.cache_misses += n.heartbeat.cache_misses;
            for m in &n.heartbeat.members {
                let labels = MemberLabels {
                    tenant: lb.tenant.clone(),
                    project: lb.project.clone(),
                    load_balancer: lb.load_balancer.clone(),
                    node: node_name.clone(),
                    member: m.id.clone(),
                };
                t.members.push((labels, m.clone()));
            }
        }
        *self.traffic.lock().unwrap() = t;
    }
}

/// One connected agent's latest heartbeat.
pub struct NodeTraffic {
    /// The node id (the agent link's key).
    pub node: String,
    pub heartbeat: lbaas_proto::Heartbeat,
}

#[derive(Debug, Default)]
struct LbTraffic {
    requests_per_second: f64,
    active_connections: i64,
    cache_hits: u64,
    cache_misses: u64,
}

#[derive(Debug, Default)]
struct Traffic {
    lbs: HashMap<LbLabels, LbTraffic>,
    members: Vec<(MemberLabels, lbaas_proto::MemberStats)>,
}

#[derive(Debug)]
struct TrafficCollector(Arc<Mutex<Traffic>>);

/// One metric family: a descriptor, then one sample per labelled row.
fn family<'a, L: EncodeLabelSet + 'a, M: EncodeMetric>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl Iterator<Item = (&'a L, M)>,
) -> Result<(), std::fmt::Error> {
    let mut rows = rows.peekable();
    let Some((_, first)) = rows.peek() else { return Ok(()) };
    let mut m = enc.encode_descriptor(name, help, None, first.metric_type())?;
    for (labels, metric) in rows {
        metric.encode(m.encode_family(labels)?)?;
    }
    Ok(())
}

impl Collector for TrafficCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let t = self.0.lock().unwrap();
        let lbs = || t.lbs.iter();
        let members = || t.members.iter().map(|(l, s)| (l, s));
        family(
            &mut enc,
            "lbaas_load_balancer_requests_per_second",
            "Requests per second over the load balancer's nodes (agents' heartbeats)",
            lbs().map(|(l, v)| (l, ConstGauge::new(v.requests_per_second))),
        )?;
        family(
            &mut enc,
            "lbaas_load_balancer_active_connections",
            "Client connections open on the load balancer's nodes",
            lbs().map(|(l, v)| (l, ConstGauge::new(v.active_connections))),
        )?;
        family(
            &mut enc,
            "lbaas_load_balancer_cache_hits",
            "Requests answered from a listener's response cache (since each agent started)",
            lbs().map(|(l, v)| (l, ConstCounter::new(v.cache_hits))),
        )?;
        family(
            &mut enc,
            "lbaas_load_balancer_cache_misses",
            "Cacheable requests that went to a member (since each agent started)",
            lbs().map(|(l, v)| (l, ConstCounter::new(v.cache_misses))),
        )?;
        family(
            &mut enc,
            "lbaas_member_requests",
            "Requests a node sent to the member (since its agent started)",
            members().map(|(l, s)| (l, ConstCounter::new(s.requests))),
        )?;
        family(
            &mut enc,
            "lbaas_member_errors",
            "Failed exchanges with the member: connect errors, timeouts, 5xx",
            members().map(|(l, s)| (l, ConstCounter::new(s.errors))),
        )?;
        family(
            &mut enc,
            "lbaas_member_active_connections",
            "Requests or sessions in flight to the member",
            members().map(|(l, s)| (l, ConstGauge::new(s.active as i64))),
        )?;
        family(
            &mut enc,
            "lbaas_member_latency_p50_seconds",
            "Median response time of the member, recent window",
            members().map(|(l, s)| (l, ConstGauge::new(s.p50_ms / 1000.0))),
        )?;
        family(
            &mut enc,
            "lbaas_member_latency_p99_seconds",
            "99th percentile response time of the member, recent window",
            members().map(|(l, s)| (l, ConstGauge::new(s.p99_ms / 1000.0))),
        )
    }
}

/// The DNS server's series, read from its handles at each scrape: queries by type and response
/// code (both UDP paths and TCP), the zone serial, records, publish passes and their duration.
#[derive(Debug)]
pub struct DnsCollector {
    pub status: Arc<Mutex<lbaas_dns::PublisherStatus>>,
    pub queries: Arc<lbaas_dns::QueryStats>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueryLabels {
    qtype: &'static str,
    rcode: &'static str,
}

impl Collector for DnsCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let queries: Vec<(QueryLabels, u64)> = self
            .queries
            .snapshot()
            .into_iter()
            .map(|(qtype, rcode, n)| (QueryLabels { qtype, rcode }, n))
            .collect();
        family(
            &mut enc,
            "lbaas_dns_queries",
            "DNS queries answered, by query type and response code",
            queries.iter().map(|(l, n)| (l, ConstCounter::new(*n))),
        )?;
        let st = self.status.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let gauges = [
            ("lbaas_dns_zone_serial", "The SOA serial being served", st.serial.unwrap_or(0) as f64),
            ("lbaas_dns_zone_records", "Records served, SOA excluded", st.records as f64),
            (
                "lbaas_dns_publish_duration_seconds",
                "Time the last publish pass took, rows read to zone served",
                st.last_reload_us.unwrap_or(0) as f64 / 1e6,
            ),
            (
                "lbaas_dns_publish_failing",
                "1 while the last publish pass failed (the previous zone is still served)",
                if st.last_error.is_some() { 1.0 } else { 0.0 },
            ),
        ];
        for (name, help, v) in gauges {
            let m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(v).encode(m)?;
        }
        let m = enc.encode_descriptor(
            "lbaas_dns_publishes",
            "Publish passes that succeeded",
            None,
            MetricType::Counter,
        )?;
        ConstCounter::new(st.reloads).encode(m)?;
        Ok(())
    }
}

/// [`NetOps`] with each call timed into `netlink_call_duration_seconds`.
pub struct MeasuredNet<N> {
    pub inner: N,
    pub metrics: Arc<ControllerMetrics>,
}

impl<N: NetOps> MeasuredNet<N> {
    async fn timed<T>(&self, call: &'static str, f: impl Future<Output = Result<T>>) -> Result<T> {
        let start = Instant::now();
        let r = f.await;
        ControllerMetrics::observe_call(&self.metrics.netlink_calls, call, start, &r);
        r
    }
}

impl<N: NetOps> NetOps for MeasuredNet<N> {
    async fn ensure_namespace(&self, ns: &str) -> Result<()> {
        self.timed("ensure_namespace", self.inner.ensure_namespace(ns)).await
    }
    async fn delete_namespace(&self, ns: &str) -> Result<()> {
        self.timed("delete_namespace", self.inner.delete_namespace(ns)).await
    }
    async fn list_namespaces(&self, prefix: &str) -> Result<Vec<String>> {
        self.timed("list_namespaces", self.inner.list_namespaces(prefix)).await
    }
    async fn ensure_bridge(&self, ns: &str, bridge: &str, addrs: &[IpNet]) -> Result<()> {
        self.timed("ensure_bridge", self.inner.ensure_bridge(ns, bridge, addrs)).await
    }
    async fn attach_tap(&self, tap: &str, ns: &str, bridge: &str) -> Result<()> {
        self.timed("attach_tap", self.inner.attach_tap(tap, ns, bridge)).await
    }
}
