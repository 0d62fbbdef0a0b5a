//! `lbaas-healthcheckd`: probes members and LB nodes with each pool's interval / timeout /
//! thresholds, writes transitions, and decides failover and autoscale (ARCHITECTURE §7).
//!
//! It writes observations and decisions only; the controller acts on them:
//! - a member's transition (ONLINE/OFFLINE) bumps its load balancer's `health_generation`, and
//!   the controller pushes the new member set to the agents (within a second);
//! - a node turns DOWN when its heartbeat stops (while the controller, which records
//!   heartbeats, is itself alive) or when its VIP fails `fall` probes in a row; DNS drops it and
//!   the controller builds a replacement at once. It turns ACTIVE again after `rise` good
//!   probes with a fresh heartbeat, and then the controller removes the surplus (newest) node;
//! - autoscale writes `desired_nodes`; the controller adds nodes or drains the newest.
//!
//! Only one replica works at a time (a PostgreSQL advisory lock); others wait to take over.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use lbaas_common::names;
use lbaas_common::types::{NodeStatus, TenantId};
use lbaas_db::health::{self as hq, MemberTarget, NodeTarget};
use lbaas_db::PgPool;
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

pub mod metrics;
pub mod probe;
pub mod scale;
pub mod tracker;

use metrics::{DirectionLabels, HealthMetrics, ProbeLabels, TargetLabels};
use probe::{Check, Outcome, Prober};
use scale::{ScaleInput, ScalePolicy, ScaleState};
use tracker::Tracker;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// The host-object prefix the controller uses (namespaces are found by it).
    pub prefix: String,
    /// How often targets and load are re-read from PostgreSQL.
    pub refresh: Duration,
    /// A node whose heartbeat is older than this is DOWN.
    pub heartbeat_timeout: Duration,
    pub scale: ScalePolicy,
    /// Where `GET /metrics` is served (loopback); `None`: nowhere.
    pub metrics_listen: Option<SocketAddr>,
}

impl Config {
    pub fn new(database_url: String, prefix: String) -> Self {
        Config {
            database_url,
            prefix,
            refresh: Duration::from_secs(1),
            heartbeat_timeout: Duration::from_secs(3),
            scale: ScalePolicy::default(),
            metrics_listen: None,
        }
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = lbaas_db::connect(&config.database_url, 4).await?;
    // Served from the start, so a standing-by replica says so (`leader` 0).
    let (metrics, registry) = metrics::HealthMetrics::new();
    if let Some(listen) = config.metrics_listen {
        lbaas_metrics::serve(listen, registry, vec![]).await?;
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        // Leadership: the lock lives as long as its connection. A replica stands by until it
        // holds it; a leader whose connection broke (a PostgreSQL restart) stops deciding and
        // asks again, rather than exit and leave nobody probing.
        let stop = async {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        let lock = hq::LEADER_LOCK;
        let Some(mut lock_conn) = hq::hold_lock(&db, lock, "healthcheckd", stop).await else {
            return Ok(());
        };
        tracing::info!(prefix = %config.prefix, "lbaas-healthcheckd leading");
        metrics.leader.set(1);
        // In the monitor log (no tenant: the operator's), so a takeover can be audited.
        let msg = format!("pid {} leads", std::process::id());
        if let Err(e) =
            lbaas_db::event::event_insert(&db, None, None, None, "healthcheckd.leading", &msg).await
        {
            tracing::warn!(error = %e, "could not record the takeover");
        }
        let mut checker = Checker::new(db.clone(), probe::NetnsProber::default(), config.clone());
        checker.metrics = metrics.clone();
        let lease = async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if let Err(e) = hq::still_leading(&mut lock_conn).await {
                    return e;
                }
            }
        };
        tokio::select! {
            r = checker.run() => return r,
            e = lease => {
                metrics.leader.set(0);
                tracing::warn!(error = %e, "lost the leader lock; asking for it again");
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term.recv() => return Ok(()),
        }
    }
}

/// Which target a probe result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Member(Uuid),
    Node(Uuid),
}

struct Slot {
    tracker: Tracker,
    next_at: Instant,
    in_flight: bool,
    last_error: String,
}

impl Slot {
    /// Ends the probe in flight: its result as an observation, or None when it observed
    /// nothing (the namespace to probe from is not there yet).
    fn settle(&mut self, outcome: &Outcome) -> Option<bool> {
        self.in_flight = false;
        match outcome {
            Outcome::Ok => Some(true),
            Outcome::Failed(e) => {
                self.last_error = e.clone();
                Some(false)
            }
            Outcome::Skipped(why) => {
                tracing::debug!(why, "probe skipped");
                None
            }
        }
    }

