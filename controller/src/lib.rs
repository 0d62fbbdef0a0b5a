//! `lbaas-controller`: reconcilers that converge the world (network namespaces, VMs, agent
//! configs) to the desired state in PostgreSQL, and the place the DNS server runs.
//!
//! Level-triggered: a pass takes no input, reads the whole desired state and acts on the
//! difference, so a missed notification or a crash mid-pass is repaired by the next pass.
//! Passes run on every `NOTIFY lbaas_change`, on agent events (hello, ack) and on a timer.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;

pub mod agent_link;
pub mod breaker;
pub mod hypervisor;
pub mod metrics;
pub mod netops;
pub mod reconciler;
pub mod warm_pool;

use agent_link::{AgentLinks, Agents};
use reconciler::{Reconciler, Settings};

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// Safety-net period between passes when nothing wakes the loop.
    pub period: Duration,
    /// `None`: the URI of the `hypervisor` row named `local`.
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
    let uri = match &config.libvirt_uri {
        Some(u) => u.clone(),
        None => lbaas_db::hypervisor::hypervisor_uri(&db, "local")
            .await?
            .unwrap_or_else(|| "qemu:///system".into()),
    };
    let wake = Arc::new(Notify::new());
    let agents = AgentLinks::new(wake.clone());
    let (metrics, mut registry) = metrics::ControllerMetrics::new();
    let mut rec = Reconciler::new(
        db.clone(),
        metrics::MeasuredNet { inner: netops::Netlink, metrics: metrics.clone() },
        hypervisor::WithDeadlines::new(hypervisor::Libvirt::new(&uri), config.deadlines)
            .with_metrics(metrics.clone()),
        agents.clone(),
        config.settings.clone(),
    );
    rec.wake = wake.clone();
    rec.metrics = metrics.clone();
    tokio::spawn(heartbeater(db.clone(), agents.clone(), metrics));
    tokio::spawn(certificate_watch(db.clone()));
    // DNS runs in this process: it needs nothing the controller holds, but one fewer process
    // to operate; it only reads PostgreSQL, so it can move to its own process unchanged.
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
    let mut listener = PgListener::connect_with(&db).await?;
    listener.listen(lbaas_db::CHANGE_CHANNEL).await?;
    tracing::info!(prefix = %config.settings.prefix, virt_type = %config.settings.virt_type, libvirt = %uri,
        "lbaas-controller reconciling");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        if let Err(e) = rec.pass().await {
            tracing::error!(error = %format!("{e:#}"), "reconcile pass failed");
        }
        tokio::select! {
            n = listener.recv() => {
                if let Err(e) = n {
                    tracing::warn!(error = %e, "notification stream broke; reconnecting");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                // Coalesce a burst (an instance create announces a dozen rows) into one pass:
                // drain until the channel has been quiet for 20 ms.
                while let Ok(Ok(_)) =
                    tokio::time::timeout(Duration::from_millis(20), listener.recv()).await
                {}
            }
            _ = wake.notified() => {}
            _ = tokio::time::sleep(if rec.status.recheck_soon {
                Duration::from_millis(250)
            } else {
                config.period
            }) => {}
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    tracing::info!("shutting down (VMs keep running; the next controller adopts them)");
    if let Some(d) = dns {
        d.shutdown().await?;
    }
    Ok(())
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
/// autoscale and the API; and the controller's own beat, which tells healthcheckd that a stale
/// node heartbeat means a dead node rather than a stopped controller.
/// The same heartbeats feed the traffic series of the metrics.
async fn heartbeater(
    db: sqlx::PgPool,
    agents: AgentLinks,
    metrics: Arc<metrics::ControllerMetrics>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if let Err(e) = lbaas_db::health::service_beat(&db, "controller").await {
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
