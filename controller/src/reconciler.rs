//! The reconciler: one idempotent pass that converges namespaces, bridges, node VMs, taps and
//! agent configs to the desired state in PostgreSQL.
//!
//! Order of a pass (one function per step; each safe to repeat; a failure is recorded on its
//! object — node or load balancer `status_reason`, the log — and the pass goes on):
//! 1. the public namespace and its bridge (VIP side);
//! 2. a namespace + bridge per project that has subnets, holding each subnet's gateway;
//! 3. node count: load balancers with fewer BUILDING/ACTIVE nodes than they should run (min,
//!    or what autoscale decided; a DOWN node does not count, so it gets a replacement) get node
//!    rows (VIP and project address allocated in PostgreSQL); those with more lose their newest
//!    (a BUILDING one at once, an ACTIVE one through SUNDOWN: out of DNS, drained, deleted);
//! 4. per node: BUILDING: domain running → taps attached → agent link → config pushed at the
//!    load balancer's config generation → ACTIVE once the agent acknowledged it; ACTIVE: config
//!    kept current, DOWN when its VM is gone; DOWN: deleted after the failover grace period;
//!    SUNDOWN: deleted once drained or after the drain period;
//! 5. load balancers whose nodes all run their generation → ACTIVE (compare-and-set on the
//!    generation, so a change made meanwhile keeps it pending);
//! 6. PENDING_DELETE: domains destroyed, node rows removed, then the load balancer's rows;
//! 7. garbage collection by prefix: domains, agent links and project namespaces the database
//!    does not know are removed.
//!
//! Hypervisor calls never hold a pass up (docs/ARCHITECTURE.md §10): domain starts and destroys
//! run as background tasks, a pass waits at most `START_WAIT` / `DESTROY_WAIT` (3 s) for the ones
//! it starts and uses the others' results when they end; each call has its own deadline
//! ([`crate::hypervisor::WithDeadlines`]), and a start that misses it fails its node and load
//! balancer with the reason. Without a domain list (libvirt stalled), the pass goes on with what
//! connected agents prove and declares nothing DOWN.
//!
//! Nothing is remembered between passes except agent links, the latest failure text per node
//! and the hypervisor calls in flight, so a controller killed at any point and restarted picks
//! up where the world is.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ipnet::IpNet;
use lbaas_common::types::{HypervisorState, NodeStatus, ProvisioningStatus, TenantId};
use lbaas_db::load_balancer::{self as lbq, LoadBalancerRow};
use lbaas_db::node::{self as nq, NodePlacement};
use lbaas_db::spare::{self, SpareRow};
use lbaas_proto::{
    ActionConfig, AgentConfig, CertificateConfig, Compare, ListenerConfig, MemberConfig,
    NetworkConfig, PolicyConfig, PoolConfig, RuleConfig, RuleKind, TlsConfig,
};
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::agent_link::Agents;
use crate::breaker::{Breaker, BreakerPolicy, Change};
use crate::hypervisor::{DeadlineExceeded, DomainSpec, Hypervisor};
use crate::metrics::{ControllerMetrics, LbLabels, OutcomeLabels};
use crate::netops::NetOps;
use crate::placement::{Choice, Plan, NO_ROOM};
use crate::warm_pool::{self, WarmPool};
use lbaas_db::hypervisor::SEEN_EVERY;

pub const BRIDGE: &str = "br0";

#[derive(Debug, Clone)]
pub struct Settings {
    /// Every host object (namespace, domain, tap) starts with it; GC touches only those.
    pub prefix: String,
    pub vip_pool: IpNet,
    pub image_dir: PathBuf,
    /// Agent sockets and console logs.
    pub run_dir: PathBuf,
    pub memory_mib: u32,
    pub virt_type: String,
    /// A node not ACTIVE this long after its row was made is declared FAILED.
    pub build_timeout: Duration,
    /// A DOWN node is deleted after this long; if it recovers first, the surplus (newest) goes.
    pub failover_grace: Duration,
    /// A SUNDOWN node's in-flight work gets this long before its VM is destroyed.
    pub drain_period: Duration,
    /// How long a SUNDOWN node keeps accepting after it left DNS, before it drains: the DNS
    /// TTL, so an answer a resolver cached just before still reaches a node that serves.
    pub sundown_delay: Duration,
    /// Spare VMs kept booted (the warm pool): a new node claims one instead of booting.
    pub spares: usize,
    /// What recent demand may grow the warm pool to (`crate::warm_pool`).
    pub spares_max: usize,
    /// When failovers stop because too many nodes went DOWN at once (`crate::breaker`).
    pub breaker: BreakerPolicy,
    /// Opens the private keys of HTTPS listeners' certificates, to push them to the agents;
    /// `None`: a load balancer with an HTTPS listener cannot be configured (its nodes say why).
    pub secrets: Option<lbaas_certs::SecretBox>,
}

impl Settings {
    pub fn public_namespace(&self) -> String {
        lbaas_common::names::public_namespace(&self.prefix)
    }

    pub fn project_namespace(&self, project: Uuid) -> String {
        lbaas_common::names::project_namespace(&self.prefix, project)
    }

    /// The public bridge's address: the first host of the VIP pool; clients and probes in the
    /// public namespace use it as their source.
    pub fn public_gateway(&self) -> IpNet {
        let first = self.vip_pool.hosts().next().unwrap_or(self.vip_pool.addr());
        IpNet::new(first, self.vip_pool.prefix_len()).expect("valid prefix")
    }

    pub fn node_name(&self, id: Uuid) -> String {
        format!("{}-n-{}", self.prefix, &id.simple().to_string()[..12])
    }

    /// Taps: at most 15 bytes (IFNAMSIZ-1). The prefix is cut to 5 to make room.
    pub fn taps(&self, node_id: Uuid) -> [String; 2] {
        let p: String = self.prefix.chars().take(5).collect();
        let h = &node_id.simple().to_string()[..8];
        [format!("{p}{h}v"), format!("{p}{h}p")]
    }

    pub fn socket(&self, node_name: &str) -> PathBuf {
        self.run_dir.join(format!("{node_name}.sock"))
    }
}

/// What changed since the last pass, for a change-driven pass: gathered from the
/// `NOTIFY lbaas_change` payloads (`table:id`, migration 0001) by the controller's loop.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub load_balancers: BTreeSet<Uuid>,
    pub nodes: BTreeSet<Uuid>,
    /// A project or subnet changed: the networks step runs.
    pub networks: bool,
    /// Something only a full pass covers changed (a hypervisor; an unknown payload; a
    /// notification stream that broke, losing some).
    pub full: bool,
}

impl Changes {
    /// Notes one `lbaas_change` payload. A change to a listener, pool, member, L7 policy or
    /// certificate needs nothing more: the API bumps the load balancers it affects in the same
    /// transaction (`load_balancer_touch`), and that row announces itself. A spare's readiness
    /// only wakes the loop: the load balancers waiting for a node are in flight anyway.
    pub fn note(&mut self, payload: &str) {
        let (table, id) = payload.split_once(':').unwrap_or((payload, ""));
        let id = id.parse::<Uuid>();
        match (table, id) {
            ("load_balancer", Ok(id)) => {
                self.load_balancers.insert(id);
            }
            ("node", Ok(id)) => {
                self.nodes.insert(id);
            }
            ("project" | "subnet", _) => self.networks = true,
            ("listener" | "pool" | "member" | "l7policy" | "certificate" | "spare_node", _) => {}
            _ => self.full = true,
        }
    }
}

/// What an operator reads to know the reconciler is alive and what it last did.
#[derive(Debug, Default, Clone)]
pub struct Status {
    pub passes: u64,
    pub last_pass: Option<Instant>,
    pub last_error: Option<String>,
    pub domains_created: u64,
    pub domains_destroyed: u64,
    pub configs_pushed: u64,
    pub purged: u64,
    /// This controller held the scheduler lock in its last pass: it did the fleet-wide steps
    /// (breaker, node counts and placement).
    pub scheduling: bool,
    /// The last pass was a full one (not change-driven).
    pub full: bool,
    /// Load balancers the last change-driven pass looked at.
    pub scope: usize,
    /// An ACTIVE node's agent link is down while its domain is still listed: libvirt may not
    /// have finished tearing a dead VM down, so the next pass should come soon, not at the
    /// safety-net period (failover starts from that pass).
    pub recheck_soon: bool,
    /// Load balancers waiting for a booting spare: the next pass should come soon (a hello
    /// wakes one, but a spare that never says hello must not leave them waiting a period).
    pub awaiting_spares: usize,
}

/// How long a pass waits for the hypervisor calls it starts before it goes on without them.
/// A domain start takes ~1 s on an idle host, so usually the same pass attaches the taps; a
/// slower one is collected by a later pass (its task wakes the loop when it ends). The calls'
/// own deadlines ([`crate::hypervisor::Deadlines`]) bound how long one may run at all.
const START_WAIT: Duration = Duration::from_secs(3);
const DESTROY_WAIT: Duration = Duration::from_secs(3);

/// How long a spare may take to boot and still be waited for by a load balancer that has no
/// ready spare: an idle host boots one in ~1.3 s, a loaded one in 3-5 s (bench/create.sh).
/// Past it, the load balancer boots a VM of its own.
const SPARE_WAIT: Duration = Duration::from_secs(6);

/// A pass longer than this is logged with what it looked at (the metric has every pass).
const SLOW_PASS: Duration = Duration::from_secs(1);

/// A tap attached to its bridge stays so until its VM goes, so a pass does not ask the kernel
/// again for a while. Under `bench/create.sh` (19 VMs on two cores) every pass re-attached every
/// tap: ~28 netlink attaches a pass at ~7 ms each, 1 712 in 20 s (the netlink metrics); with
/// this, 329 in the same stretch. Each tap is still checked again this often, and a domain's
/// start forgets its taps (a new VM has new taps, in the root namespace).
const TAP_RECHECK: Duration = Duration::from_secs(30);

/// A domain start running in the background, and the node it is for (`None`: a spare).
struct Start {
    node: Option<Uuid>,
    /// The domain's taps: new ones once it runs (see [`TAP_RECHECK`]).
    taps: [String; 2],
    task: JoinHandle<Result<()>>,
}

