//! `lbaas-controller`: reconcilers that converge the world (network namespaces, VMs, agent
//! configs) to the desired state in PostgreSQL, and the place the DNS server runs.
//!
//! Level-triggered: a pass reads the desired state and acts on the difference, so a crash
//! mid-pass is repaired by the next pass. Passes run on every `NOTIFY lbaas_change`, on agent
//! events (hello, ack) and on a timer; most are change-driven (the load balancers a change named
//! and those with work in flight), and a full pass every `--full-period` repairs whatever a
//! missed notification left (docs/ARCHITECTURE.md §14).

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;

pub mod agent_link;
pub mod breaker;
pub mod hypervisor;
pub mod metrics;
pub mod netops;
pub mod placement;
pub mod reconciler;
pub mod warm_pool;

use agent_link::{AgentLinks, Agents};
use reconciler::{Changes, Reconciler, Settings};

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// Period between passes when nothing wakes the loop (change-driven: cheap).
    pub period: Duration,
    /// Period between full passes (the safety net: every load balancer, collection, metrics).
    pub full_period: Duration,
    /// The `hypervisor` row this controller reconciles (`local` by default).
    pub hypervisor: String,
    /// `None`: the URI of that row.
    pub libvirt_uri: Option<String>,
    /// What the reconciler needs to name and build host objects.
    pub settings: Settings,
    /// The authoritative DNS server this process runs (ARCHITECTURE §6); `None` runs none.
    pub dns: Option<lbaas_dns::Config>,
    /// How long each kind of libvirt call may take.
    pub deadlines: hypervisor::Deadlines,
    /// Where `GET /metrics` is served (loopback); `None`: nowhere.
    pub metrics_listen: Option<std::net::SocketAddr>,
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = lbaas_db::connect(&config.database_url, 6).await?;
    // Compute hosts are rows: another host is an INSERT (and, today, a controller pointed at
    // it), not a code change.
    let hv = lbaas_db::hypervisor::hypervisor_by_name(&db, &config.hypervisor).await?.ok_or_else(
        || anyhow::anyhow!("no hypervisor named {:?} in the database", config.hypervisor),
    )?;
    let uri = config.libvirt_uri.clone().unwrap_or_else(|| hv.uri.clone());
    let (metrics, mut registry) = metrics::ControllerMetrics::new();
    // DNS runs on every replica, standing by or not: it only reads PostgreSQL, and every replica
    // derives the same records and serial from it (ARCHITECTURE §6), so a resolver may ask any.
    let dns = match &config.dns {
        Some(c) => Some(lbaas_dns::DnsServer::start(db.clone(), c.clone()).await?),
        None => None,
    };
    if let Some(d) = &dns {
        let (status, queries) = d.observers();
        registry.register_collector(Box::new(metrics::DnsCollector { status, queries }));
    }
    if let Some(listen) = config.metrics_listen {
        lbaas_metrics::serve(listen, registry, vec![]).await?;
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let lock = lbaas_db::health::controller_lock(hv.id);
    let result = loop {
        // One replica reconciles a hypervisor: the holder of its advisory lock, which lives as
        // long as its connection (ARCHITECTURE §9). The others stand by and take over within a
        // second of the holder's connection closing (a SIGKILL closes it at once).
        let what = format!("hypervisor {}", hv.name);
        let stop = async {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        let Some(lock_conn) = lbaas_db::health::hold_lock(&db, lock, &what, stop).await else {
            break Ok(());
        };
        metrics.leader.set(1);
        let me = format!("pid {} on {}", std::process::id(), hostname());
        tracing::info!(hypervisor = %hv.name, %me, "holding the hypervisor's lock: reconciling");
        let msg = format!("{me} reconciles hypervisor {}", hv.name);
        if let Err(e) =
            lbaas_db::event::event_insert(&db, None, None, None, "controller.leading", &msg).await
        {
            tracing::warn!(error = %e, "could not record the takeover");
        }
        match lead(&db, &config, &hv, &uri, &metrics, lock_conn, &mut term).await {
            Ok(()) => break Ok(()),
            // A PostgreSQL restart cuts the lock's connection too: stop deciding, then take the
            // lock again (or stand by, if another replica was quicker).
            Err(e) => {
                metrics.leader.set(0);
                tracing::warn!(error = %format!("{e:#}"), "stopped reconciling; taking the lock again");
            }
        }
    };
    tracing::info!("shutting down (VMs keep running; the next controller adopts them)");
    if let Some(d) = dns {
        d.shutdown().await?;
    }
    result
}

/// Tasks that live as long as a replica leads.
struct Leading(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Leading {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// Reconciles while `lock_conn` holds the hypervisor's lock. `Ok` on SIGINT/SIGTERM; `Err` when
/// the lock's connection is gone (or the change stream cannot start), and with it the right to
/// decide: the caller stands by again.
async fn lead(
    db: &sqlx::PgPool,
    config: &Config,
    hv: &lbaas_db::hypervisor::HypervisorRef,
    uri: &str,
    metrics: &Arc<metrics::ControllerMetrics>,
    mut lock_conn: sqlx::PgConnection,
    term: &mut tokio::signal::unix::Signal,
) -> anyhow::Result<()> {
    let wake = Arc::new(Notify::new());
    let agents = AgentLinks::new(wake.clone());
    let mut rec = Reconciler::new(
        db.clone(),
        metrics::MeasuredNet { inner: netops::Netlink, metrics: metrics.clone() },
        hypervisor::WithDeadlines::new(hypervisor::Libvirt::new(uri), config.deadlines)
            .with_metrics(metrics.clone()),
        agents.clone(),
        config.settings.clone(),
    )
    .with_hypervisor(hv.id);
    rec.wake = wake.clone();
    rec.metrics = metrics.clone();
    let _tasks = Leading(vec![
        tokio::spawn(heartbeater(db.clone(), agents.clone(), metrics.clone(), hv.name.clone())),
        tokio::spawn(certificate_watch(db.clone())),
    ]);
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(lbaas_db::CHANGE_CHANNEL).await?;
    tracing::info!(prefix = %config.settings.prefix, virt_type = %config.settings.virt_type, libvirt = %uri,
        "lbaas-controller reconciling");
    let mut lease = tokio::time::interval(Duration::from_secs(2));
    let mut run_pass = true;
    let mut next = tokio::time::Instant::now();
    // The first pass is a full one; then change-driven passes, and a full one every
    // `full_period` (the safety net: collection, metrics, anything a change did not name).
    let mut changes = Changes { full: true, ..Default::default() };
    let mut last_full = tokio::time::Instant::now();
    loop {
        if run_pass {
            let full = changes.full || last_full.elapsed() >= config.full_period;
            let r = if full {
                changes = Changes::default();
                last_full = tokio::time::Instant::now();
                rec.pass().await
            } else {
                rec.pass_changes(std::mem::take(&mut changes)).await
            };
            if let Err(e) = r {
                tracing::error!(error = %format!("{e:#}"), "reconcile pass failed");
                // What it was to look at is not lost: the next pass is a full one.
                changes.full = true;
            }
            // The safety-net pass is due this long after the last pass, whatever woke us since
            // (the lease check must not keep postponing it).
            let soon = rec.status.recheck_soon || rec.status.awaiting_spares > 0;
            let wait = if soon { Duration::from_millis(250) } else { config.period };
            next = tokio::time::Instant::now() + wait;
        }
        run_pass = true;
        tokio::select! {
            n = listener.recv() => {
                match n {
                    Ok(n) => changes.note(n.payload()),
                    Err(e) => {
                        tracing::warn!(error = %e, "notification stream broke; reconnecting");
                        // Some changes may be lost: the next pass looks at everything.
                        changes.full = true;
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
                // Coalesce a burst (an instance create announces a dozen rows) into one pass:
                // drain until the channel has been quiet for 20 ms.
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(20), listener.recv()).await
                {
                    changes.note(n.payload());
                }
            }
            _ = wake.notified() => {}
            _ = tokio::time::sleep_until(next) => {}
            _ = lease.tick() => {
                // Without the lock another replica may reconcile already: stop deciding.
                lbaas_db::health::still_leading(&mut lock_conn)
                    .await
                    .map_err(|e| anyhow::anyhow!("lost the hypervisor's lock: {e}"))?;
                run_pass = false;
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term.recv() => return Ok(()),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// How long before `not_after` a certificate's owner is told (event `certificate.expiring`).
pub const CERTIFICATE_WARNING: Duration = Duration::from_secs(30 * 24 * 3600);

/// Records a `certificate.expiring` event, once per chain, for each certificate that expires
/// within [`CERTIFICATE_WARNING`]. Claiming and marking is one statement, so replicas never
/// record it twice; a renewal re-arms it.
async fn certificate_watch(db: sqlx::PgPool) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = certificate_warn_expiring(&db, CERTIFICATE_WARNING).await {
            tracing::warn!(error = %e, "could not check certificate expiry");
        }
    }
}

pub async fn certificate_warn_expiring(
    db: &sqlx::PgPool,
    within: Duration,
) -> anyhow::Result<usize> {
    let within = chrono::Duration::from_std(within)?;
    let mut tx = db.begin().await?;
    let expiring = lbaas_db::certificate::certificate_take_expiring(&mut *tx, within).await?;
    for c in &expiring {
        let msg = format!(
            "certificate {} ({}) expires at {}; upload a renewal (update certificate)",
            c.name,
            c.names.join(", "),
            c.not_after
        );
        lbaas_db::event::event_insert(
            &mut *tx,
            Some(lbaas_common::types::TenantId(c.tenant_id)),
            None,
            None,
            "certificate.expiring",
            &msg,
        )
        .await?;
        tracing::info!(certificate = %c.id, not_after = %c.not_after, "certificate expires soon");
    }
    tx.commit().await?;
    Ok(expiring.len())
}

/// Records each agent's heartbeat and load on its node row once a second, for healthcheckd,
/// autoscale and the API; and the controller's own beat (per hypervisor), which tells
/// healthcheckd that a stale node heartbeat means a dead node rather than a stopped controller.
/// The same heartbeats feed the traffic series of the metrics.
async fn heartbeater(
    db: sqlx::PgPool,
    agents: AgentLinks,
    metrics: Arc<metrics::ControllerMetrics>,
    hypervisor: String,
) {
    let beat = lbaas_db::health::controller_beat_name(&hypervisor);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if let Err(e) = lbaas_db::health::service_beat(&db, &beat).await {
            tracing::warn!(error = %e, "could not record the controller's beat");
        }
        let mut traffic = Vec::new();
        for node in agents.nodes() {
            let Some(st) = agents.state(&node) else { continue };
            let fresh = st.last_heartbeat.is_some_and(|t| t.elapsed() < Duration::from_secs(2));
            let Ok(id) = node.parse::<uuid::Uuid>() else { continue };
            let Some(hb) = st.heartbeat.as_ref().filter(|_| fresh) else { continue };
            traffic.push(metrics::NodeTraffic { node: node.clone(), heartbeat: hb.clone() });
            let util = match hb.cpu {
                c if c > 0.7 => lbaas_common::types::Utilization::High,
                c if c > 0.3 => lbaas_common::types::Utilization::Medium,
                _ => lbaas_common::types::Utilization::Low,
            };
            let load = lbaas_db::node::Load {
                cpu: hb.cpu,
                requests_per_second: hb.requests_per_second,
                active_connections: hb.active_connections,
            };
            if let Err(e) = lbaas_db::node::node_heartbeat(&db, id, util, load).await {
                tracing::warn!(error = %e, "could not record heartbeat");
            }
        }
        metrics.agent_links_up.set(traffic.len() as i64);
        let stats = member_stats(&traffic);
        if let Err(e) = lbaas_db::member::member_stat_upsert(&db, &stats).await {
            tracing::warn!(error = %e, "could not record member traffic");
        }
        metrics.set_traffic(traffic);
    }
}

/// Each member's traffic over the nodes that reported on it: counts added, latencies the worst
/// node's (a member slow from one node is slow for the clients that node serves).
fn member_stats(traffic: &[metrics::NodeTraffic]) -> Vec<lbaas_db::member::MemberStat> {
    let mut by_member: std::collections::BTreeMap<uuid::Uuid, lbaas_db::member::MemberStat> =
        std::collections::BTreeMap::new();
    for n in traffic {
        for m in &n.heartbeat.members {
            let Ok(id) = m.id.parse::<uuid::Uuid>() else { continue };
            let s = by_member.entry(id).or_insert(lbaas_db::member::MemberStat {
                member: id,
                requests: 0,
                errors: 0,
                active_connections: 0,
                latency_p50_ms: 0.0,
                latency_p99_ms: 0.0,
            });
            let clamp = |v: u64| v.min(i64::MAX as u64) as i64;
            s.requests = s.requests.saturating_add(clamp(m.requests));
            s.errors = s.errors.saturating_add(clamp(m.errors));
            s.active_connections = s.active_connections.saturating_add(clamp(m.active));
            s.latency_p50_ms = s.latency_p50_ms.max(m.p50_ms);
            s.latency_p99_ms = s.latency_p99_ms.max(m.p99_ms);
        }
    }
    by_member.into_values().collect()
}
