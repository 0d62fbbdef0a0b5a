//! The reconciler: one idempotent pass that converges namespaces, bridges, node VMs, taps and
//! agent configs to the desired state in PostgreSQL.
//!
//! Order of a pass (each step safe to repeat, each failure local to its node or project):
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
//! Nothing is remembered between passes except agent links and first-failure times, so a
//! controller killed at any point and restarted picks up where the world is.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ipnet::IpNet;
use lbaas_common::types::{NodeStatus, ProvisioningStatus, TenantId};
use lbaas_db::load_balancer::{self as lbq, LoadBalancerRow};
use lbaas_db::node::{self as nq, NodePlacement};
use lbaas_db::spare::{self, SpareRow};
use lbaas_proto::{AgentConfig, ListenerConfig, MemberConfig, NetworkConfig};
use sqlx::PgPool;
use uuid::Uuid;

use crate::agent_link::Agents;
use crate::hypervisor::{DomainSpec, Hypervisor};
use crate::netops::NetOps;

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
    /// Spare VMs kept booted (the warm pool): a new node claims one instead of booting.
    pub spares: usize,
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
    /// An ACTIVE node's agent link is down while its domain is still listed: libvirt may not
    /// have finished tearing a dead VM down, so the next pass should come soon, not at the
    /// safety-net period (failover starts from that pass).
    pub recheck_soon: bool,
}

pub struct Reconciler<N, H, A> {
    pub db: PgPool,
    pub net: N,
    pub hv: H,
    pub agents: A,
    pub settings: Arc<Settings>,
    pub status: Status,
    /// When each node's current failure streak began (for the build timeout) and its text.
    failing: HashMap<Uuid, String>,
}

impl<N: NetOps, H: Hypervisor, A: Agents> Reconciler<N, H, A> {
    pub fn new(db: PgPool, net: N, hv: H, agents: A, settings: Settings) -> Self {
        Reconciler {
            db,
            net,
            hv,
            agents,
            settings: Arc::new(settings),
            status: Status::default(),
            failing: HashMap::new(),
        }
    }

    /// One pass. Returns an error only when the pass could not read state; per-node and
    /// per-project failures are recorded on their rows and the pass goes on.
    pub async fn pass(&mut self) -> Result<()> {
        let r = self.pass_inner().await;
        self.status.passes += 1;
        self.status.last_pass = Some(Instant::now());
        self.status.last_error = r.as_ref().err().map(|e| format!("{e:#}"));
        r
    }

