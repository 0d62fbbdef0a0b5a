use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The lbaas REST API and JSON envelope.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[arg(long, env = "LBAAS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    #[arg(long, env = "LBAAS_ZONE", default_value = lbaas_common::DEFAULT_ZONE)]
    zone: String,
    #[arg(long, env = "LBAAS_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<PathBuf>,
    #[arg(long, env = "LBAAS_ASSETS_DIR", default_value = "vendor/swagger-ui")]
    assets_dir: PathBuf,
    /// The dashboard's vendored chart library (`/ui`).
    #[arg(long, env = "LBAAS_UI_ASSETS_DIR", default_value = "vendor/ui")]
    ui_assets_dir: PathBuf,
    /// Prometheus metrics (`GET /metrics`), on loopback; `off` serves none.
    #[arg(long, env = "LBAAS_API_METRICS_LISTEN", default_value = "127.0.0.1:9101")]
    metrics_listen: String,
    /// The operator's key that encrypts TLS private keys at rest: a file of 64 hex digits
    /// (`make run` makes `.lbaas/secret.key`). Without it certificate uploads are refused.
    #[arg(long, env = "LBAAS_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    /// How long (ms) the answers of the hot reads (a load balancer's GET, the envelope's
    /// instance info) are kept; any change drops them at once (ARCHITECTURE §8). 0: not kept.
    #[arg(long, env = "LBAAS_READ_CACHE_MS", default_value_t = 1000)]
    read_cache_ms: u64,
    /// Logs as JSON lines instead of human-readable text.
    #[arg(long, env = "LBAAS_LOG_JSON")]
    log_json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Print the OpenAPI spec (what `openapi/lbaas.json` holds).
    Openapi,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", lbaas_api::openapi_json());
        return Ok(());
    }
    init_tracing(cli.log_json);
    let database_url = cli
        .database_url
        .ok_or_else(|| anyhow::anyhow!("DATABASE_URL (or --database-url) is required"))?;
    lbaas_api::run(lbaas_api::Config {
        listen: cli.listen,
        database_url,
        zone: cli.zone,
        admin_token_file: cli.admin_token_file,
        assets_dir: cli.assets_dir,
        ui_assets_dir: cli.ui_assets_dir,
        metrics_listen: lbaas_metrics::parse_listen(&cli.metrics_listen)?,
        secret_key_file: cli.secret_key_file,
        read_cache_ttl: std::time::Duration::from_millis(cli.read_cache_ms),
    })
    .await
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let fmt = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        fmt.json().init();
    } else {
        fmt.init();
    }
}