pub struct Reconciler<N, H, A> {
    pub db: PgPool,
    pub net: N,
    pub hv: Arc<H>,
    pub agents: A,
    pub settings: Arc<Settings>,
    pub status: Status,
    /// Woken when a background hypervisor call ends, so its result is used at once.
    pub wake: Arc<Notify>,
    /// Each node's latest failure text (for the build timeout's reason).
    failing: HashMap<Uuid, String>,
    /// Hypervisor calls in flight, by domain name: a pass never waits on libvirt beyond
    /// [`START_WAIT`] / [`DESTROY_WAIT`], and never starts the same call twice.
    starts: HashMap<String, Start>,
    destroys: HashMap<String, JoinHandle<Result<()>>>,
    /// Failures of this pass's steps, for [`Status::last_error`].
    step_errors: Vec<String>,
    /// The warm pool's size, following recent demand.
    warm: WarmPool,
    /// Prometheus series (`crate::metrics`); the process replaces these with registered ones.
    pub metrics: Arc<ControllerMetrics>,
    /// Taps seen attached (tap, namespace) and when: see [`TAP_RECHECK`].
    attached: HashMap<(String, String), Instant>,
    /// Open while a mass failure holds failovers back.
    pub breaker: Breaker,
    /// The `hypervisor` row this reconciler drives ([`lbaas_db::hypervisor::LOCAL`] unless
    /// told otherwise): its VMs, its warm pool, its nodes' agents.
    pub hypervisor: Uuid,
    /// The connection holding the scheduler lock, while this controller holds it.
    scheduler: Option<sqlx::PgConnection>,
    /// When this reconciler last recorded its hypervisor as reached.
    seen_recorded: Option<Instant>,
    /// SUNDOWN nodes whose agent was told to drain.
    drains_sent: BTreeSet<Uuid>,
    /// The breaker's state was read from its row since this controller became the scheduler.
    breaker_seeded: bool,
    /// ACTIVE nodes whose agent link was down at the last look: change-driven passes look
    /// again until it is back or the node is DOWN.
    recheck: BTreeSet<Uuid>,
    /// Load balancers waiting for a spare that is booting (instead of booting a node of their
    /// own), and since when: change-driven passes look at them until they have their node, and
    /// none waits longer than [`SPARE_WAIT`] in all.
    awaiting_spare: HashMap<Uuid, Instant>,
}

impl<N: NetOps, H: Hypervisor, A: Agents> Reconciler<N, H, A> {
    pub fn new(db: PgPool, net: N, hv: H, agents: A, settings: Settings) -> Self {
        Reconciler {
            db,
            net,
            hv: Arc::new(hv),
            agents,
            status: Status::default(),
            wake: Arc::new(Notify::new()),
            failing: HashMap::new(),
            starts: HashMap::new(),
            destroys: HashMap::new(),
            step_errors: Vec::new(),
            warm: WarmPool::new(settings.spares, settings.spares_max, settings.memory_mib),
            metrics: ControllerMetrics::new().0,
            attached: HashMap::new(),
            breaker: Breaker::new(settings.breaker),
            settings: Arc::new(settings),
            hypervisor: lbaas_db::hypervisor::LOCAL,
            scheduler: None,
            seen_recorded: None,
            drains_sent: BTreeSet::new(),
            breaker_seeded: false,
            recheck: BTreeSet::new(),
            awaiting_spare: HashMap::new(),
        }
    }

    /// Drives hypervisor `id` instead of `local`.
    pub fn with_hypervisor(mut self, id: Uuid) -> Self {
        self.hypervisor = id;
        self
    }

