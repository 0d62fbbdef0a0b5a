use std::time::Duration;

use clap::Parser;

/// Converges VMs, networks and DNS to the desired state in PostgreSQL.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Seconds between safety-net passes.
    #[arg(long, env = "LBAAS_RECONCILE_PERIOD", default_value_t = 10)]
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
    lbaas_controller::run(lbaas_controller::Config {
        database_url: cli.database_url,
        period: Duration::from_secs(cli.period),
    })
    .await
}
