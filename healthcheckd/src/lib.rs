//! `lbaas-healthcheckd`: probes members and LB nodes with each pool's interval / timeout /
//! thresholds, writes transitions, and decides failover and autoscale.
//!
//! Today it connects and runs its loop over the pools that have a monitor, reporting how many it
//! would probe; probes start once the controller builds namespaces to probe from (probing from
//! the root namespace would break the traffic rule, so it does not pretend to).

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub period: Duration,
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = lbaas_db::connect(&config.database_url, 2).await?;
    tracing::info!("lbaas-healthcheckd running");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut last = -1;
    loop {
        match lbaas_db::pool::pool_count_monitored(&db).await {
            Ok(n) if n != last => {
                tracing::info!(pools = n, "monitored pools (no probe namespaces yet)");
                last = n;
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "listing monitored pools failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(config.period) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term.recv() => return Ok(()),
        }
    }
}
