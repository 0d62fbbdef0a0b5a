use std::time::Duration;

use clap::Parser;

/// Health checks, failover and autoscale decisions.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The controller's host-object prefix: probes run inside its namespaces.
    #[arg(long, env = "LBAAS_PREFIX", default_value = "lbaas")]
    prefix: String,
    /// Milliseconds between re-reads of targets, heartbeats and load.
    #[arg(long, env = "LBAAS_HEALTH_REFRESH_MS", default_value_t = 500)]
    refresh_ms: u64,
    /// Seconds without an agent heartbeat after which a node is DOWN.
    #[arg(long, env = "LBAAS_HEARTBEAT_TIMEOUT", default_value_t = 3.0)]
    heartbeat_timeout: f64,
    /// Autoscale: average agent CPU (0..1) above which a load balancer's load is high.
    #[arg(long, default_value_t = 0.7)]
    scale_cpu_high: f64,
    /// Autoscale: average agent CPU below which load is low.
    #[arg(long, default_value_t = 0.2)]
    scale_cpu_low: f64,
    /// Autoscale: average requests/s per node above which load is high (default: CPU only).
    #[arg(long)]
    scale_rps_high: Option<f64>,
    /// Autoscale: average requests/s per node below which load is low.
    #[arg(long)]
    scale_rps_low: Option<f64>,
    /// Autoscale: seconds high load must last before a node is added.
    #[arg(long, default_value_t = 10)]
    scale_out_after: u64,
    /// Autoscale: seconds low load must last before a node is drained and removed.
    #[arg(long, default_value_t = 60)]
    scale_in_after: u64,
    /// Autoscale: seconds after a decision before the next one.
    #[arg(long, default_value_t = 60)]
    scale_cooldown: u64,
    /// Prometheus metrics (`GET /metrics`), on loopback; `off` serves none.
    #[arg(long, env = "LBAAS_HEALTHCHECKD_METRICS_LISTEN", default_value = "127.0.0.1:9103")]
    metrics_listen: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let mut config = lbaas_healthcheckd::Config::new(cli.database_url, cli.prefix);
    config.refresh = Duration::from_millis(cli.refresh_ms.max(50));
    config.heartbeat_timeout = Duration::from_secs_f64(cli.heartbeat_timeout.max(0.5));
    config.scale = lbaas_healthcheckd::scale::ScalePolicy {
        cpu_high: cli.scale_cpu_high,
        cpu_low: cli.scale_cpu_low,
        rps_high: cli.scale_rps_high,
        rps_low: cli.scale_rps_low,
        out_after: Duration::from_secs(cli.scale_out_after),
        in_after: Duration::from_secs(cli.scale_in_after),
        cooldown: Duration::from_secs(cli.scale_cooldown),
    };
    config.metrics_listen = lbaas_metrics::parse_listen(&cli.metrics_listen)?;
    lbaas_healthcheckd::run(config).await
}