    /// Whether this controller does the fleet-wide steps this pass: the holder of the
    /// scheduler lock does (ARCHITECTURE §14). Every controller reconciles its own hypervisor;
    /// one at a time decides how many nodes each load balancer runs and where, so two never
    /// place the same node twice. The lock lives with a connection of its own: a controller
    /// that dies frees it, and the next pass of another takes it.
    async fn scheduler_hold(&mut self) -> bool {
        if let Some(conn) = self.scheduler.as_mut() {
            if lbaas_db::health::still_leading(conn).await.is_ok() {
                return true;
            }
            tracing::warn!("lost the scheduler lock's connection");
            self.scheduler = None;
        }
        // A pooled connection asks; only one that got the lock leaves the pool with it (a
        // stand-by must not open a connection per pass).
        let mut conn = match self.db.acquire().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "no connection for the scheduler lock");
                return false;
            }
        };
        match lbaas_db::health::try_lock(&mut conn, lbaas_db::health::SCHEDULER_LOCK).await {
            Ok(true) => {
                tracing::info!("holding the scheduler lock: placing nodes for the fleet");
                self.scheduler = Some(conn.detach());
                true
            }
            Ok(false) => false,
            Err(e) => {
                tracing::warn!(error = %e, "could not ask for the scheduler lock");
                false
            }
        }
    }

    /// Records that this hypervisor's libvirt answered (placement uses only hypervisors
    /// reached within [`lbaas_db::hypervisor::SEEN_WITHIN`]); at most every `SEEN_EVERY`.
    async fn hypervisor_seen(&mut self) {
        if self.seen_recorded.is_some_and(|t| t.elapsed() < SEEN_EVERY) {
            return;
        }
        match lbaas_db::hypervisor::hypervisor_seen(&self.db, self.hypervisor).await {
            Ok(()) => self.seen_recorded = Some(Instant::now()),
            Err(e) => tracing::warn!(error = %e, "could not record the hypervisor as reached"),
        }
    }

    /// One pass. Returns an error only when the pass could not read state; failures of a step
    /// are recorded on their object (node, load balancer, namespace), logged, and the pass goes
    /// on with the next object and the next step.
    pub async fn pass(&mut self) -> Result<()> {
        self.run_pass(None).await
    }

    /// A change-driven pass (ARCHITECTURE §14, "Quiet passes"): it looks only at the load
    /// balancers `changes` names and those with work in flight, so with nothing in flight it
    /// costs a handful of index lookups whatever the size of the fleet. Collection (unowned
    /// domains, agent links, namespaces), metrics and every other load balancer wait for the
    /// next full [`Reconciler::pass`]. Widens to a full pass when `changes.full` says so or a
    /// hypervisor is being left.
    pub async fn pass_changes(&mut self, changes: Changes) -> Result<()> {
        self.run_pass(Some(changes)).await
    }

    async fn run_pass(&mut self, changes: Option<Changes>) -> Result<()> {
        self.step_errors.clear();
        if changes.is_none() {
            // `tap_attach` checks the age itself; this only bounds the map.
            self.attached.retain(|_, at| at.elapsed() < TAP_RECHECK);
        }
        let start = Instant::now();
        let r = self.pass_inner(changes).await;
        let took = start.elapsed();
        self.metrics.pass_duration.observe(took.as_secs_f64());
        if took > SLOW_PASS {
            tracing::warn!(
                took_ms = took.as_millis() as u64,
                full = self.status.full,
                scope = self.status.scope,
                "slow reconcile pass"
            );
        }
        let outcome = if r.is_err() { "failed" } else { "ok" };
        self.metrics.passes.get_or_create(&OutcomeLabels { outcome }).inc();
        self.status.passes += 1;
        self.status.last_pass = Some(Instant::now());
        self.status.last_error = match &r {
            Err(e) => Some(format!("{e:#}")),
            Ok(()) => self.step_errors.first().cloned(),
        };
        r
    }

    /// The nodes of every load balancer (`None`) or of these.
    async fn placements(&self, only: Option<&[Uuid]>) -> Result<Vec<NodePlacement>> {
        Ok(match only {
            None => nq::node_list_placements(&self.db).await?,
            Some([]) => Vec::new(),
            Some(ids) => nq::node_list_placements_of(&self.db, ids).await?,
        })
    }

    /// `None`: a full pass. `Some`: the load balancers in flight or named by a change, unless
    /// something only a full pass covers changed.
    async fn scope(&mut self, changes: Option<Changes>) -> Result<Option<(Vec<Uuid>, bool)>> {
        // Agent events name nodes; drained every pass, so a full pass does not leave them to
        // widen the next one.
        let agent_nodes: Vec<Uuid> =
            self.agents.take_changed().iter().filter_map(|n| n.parse().ok()).collect();
        let Some(mut c) = changes else { return Ok(None) };
        if c.full || lbaas_db::hypervisor::hypervisor_evacuating(&self.db).await? {
            return Ok(None);
        }
        c.nodes.extend(agent_nodes);
        // Nodes whose agent link was down at the last look are looked at again.
        c.nodes.extend(self.recheck.iter().copied());
        c.load_balancers.extend(self.awaiting_spare.keys().copied());
        let lbs: Vec<Uuid> = c.load_balancers.into_iter().collect();
        let nodes: Vec<Uuid> = c.nodes.into_iter().collect();
        let ids = lbq::load_balancer_scope(&self.db, &lbs, &nodes).await?;
        Ok(Some((ids, c.networks)))
    }

    async fn pass_inner(&mut self, changes: Option<Changes>) -> Result<()> {
        let s = self.settings.clone();
        let scope = self.scope(changes).await?;
        self.status.full = scope.is_none();
        let only: Option<&[Uuid]> = scope.as_ref().map(|(ids, _)| ids.as_slice());
        self.status.scope = only.map_or(0, <[Uuid]>::len);
        let wanted_ns = match &scope {
            None | Some((_, true)) => self.networks_converge().await,
            Some(_) => None,
        };
        let statuses = [
            ProvisioningStatus::PendingCreate,
            ProvisioningStatus::PendingUpdate,
            ProvisioningStatus::Active,
        ];
        let serving = match only {
            None => lbq::load_balancer_list_by_status(&self.db, &statuses).await?,
            Some([]) => Vec::new(),
            Some(ids) => lbq::load_balancer_list_of(&self.db, ids, &statuses).await?,
        };
        let mut placements = self.placements(only).await?;
        let me = self.hypervisor;
        // A full pass lists the domains first: a successful list is what marks this hypervisor
        // reachable for placement, in this very pass. A change-driven pass looks up only the
        // domains it looks at, below.
        let mut listed = None;
        if only.is_none() {
            let l = self.hv.list(&format!("{}-n-", s.prefix)).await;
            if l.is_ok() {
                self.hypervisor_seen().await;
            }
            listed = Some(l);
        }
        // Judged before any replacement is made: a mass failure seen for the first time in this
        // pass must not be "repaired" by it. Over the whole fleet: a change-driven pass reads it
        // only when a node is DOWN or the breaker is open.
        let scheduling = self.scheduler_hold().await;
        self.status.scheduling = scheduling;
        let down = placements.iter().any(|p| p.status == NodeStatus::Down.as_str());
        if scheduling {
            if only.is_none() {
                self.breaker_judge(&placements).await;
            } else if down || self.breaker.open {
                let all = nq::node_list_placements(&self.db).await?;
                self.breaker_judge(&all).await;
            }
        } else {
            self.breaker_seeded = false;
            // The scheduler judges; this controller only follows its judgement, which it needs
            // before it deletes a DOWN node of its own.
            if down || self.breaker.open {
                match lbaas_db::breaker::breaker_view(&self.db).await {
                    Ok(row) => self.breaker.open = row.open,
                    Err(e) => tracing::warn!(error = %e, "could not read the failover breaker"),
                }
            }
        }
        if scheduling && only.is_none() {
            self.nodes_abandoned_collect().await;
        }
        let (spares, counts_changed) =
            self.node_counts_converge(&serving, only, scheduling).await?;
        let lbs: HashMap<Uuid, &LoadBalancerRow> = serving.iter().map(|l| (l.id, l)).collect();
        // Read again only when the count step made or removed nodes: a quiet pass reads once.
        if counts_changed {
            placements = self.placements(only).await?;
        }
        // From here on, this hypervisor's nodes only: other controllers drive the others.
        placements.retain(|p| p.hypervisor_id == me);
        match only {
            None => self.metrics_record(&lbs, &placements).await,
            Some(_) => self.metrics_placements(&lbs, &placements, false),
        }
        self.metrics_spares(&spares);
        if only.is_some() {
            let names: Vec<String> = placements
                .iter()
                .map(|p| p.name.clone())
                .chain(spares.iter().map(|sp| sp.name.clone()))
                .collect();
            let due = self.seen_recorded.is_none_or(|t| t.elapsed() >= SEEN_EVERY);
            if !names.is_empty() || due {
                let asked = Instant::now();
                let l = self.hv.running(&names).await;
                if asked.elapsed() > SLOW_PASS / 2 {
                    tracing::warn!(
                        took_ms = asked.elapsed().as_millis() as u64,
                        names = names.len(),
                        "slow domain lookups"
                    );
                }
                if l.is_ok() {
                    self.hypervisor_seen().await;
                }
                listed = Some(l);
            }
        }
        // Without a domain list (libvirt stalled or restarting) the pass goes on with what the
        // agents prove: a VM whose agent is connected runs. Nothing is started, declared DOWN
        // or collected for want of a list: slowness of libvirt must not make a node look dead.
        let (running, listed) = match listed {
            Some(Ok(listed)) => {
                let mut running: BTreeSet<String> = listed.into_iter().collect();
                let new = self.domains_start(&placements, &lbs, &spares, &running);
                running.extend(self.starts_collect(&placements, &lbs, &spares, &new).await);
                (running, true)
            }
            failed => {
                if let Some(Err(e)) = &failed {
                    self.step_failed("list domains", e);
                }
                // Starts that ended are still judged: a missed deadline fails its node now.
                self.starts_collect(&placements, &lbs, &spares, &BTreeSet::new()).await;
                let linked = self.linked_names(&placements, &spares);
                // What a node waiting for its VM waits on, for the build timeout's reason.
                if let Some(Err(e)) = &failed {
                    for p in placements.iter().filter(|p| p.status == NodeStatus::Building.as_str())
                    {
                        if !linked.contains(&p.name) {
                            self.failing.entry(p.id).or_insert_with(|| format!("{e:#}"));
                        }
                    }
                }
                (linked, false)
            }
        };
        self.spares_converge(&spares, &running).await;
        self.nodes_converge(&placements, &lbs, &running, listed).await;
        if listed && only.is_none() {
            self.domains_collect(&placements, &spares, &running).await;
        }
        self.load_balancers_activate(&serving).await;
        // Operating status follows what serves (nodes DOWN, members OFFLINE).
        if only.is_none_or(|ids| !ids.is_empty()) {
            lbq::load_balancer_refresh_operating(&self.db, only).await?;
        }
        self.load_balancers_delete(&placements).await?;
        if only.is_none() {
            let is = |p: &&NodePlacement, st: NodeStatus| p.status == st.as_str();
            let active: BTreeSet<Uuid> =
                placements.iter().filter(|p| is(p, NodeStatus::Active)).map(|p| p.id).collect();
            let sundown: BTreeSet<Uuid> =
                placements.iter().filter(|p| is(p, NodeStatus::Sundown)).map(|p| p.id).collect();
            self.recheck.retain(|id| active.contains(id));
            self.drains_sent.retain(|id| sundown.contains(id));
            self.agents_collect(&placements, &spares);
            if let Some(wanted) = &wanted_ns {
                self.namespaces_collect(wanted).await;
            }
        }
        Ok(())
    }

    /// Objects by state, the warm pool, and which load balancer each node serves (for the
    /// traffic series the heartbeats feed).
    async fn metrics_record(
        &mut self,
        lbs: &HashMap<Uuid, &LoadBalancerRow>,
        placements: &[NodePlacement],
    ) {
        let m = self.metrics.clone();
        match lbq::load_balancer_count_by_status(&self.db).await {
            Ok(counts) => {
                let all: Vec<&str> = ProvisioningStatus::ALL.iter().map(|s| s.as_str()).collect();
                ControllerMetrics::set_states(&m.load_balancers, &all, &counts);
            }
            Err(e) => tracing::debug!(error = %e, "load balancer counts for metrics"),
        }
        let mut nodes: HashMap<String, i64> = HashMap::new();
        for p in placements {
            *nodes.entry(p.status.clone()).or_default() += 1;
        }
        let all: Vec<&str> = NodeStatus::ALL.iter().map(|s| s.as_str()).collect();
        ControllerMetrics::set_states(&m.nodes, &all, &nodes.into_iter().collect::<Vec<_>>());
        self.metrics_placements(lbs, placements, true);
    }

    /// Which load balancer each node serves, for the traffic series the heartbeats feed: the
    /// whole map in a full pass (`replace`), the nodes looked at in a change-driven one (a
    /// new node's traffic is labelled from its first heartbeat).
    fn metrics_placements(
        &self,
        lbs: &HashMap<Uuid, &LoadBalancerRow>,
        placements: &[NodePlacement],
        replace: bool,
    ) {
        let seen = placements.iter().filter_map(|p| {
            let lb = lbs.get(&p.load_balancer_id)?;
            let labels = LbLabels {
                tenant: lb.tenant_name.clone(),
                project: lb.project_name.clone(),
                load_balancer: lb.name.clone(),
            };
            Some((p.id.to_string(), (p.name.clone(), labels)))
        });
        let mut map = self.metrics.placements.lock().unwrap();
        if replace {
            *map = seen.collect();
        } else {
            map.extend(seen);
        }
    }

    /// The warm pool's gauges (every pass: it is small).
    fn metrics_spares(&mut self, spares: &[SpareRow]) {
        let m = self.metrics.clone();
        let ready = spares
            .iter()
            .filter(|sp| self.agents.state(&sp.id.to_string()).is_some_and(|a| a.hello))
            .count() as i64;
        let counts =
            [("ready".to_string(), ready), ("booting".into(), spares.len() as i64 - ready)];
        ControllerMetrics::set_states(&m.spares, &["ready", "booting"], &counts);
    }

    /// Opens or closes the mass-failover breaker, with an event and a metric.
    async fn breaker_judge(&mut self, placements: &[NodePlacement]) {
        // An operator's resume (`POST /v1/failover-breaker/resume`); unreadable: none.
        let resumed_age = match lbaas_db::breaker::breaker_view(&self.db).await {
            Ok(row) => {
                // A new scheduler starts from the last one's judgement: DOWN nodes older than
                // the window would not open it again.
                if !self.breaker_seeded {
                    self.breaker.open = row.open;
                    self.breaker_seeded = true;
                }
                row.resumed_age_seconds
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the failover breaker's row");
                None
            }
        };
        let change = self.breaker.judge(
            placements.iter().map(|p| (p.status.as_str(), p.status_age_seconds)),
            resumed_age,
        );
        self.metrics.failover_breaker_open.set(i64::from(self.breaker.open));
        let (kind, message) = match change {
            None => return,
            Some(Change::Opened { down, of }) => {
                let p = self.breaker.policy;
                let m = format!(
                    "{down} of {of} nodes went DOWN within {}s (more than {:.0}%): failovers paused; \
                     DOWN nodes are kept and not replaced until they come back",
                    p.window.as_secs(),
                    p.share * 100.0
                );
                tracing::warn!(down, of, "mass failure: failovers paused");
                ("failover.paused", m)
            }
            Some(Change::Closed { down, of }) => {
                tracing::info!(down, of, "failovers resumed");
                ("failover.resumed", format!("{down} of {of} nodes DOWN now: failovers resumed"))
            }
            Some(Change::Resumed { down, of }) => {
                tracing::info!(down, of, "failovers resumed by the operator");
                let m = format!(
                    "{down} of {of} nodes DOWN: failovers resumed by the operator; those nodes are \
                     replaced, new failures are judged again"
                );
                ("failover.resumed", m)
            }
        };
        let (down, of) = match change {
            Some(
                Change::Opened { down, of }
                | Change::Closed { down, of }
                | Change::Resumed { down, of },
            ) => (down, of),
            None => (0, 0),
        };
        if let Err(e) =
            lbaas_db::breaker::breaker_record(&self.db, self.breaker.open, down as i32, of as i32)
                .await
        {
            tracing::warn!(error = %e, "could not record the breaker's state");
        }
        if let Err(e) =
            lbaas_db::event::event_insert(&self.db, None, None, None, kind, &message).await
        {
            tracing::warn!(error = %e, "could not record the breaker's event");
        }
    }

    /// Rows no controller can remove any more: nodes out of service on a hypervisor that has
    /// been unreachable longer than its own controller needed to finish them (drain, grace).
    /// Without this a host lost for good would hold its load balancers DEGRADED, their deletes
    /// pending and itself undeletable. Its VMs, should it come back, are unowned and collected.
    async fn nodes_abandoned_collect(&mut self) {
        let s = &self.settings;
        let after = s.sundown_delay + s.drain_period + s.failover_grace;
        let with_down = !self.breaker.open;
        let rows =
            match lbaas_db::hypervisor::nodes_abandoned_delete(&self.db, after, with_down).await {
                Ok(rows) => rows,
                Err(e) => return self.step_failed("collect abandoned nodes", &e.into()),
            };
        for n in rows {
            let msg = format!(
                "{}: hypervisor {} unreachable; removed without its VM (collected there if it \
                 comes back)",
                n.name, n.hypervisor
            );
            tracing::warn!(node = %n.name, hypervisor = %n.hypervisor, "abandoned node removed");
            if let Err(e) = lbaas_db::event::event_insert(
                &self.db,
                Some(TenantId(n.tenant_id)),
                Some(n.load_balancer_id),
                Some(n.id),
                "node.deleted",
                &msg,
            )
            .await
            {
                tracing::warn!(error = %e, "could not record event");
            }
        }
    }

    /// `attach_tap` unless this tap was seen attached in `ns` within [`TAP_RECHECK`].
    async fn tap_attach(&mut self, tap: &str, ns: &str) -> Result<()> {
        let key = (tap.to_string(), ns.to_string());
        if self.attached.get(&key).is_some_and(|at| at.elapsed() < TAP_RECHECK) {
            return Ok(());
        }
        self.net.attach_tap(tap, ns, BRIDGE).await?;
        self.attached.insert(key, Instant::now());
        Ok(())
    }

    fn step_failed(&mut self, step: &str, e: &anyhow::Error) {
        let text = format!("{step}: {e:#}");
        tracing::warn!(error = %text, "reconcile step failed; the pass goes on");
        self.step_errors.push(text);
    }

    /// Steps 1 and 2: the public namespace and bridge, one namespace + bridge per project with
    /// subnets. Returns the namespaces that should exist (for the collection at the end), or
    /// `None` when the projects could not be read: then nobody knows which namespaces are
    /// wanted, and collecting against the public one alone would delete every project's
    /// namespace, with the taps of its running VMs in it, on one failed query (seen: a
    /// PostgreSQL restart mid-create left a node whose tap was gone for good).
    async fn networks_converge(&mut self) -> Option<BTreeSet<String>> {
        let s = self.settings.clone();
        let pub_ns = s.public_namespace();
        let r = async {
            self.net.ensure_namespace(&pub_ns).await?;
            self.net.ensure_bridge(&pub_ns, BRIDGE, &[s.public_gateway()]).await
        }
        .await;
        if let Err(e) = r {
            self.step_failed("ensure public network", &e);
        }
        let mut wanted_ns = BTreeSet::from([pub_ns]);
        let networks = match lbaas_db::project::project_list_networks(&self.db).await {
            Ok(n) => n,
            Err(e) => {
                self.step_failed("list project networks", &e.into());
                return None;
            }
        };
        for n in &networks {
            let ns = s.project_namespace(n.project_id);
            wanted_ns.insert(ns.clone());
            let addrs: Vec<IpNet> = n.gateways.iter().filter_map(|g| g.parse().ok()).collect();
            let r = async {
                self.net.ensure_namespace(&ns).await?;
                self.net.ensure_bridge(&ns, BRIDGE, &addrs).await
            }
            .await;
            if let Err(e) = r {
                tracing::warn!(ns, error = %format!("{e:#}"), "project network not ready");
            }
        }
        Some(wanted_ns)
    }

    /// Step 3 for every serving load balancer when `scheduling` (placing new nodes, claiming
    /// ready spares first), then this hypervisor's warm pool topped up.
    /// Returns this hypervisor's warm pool and whether any node was made, claimed or retired.
    async fn node_counts_converge(
        &mut self,
        serving: &[LoadBalancerRow],
        only: Option<&[Uuid]>,
        scheduling: bool,
    ) -> Result<(Vec<SpareRow>, bool)> {
        let s = self.settings.clone();
        let me = self.hypervisor;
        // This hypervisor's spares say whether they are ready (the agent link is here), so a
        // scheduler anywhere may claim them.
        let mut spares = spare::spare_list(&self.db, me).await?;
        for sp in &mut spares {
            let hello = self.agents.state(&sp.id.to_string()).is_some_and(|a| a.hello);
            if hello != sp.ready {
                spare::spare_set_ready(&self.db, sp.id, hello).await?;
                sp.ready = hello;
            }
        }
        let target = self.warm.target(Instant::now(), warm_pool::mem_available_mib());
        let mut changed = false;
        // Every hypervisor's load (counts over its nodes) is read only for a placement or a
        // short pool, or in a full pass; which nodes leave needs their states only.
        let mut loads = None;
        if only.is_none() || spares.len() < target {
            loads = Some(lbaas_db::hypervisor::hypervisor_loads(&self.db, true).await?);
        }
        if !scheduling || serving.is_empty() {
            self.awaiting_spare.clear();
            self.status.awaiting_spares = 0;
        }
        if scheduling && !serving.is_empty() {
            let states_only;
            let states = match &loads {
                Some(l) => l,
                None => {
                    states_only = lbaas_db::hypervisor::hypervisor_loads(&self.db, false).await?;
                    &states_only
                }
            };
            let mut live: HashMap<Uuid, Vec<nq::NodeRow>> = HashMap::new();
            let rows = match only {
                None => nq::node_list_live_all(&self.db).await?,
                Some(ids) => nq::node_list_live_of(&self.db, ids).await?,
            };
            for n in rows {
                live.entry(n.load_balancer_id).or_default().push(n);
            }
            let mut plan = Plan::new(states);
            let placing = serving.iter().any(|lb| {
                let nodes = live.get(&lb.id).map(Vec::as_slice).unwrap_or_default();
                needs_work(lb, nodes, &plan)
            });
            if placing && loads.is_none() {
                let l = lbaas_db::hypervisor::hypervisor_loads(&self.db, true).await?;
                plan = Plan::new(&l);
                loads = Some(l);
            }
            let mut ready: Vec<SpareRow> = match placing {
                true => spare::spare_list_ready(&self.db)
                    .await?
                    .into_iter()
                    .filter(|sp| plan.spare_usable(sp))
                    .collect(),
                false => Vec::new(),
            };
            // Spares still booting that a load balancer may wait for rather than boot a VM of
            // its own: one that started earlier is ready sooner than a boot started now, and a
            // boot started now would slow every boot in flight on the shared CPUs. Spares start
            // oldest first, one per CPU at a time (`starts_collect`), so the oldest few per
            // hypervisor are the ones booting; younger ones are queued and not waited for. Only
            // young ones (a spare that never says hello must not hold anyone up).
            let mut booting: Vec<SpareRow> = Vec::new();
            if placing {
                let at_once = std::thread::available_parallelism().map_or(2, |n| n.get());
                let mut per_hv: HashMap<Uuid, usize> = HashMap::new();
                for sp in spare::spare_list_booting(&self.db, SPARE_WAIT.as_secs_f64()).await? {
                    let n = per_hv.entry(sp.hypervisor_id).or_default();
                    *n += 1;
                    if *n <= at_once && plan.takes_nodes(sp.hypervisor_id) {
                        booting.push(sp);
                    }
                }
            }
            // Those that waited already go first (the longest waiting first), so a waiter is
            // not overtaken by load balancers created after it.
            let waited = std::mem::take(&mut self.awaiting_spare);
            let mut order: Vec<&LoadBalancerRow> = serving.iter().collect();
            order.sort_by_key(|lb| (!waited.contains_key(&lb.id), waited.get(&lb.id).copied()));
            for lb in order {
                let nodes = live.get(&lb.id).map(Vec::as_slice).unwrap_or_default();
                if !needs_work(lb, nodes, &plan) {
                    continue;
                }
                let since = waited.get(&lb.id).copied();
                match self
                    .node_count_converge(lb, nodes, &mut ready, &mut booting, since, &mut plan)
                    .await
                {
                    Ok(c) => changed |= c,
                    Err(e) => {
                        changed = true;
                        tracing::warn!(lb_id = %lb.id, error = %format!("{e:#}"), "node count not converged")
                    }
                }
            }
            self.status.awaiting_spares = self.awaiting_spare.len();
        }
        // The warm pool: only on a hypervisor that takes new nodes, within its capacity. Not
        // read: the pool is full and the room cannot have shrunk without a full pass (a
        // hypervisor's change widens the pass).
        let want = match loads.as_ref().map(|l| l.iter().find(|h| h.id == me)) {
            Some(mine) => {
                let room = mine
                    .filter(|h| h.state == HypervisorState::Enabled.as_str() && h.reachable)
                    .map_or(0, |h| {
                        (i64::from(h.capacity_nodes) - h.used + spares.len() as i64).max(0)
                    });
                target.min(room as usize)
            }
            None => target,
        };
        self.metrics.spares_wanted.set(want as i64);
        // Claimed ones are nodes now.
        if changed {
            let still: BTreeSet<Uuid> =
                spare::spare_list(&self.db, me).await?.iter().map(|sp| sp.id).collect();
            spares.retain(|sp| still.contains(&sp.id));
        }
        for _ in spares.len()..want {
            let id = Uuid::new_v4();
            spare::spare_create(&self.db, id, &s.node_name(id), me).await?;
            spares.push(SpareRow {
                id,
                hypervisor_id: me,
                name: s.node_name(id),
                ready: false,
                age_seconds: 0.0,
            });
        }
        // Not while a load balancer waits for a booting spare: the youngest, which a trim drops
        // first, may be the one it waits for.
        if spares.len() > want && self.awaiting_spare.is_empty() {
            // Demand went away: the youngest spares go first (the least boot work lost).
            spares.sort_by(|a, b| a.age_seconds.total_cmp(&b.age_seconds));
            let surplus: Vec<SpareRow> = spares.drain(..spares.len() - want).collect();
            for sp in &surplus {
                if let Err(e) = self.spare_drop(sp).await {
                    tracing::warn!(spare = %sp.name, error = %format!("{e:#}"), "spare not dropped");
                }
            }
        }
        Ok((spares, changed))
    }

    /// Step 4 for every node of a serving load balancer; one node's failure stays its own.
    async fn nodes_converge(
        &mut self,
        placements: &[NodePlacement],
        lbs: &HashMap<Uuid, &LoadBalancerRow>,
        running: &BTreeSet<String>,
        listed: bool,
    ) {
        self.status.recheck_soon = false;
        for p in placements {
            let Some(lb) = lbs.get(&p.load_balancer_id) else { continue };
            if let Err(e) = self.node_step(p, lb, running.contains(&p.name), listed).await {
                tracing::warn!(node = %p.name, error = %format!("{e:#}"), "node step failed");
            }
        }
    }

    async fn node_step(
        &mut self,
        p: &NodePlacement,
        lb: &LoadBalancerRow,
        is_running: bool,
        listed: bool,
    ) -> Result<()> {
        let s = self.settings.clone();
        match p.status.parse::<NodeStatus>() {
            Ok(NodeStatus::Building) => {
                // Started (or being started) by `domains_start`; converged once it runs.
                if is_running {
                    self.node_converge_logged(p, lb).await;
                }
                self.node_check_timeout(p, lb, is_running).await?;
            }
            // Not listed: unknown, not gone; healthcheckd's probes still see a dead node.
            Ok(NodeStatus::Active) if !is_running && !listed => {}
            Ok(NodeStatus::Active) if !is_running => {
                // The controller sees this first and for certain (the domain is gone), so
                // it does not wait for healthcheckd's thresholds.
                let reason = "its VM is not running";
                if nq::node_transition(&self.db, p.id, NodeStatus::Active, NodeStatus::Down, reason)
                    .await?
                {
                    tracing::warn!(node = %p.name, reason, "node DOWN");
                    let msg = format!("{}: {reason}", p.name);
                    event(&self.db, lb, Some(p.id), "node.down", &msg).await;
                }
            }
            Ok(NodeStatus::Active) => {
                let linked = self.agents.state(&p.id.to_string()).is_some_and(|a| a.connected);
                self.status.recheck_soon |= !linked;
                if linked {
                    self.recheck.remove(&p.id);
                } else {
                    self.recheck.insert(p.id);
                }
                self.node_converge_logged(p, lb).await
            }
            Ok(NodeStatus::Down)
                if !self.breaker.open && p.status_age_seconds >= s.failover_grace.as_secs_f64() =>
            {
                let why = format!(
                    "{} stayed DOWN for {}s (failover grace period)",
                    p.name,
                    s.failover_grace.as_secs()
                );
                self.node_remove(p, lb, "node.deleted", &why).await?;
            }
            // Kept current while it may still come back.
            Ok(NodeStatus::Down) if is_running => self.node_converge_logged(p, lb).await,
            Ok(NodeStatus::Sundown) => {
                // Out of DNS since the status change; it accepts new connections until cached
                // answers expire, then drains. Retired by the scheduler, which may be another
                // controller: the drain order comes from here, where the agent link is.
                let age = p.status_age_seconds;
                let key = p.id.to_string();
                // A controller that took over (or restarted) has no link yet: make one, and
                // count the drain as sent only once the agent can hear it.
                self.agents.ensure(&key, &s.socket(&p.name));
                let connected = self.agents.state(&key).is_some_and(|a| a.connected);
                if age >= s.sundown_delay.as_secs_f64()
                    && connected
                    && !self.drains_sent.contains(&p.id)
                {
                    self.agents.drain(&key, s.drain_period.as_secs().max(1) as u32);
                    self.drains_sent.insert(p.id);
                }
                let drained = self.drains_sent.contains(&p.id)
                    && self.agents.state(&key).is_some_and(|a| a.drained);
                if drained || age >= (s.sundown_delay + s.drain_period).as_secs_f64() {
                    let why = if drained { "drained" } else { "drain period over" };
                    self.node_remove(p, lb, "node.deleted", &format!("{}: {why}", p.name)).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Step 5: load balancers whose nodes all run their generation → ACTIVE.
    async fn load_balancers_activate(&mut self, serving: &[LoadBalancerRow]) {
        for lb in serving {
            if lb.provisioning_status() == ProvisioningStatus::Active {
                continue;
            }
            if let Err(e) = self.load_balancer_activate(lb).await {
                tracing::warn!(lb_id = %lb.id, error = %format!("{e:#}"), "could not activate");
            }
        }
    }

    async fn load_balancer_activate(&mut self, lb: &LoadBalancerRow) -> Result<()> {
        // From the rows, not the agent links: the nodes may run on other hypervisors, whose
        // controllers record each acknowledged generation.
        let live = nq::node_list_live(&self.db, lb.id).await?;
        let ready = live
            .iter()
            .filter(|n| n.status == NodeStatus::Active.as_str())
            .filter(|n| n.config_generation as u64 >= lb.config_generation())
            .count() as i32;
        if ready < lb.min_nodes {
            return Ok(());
        }
        // Compare-and-set on the generation: a change made meanwhile keeps it pending.
        let set = lbq::load_balancer_set_status(
            &self.db,
            lb.id,
            lb.generation,
            ProvisioningStatus::Active,
            "",
        )
        .await?;
        if set {
            event(&self.db, lb, None, "load_balancer.active", &lb.name).await;
            tracing::info!(lb_id = %lb.id, name = %lb.name, "load balancer ACTIVE");
        }
        Ok(())
    }

    /// Step 6: PENDING_DELETE load balancers torn down, one at a time; one that cannot finish
    /// (its VM will not go) says why in its `status_reason` and is retried next pass.
    async fn load_balancers_delete(&mut self, placements: &[NodePlacement]) -> Result<()> {
        let deleting = lbq::load_balancer_list_deleting(&self.db).await?;
        for lb in &deleting {
            if let Err(e) = self.load_balancer_delete(lb, placements).await {
                let reason = format!("delete not finished: {e:#}");
                tracing::warn!(lb_id = %lb.id, %reason, "load balancer delete failed");
                if let Err(e) = lbq::load_balancer_set_reason(&self.db, lb.id, &reason).await {
                    tracing::warn!(lb_id = %lb.id, error = %e, "could not record the reason");
                }
            }
        }
        Ok(())
    }

    async fn load_balancer_delete(
        &mut self,
        lb: &LoadBalancerRow,
        placements: &[NodePlacement],
    ) -> Result<()> {
        let mut pending = false;
        for p in placements.iter().filter(|p| p.load_balancer_id == lb.id) {
            if !self.domain_gone(&p.name).await? {
                pending = true;
                continue;
            }
            self.agents.forget(&p.id.to_string());
            nq::node_delete(&self.db, p.id).await?;
        }
        if pending {
            return Ok(());
        }
        if lbq::load_balancer_purge(&self.db, lb.id).await? {
            self.status.purged += 1;
            event(&self.db, lb, None, "load_balancer.deleted", &lb.name).await;
            tracing::info!(lb_id = %lb.id, name = %lb.name, "load balancer deleted");
        }
        Ok(())
    }

    /// Step 7a: domains of our prefix that no spare or live node owns (a crash's leftovers, a
    /// FAILED node whose start returned late) are destroyed.
    async fn domains_collect(
        &mut self,
        placements: &[NodePlacement],
        spares: &[SpareRow],
        running: &BTreeSet<String>,
    ) {
        let owned: BTreeSet<&str> = owned(placements, spares).map(|(_, name)| name).collect();
        for name in running.iter().filter(|n| !owned.contains(n.as_str())) {
            tracing::info!(domain = %name, "destroying a domain no live node owns");
            if let Err(e) = self.domain_gone(name).await {
                self.step_failed(&format!("destroy {name}"), &e);
            }
        }
    }

    /// Step 7b: agent links of nodes that are gone.
    fn agents_collect(&mut self, placements: &[NodePlacement], spares: &[SpareRow]) {
        let live: BTreeSet<String> =
            owned(placements, spares).map(|(id, _)| id.to_string()).collect();
        for node in self.agents.nodes().into_iter().filter(|n| !live.contains(n)) {
            self.agents.forget(&node);
        }
    }

    /// Step 7c: project namespaces the database does not know.
    async fn namespaces_collect(&mut self, wanted: &BTreeSet<String>) {
        let project_prefix = format!("{}-p-", self.settings.prefix);
        let found = match self.net.list_namespaces(&project_prefix).await {
            Ok(f) => f,
            Err(e) => return self.step_failed("list namespaces", &e),
        };
        for ns in found.into_iter().filter(|ns| !wanted.contains(ns)) {
            tracing::info!(ns, "deleting a namespace the database does not know");
            if let Err(e) = self.net.delete_namespace(&ns).await {
                self.step_failed(&format!("delete namespace {ns}"), &e);
            }
        }
    }

    /// Domains whose agent link is up: running, whatever libvirt can say.
    fn linked_names(&self, placements: &[NodePlacement], spares: &[SpareRow]) -> BTreeSet<String> {
        owned(placements, spares)
            .filter(|(id, _)| self.agents.state(&id.to_string()).is_some_and(|a| a.connected))
            .map(|(_, name)| name.to_string())
            .collect()
    }

    /// Destroys a domain through a background call: `Ok(true)` once it is gone, `Ok(false)`
    /// while the call is still running (the caller tries again next pass and finds it).
    async fn domain_gone(&mut self, name: &str) -> Result<bool> {
        if !self.destroys.contains_key(name) {
            let (hv, n, wake) = (self.hv.clone(), name.to_string(), self.wake.clone());
            let task = tokio::spawn(async move {
                let r = hv.destroy(&n).await;
                wake.notify_one();
                r
            });
            self.destroys.insert(name.to_string(), task);
        }
        let task = self.destroys.get_mut(name).expect("inserted above");
        let Ok(joined) = tokio::time::timeout(DESTROY_WAIT, task).await else {
            return Ok(false);
        };
        self.destroys.remove(name);
        joined.context("destroy task")?.with_context(|| format!("destroy {name}"))?;
        self.status.domains_destroyed += 1;
        Ok(true)
    }

    /// Step 3's node count for one load balancer (see the module comment), with placement
    /// (`crate::placement`): new nodes go where the plan says, nodes on a leaving hypervisor
    /// are replaced elsewhere and retired through SUNDOWN once enough others serve. Returns
    /// whether any node was made or changed.
    async fn node_count_converge(
        &mut self,
        lb: &LoadBalancerRow,
        live: &[nq::NodeRow],
        ready: &mut Vec<SpareRow>,
        booting: &mut Vec<SpareRow>,
        waiting_since: Option<Instant>,
        plan: &mut Plan,
    ) -> Result<bool> {
        let s = self.settings.clone();
        let is = |n: &nq::NodeRow, st: NodeStatus| n.status == st.as_str();
        let Count { serving, leaving, staying, want } = Count::of(lb, live, plan);
        let mut changed = false;
        let replacing = live.iter().any(|n| is(n, NodeStatus::Down));
        if staying.len() < want && replacing && self.breaker.open {
            // A mass failure: the DOWN node is kept, not replaced (`crate::breaker`).
        } else if staying.len() < want {
            let why = if let Some(down) = live.iter().find(|n| is(n, NodeStatus::Down)) {
                format!("replaces DOWN node {}", down.name)
            } else if let Some(n) = leaving.first() {
                let why = plan.leaving(n.hypervisor_id).unwrap_or_default();
                format!("replaces {} ({why})", n.name)
            } else if serving.len() >= lb.min_nodes as usize {
                format!("scale out to {want} nodes")
            } else {
                "initial node".to_string()
            };
            let mut siblings: Vec<Uuid> = staying.iter().map(|n| n.hypervisor_id).collect();
            for _ in staying.len()..want {
                let Some(choice) = plan.choose(&siblings, ready) else {
                    let reason = plan.why_none();
                    tracing::warn!(lb_id = %lb.id, %reason, "node not placed");
                    lbq::load_balancer_set_reason(&self.db, lb.id, &reason).await?;
                    break;
                };
                changed = true;
                if lb.status_reason.starts_with(NO_ROOM) {
                    lbq::load_balancer_set_reason(&self.db, lb.id, "").await?;
                }
                let hv = choice.hypervisor();
                siblings.push(hv);
                let on = plan.name(hv);
                // A ready spare first: its VM is up, only addresses and listeners are missing.
                if let Choice::Spare { id, name, .. } = &choice {
                    ready.retain(|sp| sp.id != *id);
                    match spare::spare_claim(&self.db, *id, name, lb.id, &s.vip_pool).await {
                        Ok(true) => {
                            self.warm.node_made(Instant::now());
                            let msg = format!("{name}: {why} (warm spare on {on})");
                            event(&self.db, lb, Some(*id), "node.created", &msg).await;
                            tracing::info!(node = %name, lb = %lb.name, hypervisor = %on, "spare claimed");
                            continue;
                        }
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "could not claim a spare"),
                    }
                }
                // No ready spare there, but one booting: this load balancer takes it when it is
                // ready (the oldest first, as it started first), unless it waited long enough.
                let since = waiting_since.unwrap_or_else(Instant::now);
                if since.elapsed() < SPARE_WAIT {
                    if let Some(i) = booting.iter().position(|sp| sp.hypervisor_id == hv) {
                        let sp = booting.remove(i);
                        tracing::debug!(lb = %lb.name, spare = %sp.name, "waiting for a booting spare");
                        self.awaiting_spare.insert(lb.id, since);
                        continue;
                    }
                }
                // The domain name derives from the node id, so a restarted controller finds it.
                let id = Uuid::new_v4();
                let name = s.node_name(id);
                match nq::node_create(&self.db, id, lb.id, &name, &s.vip_pool, hv).await {
                    Ok(()) => {
                        plan.took_fresh(hv);
                        self.warm.node_made(Instant::now());
                        let msg = format!("{name}: {why} (on {on})");
                        event(&self.db, lb, Some(id), "node.created", &msg).await
                    }
                    Err(e) => {
                        tracing::warn!(lb_id = %lb.id, error = %e, "could not allocate a node")
                    }
                }
            }
        }
        // Nodes on a leaving hypervisor go once their replacements serve (ACTIVE, config
        // acknowledged): out of DNS, drained, deleted, so no request fails on the way.
        let serving_elsewhere = staying.iter().filter(|n| is(n, NodeStatus::Active)).count();
        if !leaving.is_empty() && serving_elsewhere >= want {
            for n in &leaving {
                let why = format!(
                    "{}: {}; its replacement serves",
                    n.name,
                    plan.leaving(n.hypervisor_id).unwrap_or_default()
                );
                changed |= self.node_retire(lb, n, &why).await?;
            }
        }
        // Surplus: the newest go first. After a failover whose old node came back, that is the
        // replacement (the seed's rule); after a scale-in, the node with the least warm state.
        for n in staying.iter().rev().take(staying.len().saturating_sub(want)) {
            let why = format!("{}: scale in to {want} nodes", n.name);
            changed |= self.node_retire(lb, n, &why).await?;
        }
        Ok(changed)
    }

    /// A node this load balancer no longer needs: ACTIVE ones go through SUNDOWN (out of DNS
    /// with the status change; then drained by its controller, see `node_step`); a BUILDING one on this
    /// hypervisor is removed at once, one elsewhere through SUNDOWN (its own controller removes
    /// it). True when something changed.
    async fn node_retire(
        &mut self,
        lb: &LoadBalancerRow,
        n: &nq::NodeRow,
        why: &str,
    ) -> Result<bool> {
        let building = n.status == NodeStatus::Building.as_str();
        if building && n.hypervisor_id == self.hypervisor {
            if !self.domain_gone(&n.name).await? {
                return Ok(false);
            }
            self.agents.forget(&n.id.to_string());
            nq::node_delete(&self.db, n.id).await?;
            event(&self.db, lb, Some(n.id), "node.deleted", why).await;
            return Ok(true);
        }
        let from = if building { NodeStatus::Building } else { NodeStatus::Active };
        if !nq::node_transition(&self.db, n.id, from, NodeStatus::Sundown, why).await? {
            return Ok(false);
        }
        event(&self.db, lb, Some(n.id), "node.sundown", why).await;
        tracing::info!(node = %n.name, why, "node SUNDOWN (draining)");
        Ok(true)
    }

    /// Step 4 for spares: running, on the public bridge (so a claim only moves its project
    /// leg), linked to its agent.
    async fn spares_converge(&mut self, spares: &[SpareRow], running: &BTreeSet<String>) {
        for sp in spares {
            if let Err(e) = self.spare_converge(sp, running.contains(&sp.name)).await {
                tracing::warn!(spare = %sp.name, error = %format!("{e:#}"), "spare not ready yet");
            }
        }
    }

    /// One spare. One that never says hello within the build timeout is replaced.
    async fn spare_converge(&mut self, sp: &SpareRow, running: bool) -> Result<()> {
        let s = self.settings.clone();
        let key = sp.id.to_string();
        let hello = self.agents.state(&key).is_some_and(|a| a.hello);
        if !hello && sp.age_seconds >= s.build_timeout.as_secs_f64() {
            tracing::warn!(spare = %sp.name, "spare never came up; replacing it");
            return self.spare_drop(sp).await;
        }
        if !running {
            return Ok(());
        }
        self.tap_attach(&s.taps(sp.id)[0], &s.public_namespace()).await?;
        self.agents.ensure(&key, &s.socket(&sp.name));
        Ok(())
    }

    /// A spare goes (its row first: the domain, if it still appears, is collected as unowned).
    async fn spare_drop(&mut self, sp: &SpareRow) -> Result<()> {
        // Gone already: a scheduler claimed it meanwhile, and its VM is a node's now.
        if !spare::spare_delete(&self.db, sp.id).await? {
            return Ok(());
        }
        self.agents.forget(&sp.id.to_string());
        self.domain_gone(&sp.name).await?;
        Ok(())
    }

    /// Destroys a node's VM and deletes its row, with the reason in the monitor log. While the
    /// destroy is still running the row stays, and the next pass finishes the removal.
    async fn node_remove(
        &mut self,
        p: &NodePlacement,
        lb: &LoadBalancerRow,
        kind: &str,
        why: &str,
    ) -> Result<()> {
        if !self.domain_gone(&p.name).await? {
            return Ok(());
        }
        self.agents.forget(&p.id.to_string());
        self.drains_sent.remove(&p.id);
        nq::node_delete(&self.db, p.id).await?;
        tracing::info!(node = %p.name, why, "node removed");
        event(&self.db, lb, Some(p.id), kind, why).await;
        Ok(())
    }

    async fn node_converge_logged(&mut self, p: &NodePlacement, lb: &LoadBalancerRow) {
        if let Err(e) = self.node_converge(p, lb).await {
            let text = format!("{e:#}");
            tracing::warn!(node = %p.name, error = %text, "node not converged yet");
            self.failing.insert(p.id, text);
        } else {
            self.failing.remove(&p.id);
        }
    }

    /// A node whose VM runs: taps attached, agent linked, config pushed; BUILDING → ACTIVE
    /// once the agent acknowledged the load balancer's config generation.
    async fn node_converge(&mut self, p: &NodePlacement, lb: &LoadBalancerRow) -> Result<()> {
        let s = self.settings.clone();
        let taps = s.taps(p.id);
        self.tap_attach(&taps[0], &s.public_namespace()).await?;
        self.tap_attach(&taps[1], &s.project_namespace(p.project_id)).await?;

        let key = p.id.to_string();
        self.agents.ensure(&key, &s.socket(&p.name));
        let Some(agent) = self.agents.state(&key) else { return Ok(()) };
        if !agent.hello {
            anyhow::bail!("agent not connected yet");
        }
        let want = lb.config_generation();
        if agent.generation < want {
            let mut config = agent_config(&self.db, lb.id, s.secrets.as_ref()).await?;
            config.network = Some(NetworkConfig {
                vip: format!(
                    "{}/{}",
                    p.vip.as_deref().context("node has no VIP")?,
                    s.vip_pool.prefix_len()
                ),
                project: format!(
                    "{}/{}",
                    p.project_ip.as_deref().context("node has no project address")?,
                    p.project_prefix.unwrap_or(24)
                ),
            });
            self.agents.push(&key, want, config);
            self.status.configs_pushed += 1;
            return Ok(());
        }
        if (p.config_generation as u64) < want {
            nq::node_set_config_generation(&self.db, p.id, agent.generation as i64).await?;
        }
        if p.status == NodeStatus::Building.as_str() {
            nq::node_set_status(&self.db, p.id, NodeStatus::Active, "").await?;
            event(&self.db, lb, Some(p.id), "node.active", &p.name).await;
        }
        Ok(())
    }

    fn domain_spec(&self, p: &NodePlacement) -> Result<DomainSpec> {
        let s = &self.settings;
        let vip = p.vip.as_deref().context("node has no VIP (pool exhausted?)")?;
        let pip = p.project_ip.as_deref().context("node has no project address (subnet full?)")?;
        std::fs::create_dir_all(&s.run_dir).context("create run dir")?;
        Ok(DomainSpec {
            name: p.name.clone(),
            memory_mib: s.memory_mib,
            kernel: s.image_dir.join("vmlinux"),
            initrd: s.image_dir.join("initramfs.cpio"),
            // init_on_alloc=0: Debian's kernel zeroed every page it allocated, slow under TCG
            // (measured 0.2-0.7 s of a ~4 s boot); the project's kernel has it off already
            // (image/kernel.config), the parameter keeps an operator's own kernel from paying
            // it. Other trims (mitigations=off, i8042.*, tsc=reliable, no_timer_check,
            // random.trust_cpu=on) measured no gain with Debian's. Keep in step with
            // `spare_spec`.
            cmdline: format!(
                "console=ttyS0 quiet panic=-1 init_on_alloc=0 lbaas.node={} lbaas.vip={}/{} lbaas.pip={}/{}",
                p.name,
                vip,
                s.vip_pool.prefix_len(),
                pip,
                p.project_prefix.unwrap_or(24)
            ),
            taps: s.taps(p.id),
            channel: s.socket(&p.name),
            console_log: s.run_dir.join(format!("{}.console.log", p.name)),
            virt_type: s.virt_type.clone(),
        })
    }

    /// Starts every missing domain at once, each as a background call: libvirt calls take
    /// seconds each under load, four load balancers created together should not wait in line,
    /// and a stalled libvirt must not hold up the pass. Returns the names started now.
    fn domains_start(
        &mut self,
        placements: &[NodePlacement],
        lbs: &HashMap<Uuid, &LoadBalancerRow>,
        spares: &[SpareRow],
        listed: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let mut todo = Vec::new();
        // Only nodes being built are (re)started: an ACTIVE node whose VM vanished is DOWN and
        // replaced, not silently rebooted under the same VIP.
        let building = placements.iter().filter(|p| {
            lbs.contains_key(&p.load_balancer_id) && p.status == NodeStatus::Building.as_str()
        });
        for p in building.filter(|p| !listed.contains(&p.name)) {
            match self.domain_spec(p) {
                Ok(spec) => todo.push((Some(p.id), spec)),
                // The build timeout reports it if it lasts (a VIP pool or subnet that is full).
                Err(e) => {
                    self.failing.insert(p.id, format!("{e:#}"));
                }
            }
        }
        // Spares boot a few at a time: a TCG boot is CPU-bound, and a burst that grew the pool
        // to ten would otherwise boot ten at once and make every one of them late. One boot
        // per host CPU finishes the first spares soonest; a hello wakes the next pass.
        let at_once = std::thread::available_parallelism().map_or(2, |n| n.get());
        let booting = spares
            .iter()
            .filter(|sp| listed.contains(&sp.name) || self.starts.contains_key(&sp.name))
            .filter(|sp| !self.agents.state(&sp.id.to_string()).is_some_and(|a| a.hello))
            .count();
        let waiting = spares
            .iter()
            .filter(|sp| !listed.contains(&sp.name) && !self.starts.contains_key(&sp.name));
        for sp in waiting.take(at_once.saturating_sub(booting)) {
            match self.spare_spec(sp) {
                Ok(spec) => todo.push((None, spec)),
                Err(e) => {
                    tracing::warn!(spare = %sp.name, error = %format!("{e:#}"), "spare not startable")
                }
            }
        }
        todo.retain(|(_, spec)| !self.starts.contains_key(&spec.name));
        let mut new = BTreeSet::new();
        for (node, spec) in todo {
            let (hv, wake) = (self.hv.clone(), self.wake.clone());
            let (name, taps) = (spec.name.clone(), spec.taps.clone());
            let task = tokio::spawn(async move {
                let r = hv.create(&spec).await;
                wake.notify_one();
                r
            });
            new.insert(name.clone());
            self.starts.insert(name, Start { node, taps, task });
        }
        new
    }

    /// Waits up to [`START_WAIT`] for the starts made this pass (`new`) and uses every start
    /// that has ended, from this pass or an earlier one. A start that missed its deadline fails
    /// its node (and load balancer) with the reason; any other failure is recorded on the node
    /// and retried next pass. Returns the names that started.
    async fn starts_collect(
        &mut self,
        placements: &[NodePlacement],
        lbs: &HashMap<Uuid, &LoadBalancerRow>,
        spares: &[SpareRow],
        new: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        // Only this pass's starts of nodes are waited for; a spare's start, and older ones (a
        // stalled one among them), are looked at without waiting: a zero timeout still polls
        // once, so a start that ended is always collected. Waiting on spares held up the
        // nodes claimed in the same pass (measured: 4 creates at once ACTIVE after 12 s,
        // two passes each stuck 3 s behind a spare's `virsh create` on a busy host); a
        // spare's start wakes the loop when it ends.
        let until = Instant::now() + START_WAIT;
        let mut finished = Vec::new();
        for (name, st) in self.starts.iter_mut() {
            let left = if new.contains(name) && st.node.is_some() {
                until.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            if let Ok(joined) = tokio::time::timeout(left, &mut st.task).await {
                finished.push((name.clone(), st.node, st.taps.clone(), joined));
            }
        }
        let mut started = BTreeSet::new();
        for (name, node, taps, joined) in finished {
            self.starts.remove(&name);
            let placement = node.and_then(|id| placements.iter().find(|p| p.id == id));
            let lb = placement.and_then(|p| lbs.get(&p.load_balancer_id).copied());
            match joined.map_err(anyhow::Error::from).and_then(|r| r) {
                Ok(()) => {
                    self.status.domains_created += 1;
                    // Its taps are new, in the root namespace: attach them again.
                    self.attached.retain(|(tap, _), _| !taps.contains(tap));
                    started.insert(name.clone());
                    if let (Some(p), Some(lb)) = (placement, lb) {
                        event(&self.db, lb, Some(p.id), "node.domain_started", &name).await;
                    }
                }
                Err(e) => {
                    let text = format!("{e:#}");
                    tracing::warn!(domain = %name, error = %text, "domain start failed");
                    let missed = e.is::<DeadlineExceeded>();
                    let r = match (placement, lb) {
                        (Some(p), Some(lb)) if missed => self.node_fail(p, lb, text).await,
                        (Some(p), _) => {
                            self.failing.insert(p.id, text.clone());
                            nq::node_set_reason(&self.db, p.id, &text).await.map_err(Into::into)
                        }
                        (None, _) if missed => match spares.iter().find(|sp| sp.name == name) {
                            Some(sp) => self.spare_drop(sp).await,
                            None => Ok(()),
                        },
                        (None, _) => Ok(()),
                    };
                    if let Err(e) = r {
                        self.step_failed(&format!("record the failed start of {name}"), &e);
                    }
                }
            }
        }
        started
    }

    /// A spare boots with its name only: addresses come with the config when it is claimed.
    fn spare_spec(&self, sp: &SpareRow) -> Result<DomainSpec> {
        let s = &self.settings;
        std::fs::create_dir_all(&s.run_dir).context("create run dir")?;
        Ok(DomainSpec {
            name: sp.name.clone(),
            memory_mib: s.memory_mib,
            kernel: s.image_dir.join("vmlinux"),
            initrd: s.image_dir.join("initramfs.cpio"),
            // Same as `domain_spec` (init_on_alloc=0: see there).
            cmdline: format!("console=ttyS0 quiet panic=-1 init_on_alloc=0 lbaas.node={}", sp.name),
            taps: s.taps(sp.id),
            channel: s.socket(&sp.name),
            console_log: s.run_dir.join(format!("{}.console.log", sp.name)),
            virt_type: s.virt_type.clone(),
        })
    }

    /// A node still BUILDING past the build timeout fails, with the last failure it had.
    async fn node_check_timeout(
        &mut self,
        p: &NodePlacement,
        lb: &LoadBalancerRow,
        is_running: bool,
    ) -> Result<()> {
        if p.status != NodeStatus::Building.as_str()
            || p.age_seconds < self.settings.build_timeout.as_secs_f64()
        {
            return Ok(());
        }
        let why = match self.failing.get(&p.id) {
            Some(text) => text.clone(),
            None if is_running => "agent never answered".into(),
            None => "its VM never started".into(),
        };
        let reason = format!(
            "node {} did not come up within {}s: {why}",
            p.name,
            self.settings.build_timeout.as_secs()
        );
        self.node_fail(p, lb, reason).await
    }

    /// A node that cannot come up is FAILED with the reason, its domain destroyed (in the
    /// background; one that appears later is collected as unowned), and its load balancer
    /// ERROR with the same reason and an event: a clear error, never a hang.
    async fn node_fail(
        &mut self,
        p: &NodePlacement,
        lb: &LoadBalancerRow,
        reason: String,
    ) -> Result<()> {
        tracing::warn!(lb_id = %lb.id, node = %p.name, %reason, "node failed");
        self.agents.forget(&p.id.to_string());
        self.failing.remove(&p.id);
        nq::node_set_status(&self.db, p.id, NodeStatus::Failed, &reason).await?;
        lbq::load_balancer_set_status(
            &self.db,
            lb.id,
            lb.generation,
            ProvisioningStatus::Error,
            &reason,
        )
        .await?;
        event(&self.db, lb, Some(p.id), "node.failed", &reason).await;
        if let Err(e) = self.domain_gone(&p.name).await {
            tracing::warn!(node = %p.name, error = %format!("{e:#}"), "could not destroy a failed node's VM yet");
        }
        Ok(())
    }
}

/// A load balancer's nodes as the count step sees them.
struct Count<'a> {
    /// BUILDING or ACTIVE.
    serving: Vec<&'a nq::NodeRow>,
    /// Those on a hypervisor they must leave, and the others.
    leaving: Vec<&'a nq::NodeRow>,
    staying: Vec<&'a nq::NodeRow>,
    want: usize,
}

impl<'a> Count<'a> {
    fn of(lb: &LoadBalancerRow, live: &'a [nq::NodeRow], plan: &Plan) -> Count<'a> {
        let serving: Vec<&nq::NodeRow> = live
            .iter()
            .filter(|n| {
                n.status == NodeStatus::Building.as_str() || n.status == NodeStatus::Active.as_str()
            })
            .collect();
        let (leaving, staying) =
            serving.iter().copied().partition(|n| plan.leaving(n.hypervisor_id).is_some());
        Count { serving, leaving, staying, want: lb.desired_nodes.max(1) as usize }
    }

    /// Anything to do: too few staying (to place), too many (to retire), or some leaving.
    fn needs_work(&self) -> bool {
        !self.leaving.is_empty() || self.staying.len() != self.want
    }
}

fn needs_work(lb: &LoadBalancerRow, live: &[nq::NodeRow], plan: &Plan) -> bool {
    Count::of(lb, live, plan).needs_work()
}

/// The nodes and spares that own a VM (id, domain name); FAILED nodes own none (their VM is
/// destroyed). Domain and agent-link collection and the agent-proven running set all use it.
fn owned<'a>(
    placements: &'a [NodePlacement],
    spares: &'a [SpareRow],
) -> impl Iterator<Item = (Uuid, &'a str)> {
    placements
        .iter()
        .filter(|p| p.status != NodeStatus::Failed.as_str())
        .map(|p| (p.id, p.name.as_str()))
        .chain(spares.iter().map(|sp| (sp.id, sp.name.as_str())))
}

/// The agent's config for a load balancer, from its listeners (with their certificates and L7
/// policies), pools and members.
pub async fn agent_config(
    db: &PgPool,
    lb: Uuid,
    secrets: Option<&lbaas_certs::SecretBox>,
) -> Result<AgentConfig> {
    let listeners = lbaas_db::listener::listener_list_all(db, lb).await?;
    let pools = lbaas_db::pool::pool_list_all(db, lb).await?;
    let mut members = BTreeMap::new();
    for p in &pools {
        members.insert(p.id, lbaas_db::member::member_list_all(db, p.id).await?);
    }
    let policies = lbaas_db::l7policy::l7policy_list_for_lb(db, lb).await?;
    let mut certificates: BTreeMap<Uuid, Vec<CertificateConfig>> = BTreeMap::new();
    let sealed = lbaas_db::certificate::certificate_keys_for_lb(db, lb).await?;
    if !sealed.is_empty() {
        let secrets = secrets.context(
            "this load balancer serves HTTPS but the controller has no --secret-key-file to open \
             its certificates' keys",
        )?;
        for c in sealed {
            let key = secrets
                .open(c.id.as_bytes(), &c.key_sealed)
                .with_context(|| format!("open the private key of certificate {}", c.id))?;
            certificates.entry(c.listener_id).or_default().push(CertificateConfig {
                id: c.id.to_string(),
                names: c.names,
                chain_pem: c.chain_pem,
                key_pem: String::from_utf8(key).context("a sealed key is PEM text")?,
            });
        }
    }
    Ok(build_config(
        &Rows { listeners: &listeners, pools: &pools, members: &members, policies: &policies },
        &mut certificates,
    ))
}

/// What [`build_config`] is made from: a load balancer's rows.
pub struct Rows<'a> {
    pub listeners: &'a [lbaas_db::listener::ListenerRow],
    pub pools: &'a [lbaas_db::pool::PoolRow],
    pub members: &'a BTreeMap<Uuid, Vec<lbaas_db::member::MemberRow>>,
    pub policies: &'a [lbaas_db::l7policy::L7PolicyRow],
}

fn algo(a: &str) -> lbaas_proto::Algorithm {
    match a {
        "LEAST_CONNECTIONS" => lbaas_proto::Algorithm::LeastConnections,
        "WEIGHTED_ROUND_ROBIN" => lbaas_proto::Algorithm::WeightedRoundRobin,
        "LEAST_LATENCY" => lbaas_proto::Algorithm::LeastLatency,
        _ => lbaas_proto::Algorithm::RoundRobin,
    }
}

/// A pool's members as the agent takes them; one marked OFFLINE by health checks is sent
/// `up: false`.
fn member_configs(ms: &[lbaas_db::member::MemberRow]) -> Vec<MemberConfig> {
    ms.iter()
        .filter_map(|m| {
            Some(MemberConfig {
                id: m.id.to_string(),
                address: m.address.parse().ok()?,
                port: m.port as u16,
                weight: m.weight.max(0) as u32,
                up: m.operating_status != "OFFLINE",
            })
        })
        .collect()
}

/// An L7 policy as the agent takes it; its rules were validated by the API.
fn policy_config(p: &lbaas_db::l7policy::L7PolicyRow) -> PolicyConfig {
    use lbaas_common::types::{L7CompareType as C, L7RuleType as T};
    let status = |code: Option<i32>| code.unwrap_or(302) as u16;
    let action = match p.action.as_str() {
        "REDIRECT_TO_POOL" => ActionConfig::Forward {
            pool: p.redirect_pool_id.map(|id| id.to_string()).unwrap_or_default(),
        },
        "REDIRECT_TO_URL" => ActionConfig::RedirectUrl {
            url: p.redirect_url.clone().unwrap_or_default(),
            status: status(p.redirect_http_code),
        },
        "REDIRECT_PREFIX" => ActionConfig::RedirectPrefix {
            prefix: p.redirect_prefix.clone().unwrap_or_default(),
            status: status(p.redirect_http_code),
        },
        _ => ActionConfig::Reject { status: 403 },
    };
    let rules = p
        .rules
        .0
        .iter()
        .map(|r| RuleConfig {
            kind: match r.rule_type {
                T::HostName => RuleKind::HostName,
                T::Path => RuleKind::Path,
                T::Header => RuleKind::Header,
                T::Cookie => RuleKind::Cookie,
            },
            compare: match r.compare_type {
                C::EqualTo => Compare::EqualTo,
                C::StartsWith => Compare::StartsWith,
                C::EndsWith => Compare::EndsWith,
                C::Contains => Compare::Contains,
            },
            key: r.key.clone(),
            value: r.value.clone(),
            invert: r.invert,
        })
        .collect();
    PolicyConfig { id: p.id.to_string(), rules, action }
}

/// Pure: rows → config. A listener without a default pool gets no members (its clients get a
/// clean 503 from the agent); the pools its policies forward to travel with it.
pub fn build_config(
    rows: &Rows<'_>,
    certificates: &mut BTreeMap<Uuid, Vec<CertificateConfig>>,
) -> AgentConfig {
    let listeners = rows
        .listeners
        .iter()
        .map(|l| {
            let pool = l.default_pool_id.and_then(|id| rows.pools.iter().find(|p| p.id == id));
            let ms =
                pool.and_then(|p| rows.members.get(&p.id)).map(Vec::as_slice).unwrap_or_default();
            let policies: Vec<PolicyConfig> =
                rows.policies.iter().filter(|p| p.listener_id == l.id).map(policy_config).collect();
            let mut pools: Vec<PoolConfig> = Vec::new();
            for p in rows.policies.iter().filter(|p| p.listener_id == l.id) {
                let Some(target) =
                    p.redirect_pool_id.and_then(|id| rows.pools.iter().find(|x| x.id == id))
                else {
                    continue;
                };
                if pools.iter().any(|x| x.id == target.id.to_string()) {
                    continue;
                }
                pools.push(PoolConfig {
                    id: target.id.to_string(),
                    algorithm: algo(&target.algorithm),
                    members: member_configs(
                        rows.members.get(&target.id).map(Vec::as_slice).unwrap_or_default(),
                    ),
                });
            }
            let protocol = match l.protocol.as_str() {
                "TCP" => lbaas_proto::Protocol::Tcp,
                "HTTPS" => lbaas_proto::Protocol::Https,
                _ => lbaas_proto::Protocol::Http,
            };
            ListenerConfig {
                name: l.name.clone(),
                protocol,
                port: l.port as u16,
                algorithm: pool.map(|p| algo(&p.algorithm)).unwrap_or_default(),
                members: member_configs(ms),
                cache: l.cache,
                tls: certificates.remove(&l.id).map(|certificates| TlsConfig { certificates }),
                redirect_https_port: l.redirect_https_port.map(|p| p as u16),
                pools,
                policies,
            }
        })
        .collect();
    AgentConfig { listeners, network: None }
}

async fn event(db: &PgPool, lb: &LoadBalancerRow, node: Option<Uuid>, kind: &str, message: &str) {
    if let Err(e) = lbaas_db::event::event_insert(
        db,
        Some(TenantId(lb.tenant_id)),
        Some(lb.id),
        node,
        kind,
        message,
    )
    .await
    {
        tracing::warn!(error = %e, kind, "could not record event");
    }
}