    async fn pass_inner(&mut self) -> Result<()> {
        let s = self.settings.clone();
        let pub_ns = s.public_namespace();
        self.net.ensure_namespace(&pub_ns).await.context("ensure public namespace")?;
        self.net
            .ensure_bridge(&pub_ns, BRIDGE, &[s.public_gateway()])
            .await
            .context("ensure public bridge")?;

        let networks = lbaas_db::project::project_list_networks(&self.db).await?;
        let mut wanted_ns = BTreeSet::from([pub_ns.clone()]);
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

        let building = lbq::load_balancer_list_by_status(
            &self.db,
            &[
                ProvisioningStatus::PendingCreate,
                ProvisioningStatus::PendingUpdate,
                ProvisioningStatus::Active,
            ],
        )
        .await?;
        // 3: node counts, claiming ready spares first; then the warm pool is topped up.
        let spares = spare::spare_list(&self.db).await?;
        let mut ready: Vec<SpareRow> = spares
            .iter()
            .filter(|sp| self.agents.state(&sp.id.to_string()).is_some_and(|a| a.hello))
            .cloned()
            .collect();
        for lb in &building {
            self.node_count_converge(lb, &mut ready).await?;
        }
        let mut spares = spare::spare_list(&self.db).await?;
        for _ in spares.len()..s.spares {
            let id = Uuid::new_v4();
            spare::spare_create(&self.db, id, &s.node_name(id)).await?;
            spares.push(SpareRow { id, name: s.node_name(id), age_seconds: 0.0 });
        }

        let lbs: HashMap<Uuid, &LoadBalancerRow> = building.iter().map(|l| (l.id, l)).collect();
        let placements = nq::node_list_placements(&self.db).await?;
        let running: BTreeSet<String> =
            self.hv.list(&format!("{}-n-", s.prefix)).await?.into_iter().collect();
        let running = self.domains_start(&placements, &lbs, &spares, &running).await;
        let mut live_names = BTreeSet::new();
        for sp in &spares {
            live_names.insert(sp.name.clone());
            if let Err(e) = self.spare_converge(sp, running.contains(&sp.name)).await {
                tracing::warn!(spare = %sp.name, error = %format!("{e:#}"), "spare not ready yet");
            }
        }
        self.status.recheck_soon = false;
        for p in &placements {
            live_names.insert(p.name.clone());
            let Some(lb) = lbs.get(&p.load_balancer_id) else { continue };
            let is_running = running.contains(&p.name);
            match p.status.parse::<NodeStatus>() {
                Ok(NodeStatus::Building) => {
                    self.node_converge_logged(p, lb, is_running).await;
                    self.node_check_timeout(p, lb).await?;
                }
                Ok(NodeStatus::Active) if !is_running => {
                    // The controller sees this first and for certain (the domain is gone), so
                    // it does not wait for healthcheckd's thresholds.
                    let reason = "its VM is not running";
                    if nq::node_transition(
                        &self.db,
                        p.id,
                        NodeStatus::Active,
                        NodeStatus::Down,
                        reason,
                    )
                    .await?
                    {
                        tracing::warn!(node = %p.name, reason, "node DOWN");
                        event(
                            &self.db,
                            lb,
                            Some(p.id),
                            "node.down",
                            &format!("{}: {reason}", p.name),
                        )
                        .await;
                    }
                }
                Ok(NodeStatus::Active) => {
                    let linked = self.agents.state(&p.id.to_string()).is_some_and(|a| a.connected);
                    self.status.recheck_soon |= !linked;
                    self.node_converge_logged(p, lb, true).await
                }
                Ok(NodeStatus::Down) if p.status_age_seconds >= s.failover_grace.as_secs_f64() => {
                    let why = format!(
                        "{} stayed DOWN for {}s (failover grace period)",
                        p.name,
                        s.failover_grace.as_secs()
                    );
                    self.node_remove(p, lb, "node.deleted", &why).await?;
                    live_names.remove(&p.name);
                }
                // Kept current while it may still come back.
                Ok(NodeStatus::Down) if is_running => self.node_converge_logged(p, lb, true).await,
                Ok(NodeStatus::Sundown) => {
                    let drained = self.agents.state(&p.id.to_string()).is_some_and(|a| a.drained);
                    if drained || p.status_age_seconds >= s.drain_period.as_secs_f64() {
                        let why = if drained { "drained" } else { "drain period over" };
                        self.node_remove(p, lb, "node.deleted", &format!("{}: {why}", p.name))
                            .await?;
                        live_names.remove(&p.name);
                    }
                }
                _ => {}
            }
        }

        // 5: provisioning status of load balancers whose nodes all run their generation.
        for lb in &building {
            if lb.provisioning_status() == ProvisioningStatus::Active {
                continue;
            }
            let live = nq::node_list_live(&self.db, lb.id).await?;
            let ready = live
                .iter()
                .filter(|n| n.status == NodeStatus::Active.as_str())
                .filter(|n| {
                    self.agents
                        .state(&n.id.to_string())
                        .is_some_and(|a| a.generation >= lb.config_generation())
                })
                .count() as i32;
            if ready < lb.min_nodes {
                continue;
            }
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
        }

        // Operating status follows what serves (nodes DOWN, members OFFLINE).
        lbq::load_balancer_refresh_operating(&self.db).await?;

        // 6: deletes.
        let deleting =
            lbq::load_balancer_list_by_status(&self.db, &[ProvisioningStatus::PendingDelete])
                .await?;
        for lb in &deleting {
            for p in placements.iter().filter(|p| p.load_balancer_id == lb.id) {
                self.hv.destroy(&p.name).await.with_context(|| format!("destroy {}", p.name))?;
                self.status.domains_destroyed += 1;
                self.agents.forget(&p.id.to_string());
                nq::node_delete(&self.db, p.id).await?;
                live_names.remove(&p.name);
            }
            if lbq::load_balancer_purge(&self.db, lb.id).await? {
                self.status.purged += 1;
                event(&self.db, lb, None, "load_balancer.deleted", &lb.name).await;
                tracing::info!(lb_id = %lb.id, name = %lb.name, "load balancer deleted");
            }
        }

        // 7: garbage collection, by prefix only.
        for name in running.iter().filter(|n| !live_names.contains(*n)) {
            tracing::info!(domain = %name, "destroying a domain the database does not know");
            self.hv.destroy(name).await?;
            self.status.domains_destroyed += 1;
        }
        let live_ids: BTreeSet<String> = placements
            .iter()
            .map(|p| (p.id, &p.name))
            .chain(spares.iter().map(|sp| (sp.id, &sp.name)))
            .filter(|(_, name)| live_names.contains(*name))
            .map(|(id, _)| id.to_string())
            .collect();
        for node in self.agents.nodes().into_iter().filter(|n| !live_ids.contains(n)) {
            self.agents.forget(&node);
        }
        let project_prefix = format!("{}-p-", s.prefix);
        for ns in self.net.list_namespaces(&project_prefix).await? {
            if !wanted_ns.contains(&ns) {
                tracing::info!(ns, "deleting a namespace the database does not know");
                self.net.delete_namespace(&ns).await?;
            }
        }
        Ok(())
    }

