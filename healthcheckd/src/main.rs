use std::time::Duration;

use clap::Parser;

/// Health checks, failover and autoscale decisions.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Seconds between passes.
    #[arg(long, env = "LBAAS_HEALTH_PERIOD", default_value_t = 5)]
    period: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    lbaas_healthcheckd::run(lbaas_healthcheckd::Config {
        database_url: cli.database_url,
        period: Duration::from_secs(cli.period),
    })
    .await
}
