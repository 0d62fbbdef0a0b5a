//! `lbaas-controller`: reconcilers that converge the world (network namespaces, VMs, agent
//! configs, DNS) to the desired state in PostgreSQL.
//!
//! Level-triggered: a pass takes no input, reads the whole desired state and acts on the
//! difference, so a missed notification or a crash mid-pass is repaired by the next pass. Passes
//! run on every `NOTIFY lbaas_change` and on a timer.
//!
//! What exists today: the loop itself and the delete path of load balancers that own no node
//! (nothing to tear down but rows). Compute, network and DNS reconcilers plug into [`pass`]; until
//! they exist a new load balancer stays PENDING_CREATE, which is the truth.

use std::time::{Duration, Instant};

use lbaas_common::types::ProvisioningStatus;
use lbaas_common::Result;
use lbaas_db::load_balancer as lbq;
use sqlx::postgres::PgListener;
use sqlx::PgPool;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// Safety-net period between passes when no notification arrives.
    pub period: Duration,
}

/// What an operator reads to know the reconciler is alive and what it last did.
#[derive(Debug, Default, Clone)]
pub struct Status {
    pub passes: u64,
    pub last_error: Option<String>,
    pub purged: u64,
}

/// One reconcile pass. Idempotent: running it twice in a row changes nothing the second time.
pub async fn pass(db: &PgPool, status: &mut Status) -> Result<()> {
    let deleting =
        lbq::load_balancer_list_by_status(db, &[ProvisioningStatus::PendingDelete]).await?;
    for lb in deleting {
        // A node means a VM, taps and a VIP to tear down first: that is the compute
        // reconciler's job, and purging the row here would leak them.
        if lbaas_db::node::node_count(db, lb.id).await? > 0 {
            continue;
        }
        if lbq::load_balancer_purge(db, lb.id).await? {
            status.purged += 1;
            lbaas_db::event::event_insert(
                db,
                Some(lbaas_common::types::TenantId(lb.tenant_id)),
                Some(lb.id),
                None,
                "load_balancer.deleted",
                &lb.name,
            )
            .await?;
            tracing::info!(lb_id = %lb.id, name = %lb.name, "load balancer deleted");
        }
    }
    status.passes += 1;
    Ok(())
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = lbaas_db::connect(&config.database_url, 4).await?;
    let mut listener = PgListener::connect_with(&db).await?;
    listener.listen(lbaas_db::CHANGE_CHANNEL).await?;
    let mut status = Status::default();
    tracing::info!("lbaas-controller reconciling");
    let mut next = Instant::now();
    loop {
        if let Err(e) = pass(&db, &mut status).await {
            tracing::error!(error = %e, "reconcile pass failed");
            status.last_error = Some(e.to_string());
        }
        next += config.period;
        let wait = next.saturating_duration_since(Instant::now());
        tokio::select! {
            n = listener.recv() => {
                if let Err(e) = n {
                    tracing::warn!(error = %e, "notification stream broke; reconnecting");
                }
                next = Instant::now();
            }
            _ = tokio::time::sleep(wait) => { next = Instant::now(); }
            _ = shutdown_signal() => { tracing::info!("shutting down"); return Ok(()); }
        }
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