    fn new(up: Option<bool>) -> Self {
        Slot {
            tracker: Tracker::new(up),
            next_at: Instant::now(),
            in_flight: false,
            last_error: String::new(),
        }
    }
}

pub struct Checker<P: Prober + Clone> {
    db: PgPool,
    prober: P,
    config: Config,
    members: HashMap<Uuid, (MemberTarget, Slot)>,
    nodes: HashMap<Uuid, (NodeTarget, Slot)>,
    scale: HashMap<Uuid, ScaleState>,
    tx: mpsc::UnboundedSender<(Key, Outcome)>,
    rx: mpsc::UnboundedReceiver<(Key, Outcome)>,
    /// Prometheus series; `run` replaces these with registered ones.
    pub metrics: Arc<HealthMetrics>,
}

impl<P: Prober + Clone> Checker<P> {
    pub fn new(db: PgPool, prober: P, config: Config) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Checker {
            db,
            prober,
            config,
            members: HashMap::new(),
            nodes: HashMap::new(),
            scale: HashMap::new(),
            tx,
            rx,
            metrics: Arc::default(),
        }
    }

    pub async fn run(&mut self) -> anyhow::Result<()> {
        self.run_for(None).await
    }

    /// Runs the loop, for `limit` when given (tests), else forever.
    pub async fn run_for(&mut self, limit: Option<Duration>) -> anyhow::Result<()> {
        let mut refresh = tokio::time::interval(self.config.refresh);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let end = tokio::time::sleep(limit.unwrap_or(Duration::MAX / 4));
        tokio::pin!(end);
        loop {
            tokio::select! {
                _ = &mut end => return Ok(()),
                _ = refresh.tick() => {
                    if let Err(e) = self.refresh().await {
                        tracing::error!(error = %format!("{e:#}"), "refresh failed");
                    }
                }
                _ = tick.tick() => self.launch_due(),
                Some((key, outcome)) = self.rx.recv() => {
                    if let Err(e) = self.record(key, outcome).await {
                        tracing::error!(error = %format!("{e:#}"), "recording a probe result failed");
                    }
                }
            }
        }
    }

    /// Re-reads targets (new, changed, gone), judges node heartbeats and decides scaling.
    pub async fn refresh(&mut self) -> anyhow::Result<()> {
        hq::members_clear_unmonitored(&self.db).await?;
        let members = hq::member_targets(&self.db).await?;
        let seen: HashSet<Uuid> = members.iter().map(|m| m.id).collect();
        self.members.retain(|id, _| seen.contains(id));
        for m in members {
            let db_up = status_up(&m.operating_status);
            match self.members.get_mut(&m.id) {
                Some((t, slot)) => {
                    if slot.tracker.up != db_up {
                        slot.tracker.reset_to(db_up);
                    }
                    *t = m;
                }
                None => {
                    self.members.insert(m.id, (m, Slot::new(db_up)));
                }
            }
        }

        let nodes = hq::node_targets(&self.db).await?;
        let seen: HashSet<Uuid> = nodes.iter().map(|n| n.id).collect();
        self.nodes.retain(|id, _| seen.contains(id));
        for n in nodes {
            let db_up = Some(n.status == NodeStatus::Active.as_str());
            let entry = self.nodes.entry(n.id).or_insert_with(|| (n.clone(), Slot::new(db_up)));
            if entry.1.tracker.up != db_up {
                entry.1.tracker.reset_to(db_up);
            }
            entry.0 = n;
        }
        let stale: Vec<(NodeTarget, String)> = self
            .nodes
            .values()
            .filter(|(n, _)| n.status == NodeStatus::Active.as_str())
            .filter_map(|(n, _)| {
                let age = n.heartbeat_age?;
                (controller_alive(n) && age > self.config.heartbeat_timeout.as_secs_f64())
                    .then(|| (n.clone(), format!("no heartbeat for {age:.1}s")))
            })
            .collect();
        for (n, why) in stale {
            self.node_down(&n, &why).await?;
        }
        let mut namespaces: HashSet<String> = self
            .members
            .values()
            .map(|(m, _)| names::project_namespace(&self.config.prefix, m.project_id))
            .collect();
        namespaces.insert(names::public_namespace(&self.config.prefix));
        self.prober.retain(&namespaces);
        let watched = [("member", self.members.len()), ("node", self.nodes.len())];
        for (target, n) in watched {
            self.metrics.targets.get_or_create(&TargetLabels { target }).set(n as i64);
        }
        self.autoscale().await
    }

    /// Starts every probe that is due and not already running.
    fn launch_due(&mut self) {
        let now = Instant::now();
        let prefix = self.config.prefix.clone();
        for (m, slot) in self.members.values_mut() {
            if slot.in_flight || slot.next_at > now {
                continue;
            }
            let Ok(ip) = m.address.parse::<IpAddr>() else { continue };
            let addr = SocketAddr::new(ip, m.port as u16);
            let check = match m.protocol.as_str() {
                "HTTP" => Check::Http { addr, path: m.path.clone() },
                "HTTPS" => Check::Https { addr, path: m.path.clone() },
                _ => Check::Tcp { addr },
            };
            let ns = names::project_namespace(&prefix, m.project_id);
            let interval = Duration::from_secs(m.interval.max(1) as u64);
            let timeout = Duration::from_secs(m.timeout.max(1) as u64).min(interval);
            spawn_probe(&self.tx, &self.prober, Key::Member(m.id), ns, check, timeout);
            slot.in_flight = true;
            slot.next_at = now + interval;
        }
        for (n, slot) in self.nodes.values_mut() {
            if slot.in_flight || slot.next_at > now {
                continue;
            }
            let (Some(vip), Some(port)) = (n.vip.as_deref(), n.probe_port) else { continue };
            let Ok(ip) = vip.parse::<IpAddr>() else { continue };
            let interval = Duration::from_secs(n.interval.max(1) as u64);
            let timeout = Duration::from_secs(n.timeout.max(1) as u64).min(interval);
            let check = Check::Tcp { addr: SocketAddr::new(ip, port as u16) };
            let ns = names::public_namespace(&prefix);
            spawn_probe(&self.tx, &self.prober, Key::Node(n.id), ns, check, timeout);
            slot.in_flight = true;
            slot.next_at = now + interval;
        }
    }

    /// Applies one result to its target's streaks; writes a transition when one happens.
    async fn record(&mut self, key: Key, outcome: Outcome) -> anyhow::Result<()> {
        let target = match key {
            Key::Member(_) => "member",
            Key::Node(_) => "node",
        };
        let result = match &outcome {
            Outcome::Ok => "ok",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped(_) => "skipped",
        };
        self.metrics.probes.get_or_create(&ProbeLabels { target, outcome: result }).inc();
        match key {
            Key::Member(id) => {
                let Some((m, slot)) = self.members.get_mut(&id) else { return Ok(()) };
                let Some(ok) = slot.settle(&outcome) else { return Ok(()) };
                let Some(up) = slot.tracker.observe(ok, m.rise as u32, m.fall as u32) else {
                    return Ok(());
                };
                let (status, why) = if up {
                    ("ONLINE", format!("{} good probes in a row", m.rise))
                } else {
                    (
                        "OFFLINE",
                        format!("{} failed probes in a row, last: {}", m.fall, slot.last_error),
                    )
                };
                let m = m.clone();
                if hq::member_set_health(&self.db, &m, status, &why).await? {
                    self.metrics.transition("member", status);
                    tracing::info!(member = %m.id, address = %m.address, port = m.port, status, why, "member transition");
                }
            }
            Key::Node(id) => {
                let Some((n, slot)) = self.nodes.get_mut(&id) else { return Ok(()) };
                let Some(ok) = slot.settle(&outcome) else { return Ok(()) };
                // A DOWN node comes back only with its agent reporting again, not on a VIP
                // that answers alone (another node could have taken the address meanwhile).
                let heartbeat_fresh = n
                    .heartbeat_age
                    .is_some_and(|a| a <= self.config.heartbeat_timeout.as_secs_f64());
                let ok = ok
                    && (heartbeat_fresh
                        || !controller_alive(n)
                        || n.status == NodeStatus::Active.as_str());
                let Some(up) = slot.tracker.observe(ok, n.rise as u32, n.fall as u32) else {
                    return Ok(());
                };
                let n = n.clone();
                if up {
                    let why = format!("{} good VIP probes in a row with a fresh heartbeat", n.rise);
                    if lbaas_db::node::node_transition(
                        &self.db,
                        n.id,
                        NodeStatus::Down,
                        NodeStatus::Active,
                        &why,
                    )
                    .await?
                    {
                        tracing::info!(node = %n.name, why, "node back ACTIVE");
                        self.metrics.transition("node", "ACTIVE");
                        self.event(&n, "node.up", &format!("{}: {why}", n.name)).await;
                    }
                } else {
                    let why =
                        format!("{} failed VIP probes in a row, last: {}", n.fall, slot.last_error);
                    self.node_down(&n, &why).await?;
                }
            }
        }
        Ok(())
    }

    async fn node_down(&mut self, n: &NodeTarget, why: &str) -> anyhow::Result<()> {
        if lbaas_db::node::node_transition(
            &self.db,
            n.id,
            NodeStatus::Active,
            NodeStatus::Down,
            why,
        )
        .await?
        {
            tracing::warn!(node = %n.name, why, "node DOWN: failover");
            self.metrics.transition("node", "DOWN");
            self.metrics.failovers.inc();
            self.event(n, "node.down", &format!("{}: {why}", n.name)).await;
            if let Some((t, slot)) = self.nodes.get_mut(&n.id) {
                t.status = NodeStatus::Down.as_str().to_string();
                slot.tracker.reset_to(Some(false));
            }
        }
        Ok(())
    }

    async fn autoscale(&mut self) -> anyhow::Result<()> {
        let fresh = self.config.heartbeat_timeout.as_secs_f64();
        let targets = hq::scale_targets(&self.db, fresh).await?;
        let seen: HashSet<Uuid> = targets.iter().map(|t| t.id).collect();
        self.scale.retain(|id, _| seen.contains(id));
        let now = Instant::now();
        for t in targets {
            let input = ScaleInput {
                min: t.min_nodes,
                max: t.max_nodes,
                desired: t.desired_nodes,
                serving: t.serving,
                changing: t.changing,
                since_scaled: t.since_scaled.map(|s| Duration::from_secs_f64(s.max(0.0))),
                avg_cpu: t.avg_cpu,
                avg_rps: t.avg_rps,
            };
            let st = self.scale.entry(t.id).or_default();
            let Some((desired, why)) = scale::decide(&self.config.scale, st, &input, now) else {
                continue;
            };
            if lbaas_db::load_balancer::load_balancer_set_desired(&self.db, t.id, desired).await? {
                let kind = if desired > t.desired_nodes { "autoscale.out" } else { "autoscale.in" };
                let direction = if desired > t.desired_nodes { "out" } else { "in" };
                self.metrics.scale_decisions.get_or_create(&DirectionLabels { direction }).inc();
                let msg = format!("{} nodes → {desired}: {why}", t.desired_nodes);
                tracing::info!(lb = %t.name, %msg, "autoscale");
                if let Err(e) = lbaas_db::event::event_insert(
                    &self.db,
                    Some(TenantId(t.tenant_id)),
                    Some(t.id),
                    None,
                    kind,
                    &msg,
                )
                .await
                {
                    tracing::warn!(error = %e, "could not record event");
                }
            } else {
                tracing::warn!(lb = %t.name, desired, "scale-out refused: the tenant's node quota is reached");
            }
        }
        Ok(())
    }

    async fn event(&self, n: &NodeTarget, kind: &str, message: &str) {
        if let Err(e) = lbaas_db::event::event_insert(
            &self.db,
            Some(TenantId(n.tenant_id)),
            Some(n.load_balancer_id),
            Some(n.id),
            kind,
            message,
        )
        .await
        {
            tracing::warn!(error = %e, kind, "could not record event");
        }
    }
}

fn spawn_probe<P: Prober + Clone>(
    tx: &mpsc::UnboundedSender<(Key, Outcome)>,
    prober: &P,
    key: Key,
    ns: String,
    check: Check,
    timeout: Duration,
) {
    let (tx, prober) = (tx.clone(), prober.clone());
    tokio::spawn(async move {
        let _ = tx.send((key, prober.probe(&ns, check, timeout).await));
    });
}

fn status_up(s: &str) -> Option<bool> {
    match s {
        "ONLINE" => Some(true),
        "OFFLINE" => Some(false),
        _ => None,
    }
}

/// A controller that stopped also stopped recording its nodes' heartbeats: then a stale
/// heartbeat says nothing about the node, and only VIP probes count. Each hypervisor's
/// controller beats on its own (`lbaas_db::health::controller_beat_name`).
fn controller_alive(n: &hq::NodeTarget) -> bool {
    n.controller_beat_age.is_some_and(|a| a < 2.5)
}