    /// Steps 3's node count for one load balancer (see the module comment).
    async fn node_count_converge(
        &mut self,
        lb: &LoadBalancerRow,
        ready: &mut Vec<SpareRow>,
    ) -> Result<()> {
        let s = self.settings.clone();
        let live = nq::node_list_live(&self.db, lb.id).await?;
        let serving: Vec<_> = live
            .iter()
            .filter(|n| {
                n.status == NodeStatus::Building.as_str() || n.status == NodeStatus::Active.as_str()
            })
            .collect();
        let want = lb.desired_nodes.max(1) as usize;
        if serving.len() < want {
            let why =
                if let Some(down) = live.iter().find(|n| n.status == NodeStatus::Down.as_str()) {
                    format!("replaces DOWN node {}", down.name)
                } else if serving.len() >= lb.min_nodes as usize {
                    format!("scale out to {want} nodes")
                } else {
                    "initial node".to_string()
                };
            for _ in serving.len()..want {
                // A ready spare first: its VM is up, only addresses and listeners are missing.
                if let Some(sp) = ready.pop() {
                    match spare::spare_claim(&self.db, sp.id, &sp.name, lb.id, &s.vip_pool).await {
                        Ok(true) => {
                            let msg = format!("{}: {why} (warm spare)", sp.name);
                            event(&self.db, lb, Some(sp.id), "node.created", &msg).await;
                            tracing::info!(node = %sp.name, lb = %lb.name, "spare claimed");
                            continue;
                        }
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "could not claim a spare"),
                    }
                }
                // The domain name derives from the node id, so a restarted controller finds it.
                let id = Uuid::new_v4();
                let name = s.node_name(id);
                match nq::node_create(&self.db, id, lb.id, &name, &s.vip_pool).await {
                    Ok(()) => {
                        event(&self.db, lb, Some(id), "node.created", &format!("{name}: {why}"))
                            .await
                    }
                    Err(e) => {
                        tracing::warn!(lb_id = %lb.id, error = %e, "could not allocate a node")
                    }
                }
            }
        }
        // Surplus: the newest go first. After a failover whose old node came back, that is the
        // replacement (the seed's rule); after a scale-in, the node with the least warm state.
        for n in serving.iter().rev().take(serving.len().saturating_sub(want)) {
            let why = format!("{}: scale in to {want} nodes", n.name);
            if n.status == NodeStatus::Building.as_str() {
                self.hv.destroy(&n.name).await.with_context(|| format!("destroy {}", n.name))?;
                self.status.domains_destroyed += 1;
                self.agents.forget(&n.id.to_string());
                nq::node_delete(&self.db, n.id).await?;
                event(&self.db, lb, Some(n.id), "node.deleted", &why).await;
            } else if nq::node_transition(
                &self.db,
                n.id,
                NodeStatus::Active,
                NodeStatus::Sundown,
                &why,
            )
            .await?
            {
                // Out of DNS with the status change; the agent finishes what is in flight.
                self.agents.drain(&n.id.to_string(), s.drain_period.as_secs().max(1) as u32);
                event(&self.db, lb, Some(n.id), "node.sundown", &why).await;
                tracing::info!(node = %n.name, "node SUNDOWN (draining)");
            }
        }
        Ok(())
    }

    /// A spare: running, on the public bridge (so a claim only moves its project leg), linked
    /// to its agent. One that never says hello within the build timeout is replaced.
    async fn spare_converge(&mut self, sp: &SpareRow, running: bool) -> Result<()> {
        let s = self.settings.clone();
        let key = sp.id.to_string();
        let hello = self.agents.state(&key).is_some_and(|a| a.hello);
        if !hello && sp.age_seconds >= s.build_timeout.as_secs_f64() {
            tracing::warn!(spare = %sp.name, "spare never came up; replacing it");
            self.hv.destroy(&sp.name).await?;
            self.agents.forget(&key);
            spare::spare_delete(&self.db, sp.id).await?;
            return Ok(());
        }
        if !running {
            return Ok(());
        }
        self.net.attach_tap(&s.taps(sp.id)[0], &s.public_namespace(), BRIDGE).await?;
        self.agents.ensure(&key, &s.socket(&sp.name));
        Ok(())
    }

    /// Destroys a node's VM and deletes its row, with the reason in the monitor log.
    async fn node_remove(
        &mut self,
        p: &NodePlacement,
        lb: &LoadBalancerRow,
        kind: &str,
        why: &str,
    ) -> Result<()> {
        self.hv.destroy(&p.name).await.with_context(|| format!("destroy {}", p.name))?;
        self.status.domains_destroyed += 1;
        self.agents.forget(&p.id.to_string());
        nq::node_delete(&self.db, p.id).await?;
        tracing::info!(node = %p.name, why, "node removed");
        event(&self.db, lb, Some(p.id), kind, why).await;
        Ok(())
    }

    async fn node_converge_logged(
        &mut self,
        p: &NodePlacement,
        lb: &LoadBalancerRow,
        running: bool,
    ) {
        if let Err(e) = self.node_converge(p, lb, running).await {
            let text = format!("{e:#}");
            tracing::warn!(node = %p.name, error = %text, "node not converged yet");
            self.failing.insert(p.id, text);
        } else {
            self.failing.remove(&p.id);
        }
    }

    async fn node_converge(
        &mut self,
        p: &NodePlacement,
        lb: &LoadBalancerRow,
        running: bool,
    ) -> Result<()> {
        let s = self.settings.clone();
        let taps = s.taps(p.id);
        if !running {
            // Normally started by `domains_start` at the top of the pass; this covers a start
            // that failed there.
            self.hv.create(&self.domain_spec(p)?).await?;
            self.status.domains_created += 1;
            event(&self.db, lb, Some(p.id), "node.domain_started", &p.name).await;
        }
        self.net.attach_tap(&taps[0], &s.public_namespace(), BRIDGE).await?;
        self.net.attach_tap(&taps[1], &s.project_namespace(p.project_id), BRIDGE).await?;

        let key = p.id.to_string();
        self.agents.ensure(&key, &s.socket(&p.name));
        let Some(agent) = self.agents.state(&key) else { return Ok(()) };
        if !agent.hello {
            anyhow::bail!("agent not connected yet");
        }
        let want = lb.config_generation();
        if agent.generation < want {
            let mut config = agent_config(&self.db, lb.id).await?;
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
            kernel: s.image_dir.join("vmlinuz"),
            initrd: s.image_dir.join("initramfs.gz"),
            cmdline: format!(
                "console=ttyS0 quiet panic=-1 lbaas.node={} lbaas.vip={}/{} lbaas.pip={}/{}",
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

    /// Starts every missing domain at once: libvirt calls take seconds each under load, and
    /// four load balancers created together should not wait in line. Returns the names that
    /// are running afterwards.
    async fn domains_start(
        &mut self,
        placements: &[NodePlacement],
        lbs: &HashMap<Uuid, &LoadBalancerRow>,
        spares: &[SpareRow],
        running: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let mut todo: Vec<(Option<&NodePlacement>, DomainSpec)> = placements
            .iter()
            .filter(|p| lbs.contains_key(&p.load_balancer_id))
            // Only nodes being built are (re)started: an ACTIVE node whose VM vanished is DOWN
            // and replaced, not silently rebooted under the same VIP.
            .filter(|p| p.status == NodeStatus::Building.as_str() && !running.contains(&p.name))
            .filter_map(|p| self.domain_spec(p).ok().map(|spec| (Some(p), spec)))
            .collect();
        todo.extend(
            spares
                .iter()
                .filter(|sp| !running.contains(&sp.name))
                .filter_map(|sp| self.spare_spec(sp).ok().map(|spec| (None, spec))),
        );
        let results =
            futures::future::join_all(todo.iter().map(|(_, spec)| self.hv.create(spec))).await;
        let mut now_running = running.clone();
        for ((p, spec), r) in todo.iter().zip(results) {
            match r {
                Ok(()) => {
                    self.status.domains_created += 1;
                    now_running.insert(spec.name.clone());
                    if let Some(lb) = p.and_then(|p| lbs.get(&p.load_balancer_id)) {
                        event(&self.db, lb, p.map(|p| p.id), "node.domain_started", &spec.name)
                            .await;
                    }
                }
                Err(e) => {
                    tracing::warn!(domain = %spec.name, error = %format!("{e:#}"), "domain start failed");
                }
            }
        }
        now_running
    }

    /// A spare boots with its name only: addresses come with the config when it is claimed.
    fn spare_spec(&self, sp: &SpareRow) -> Result<DomainSpec> {
        let s = &self.settings;
        std::fs::create_dir_all(&s.run_dir).context("create run dir")?;
        Ok(DomainSpec {
            name: sp.name.clone(),
            memory_mib: s.memory_mib,
            kernel: s.image_dir.join("vmlinuz"),
            initrd: s.image_dir.join("initramfs.gz"),
            cmdline: format!("console=ttyS0 quiet panic=-1 lbaas.node={}", sp.name),
            taps: s.taps(sp.id),
            channel: s.socket(&sp.name),
            console_log: s.run_dir.join(format!("{}.console.log", sp.name)),
            virt_type: s.virt_type.clone(),
        })
    }

    /// A node that keeps failing past the build timeout is FAILED, its domain destroyed, and
    /// its load balancer ERROR with the reason: a clear error, never a hang.
    async fn node_check_timeout(&mut self, p: &NodePlacement, lb: &LoadBalancerRow) -> Result<()> {
        if p.status != NodeStatus::Building.as_str() {
            return Ok(());
        }
        if p.age_seconds < self.settings.build_timeout.as_secs_f64() {
            return Ok(());
        }
        let why = self.failing.get(&p.id).cloned().unwrap_or_else(|| "agent never answered".into());
        let reason = format!(
            "node {} did not come up within {}s: {why}",
            p.name,
            self.settings.build_timeout.as_secs()
        );
        tracing::error!(lb_id = %lb.id, node = %p.name, %reason, "node build failed");
        self.hv.destroy(&p.name).await.ok();
        self.agents.forget(&p.id.to_string());
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
        Ok(())
    }
}

/// The agent's config for a load balancer, from its listeners, pools and members.
pub async fn agent_config(db: &PgPool, lb: Uuid) -> Result<AgentConfig> {
    let listeners = lbaas_db::listener::listener_list_all(db, lb).await?;
    let pools = lbaas_db::pool::pool_list_all(db, lb).await?;
    let mut members = BTreeMap::new();
    for p in &pools {
        members.insert(p.id, lbaas_db::member::member_list_all(db, p.id).await?);
    }
    Ok(build_config(&listeners, &pools, &members))
}

/// Pure: rows → config. A listener without a default pool gets no members (its clients get a
/// clean 503 from the agent); a member marked OFFLINE by health checks is sent `up: false`.
pub fn build_config(
    listeners: &[lbaas_db::listener::ListenerRow],
    pools: &[lbaas_db::pool::PoolRow],
    members: &BTreeMap<Uuid, Vec<lbaas_db::member::MemberRow>>,
) -> AgentConfig {
    let algo = |a: &str| match a {
        "LEAST_CONNECTIONS" => lbaas_proto::Algorithm::LeastConnections,
        "WEIGHTED_ROUND_ROBIN" => lbaas_proto::Algorithm::WeightedRoundRobin,
        "LEAST_LATENCY" => lbaas_proto::Algorithm::LeastLatency,
        _ => lbaas_proto::Algorithm::RoundRobin,
    };
    let listeners = listeners
        .iter()
        .map(|l| {
            let pool = l.default_pool_id.and_then(|id| pools.iter().find(|p| p.id == id));
            let ms = pool.and_then(|p| members.get(&p.id)).map(Vec::as_slice).unwrap_or_default();
            ListenerConfig {
                name: l.name.clone(),
                protocol: if l.protocol == "TCP" {
                    lbaas_proto::Protocol::Tcp
                } else {
                    lbaas_proto::Protocol::Http
                },
                port: l.port as u16,
                algorithm: pool.map(|p| algo(&p.algorithm)).unwrap_or_default(),
                members: ms
                    .iter()
                    .filter_map(|m| {
                        Some(MemberConfig {
                            id: m.id.to_string(),
                            address: m.address.parse().ok()?,
                            port: m.port as u16,
                            weight: m.weight.max(0) as u32,
                            up: m.operating_status != "OFFLINE",
                        })
                    })
                    .collect(),
                cache: l.cache,
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
